//! Parquet: one row is one document, its text in the column `--text-field` names (a string
//! column), its id, source and date in the columns `--id-field`, `--source-field` and
//! `--date-field` name, when the file has them. The engine is [`crate::parquet_io`]; this is its
//! adapter to the pipeline.
//!
//! [`Parquet::cut`] reads a row group at a time (a chunk of rows at a time within it) and hands
//! on each row whose text is not null, its text, id, source and date as the record's bytes
//! ([`CutRow`]) and its row group and row as the locator. A row whose text is null is no
//! document: it is counted (`input.null_texts` in report.json) and written back as it was.
//! [`Parquet::render`] gives the row's place and its text after cleaning ([`RowRecord`]); the
//! writer ([`ParquetRewriter`]) reads the input again and writes each row it is given with every
//! other column as it was, into a file of the input's name with its schema, compression and
//! row-group size; a row not given (dropped by a stage or by dedup, or skipped as a problem) is
//! left out. `--dedup annotate` adds a nullable struct column `dedup`
//! ([`crate::parquet_io::ANNOTATION_COLUMN`] says why a struct).
//!
//! A staged run's shard is a whole file, as for the other formats: the output of a Parquet
//! input mirrors that one file (its schema, compression and row groups), and dataset hubs ship
//! a large dataset as many files of a few hundred MB each, a fine enough grain to spread; cutting
//! one file into row-group ranges would leave parts to stitch together again.

use std::fs::File;
use std::io;
use std::sync::Arc;

use crate::document::{Decoding, Document, Record};
use crate::error::{Location, Problem, ProblemKind};
use crate::format::{Format, Opening, RecordBytes, RecordWriter, WriteOptions};
use crate::parquet_io::{
    Annotation, CutRow, ParquetError, ParquetErrorKind, ParquetInput, ParquetRewriter, ReadColumns,
    RowLocator, RowRecord, DEFAULT_CHUNK_ROWS,
};
use crate::read::batch::Cutter;
use crate::read::{Compression, InputFile, ReadConfig};

/// The Parquet format ([`crate::format::FORMATS`], with the `parquet` feature).
#[derive(Debug)]
pub struct Parquet;

/// What a Parquet document keeps of its row to write it back: where it is, and a hash of the
/// text read (an unchanged text leaves the cell as it was).
struct ParquetRow {
    at: RowLocator,
    digest: u128,
}

/// The locator of a row: its row group in the high 32 bits, its row in the group in the low.
fn locator(at: RowLocator) -> u64 {
    (u64::from(at.row_group) << 32) | u64::from(at.row)
}

fn row_at(locator: u64) -> RowLocator {
    RowLocator {
        row_group: (locator >> 32) as u32,
        row: locator as u32,
    }
}

/// A Parquet error as a problem of `input`: the file, then the place in it and what.
fn problem(input: &InputFile, err: &ParquetError) -> Problem {
    let code = match &*err.kind {
        ParquetErrorKind::Footer(_) | ParquetErrorKind::Corrupt(_) => "corrupt-parquet",
        ParquetErrorKind::MissingTextColumn { .. } => "missing-text-field",
        ParquetErrorKind::ColumnType { role: "text", .. } => "text-field-not-string",
        ParquetErrorKind::ColumnType { role: "id", .. } => "id-field-invalid",
        ParquetErrorKind::ColumnType { .. } => "field-invalid",
        ParquetErrorKind::Io(_) | ParquetErrorKind::Write(_) | ParquetErrorKind::Order(_) => {
            "unreadable"
        }
    };
    let place = err.place();
    let message = match place.is_empty() {
        true => err.kind.to_string(),
        false => format!("{place}: {}", err.kind),
    };
    Problem {
        location: Location::file(&input.name),
        kind: ProblemKind::table(code, message),
    }
}

/// The columns `config` names.
fn columns(config: &ReadConfig) -> ReadColumns {
    ReadColumns {
        text: config.text_field.clone(),
        id: Some(config.id_field.clone()),
        source: config.source_field.clone(),
        date: config.date_field.clone(),
    }
}

