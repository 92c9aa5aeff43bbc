//! Parquet in and out, as an engine: [`ParquetInput`] reads a file's rows a row group at a time
//! and gives each row's text, id, source and date as a [`Record`]; [`ParquetRewriter`] writes a
//! file with the input's schema, compression and row-group size, in which each row given to it
//! keeps its values in every other column, its text replaced by the cleaned text, and every row
//! not given to it is left out.
//!
//! Owns the arrow-rs calls and what a Parquet error says (file, row group, rows). It knows
//! nothing of documents, stages or the pipeline: the format layer cuts records into documents
//! and replays decisions into the rewriter. Only with the cargo feature `parquet` (on by
//! default).
//!
//! The rewriter reads its input file again, a chunk of rows at a time, rather than being handed
//! the rows the reader decoded: the rows to write arrive in input order but only after dedup has
//! decided over the whole corpus, so nothing but the file itself can hold them in bounded
//! memory. Decoding a chunk twice costs less than spooling every column; and a row group kept
//! whole is not decoded again at all: its encoded column chunks are copied.

mod reader;
mod writer;

#[cfg(test)]
mod tests;

use std::fmt;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Date64Type, Int16Type, Int32Type, Int64Type, Int8Type, TimestampMicrosecondType,
    TimestampMillisecondType, TimestampNanosecondType, TimestampSecondType, UInt16Type, UInt32Type,
    UInt64Type, UInt8Type,
};
use arrow_array::Array;
use arrow_schema::{DataType, TimeUnit};

pub use reader::{Chunk, CutRow, ParquetInput, ReadColumns, Record, RowGroupChunks};
pub use writer::{Annotation, ParquetRewriter, RowEdit, ANNOTATION_COLUMN};

/// Rows decoded at a time, within one row group: a chunk of records is this many rows or the
/// rest of its row group. Reading and rewriting cut the same chunks.
pub const DEFAULT_CHUNK_ROWS: usize = 4096;

/// Where a row is: its row group and its index in that group, both from 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RowLocator {
    /// The row group.
    pub row_group: u32,
    /// The row's index in its row group.
    pub row: u32,
}

/// What went wrong with a Parquet file, and where: the file, and the row group and rows when
/// the trouble is in one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParquetError {
    /// The file's name as given.
    pub file: Arc<str>,
    /// The row group (from 0), when the error is in one.
    pub row_group: Option<u32>,
    /// The rows of the file (from 0, end excluded) the error is in, when known: one row, or
    /// the chunk being decoded when a page is damaged.
    pub rows: Option<std::ops::Range<u64>>,
    /// What (boxed: errors travel in `Result`s on every row's path).
    pub kind: Box<ParquetErrorKind>,
}

/// What was wrong with a Parquet file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParquetErrorKind {
    /// No Parquet footer: not a Parquet file, or one cut short.
    #[error("not a Parquet file, or cut short (its footer is missing or damaged): {0}")]
    Footer(String),
    /// The text column is not in the schema.
    #[error("text column `{column}` is missing (columns: {columns})")]
    MissingTextColumn {
        /// `--text-field`.
        column: String,
        /// The top-level columns there are.
        columns: String,
    },
    /// A column textwash reads is of a type it cannot read as intended.
    #[error("{role} column `{column}` is {found}, not {wanted}")]
    ColumnType {
        /// Which setting named it: text, id, source, date.
        role: &'static str,
        /// Its name.
        column: String,
        /// Its Arrow type.
        found: String,
        /// What it should be.
        wanted: &'static str,
    },
    /// A page or column chunk could not be decoded.
    #[error("corrupt data: {0}")]
    Corrupt(String),
    /// The file could not be read.
    #[error("cannot read: {0}")]
    Io(String),
    /// The output could not be written.
    #[error("cannot write Parquet: {0}")]
    Write(String),
    /// The rows to write did not come in input order (a bug of the caller).
    #[error("rows to write out of order: {0}")]
    Order(String),
}

impl ParquetError {
    pub(crate) fn file(file: &Arc<str>, kind: ParquetErrorKind) -> ParquetError {
        ParquetError {
            file: Arc::clone(file),
            row_group: None,
            rows: None,
            kind: Box::new(kind),
        }
    }

