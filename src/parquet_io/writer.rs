//! Writing a Parquet file from its input: the rows given, in input order, every column as it
//! was but the text, and the `dedup` column when duplicates are annotated.

use std::io::Write;
use std::sync::Arc;

use arrow_array::builder::{
    Float64Builder, LargeStringBuilder, StringBuilder, StringViewBuilder, UInt32Builder,
};
use arrow_array::{Array, ArrayRef, RecordBatch, StructArray, UInt32Array};
use arrow_buffer::NullBuffer;
use arrow_schema::{DataType, Field, Fields, Schema, SchemaRef};
use parquet::arrow::arrow_writer::{
    compute_leaves, ArrowColumnChunk, ArrowColumnWriter, ArrowRowGroupWriterFactory,
    ArrowWriterOptions,
};
use parquet::arrow::{parquet_to_arrow_schema, ArrowWriter};
use parquet::basic::Type as PhysicalType;
use parquet::column::writer::ColumnCloseResult;
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::SchemaDescriptor;

use super::reader::{Chunk, ParquetInput};
use super::{string_value, ParquetError, ParquetErrorKind, RowLocator};

/// The column `--dedup annotate` adds (or replaces, when the input has one): a nullable
/// struct, null for a row in no cluster.
///
/// A struct rather than a JSON string: Parquet's readers (pandas, DuckDB, Spark, a dataset
/// hub's viewer) then see typed fields they can filter on (`dedup.duplicate_of IS NOT NULL`)
/// without parsing a string a row, and the fields are those of JSON Lines' `dedup` object,
/// which are fixed.
pub const ANNOTATION_COLUMN: &str = "dedup";

/// What `--dedup annotate` says of a row in a cluster: the fields of JSON Lines' `dedup`
/// object.
#[derive(Debug, Clone, PartialEq)]
pub struct Annotation {
    /// The cluster's number.
    pub cluster: u32,
    /// The id of the member kept for it; `None` for the kept member.
    pub duplicate_of: Option<String>,
    /// How similar it is to the kept member.
    pub similarity: f64,
    /// The share of its words the kept member covers.
    pub coverage: f64,
    /// `exact` or `near`.
    pub kind: String,
}

/// How one row is written.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RowEdit {
    /// The new text; `None` keeps the cell as it was (null included).
    pub text: Option<String>,
    /// The `dedup` column's value, when duplicates are annotated.
    pub annotation: Option<Annotation>,
}

/// Writes the rows given to it, in input order, from its input file to `W`: the input's
/// schema (with the `dedup` column when annotating), the compression of each of its columns,
/// row groups of as many rows as the input's on average. A row whose text is null is never a
/// document, and is written as it was; any other row not given is left out.
///
/// A row group whose every row is given and none annotated is not decoded again: its column
/// chunks are copied as they are in the input (pages, statistics), but for the text column's
/// when a text changed, which is encoded anew. Any other row group is decoded and its rows
/// encoded again, gathered into row groups of the input's average size. So the rows of a
/// row group are held until the row group ends (their new texts included): memory is bounded
/// by a row group, not a chunk.
pub struct ParquetRewriter<W: Write + Send> {
    input: ParquetInput,
    file: SerializedFileWriter<W>,
    factory: ArrowRowGroupWriterFactory,
    schema: SchemaRef,
    annotate: Option<usize>,
    /// Whether row groups may be copied: not annotating, the output's Parquet schema the
    /// input's.
    copyable: bool,
    /// The rows of a row group encoded anew.
    target_rows: usize,
    /// Rows encoded anew and not yet closed into a row group.
    open: Option<OpenGroup>,
    /// The row group rows are being given from, and the rows given so far.
    group: Option<u32>,
    pending: Vec<(u32, RowEdit)>,
    /// The first row group not yet written.
    next_group: usize,
    /// The last row given, to refuse rows out of order.
    last: Option<RowLocator>,
}

