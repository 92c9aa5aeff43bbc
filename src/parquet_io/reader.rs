//! Reading a Parquet file a chunk of rows at a time, one row group after another, and each row
//! of a chunk as a [`Record`].

use std::fs::File;
use std::panic::{self, AssertUnwindSafe};
use std::path::Path;
use std::sync::Arc;

use arrow_array::{Array, RecordBatch};
use arrow_schema::{DataType, SchemaRef};
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder,
};
use parquet::arrow::ProjectionMask;
use parquet::file::metadata::ParquetMetaData;

use super::{
    cell_text, is_date_type, is_id_type, is_string, string_value, ParquetError, ParquetErrorKind,
    RowLocator,
};

/// The columns a reader takes values from: top-level columns named by `--text-field`,
/// `--id-field`, `--source-field` and `--date-field`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadColumns {
    /// The text column: required, of a string type.
    pub text: String,
    /// The id column: used when present (a string or an integer column).
    pub id: Option<String>,
    /// The source column: used when present (a string column).
    pub source: Option<String>,
    /// The date column: used when present (a string, date or timestamp column).
    pub date: Option<String>,
}

/// The values a run takes from one row; every other column stays in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// Where the row is.
    pub at: RowLocator,
    /// Its index in the file, from 0.
    pub file_row: u64,
    /// The text, `None` when null.
    pub text: Option<String>,
    /// The id, `None` when the file has no id column or the cell is null.
    pub id: Option<String>,
    /// The source, likewise.
    pub source: Option<String>,
    /// The date, likewise.
    pub date: Option<String>,
}

/// An open Parquet file: its metadata read once, and the places of the columns read.
#[derive(Debug)]
pub struct ParquetInput {
    name: Arc<str>,
    file: File,
    metadata: ArrowReaderMetadata,
    text: usize,
    id: Option<usize>,
    source: Option<usize>,
    date: Option<usize>,
    chunk_rows: usize,
    /// With [`ParquetInput::only_read_columns`]: the top-level columns decoded, and where the
    /// read columns are among them.
    projection: Option<Projection>,
    /// The text column's index among the file's leaf columns.
    text_leaf: Option<usize>,
    /// The file row each row group starts at.
    group_starts: Vec<u64>,
}

/// The columns a reader decodes when it needs no other: the text, id, source and date columns,
/// in schema order.
#[derive(Debug, Clone)]
struct Projection {
    roots: Vec<usize>,
    text: usize,
    id: Option<usize>,
    source: Option<usize>,
    date: Option<usize>,
}

/// Some rows of one row group, decoded: every column of the file (or, for a reader that only
/// reads its columns, those).
#[derive(Debug, Clone)]
pub struct Chunk {
    /// The row group.
    pub row_group: u32,
    /// The index in its row group of the chunk's first row.
    pub first_row: u32,
    /// The index in the file of the chunk's first row.
    pub file_row: u64,
    /// The rows.
    pub batch: RecordBatch,
}