impl Format for Parquet {
    fn name(&self) -> &'static str {
        "parquet"
    }

    fn description(&self) -> &'static str {
        "Parquet"
    }

    fn tag(&self) -> u8 {
        3
    }

    fn extensions(&self) -> &'static [&'static str] {
        &["parquet"]
    }

    fn streams(&self) -> bool {
        false
    }

    /// Every row whose text is not null is a record; a row group that cannot be decoded is a
    /// problem naming it and the rows, and the next one is read.
    fn cut(&self, input: &InputFile, cutter: &mut Cutter<'_>) {
        let table_problem = |code, message: &str| Problem {
            location: Location::file(&input.name),
            kind: ProblemKind::table(code, message.to_string()),
        };
        let Some(path) = &input.path else {
            cutter.problem(table_problem(
                "unreadable",
                "Parquet is read from a file, not from standard input (its footer, at its end, \
                 is read first)",
            ));
            return;
        };
        if input.compression != Compression::None {
            cutter.problem(table_problem(
                "corrupt-parquet",
                "a Parquet file compresses its own pages and is not read from inside .gz or .zst",
            ));
            return;
        }
        let columns = columns(cutter.config());
        let reading =
            match ParquetInput::open(path, Arc::clone(&input.name), &columns, DEFAULT_CHUNK_ROWS) {
                Ok(reading) => reading.only_read_columns(),
                Err(err) => {
                    cutter.problem(problem(input, &err));
                    return;
                }
            };
        let limit = cutter.max_record();
        let mut nulls = 0u64;
        let mut failed = false;
        for group in 0..reading.row_groups() {
            let chunks = match reading.row_group(group) {
                Ok(chunks) => chunks,
                Err(err) => {
                    cutter.problem(problem(input, &err));
                    failed = true;
                    continue;
                }
            };
            for chunk in chunks {
                let chunk = match chunk {
                    Ok(chunk) => chunk,
                    Err(err) => {
                        cutter.problem(problem(input, &err));
                        failed = true;
                        break;
                    }
                };
                for row in 0..chunk.batch.num_rows() {
                    let start = cutter.buffer().len();
                    if !reading.append_row(&chunk, row, cutter.buffer()) {
                        nulls += 1;
                        continue;
                    }
                    let end = cutter.buffer().len();
                    cutter.count_read((end - start) as u64);
                    if end - start > limit {
                        cutter.buffer().truncate(start);
                        cutter.problem(Problem {
                            location: Location::line(&input.name, chunk.file_row + row as u64 + 1),
                            kind: ProblemKind::TooLarge {
                                bytes: (end - start) as u64,
                                limit: limit as u64,
                            },
                        });
                        continue;
                    }
                    let at = RowLocator {
                        row_group: chunk.row_group,
                        row: chunk.first_row + row as u32,
                    };
                    cutter.record(start..end, locator(at), None);
                    if cutter.stopped() {
                        return;
                    }
                }
            }
            let compressed = reading.metadata().row_group(group).compressed_size();
            cutter
                .progress()
                .inc(u64::try_from(compressed).unwrap_or(0));
        }
        cutter.count_null_texts(nulls);
        if !cutter.started() && !failed {
            // Nothing to read: no output file is written (a table of null texts is not copied).
            let message = match reading.rows() {
                0 => "the table has no rows".to_string(),
                rows => format!(
                    "every text of its {rows} rows is null: no document, and no output file"
                ),
            };
            cutter.problem(table_problem("empty-file", &message));
        }
    }

    /// The row as a document: its id is the id column's value, or `FILE:ROW` (the row of the
    /// file counted from 1, as lines are) where there is none; its origin is that row.
    fn parse(
        &self,
        record: RecordBytes<'_>,
        input: &InputFile,
        _config: &ReadConfig,
    ) -> Result<Document, Problem> {
        let Some(row) = CutRow::decode(record.bytes) else {
            // Cut by this format: cannot happen, but bytes are not trusted.
            return Err(Problem {
                location: Location::file(&input.name),
                kind: ProblemKind::table("corrupt-parquet", "a row cut wrongly".to_string()),
            });
        };
        let origin = Location::line(&input.name, row.file_row + 1);
        Ok(Document {
            id: match row.id {
                Some(id) => id.to_string(),
                None => origin.to_string(),
            },
            source: match row.source {
                Some(source) => Arc::from(source),
                None => Arc::clone(&input.folder),
            },
            origin,
            text: row.text.to_string(),
            decoding: Decoding::UTF8,
            record: Some(Record::new(ParquetRow {
                at: row_at(record.locator),
                digest: xxhash_rust::xxh3::xxh3_128(row.text.as_bytes()),
            })),
            date: row.date.map(str::to_string),
        })
    }

    /// The row's place and its text after cleaning, with whether the text changed
    /// ([`RowRecord`]).
    fn render(&self, doc: Document) -> Vec<u8> {
        let (at, changed) = match doc.record.and_then(Record::take::<ParquetRow>) {
            Some(row) => (
                row.at,
                xxhash_rust::xxh3::xxh3_128(doc.text.as_bytes()) != row.digest,
            ),
            // Not read as Parquet: no row to write it to; the writer refuses it.
            None => (
                RowLocator {
                    row_group: u32::MAX,
                    row: u32::MAX,
                },
                true,
            ),
        };
        RowRecord {
            at,
            text: doc.text,
            changed,
            annotation: None,
        }
        .encode()
    }

    fn annotates(&self) -> bool {
        true
    }

    /// The annotation (`"dedup":{…}`) as the `dedup` column's value.
    fn annotate(&self, rendered: Vec<u8>, annotation: &str) -> Vec<u8> {
        let Some(mut row) = RowRecord::decode(&rendered) else {
            return rendered;
        };
        let Ok(value) = serde_json::from_str::<serde_json::Value>(&format!("{{{annotation}}}"))
        else {
            return rendered;
        };
        let fields = value.as_object().and_then(|o| o.values().next());
        let Some(fields) = fields else {
            return rendered;
        };
        let number = |name: &str| fields.get(name).and_then(serde_json::Value::as_f64);
        row.annotation = Some(Annotation {
            cluster: fields
                .get("cluster")
                .and_then(serde_json::Value::as_u64)
                .and_then(|c| u32::try_from(c).ok())
                .unwrap_or(0),
            duplicate_of: fields
                .get("duplicate_of")
                .and_then(serde_json::Value::as_str)
                .map(str::to_string),
            similarity: number("similarity").unwrap_or(0.0),
            coverage: number("coverage").unwrap_or(0.0),
            kind: fields
                .get("kind")
                .and_then(serde_json::Value::as_str)
                .unwrap_or_default()
                .to_string(),
        });
        row.encode()
    }

    fn sample_text(&self, rendered: &[u8], _text_field: &str) -> Option<String> {
        RowRecord::decode(rendered).map(|row| row.text)
    }

    fn opening(&self) -> Opening {
        Opening::AtStart
    }

    fn writer(
        &self,
        file: File,
        _compression: Compression,
        input: &InputFile,
        options: &WriteOptions,
    ) -> io::Result<Box<dyn RecordWriter>> {
        let path = input.path.as_deref().ok_or_else(|| {
            io::Error::other(format!("{}: Parquet is written from a file", input.name))
        })?;
        let columns = ReadColumns {
            text: options.text_field.clone(),
            id: None,
            source: None,
            date: None,
        };
        let reading =
            ParquetInput::open(path, Arc::clone(&input.name), &columns, DEFAULT_CHUNK_ROWS)
                .map_err(io::Error::other)?;
        let writer =
            ParquetRewriter::new(reading, file, options.annotate).map_err(io::Error::other)?;
        Ok(Box::new(ParquetWriter(writer)))
    }
}

/// [`ParquetRewriter`] as a [`RecordWriter`] of rendered rows.
struct ParquetWriter(ParquetRewriter<File>);

impl RecordWriter for ParquetWriter {
    fn write(&mut self, record: &[u8]) -> io::Result<()> {
        let (at, edit) = RowRecord::decode_edit(record).ok_or_else(|| {
            io::Error::new(io::ErrorKind::InvalidData, "not a rendered Parquet row")
        })?;
        self.0.write_row(at, edit).map_err(io::Error::other)
    }

    fn finish(self: Box<Self>) -> io::Result<File> {
        self.0.finish().map_err(io::Error::other)
    }
}