    /// The error's place without the file name: `row group 2, rows 8192..12288` (rows of the
    /// file, from 0), or empty for the whole file.
    pub fn place(&self) -> String {
        let mut out = String::new();
        if let Some(group) = self.row_group {
            out.push_str(&format!("row group {group}"));
        }
        if let Some(rows) = &self.rows {
            if !out.is_empty() {
                out.push_str(", ");
            }
            if rows.end == rows.start + 1 {
                out.push_str(&format!("row {}", rows.start));
            } else {
                out.push_str(&format!("rows {}..{}", rows.start, rows.end));
            }
        }
        out
    }
}

impl fmt::Display for ParquetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let place = self.place();
        if place.is_empty() {
            write!(f, "{}: {}", self.file, self.kind)
        } else {
            write!(f, "{}: {}: {}", self.file, place, self.kind)
        }
    }
}

impl std::error::Error for ParquetError {}

/// Whether a column of this type holds text textwash can clean.
pub(crate) fn is_string(data_type: &DataType) -> bool {
    matches!(
        data_type,
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
    )
}

/// Whether a column of this type can be an id: text or an integer.
pub(crate) fn is_id_type(data_type: &DataType) -> bool {
    is_string(data_type)
        || matches!(
            data_type,
            DataType::Int8
                | DataType::Int16
                | DataType::Int32
                | DataType::Int64
                | DataType::UInt8
                | DataType::UInt16
                | DataType::UInt32
                | DataType::UInt64
        )
}

/// Whether a column of this type can be a date: text, a date or a timestamp.
pub(crate) fn is_date_type(data_type: &DataType) -> bool {
    is_string(data_type)
        || matches!(
            data_type,
            DataType::Date32 | DataType::Date64 | DataType::Timestamp(_, _)
        )
}

/// A string cell, `None` when null (or the column is not a string column).
pub(crate) fn string_value(array: &dyn Array, row: usize) -> Option<&str> {
    if array.is_null(row) {
        return None;
    }
    match array.data_type() {
        DataType::Utf8 => Some(array.as_string::<i32>().value(row)),
        DataType::LargeUtf8 => Some(array.as_string::<i64>().value(row)),
        DataType::Utf8View => Some(array.as_string_view().value(row)),
        _ => None,
    }
}

/// A cell of a column of a type [`is_id_type`] or [`is_date_type`] accepts, as text: strings as
/// they are, integers in decimal, dates as `2024-05-01`, timestamps as `2024-05-01T12:30:00`
/// (so that dates compare as text). `None` when null.
pub(crate) fn cell_text(array: &dyn Array, row: usize) -> Option<String> {
    if array.is_null(row) {
        return None;
    }
    if let Some(text) = string_value(array, row) {
        return Some(text.to_string());
    }
    const STAMP: &str = "%Y-%m-%dT%H:%M:%S%.f";
    let text = match array.data_type() {
        DataType::Int8 => array.as_primitive::<Int8Type>().value(row).to_string(),
        DataType::Int16 => array.as_primitive::<Int16Type>().value(row).to_string(),
        DataType::Int32 => array.as_primitive::<Int32Type>().value(row).to_string(),
        DataType::Int64 => array.as_primitive::<Int64Type>().value(row).to_string(),
        DataType::UInt8 => array.as_primitive::<UInt8Type>().value(row).to_string(),
        DataType::UInt16 => array.as_primitive::<UInt16Type>().value(row).to_string(),
        DataType::UInt32 => array.as_primitive::<UInt32Type>().value(row).to_string(),
        DataType::UInt64 => array.as_primitive::<UInt64Type>().value(row).to_string(),
        DataType::Date32 => array
            .as_primitive::<Date32Type>()
            .value_as_date(row)?
            .to_string(),
        DataType::Date64 => array
            .as_primitive::<Date64Type>()
            .value_as_date(row)?
            .to_string(),
        DataType::Timestamp(unit, _) => {
            let stamp = match unit {
                TimeUnit::Second => array
                    .as_primitive::<TimestampSecondType>()
                    .value_as_datetime(row),
                TimeUnit::Millisecond => array
                    .as_primitive::<TimestampMillisecondType>()
                    .value_as_datetime(row),
                TimeUnit::Microsecond => array
                    .as_primitive::<TimestampMicrosecondType>()
                    .value_as_datetime(row),
                TimeUnit::Nanosecond => array
                    .as_primitive::<TimestampNanosecondType>()
                    .value_as_datetime(row),
            };
            stamp?.format(STAMP).to_string()
        }
        _ => return None,
    };
    Some(text)
}