impl ParquetInput {
    /// Opens `path` (called `name` in errors), reads its footer and finds the columns: the
    /// text column must be there and hold strings; the others are used when there, and must
    /// then be of a type that can be read as text. Rows are decoded `chunk_rows` at a time.
    pub fn open(
        path: &Path,
        name: Arc<str>,
        columns: &ReadColumns,
        chunk_rows: usize,
    ) -> Result<ParquetInput, ParquetError> {
        let file = File::open(path)
            .map_err(|err| ParquetError::file(&name, ParquetErrorKind::Io(err.to_string())))?;
        let metadata = ArrowReaderMetadata::load(&file, Default::default())
            .map_err(|err| ParquetError::file(&name, ParquetErrorKind::Footer(err.to_string())))?;
        let schema = metadata.schema().clone();
        let find = |column: &str| schema.fields().iter().position(|f| f.name() == column);
        let type_of = |index: usize| schema.field(index).data_type().clone();
        let wrong = |role: &'static str, column: &str, found: DataType, wanted: &'static str| {
            ParquetError::file(
                &name,
                ParquetErrorKind::ColumnType {
                    role,
                    column: column.to_string(),
                    found: found.to_string(),
                    wanted,
                },
            )
        };
        let text = find(&columns.text).ok_or_else(|| {
            ParquetError::file(
                &name,
                ParquetErrorKind::MissingTextColumn {
                    column: columns.text.clone(),
                    columns: schema
                        .fields()
                        .iter()
                        .map(|f| f.name().as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                },
            )
        })?;
        if !is_string(&type_of(text)) {
            return Err(wrong("text", &columns.text, type_of(text), "a string"));
        }
        let optional = |role: &'static str,
                        column: &Option<String>,
                        accepts: fn(&DataType) -> bool,
                        wanted: &'static str|
         -> Result<Option<usize>, ParquetError> {
            let Some(column) = column else {
                return Ok(None);
            };
            match find(column) {
                None => Ok(None),
                Some(index) if accepts(&type_of(index)) => Ok(Some(index)),
                Some(index) => Err(wrong(role, column, type_of(index), wanted)),
            }
        };
        let id = optional("id", &columns.id, is_id_type, "a string or an integer")?;
        let source = optional("source", &columns.source, is_string, "a string")?;
        let date = optional(
            "date",
            &columns.date,
            is_date_type,
            "a string, a date or a timestamp",
        )?;
        let mut group_starts = Vec::with_capacity(metadata.metadata().num_row_groups());
        let mut start = 0u64;
        for (index, group) in metadata.metadata().row_groups().iter().enumerate() {
            group_starts.push(start);
            let rows = u64::try_from(group.num_rows()).unwrap_or(0);
            if u32::try_from(rows).is_err() {
                return Err(ParquetError {
                    row_group: Some(index as u32),
                    ..ParquetError::file(
                        &name,
                        ParquetErrorKind::Corrupt(format!(
                            "a row group of {rows} rows (at most 4,294,967,295 are read)"
                        )),
                    )
                });
            }
            // arrow-rs asserts, rather than reports, that a column chunk's place is not
            // negative (`ColumnChunkMetaData::byte_range`, on every read and copy).
            for (leaf, column) in group.columns().iter().enumerate() {
                let at = column
                    .dictionary_page_offset()
                    .unwrap_or(column.data_page_offset());
                if at < 0 || column.compressed_size() < 0 {
                    return Err(ParquetError {
                        row_group: Some(index as u32),
                        ..ParquetError::file(
                            &name,
                            ParquetErrorKind::Corrupt(format!(
                                "column chunk {leaf} at offset {at}, {} bytes",
                                column.compressed_size()
                            )),
                        )
                    });
                }
            }
            start += rows;
        }
        let text_name = schema.field(text).name();
        let text_leaf = metadata
            .metadata()
            .file_metadata()
            .schema_descr()
            .columns()
            .iter()
            .position(|leaf| leaf.path().parts() == [text_name.as_str()]);
        Ok(ParquetInput {
            projection: None,
            text_leaf,
            name,
            file,
            metadata,
            text,
            id,
            source,
            date,
            chunk_rows: chunk_rows.max(1),
            group_starts,
        })
    }

    /// The reader, decoding only the text, id, source and date columns: its chunks hold only
    /// those ([`ParquetInput::records`] and [`ParquetInput::append_row`] read them). A reader
    /// for a rewrite decodes every column.
    pub fn only_read_columns(mut self) -> ParquetInput {
        let mut roots: Vec<usize> = [Some(self.text), self.id, self.source, self.date]
            .into_iter()
            .flatten()
            .collect();
        roots.sort_unstable();
        roots.dedup();
        let place = |column: usize| roots.iter().position(|&r| r == column).unwrap_or(0);
        self.projection = Some(Projection {
            text: place(self.text),
            id: self.id.map(place),
            source: self.source.map(place),
            date: self.date.map(place),
            roots,
        });
        self
    }

    /// Where the text, id, source and date columns are in a chunk.
    fn chunk_columns(&self) -> (usize, Option<usize>, Option<usize>, Option<usize>) {
        match &self.projection {
            Some(p) => (p.text, p.id, p.source, p.date),
            None => (self.text, self.id, self.source, self.date),
        }
    }

    /// The file's name as given.
    pub fn name(&self) -> &Arc<str> {
        &self.name
    }

    /// The file's Arrow schema (the one embedded by the writer that made it, when there is one:
    /// large strings stay large).
    pub fn schema(&self) -> &SchemaRef {
        self.metadata.schema()
    }

    /// The file's Parquet metadata.
    pub fn metadata(&self) -> &Arc<ParquetMetaData> {
        self.metadata.metadata()
    }

    /// The index of the text column in the schema.
    pub fn text_column(&self) -> usize {
        self.text
    }

    /// Whether the text column of row group `group` may hold a null: true unless its
    /// statistics say it holds none.
    pub fn may_have_null_text(&self, group: usize) -> bool {
        let Some(leaf) = self.text_leaf else {
            return true;
        };
        let column = self.metadata.metadata().row_group(group).column(leaf);
        column
            .statistics()
            .and_then(|stats| stats.null_count_opt())
            .is_none_or(|nulls| nulls > 0)
    }

    /// How many row groups the file has.
    pub fn row_groups(&self) -> usize {
        self.group_starts.len()
    }

    /// How many rows the file has.
    pub fn rows(&self) -> u64 {
        self.metadata
            .metadata()
            .row_groups()
            .iter()
            .map(|g| u64::try_from(g.num_rows()).unwrap_or(0))
            .sum()
    }

    /// Decodes row group `group` a chunk at a time and hands each chunk to `each`, which
    /// returns false to stop. A damaged page ends the row group with an error naming the rows
    /// of the chunk it was decoding; the caller may go on with the next row group.
    pub fn read_row_group(
        &self,
        group: usize,
        mut each: impl FnMut(Chunk) -> bool,
    ) -> Result<(), ParquetError> {
        for chunk in self.row_group(group)? {
            if !each(chunk?) {
                break;
            }
        }
        Ok(())
    }

    /// The file, open.
    pub(crate) fn file(&self) -> &File {
        &self.file
    }

    /// The text column's index among the file's leaf columns.
    pub(crate) fn text_leaf(&self) -> Option<usize> {
        self.text_leaf
    }

    /// The chunks of row group `group`, decoded one at a time as the iterator is advanced.
    pub fn row_group(&self, group: usize) -> Result<RowGroupChunks, ParquetError> {
        let roots = self.projection.as_ref().map(|p| p.roots.clone());
        self.chunks(group, roots)
    }

    /// The chunks of row group `group` holding only the top-level columns `roots` (in schema
    /// order), decoded one at a time.
    pub(crate) fn row_group_columns(
        &self,
        group: usize,
        roots: &[usize],
    ) -> Result<RowGroupChunks, ParquetError> {
        self.chunks(group, Some(roots.to_vec()))
    }

    fn chunks(
        &self,
        group: usize,
        roots: Option<Vec<usize>>,
    ) -> Result<RowGroupChunks, ParquetError> {
        let group_rows = self.metadata.metadata().row_group(group).num_rows();
        let group_rows = u64::try_from(group_rows).unwrap_or(0);
        let mut chunks = RowGroupChunks {
            name: Arc::clone(&self.name),
            group: group as u32,
            group_start: self.group_starts[group],
            group_rows,
            chunk_rows: self.chunk_rows as u64,
            first: 0,
            reader: None,
        };
        let file = self
            .file
            .try_clone()
            .map_err(|err| chunks.error(ParquetErrorKind::Io(err.to_string())))?;
        let mut builder =
            ParquetRecordBatchReaderBuilder::new_with_metadata(file, self.metadata.clone())
                .with_row_groups(vec![group])
                .with_batch_size(self.chunk_rows);
        if let Some(roots) = roots {
            let mask = ProjectionMask::roots(
                self.metadata.metadata().file_metadata().schema_descr(),
                roots,
            );
            builder = builder.with_projection(mask);
        }
        let reader = builder
            .build()
            .map_err(|err| chunks.error(ParquetErrorKind::Corrupt(err.to_string())))?;
        chunks.reader = Some(reader);
        Ok(chunks)
    }

    /// Appends row `row` of `chunk` to `out` as a [`CutRow`] ([`CutRow::decode`] reads it
    /// back), copying the text straight from the column; false (and nothing appended) when its
    /// text is null.
    pub fn append_row(&self, chunk: &Chunk, row: usize, out: &mut Vec<u8>) -> bool {
        let columns = chunk.batch.columns();
        let (text, id, source, date) = self.chunk_columns();
        let Some(text) = string_value(columns[text].as_ref(), row) else {
            return false;
        };
        out.extend_from_slice(&(chunk.file_row + row as u64).to_le_bytes());
        for column in [id, source, date] {
            match column.and_then(|index| cell_text(columns[index].as_ref(), row)) {
                Some(value) => {
                    out.push(1);
                    out.extend_from_slice(&(value.len() as u64).to_le_bytes());
                    out.extend_from_slice(value.as_bytes());
                }
                None => out.push(0),
            }
        }
        out.extend_from_slice(text.as_bytes());
        true
    }

    /// The values of each row of `chunk`.
    pub fn records<'c>(&self, chunk: &'c Chunk) -> impl Iterator<Item = Record> + 'c {
        let columns = chunk.batch.columns();
        let (text, id, source, date) = self.chunk_columns();
        let text = Arc::clone(&columns[text]);
        let id = id.map(|i| Arc::clone(&columns[i]));
        let source = source.map(|i| Arc::clone(&columns[i]));
        let date = date.map(|i| Arc::clone(&columns[i]));
        (0..chunk.batch.num_rows()).map(move |row| Record {
            at: RowLocator {
                row_group: chunk.row_group,
                row: chunk.first_row + row as u32,
            },
            file_row: chunk.file_row + row as u64,
            text: string_value(text.as_ref(), row).map(str::to_string),
            id: id.as_deref().and_then(|a: &dyn Array| cell_text(a, row)),
            source: source
                .as_deref()
                .and_then(|a: &dyn Array| cell_text(a, row)),
            date: date.as_deref().and_then(|a: &dyn Array| cell_text(a, row)),
        })
    }
}