/// Column chunks being encoded for a row group of the output.
struct OpenGroup {
    writers: Vec<ArrowColumnWriter>,
    rows: usize,
}

impl<W: Write + Send> ParquetRewriter<W> {
    /// A writer of rows of `input` into `out`, with the `dedup` column when `annotate`.
    pub fn new(input: ParquetInput, out: W, annotate: bool) -> Result<Self, ParquetError> {
        let name = Arc::clone(input.name());
        let write_error = |err: &dyn std::fmt::Display| {
            ParquetError::file(&name, ParquetErrorKind::Write(err.to_string()))
        };
        let in_schema = input.schema().clone();
        let (schema, annotate) = if annotate {
            let field = Arc::new(annotation_field());
            let mut fields: Vec<_> = in_schema.fields().iter().cloned().collect();
            let index = match fields.iter().position(|f| f.name() == ANNOTATION_COLUMN) {
                Some(index) => {
                    fields[index] = field;
                    index
                }
                None => {
                    fields.push(field);
                    fields.len() - 1
                }
            };
            let schema = Schema::new_with_metadata(fields, in_schema.metadata().clone());
            (Arc::new(schema), Some(index))
        } else {
            (in_schema, None)
        };
        let descr = input.metadata().file_metadata().schema_descr();
        let mut options = ArrowWriterOptions::new().with_properties(properties(&input));
        // Without annotation the output's Parquet schema is the input's, so that its column
        // chunks can be copied, when the arrays read are written into it with the values as
        // stored: no INT96 timestamps (arrow-rs does not write them), and every column read
        // as its Parquet type reads without the embedded Arrow schema, but for the layout of
        // strings, dictionaries and time zones. Else the schema is derived from the Arrow one
        // and every row group encoded anew.
        let copyable = annotate.is_none()
            && descr
                .columns()
                .iter()
                .all(|leaf| leaf.physical_type() != PhysicalType::INT96)
            && parquet_to_arrow_schema(descr, None).is_ok_and(|natural| {
                natural.fields().len() == schema.fields().len()
                    && natural
                        .fields()
                        .iter()
                        .zip(schema.fields())
                        .all(|(natural, read)| same_values(natural.data_type(), read.data_type()))
            });
        if copyable {
            options = options.with_parquet_schema(SchemaDescriptor::new(descr.root_schema_ptr()));
        }
        let writer = ArrowWriter::try_new_with_options(out, schema.clone(), options)
            .map_err(|err| write_error(&err))?;
        let (file, factory) = writer
            .into_serialized_writer()
            .map_err(|err| write_error(&err))?;
        let groups = input.metadata().num_row_groups().max(1) as u64;
        let target_rows = input.rows().div_ceil(groups).max(1);
        Ok(ParquetRewriter {
            file,
            factory,
            schema,
            annotate,
            copyable,
            target_rows: usize::try_from(target_rows).unwrap_or(usize::MAX),
            open: None,
            group: None,
            pending: Vec::new(),
            next_group: 0,
            last: None,
            input,
        })
    }

    /// Writes the row at `at` as `edit` says. Rows must come in input order.
    pub fn write_row(&mut self, at: RowLocator, edit: RowEdit) -> Result<(), ParquetError> {
        if self.last.is_some_and(|last| at <= last) {
            return Err(ParquetError::file(
                self.input.name(),
                ParquetErrorKind::Order(format!("{at:?} after {:?}", self.last)),
            ));
        }
        self.last = Some(at);
        let rows = self
            .input
            .metadata()
            .row_groups()
            .get(at.row_group as usize)
            .map_or(0, |group| group.num_rows());
        if i64::from(at.row) >= rows {
            return Err(ParquetError {
                row_group: Some(at.row_group),
                ..ParquetError::file(
                    self.input.name(),
                    ParquetErrorKind::Order(format!("no row {} in the row group", at.row)),
                )
            });
        }
        if self.group != Some(at.row_group) {
            self.end_group()?;
            // The row groups before, none of whose rows was given: their null texts.
            // (At's row group is in the file: its row was found above.)
            while self.next_group < at.row_group as usize {
                let group = self.next_group;
                self.next_group += 1;
                self.write_group(group, Vec::new())?;
            }
            self.group = Some(at.row_group);
            self.next_group = at.row_group as usize + 1;
        }
        self.pending.push((at.row, edit));
        Ok(())
    }

