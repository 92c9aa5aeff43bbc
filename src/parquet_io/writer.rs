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
use parquet::arrow::ArrowWriter;
use parquet::file::properties::WriterProperties;

use super::reader::{Chunk, ParquetInput, RowGroupChunks};
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
pub struct ParquetRewriter<W: Write + Send> {
    input: ParquetInput,
    writer: ArrowWriter<W>,
    schema: SchemaRef,
    annotate: Option<usize>,
    /// The chunk rows are being picked from, and the rows picked so far.
    current: Option<Chunk>,
    picked: Vec<(u32, RowEdit)>,
    /// The next row group to read, and the chunks of the one being read.
    next_group: usize,
    chunks: Option<RowGroupChunks>,
    /// The last row given, to refuse rows out of order.
    last: Option<RowLocator>,
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
        let writer = ArrowWriter::try_new(out, schema.clone(), Some(properties(&input)))
            .map_err(|err| write_error(&err))?;
        Ok(ParquetRewriter {
            input,
            writer,
            schema,
            annotate,
            current: None,
            picked: Vec::new(),
            next_group: 0,
            chunks: None,
            last: None,
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
        loop {
            if let Some(chunk) = &self.current {
                let end = chunk.first_row + chunk.batch.num_rows() as u32;
                if chunk.row_group == at.row_group && at.row >= chunk.first_row && at.row < end {
                    self.picked.push((at.row - chunk.first_row, edit));
                    return Ok(());
                }
                self.flush_chunk()?;
            }
            if !self.next_chunk(Some(at))? {
                return Err(ParquetError {
                    row_group: Some(at.row_group),
                    ..ParquetError::file(
                        self.input.name(),
                        ParquetErrorKind::Order(format!("no row {} in the row group", at.row)),
                    )
                });
            }
        }
    }

    /// Makes the input's next chunk current; false at the end of the input, or past `at`'s
    /// row group. Row groups whose text column has no null are skipped unread when no row of
    /// theirs is asked for: only a null text's row is written without being asked for.
    fn next_chunk(&mut self, at: Option<RowLocator>) -> Result<bool, ParquetError> {
        loop {
            if let Some(chunks) = &mut self.chunks {
                match chunks.next() {
                    Some(Ok(chunk)) => {
                        self.current = Some(chunk);
                        return Ok(true);
                    }
                    // A damaged page: the reader said so, and gave no row from there to the end
                    // of its row group; the rest of the group is left out here too.
                    Some(Err(_)) | None => self.chunks = None,
                }
            }
            let group = self.next_group;
            if group >= self.input.row_groups()
                || at.is_some_and(|at| group > at.row_group as usize)
            {
                return Ok(false);
            }
            self.next_group += 1;
            let wanted = at.is_some_and(|at| group == at.row_group as usize);
            if wanted || self.input.may_have_null_text(group) {
                // A row group that cannot be opened was the reader's problem already.
                self.chunks = self.input.row_group(group).ok();
            }
        }
    }

    /// Writes the rows picked from the current chunk, and the rows whose text is null.
    fn flush_chunk(&mut self) -> Result<(), ParquetError> {
        let Some(chunk) = self.current.take() else {
            return Ok(());
        };
        let mut picked = std::mem::take(&mut self.picked);
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
        self.writer
            .write(&out)
            .map_err(|err| self.write_error(&err))
    }

    fn write_error(&self, err: &dyn std::fmt::Display) -> ParquetError {
        ParquetError::file(self.input.name(), ParquetErrorKind::Write(err.to_string()))
    }

    /// Writes what is left and the footer; returns the output.
    pub fn finish(mut self) -> Result<W, ParquetError> {
        self.flush_chunk()?;
        // The rows with a null text after the last row given.
        while self.next_chunk(None)? {
            self.flush_chunk()?;
        }
        let name = Arc::clone(self.input.name());
        self.writer
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