/// The chunks of one row group, decoded as they are asked for ([`ParquetInput::row_group`]).
/// After an error it ends.
pub struct RowGroupChunks {
    name: Arc<str>,
    group: u32,
    group_start: u64,
    group_rows: u64,
    chunk_rows: u64,
    /// The index in the row group of the next chunk's first row.
    first: u64,
    reader: Option<ParquetRecordBatchReader>,
}

impl RowGroupChunks {
    /// An error in the chunk about to be decoded.
    fn error(&self, kind: ParquetErrorKind) -> ParquetError {
        let rows = self
            .chunk_rows
            .min(self.group_rows.saturating_sub(self.first))
            .max(1);
        let start = self.group_start + self.first;
        ParquetError {
            row_group: Some(self.group),
            rows: Some(start..start + rows),
            ..ParquetError::file(&self.name, kind)
        }
    }
}

impl Iterator for RowGroupChunks {
    type Item = Result<Chunk, ParquetError>;

    fn next(&mut self) -> Option<Self::Item> {
        let reader = self.reader.as_mut()?;
        // arrow-rs's decoders panic on some damaged pages (a division by zero, an assertion)
        // where they would report an error: such a panic is this row group's error, and its
        // reader is dropped.
        let next = match panic::catch_unwind(AssertUnwindSafe(|| reader.next())) {
            Ok(next) => next,
            Err(panic) => {
                self.reader = None;
                let why = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_default();
                return Some(Err(self.error(ParquetErrorKind::Corrupt(format!(
                    "the decoder failed: {why}"
                )))));
            }
        };
        match next {
            Some(Ok(batch)) => {
                let chunk = Chunk {
                    row_group: self.group,
                    first_row: self.first as u32,
                    file_row: self.group_start + self.first,
                    batch,
                };
                self.first += chunk.batch.num_rows() as u64;
                Some(Ok(chunk))
            }
            Some(Err(err)) => {
                self.reader = None;
                Some(Err(self.error(ParquetErrorKind::Corrupt(err.to_string()))))
            }
            None => {
                self.reader = None;
                if self.first != self.group_rows {
                    let (found, said) = (self.first, self.group_rows);
                    return Some(Err(self.error(ParquetErrorKind::Corrupt(format!(
                        "the row group holds {found} rows, its metadata says {said}"
                    )))));
                }
                None
            }
        }
    }
}