    /// Writes the row group rows are being given from.
    fn end_group(&mut self) -> Result<(), ParquetError> {
        if let Some(group) = self.group.take() {
            let pending = std::mem::take(&mut self.pending);
            self.write_group(group as usize, pending)?;
        }
        Ok(())
    }

    /// Writes row group `group`'s rows given (`pending`, in order) and its null texts: its
    /// column chunks copied when every row was given unannotated (the text column's encoded
    /// anew when a text changed), else its rows decoded and encoded anew.
    fn write_group(
        &mut self,
        group: usize,
        pending: Vec<(u32, RowEdit)>,
    ) -> Result<(), ParquetError> {
        let metadata = Arc::clone(self.input.metadata());
        let rows = metadata.row_group(group).num_rows();
        // Every row given (in order, once each: so rows 0..rows): a row whose text is null is
        // never given, so the row group has none.
        let whole = i64::try_from(pending.len()).is_ok_and(|given| given == rows);
        if whole && self.copyable && self.chunks_in_file(group) {
            let changed = pending.iter().any(|(_, edit)| edit.text.is_some());
            if !changed {
                self.close_open()?;
                return self.copy_group(group, None);
            }
            if let Some(leaf) = self.input.text_leaf() {
                let text = self.encode_text(group, pending)?;
                self.close_open()?;
                return self.copy_group(group, Some((leaf, text)));
            }
        }
        if pending.is_empty() && !self.input.may_have_null_text(group) {
            return Ok(());
        }
        self.encode_group(group, pending)
    }

    /// Whether every column chunk of row group `group` lies within the input file, as its
    /// metadata says (else the row group is decoded and encoded anew, or fails as it would).
    fn chunks_in_file(&self, group: usize) -> bool {
        let len = self
            .input
            .file()
            .metadata()
            .map_or(0, |meta| i64::try_from(meta.len()).unwrap_or(i64::MAX));
        self.input
            .metadata()
            .row_group(group)
            .columns()
            .iter()
            .all(|column| {
                let start = column
                    .dictionary_page_offset()
                    .unwrap_or_else(|| column.data_page_offset());
                let size = column.compressed_size();
                start >= 0 && size >= 0 && start.checked_add(size).is_some_and(|end| end <= len)
            })
    }

    /// Appends row group `group` to the output, its column chunks copied from the input's
    /// bytes with their metadata (statistics included: the values are the same), but for the
    /// leaf column `text` names, given encoded.
    fn copy_group(
        &mut self,
        group: usize,
        mut text: Option<(usize, ArrowColumnChunk)>,
    ) -> Result<(), ParquetError> {
        let name = Arc::clone(self.input.name());
        let write_error = |err: parquet::errors::ParquetError| ParquetError {
            row_group: Some(group as u32),
            ..ParquetError::file(&name, ParquetErrorKind::Write(err.to_string()))
        };
        let metadata = Arc::clone(self.input.metadata());
        let input = metadata.row_group(group);
        let rows = u64::try_from(input.num_rows()).unwrap_or(0);
        let mut out = self.file.next_row_group().map_err(write_error)?;
        for (leaf, column) in input.columns().iter().enumerate() {
            match text.take() {
                Some((at, chunk)) if at == leaf => {
                    chunk.append_to_row_group(&mut out).map_err(write_error)?
                }
                other => {
                    text = other;
                    let close = ColumnCloseResult {
                        bytes_written: u64::try_from(column.compressed_size()).unwrap_or(0),
                        rows_written: rows,
                        metadata: column.clone(),
                        bloom_filter: None,
                        // The page index is not read: the copy has none.
                        column_index: None,
                        offset_index: None,
                    };
                    out.append_column(self.input.file(), close)
                        .map_err(write_error)?;
                }
            }
        }
        out.close().map_err(write_error)?;
        Ok(())
    }