/// A row as it travels between the pipeline's stages and the rewriter (through dedup's spool):
/// where it is, its text after cleaning, whether that differs from the text read, and its
/// annotation once dedup has decided.
#[derive(Debug, Clone, PartialEq)]
pub struct RowRecord {
    /// Where the row is in its file.
    pub at: RowLocator,
    /// The text after cleaning.
    pub text: String,
    /// Whether `text` differs from the cell read (when not, the cell is written as it was).
    pub changed: bool,
    /// The `dedup` column's value.
    pub annotation: Option<Annotation>,
}

/// The first byte of an encoded [`RowRecord`], so that bytes of another format are refused.
const ROW_RECORD_TAG: u8 = 0xB7;

impl RowRecord {
    /// The record as bytes ([`RowRecord::decode`] reads them back).
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.text.len() + 24);
        out.push(ROW_RECORD_TAG);
        out.extend_from_slice(&self.at.row_group.to_le_bytes());
        out.extend_from_slice(&self.at.row.to_le_bytes());
        out.push(u8::from(self.changed) | (u8::from(self.annotation.is_some()) << 1));
        out.extend_from_slice(&(self.text.len() as u64).to_le_bytes());
        out.extend_from_slice(self.text.as_bytes());
        if let Some(a) = &self.annotation {
            out.extend_from_slice(&a.cluster.to_le_bytes());
            out.extend_from_slice(&a.similarity.to_le_bytes());
            out.extend_from_slice(&a.coverage.to_le_bytes());
            let kind = a.kind.as_bytes();
            out.push(kind.len().min(255) as u8);
            out.extend_from_slice(&kind[..kind.len().min(255)]);
            if let Some(id) = &a.duplicate_of {
                out.extend_from_slice(id.as_bytes());
            } else {
                out.push(0xFF);
            }
        }
        out
    }

    /// Reads back what [`RowRecord::encode`] wrote; `None` for any other bytes.
    pub fn decode(bytes: &[u8]) -> Option<RowRecord> {
        let (at, text, changed, annotation) = Self::parts(bytes)?;
        Some(RowRecord {
            at,
            text: text.to_string(),
            changed,
            annotation,
        })
    }

    /// How the rewriter writes the row encoded in `bytes` ([`RowRecord::into_edit`]), without
    /// a copy of a text that did not change.
    pub fn decode_edit(bytes: &[u8]) -> Option<(RowLocator, RowEdit)> {
        let (at, text, changed, annotation) = Self::parts(bytes)?;
        let edit = RowEdit {
            text: changed.then(|| text.to_string()),
            annotation,
        };
        Some((at, edit))
    }

    /// The fields of an encoded record, the text borrowed.
    fn parts(bytes: &[u8]) -> Option<(RowLocator, &str, bool, Option<Annotation>)> {
        let mut rest = bytes.strip_prefix(&[ROW_RECORD_TAG])?;
        let mut take = |n: usize| -> Option<&[u8]> {
            let (head, tail) = rest.split_at_checked(n)?;
            rest = tail;
            Some(head)
        };
        let row_group = u32::from_le_bytes(take(4)?.try_into().ok()?);
        let row = u32::from_le_bytes(take(4)?.try_into().ok()?);
        let flags = take(1)?[0];
        let len = usize::try_from(u64::from_le_bytes(take(8)?.try_into().ok()?)).ok()?;
        let text = std::str::from_utf8(take(len)?).ok()?;
        let annotation = if flags & 2 != 0 {
            let cluster = u32::from_le_bytes(take(4)?.try_into().ok()?);
            let similarity = f64::from_le_bytes(take(8)?.try_into().ok()?);
            let coverage = f64::from_le_bytes(take(8)?.try_into().ok()?);
            let kind_len = usize::from(take(1)?[0]);
            let kind = std::str::from_utf8(take(kind_len)?).ok()?.to_string();
            // The rest is the kept member's id, or 0xFF (never in UTF-8) for none.
            let duplicate_of = match rest {
                [0xFF] => None,
                id => Some(std::str::from_utf8(id).ok()?.to_string()),
            };
            Some(Annotation {
                cluster,
                duplicate_of,
                similarity,
                coverage,
                kind,
            })
        } else if rest.is_empty() {
            None
        } else {
            return None;
        };
        Some((
            RowLocator { row_group, row },
            text,
            flags & 1 != 0,
            annotation,
        ))
    }

    /// How the rewriter writes the row.
    pub fn into_edit(self) -> (RowLocator, RowEdit) {
        let edit = RowEdit {
            text: self.changed.then_some(self.text),
            annotation: self.annotation,
        };
        (self.at, edit)
    }
}