/// A row's values as [`ParquetInput::append_row`] lays them out, borrowed from those bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CutRow<'a> {
    /// The row's index in its file, from 0.
    pub file_row: u64,
    /// The id, when the file has an id column and the cell is not null.
    pub id: Option<&'a str>,
    /// The source, likewise.
    pub source: Option<&'a str>,
    /// The date, likewise.
    pub date: Option<&'a str>,
    /// The text.
    pub text: &'a str,
}

impl<'a> CutRow<'a> {
    /// Reads back what [`ParquetInput::append_row`] wrote; `None` for other bytes.
    pub fn decode(bytes: &'a [u8]) -> Option<CutRow<'a>> {
        let (file_row, mut rest) = bytes.split_at_checked(8)?;
        let file_row = u64::from_le_bytes(file_row.try_into().ok()?);
        let mut values = [None; 3];
        for value in &mut values {
            let (&present, tail) = rest.split_first()?;
            rest = tail;
            if present == 1 {
                let (len, tail) = rest.split_at_checked(8)?;
                let len = usize::try_from(u64::from_le_bytes(len.try_into().ok()?)).ok()?;
                let (text, tail) = tail.split_at_checked(len)?;
                *value = Some(std::str::from_utf8(text).ok()?);
                rest = tail;
            }
        }
        let [id, source, date] = values;
        Some(CutRow {
            file_row,
            id,
            source,
            date,
            text: std::str::from_utf8(rest).ok()?,
        })
    }
}