    /// The text column of row group `group`, every row given (`pending`), encoded with the new
    /// texts: only that column is decoded.
    fn encode_text(
        &mut self,
        group: usize,
        pending: Vec<(u32, RowEdit)>,
    ) -> Result<ArrowColumnChunk, ParquetError> {
        let leaf = self.input.text_leaf().unwrap_or(0);
        let text = self.input.text_column();
        let write_error = |err: &dyn std::fmt::Display| ParquetError {
            row_group: Some(group as u32),
            ..ParquetError::file(self.input.name(), ParquetErrorKind::Write(err.to_string()))
        };
        let index = self.file.flushed_row_groups().len();
        let mut writers = self
            .factory
            .create_column_writers(index)
            .map_err(|err| write_error(&err))?;
        if leaf >= writers.len() {
            return Err(write_error(&"no writer for the text column"));
        }
        let mut writer = writers.swap_remove(leaf);
        drop(writers);
        let field = self.schema.field(text);
        let mut edits = pending.into_iter();
        for chunk in self.input.row_group_columns(group, &[text])? {
            let chunk = chunk?;
            let picked: Vec<(u32, RowEdit)> = (0..chunk.batch.num_rows() as u32)
                .map(|row| (row, edits.next().map(|(_, edit)| edit).unwrap_or_default()))
                .collect();
            let column = replaced_text(chunk.batch.column(0).as_ref(), &picked);
            for leaf in compute_leaves(field, &column).map_err(|err| write_error(&err))? {
                writer.write(&leaf).map_err(|err| write_error(&err))?;
            }
        }
        let chunk = writer.close().map_err(|err| write_error(&err))?;
        if chunk.close().rows_written
            != u64::try_from(self.input.metadata().row_group(group).num_rows()).unwrap_or(0)
        {
            return Err(write_error(
                &"the text column holds fewer rows than the row group",
            ));
        }
        Ok(chunk)
    }

    /// Decodes row group `group` and encodes its rows given, and its null texts, anew.
    fn encode_group(
        &mut self,
        group: usize,
        pending: Vec<(u32, RowEdit)>,
    ) -> Result<(), ParquetError> {
        // A row group that cannot be opened was the reader's problem already.
        let Ok(chunks) = self.input.row_group(group) else {
            return Ok(());
        };
        let mut edits = pending.into_iter().peekable();
        for chunk in chunks {
            // A damaged page: the reader said so, and gave no row from there to the end of its
            // row group; the rest of the group is left out here too.
            let Ok(chunk) = chunk else {
                break;
            };
            let end = chunk.first_row + chunk.batch.num_rows() as u32;
            let mut picked = Vec::new();
            while let Some((row, _)) = edits.peek() {
                if *row >= end {
                    break;
                }
                if let Some((row, edit)) = edits.next() {
                    if let Some(row) = row.checked_sub(chunk.first_row) {
                        picked.push((row, edit));
                    }
                }
            }
            self.encode_chunk(&chunk, picked)?;
        }
        Ok(())
    }

    /// Encodes the rows picked from `chunk`, and the rows whose text is null.
    fn encode_chunk(
        &mut self,
        chunk: &Chunk,
        mut picked: Vec<(u32, RowEdit)>,
    ) -> Result<(), ParquetError> {
        let batch = &chunk.batch;
        let text = self.input.text_column();
        let text_column = batch.column(text);
        if text_column.null_count() > 0 {
            let mut given = std::mem::take(&mut picked).into_iter().peekable();
            for row in 0..batch.num_rows() as u32 {
                match given.peek() {
                    Some((next, _)) if *next == row => picked.extend(given.next()),
                    _ if text_column.is_null(row as usize) => {
                        picked.push((row, RowEdit::default()))
                    }
                    _ => {}
                }
            }
        }
        if picked.is_empty() {
            return Ok(());
        }
        let unchanged = picked.iter().all(|(_, edit)| edit.text.is_none());
        let mut columns: Vec<ArrayRef> = if picked.len() == batch.num_rows() {
            batch.columns().to_vec()
        } else {
            let indices = UInt32Array::from_iter_values(picked.iter().map(|(row, _)| *row));
            batch
                .columns()
                .iter()
                .map(|column| arrow_select::take::take(column.as_ref(), &indices, None))
                .collect::<Result<_, _>>()
                .map_err(|err| self.write_error(&err))?
        };
        if !unchanged {
            columns[text] = replaced_text(text_column.as_ref(), &picked);
        }
        if let Some(index) = self.annotate {
            let annotations = annotation_array(&picked);
            if index < columns.len() {
                columns[index] = annotations;
            } else {
                columns.push(annotations);
            }
        }
        let out = RecordBatch::try_new(self.schema.clone(), columns)
            .map_err(|err| self.write_error(&err))?;
        self.append_rows(&out)
    }

    /// Encodes `batch`'s rows into the open row group, closing it each time it holds the
    /// target's rows.
    fn append_rows(&mut self, batch: &RecordBatch) -> Result<(), ParquetError> {
        let mut offset = 0;
        while offset < batch.num_rows() {
            let mut open = match self.open.take() {
                Some(open) => open,
                None => OpenGroup {
                    writers: self
                        .factory
                        .create_column_writers(self.file.flushed_row_groups().len())
                        .map_err(|err| self.write_error(&err))?,
                    rows: 0,
                },
            };
            let take = self
                .target_rows
                .saturating_sub(open.rows)
                .max(1)
                .min(batch.num_rows() - offset);
            let slice = batch.slice(offset, take);
            let mut writers = open.writers.iter_mut();
            for (field, column) in self.schema.fields().iter().zip(slice.columns()) {
                let leaves = compute_leaves(field, column).map_err(|err| self.write_error(&err))?;
                for leaf in leaves {
                    let writer = writers
                        .next()
                        .ok_or_else(|| self.write_error(&"more leaf columns than writers"))?;
                    writer.write(&leaf).map_err(|err| self.write_error(&err))?;
                }
            }
            open.rows += take;
            offset += take;
            if open.rows >= self.target_rows {
                self.close_group(open)?;
            } else {
                self.open = Some(open);
            }
        }
        Ok(())
    }

    /// Closes the open row group, if it holds rows.
    fn close_open(&mut self) -> Result<(), ParquetError> {
        match self.open.take() {
            Some(open) if open.rows > 0 => self.close_group(open),
            _ => Ok(()),
        }
    }

    /// Appends the row group encoded in `open` to the output.
    fn close_group(&mut self, open: OpenGroup) -> Result<(), ParquetError> {
        let name = Arc::clone(self.input.name());
        let write_error = |err: parquet::errors::ParquetError| {
            ParquetError::file(&name, ParquetErrorKind::Write(err.to_string()))
        };
        let mut out = self.file.next_row_group().map_err(write_error)?;
        for writer in open.writers {
            writer
                .close()
                .and_then(|chunk| chunk.append_to_row_group(&mut out))
                .map_err(write_error)?;
        }
        out.close().map_err(write_error)?;
        Ok(())
    }

    fn write_error(&self, err: &dyn std::fmt::Display) -> ParquetError {
        ParquetError::file(self.input.name(), ParquetErrorKind::Write(err.to_string()))
    }

    /// Writes what is left and the footer; returns the output.
    pub fn finish(mut self) -> Result<W, ParquetError> {
        self.end_group()?;
        // The rows with a null text after the last row given.
        while self.next_group < self.input.row_groups() {
            let group = self.next_group;
            self.next_group += 1;
            self.write_group(group, Vec::new())?;
        }
        self.close_open()?;
        let name = Arc::clone(self.input.name());
        self.file
            .into_inner()
            .map_err(|err| ParquetError::file(&name, ParquetErrorKind::Write(err.to_string())))
    }
}

/// The output's properties: each column compressed as the input's first row group compresses
/// it, row groups of the input's average row count.
fn properties(input: &ParquetInput) -> WriterProperties {
    let metadata = input.metadata();
    let mut builder = WriterProperties::builder();
    if let Some(group) = metadata.row_groups().first() {
        for column in group.columns() {
            builder =
                builder.set_column_compression(column.column_path().clone(), column.compression());
        }
        // The default for columns not in the input (the `dedup` column).
        builder = builder.set_compression(group.column(0).compression());
    }
    // The file's key-value metadata as it was (a dataset hub's `huggingface` key, pandas'):
    // readers take it from there, not only from the Arrow schema the writer embeds itself.
    let kept: Vec<_> = metadata
        .file_metadata()
        .key_value_metadata()
        .into_iter()
        .flatten()
        .filter(|kv| kv.key != "ARROW:schema")
        .cloned()
        .collect();
    if !kept.is_empty() {
        builder = builder.set_key_value_metadata(Some(kept));
    }
    let groups = metadata.num_row_groups().max(1) as u64;
    let rows = input.rows().div_ceil(groups).max(1);
    builder
        .set_max_row_group_row_count(Some(usize::try_from(rows).unwrap_or(usize::MAX)))
        .build()
}

/// Whether arrays of type `read` (the reader's, after the file's embedded Arrow schema) are
/// written into a column whose own Arrow type is `natural` with their values as stored: the same
/// type, strings or binaries of another layout or in a dictionary, timestamps of the same unit
/// in another zone, lists and structs of such.
fn same_values(natural: &DataType, read: &DataType) -> bool {
    let string =
        |t: &DataType| matches!(t, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View);
    let binary = |t: &DataType| {
        matches!(
            t,
            DataType::Binary | DataType::LargeBinary | DataType::BinaryView
        )
    };
    match (natural, read) {
        (_, DataType::Dictionary(_, values)) => same_values(natural, values),
        (a, b) if string(a) && string(b) => true,
        (a, b) if binary(a) && binary(b) => true,
        (DataType::Timestamp(a, _), DataType::Timestamp(b, _)) => a == b,
        (
            DataType::List(a) | DataType::LargeList(a),
            DataType::List(b) | DataType::LargeList(b),
        ) => same_values(a.data_type(), b.data_type()),
        (DataType::Struct(a), DataType::Struct(b)) => {
            a.len() == b.len()
                && a.iter()
                    .zip(b.iter())
                    .all(|(a, b)| same_values(a.data_type(), b.data_type()))
        }
        _ => natural == read,
    }
}

/// The text column of the picked rows: each row's new text, or its cell as it was.
fn replaced_text(column: &dyn Array, picked: &[(u32, RowEdit)]) -> ArrayRef {
    let value = |(row, edit): &(u32, RowEdit)| -> Option<String> {
        match &edit.text {
            Some(text) => Some(text.clone()),
            None => string_value(column, *row as usize).map(str::to_string),
        }
    };
    match column.data_type() {
        DataType::LargeUtf8 => {
            let mut builder = LargeStringBuilder::new();
            for pick in picked {
                builder.append_option(value(pick));
            }
            Arc::new(builder.finish())
        }
        DataType::Utf8View => {
            let mut builder = StringViewBuilder::new();
            for pick in picked {
                builder.append_option(value(pick));
            }
            Arc::new(builder.finish())
        }
        _ => {
            let mut builder = StringBuilder::new();
            for pick in picked {
                builder.append_option(value(pick));
            }
            Arc::new(builder.finish())
        }
    }
}

/// The fields of the `dedup` column.
fn annotation_fields() -> Fields {
    Fields::from(vec![
        Field::new("cluster", DataType::UInt32, false),
        Field::new("duplicate_of", DataType::Utf8, true),
        Field::new("similarity", DataType::Float64, false),
        Field::new("coverage", DataType::Float64, false),
        Field::new("kind", DataType::Utf8, false),
    ])
}

fn annotation_field() -> Field {
    Field::new(
        ANNOTATION_COLUMN,
        DataType::Struct(annotation_fields()),
        true,
    )
}

/// The `dedup` column of the picked rows.
fn annotation_array(picked: &[(u32, RowEdit)]) -> ArrayRef {
    let mut cluster = UInt32Builder::new();
    let mut duplicate_of = StringBuilder::new();
    let mut similarity = Float64Builder::new();
    let mut coverage = Float64Builder::new();
    let mut kind = StringBuilder::new();
    let mut valid = Vec::with_capacity(picked.len());
    for (_, edit) in picked {
        match &edit.annotation {
            Some(a) => {
                cluster.append_value(a.cluster);
                duplicate_of.append_option(a.duplicate_of.as_deref());
                similarity.append_value(a.similarity);
                coverage.append_value(a.coverage);
                kind.append_value(&a.kind);
                valid.push(true);
            }
            None => {
                // A null struct's children still need values; they are never read.
                cluster.append_value(0);
                duplicate_of.append_null();
                similarity.append_value(0.0);
                coverage.append_value(0.0);
                kind.append_value("");
                valid.push(false);
            }
        }
    }
    let children: Vec<ArrayRef> = vec![
        Arc::new(cluster.finish()),
        Arc::new(duplicate_of.finish()),
        Arc::new(similarity.finish()),
        Arc::new(coverage.finish()),
        Arc::new(kind.finish()),
    ];
    Arc::new(StructArray::new(
        annotation_fields(),
        children,
        Some(NullBuffer::from(valid)),
    ))
}

#[cfg(test)]
mod same_values_tests {
    use super::*;
    use arrow_schema::TimeUnit;

    #[test]
    fn only_types_that_store_the_same_values_let_row_groups_be_copied() {
        let list = |t: DataType| DataType::List(Arc::new(Field::new("element", t, true)));
        let large = |t: DataType| DataType::LargeList(Arc::new(Field::new("item", t, true)));
        let dictionary = DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8));
        let ms =
            |zone: Option<&str>| DataType::Timestamp(TimeUnit::Millisecond, zone.map(Into::into));
        for (natural, read) in [
            (DataType::Utf8, DataType::LargeUtf8),
            (DataType::Utf8, DataType::Utf8View),
            (DataType::Utf8, dictionary.clone()),
            (DataType::Binary, DataType::LargeBinary),
            (ms(Some("+00:00")), ms(Some("UTC"))),
            (list(DataType::Utf8), large(DataType::LargeUtf8)),
            (DataType::Int64, DataType::Int64),
        ] {
            assert!(same_values(&natural, &read), "{natural} {read}");
        }
        for (natural, read) in [
            // Seconds read from a column of milliseconds: written as they are, they would be
            // read back a thousand times too small.
            (ms(None), DataType::Timestamp(TimeUnit::Second, None)),
            (DataType::Int64, DataType::Timestamp(TimeUnit::Second, None)),
            (DataType::Int32, DataType::Date64),
            (DataType::Binary, DataType::Utf8),
            (list(DataType::Int32), list(DataType::Int64)),
        ] {
            assert!(!same_values(&natural, &read), "{natural} {read}");
        }
    }
}
