//! Files written by arrow-rs's own writer with a schema like a dataset hub's (id, url, date,
//! text, nested metadata), read and rewritten.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::builder::{ListBuilder, StringBuilder};
use arrow_array::cast::AsArray;
use arrow_array::{
    Array, ArrayRef, Float64Array, Int64Array, LargeStringArray, RecordBatch, StringArray,
    StringViewArray, StructArray, TimestampMillisecondArray, UInt32Array,
};
use arrow_schema::{DataType, Field, Fields, Schema, TimeUnit};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;
use proptest::prelude::*;

use super::*;

/// How the text column is stored.
#[derive(Clone, Copy, Debug)]
enum TextType {
    Utf8,
    Large,
    View,
}

fn text_of(row: usize) -> Option<String> {
    // Every seventh row's text is null; some texts repeat, as duplicates do.
    if row % 7 == 6 {
        None
    } else {
        Some(format!(
            "Story {} — café “quoted”.\nSecond line {row}.",
            row % 5
        ))
    }
}

fn metadata_fields() -> Fields {
    Fields::from(vec![
        Field::new("source", DataType::Utf8, true),
        Field::new(
            "tags",
            DataType::List(Arc::new(Field::new("item", DataType::Utf8, true))),
            true,
        ),
        Field::new("score", DataType::Float64, true),
    ])
}

/// A table of `rows` rows like a hub dataset's, row `r`'s text `texts(r)`.
fn hub_batch_of(
    first: usize,
    rows: usize,
    text: TextType,
    texts: fn(usize) -> Option<String>,
) -> RecordBatch {
    let range = first..first + rows;
    let texts: Vec<Option<String>> = range.clone().map(texts).collect();
    let text_array: ArrayRef = match text {
        TextType::Utf8 => Arc::new(StringArray::from(texts)),
        TextType::Large => Arc::new(LargeStringArray::from(texts)),
        TextType::View => Arc::new(StringViewArray::from(texts)),
    };
    let mut tags = ListBuilder::new(StringBuilder::new());
    for row in range.clone() {
        if row % 3 == 0 {
            tags.append_null();
        } else {
            tags.values().append_value("world");
            tags.values().append_value(format!("t{row}"));
            tags.append(true);
        }
    }
    let metadata = StructArray::new(
        metadata_fields(),
        vec![
            Arc::new(StringArray::from_iter_values(
                range.clone().map(|r| format!("outlet{}", r % 2)),
            )),
            Arc::new(tags.finish()),
            Arc::new(Float64Array::from_iter_values(
                range.clone().map(|r| r as f64 / 4.0),
            )),
        ],
        None,
    );
    RecordBatch::try_new(
        hub_schema(text),
        vec![
            Arc::new(StringArray::from_iter_values(
                range.clone().map(|r| format!("doc-{r}")),
            )),
            Arc::new(StringArray::from_iter_values(
                range.clone().map(|r| format!("https://example.com/{r}")),
            )),
            Arc::new(
                TimestampMillisecondArray::from_iter_values(
                    range
                        .clone()
                        .map(|r| 1_700_000_000_000 + r as i64 * 86_400_000),
                )
                .with_timezone("UTC"),
            ),
            text_array,
            Arc::new(metadata),
            Arc::new(Int64Array::from_iter_values(range.map(|r| r as i64 * 10))),
        ],
    )
    .unwrap()
}

fn hub_schema(text: TextType) -> Arc<Schema> {
    let text = match text {
        TextType::Utf8 => DataType::Utf8,
        TextType::Large => DataType::LargeUtf8,
        TextType::View => DataType::Utf8View,
    };
    Arc::new(Schema::new_with_metadata(
        vec![
            Field::new("id", DataType::Utf8, false),
            Field::new("url", DataType::Utf8, false),
            Field::new(
                "date",
                DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into())),
                false,
            ),
            Field::new("text", text, true),
            Field::new("metadata", DataType::Struct(metadata_fields()), true),
            Field::new("count", DataType::Int64, false),
        ],
        std::collections::HashMap::from([("huggingface".to_string(), "{\"info\":1}".to_string())]),
    ))
}

/// Writes `groups` row groups of `rows` rows each to `path`.
fn write_hub(path: &Path, groups: usize, rows: usize, text: TextType, compression: Compression) {
    write_hub_of(path, groups, rows, text, compression, text_of)
}

/// Writes `groups` row groups of `rows` rows each to `path`, row `r`'s text `texts(r)`.
fn write_hub_of(
    path: &Path,
    groups: usize,
    rows: usize,
    text: TextType,
    compression: Compression,
    texts: fn(usize) -> Option<String>,
) {
    let props = WriterProperties::builder()
        .set_compression(compression)
        .set_max_row_group_row_count(Some(rows))
        // As pyarrow writes it: the schema's metadata as a key of the file's own too.
        .set_key_value_metadata(Some(vec![parquet::file::metadata::KeyValue::new(
            "huggingface".to_string(),
            "{\"info\":1}".to_string(),
        )]))
        .build();
    let file = std::fs::File::create(path).unwrap();
    let mut writer = ArrowWriter::try_new(file, hub_schema(text), Some(props)).unwrap();
    for group in 0..groups {
        writer
            .write(&hub_batch_of(group * rows, rows, text, texts))
            .unwrap();
        writer.flush().unwrap();
    }
    writer.close().unwrap();
}

fn columns() -> ReadColumns {
    ReadColumns {
        text: "text".into(),
        id: Some("id".into()),
        source: Some("source".into()),
        date: Some("date".into()),
    }
}

fn open(path: &Path, chunk_rows: usize) -> Result<ParquetInput, ParquetError> {
    ParquetInput::open(path, Arc::from("in.parquet"), &columns(), chunk_rows)
}

/// Every record of a file, and the first error.
fn read_all(input: &ParquetInput) -> (Vec<Record>, Option<ParquetError>) {
    let mut records = Vec::new();
    for group in 0..input.row_groups() {
        let mut failed = None;
        let result = input.read_row_group(group, |chunk| {
            records.extend(input.records(&chunk));
            true
        });
        if let Err(err) = result {
            failed = Some(err);
        }
        if failed.is_some() {
            return (records, failed);
        }
    }
    (records, None)
}

/// The whole table of a Parquet file, as pyarrow would read it: the schema and one batch.
fn read_table(
    path: &Path,
) -> (
    Arc<Schema>,
    RecordBatch,
    parquet::file::metadata::ParquetMetaData,
) {
    let file = std::fs::File::open(path).unwrap();
    let builder = ParquetRecordBatchReaderBuilder::try_new(file).unwrap();
    let schema = builder.schema().clone();
    let metadata = builder.metadata().as_ref().clone();
    let batches: Vec<RecordBatch> = builder.build().unwrap().map(|b| b.unwrap()).collect();
    let batch = arrow_select::concat::concat_batches(&schema, &batches).unwrap();
    (schema, batch, metadata)
}

fn rewrite(
    input: &Path,
    output: &Path,
    chunk_rows: usize,
    annotate: bool,
    mut edit: impl FnMut(&Record) -> Option<RowEdit>,
) {
    let reading = open(input, chunk_rows).unwrap();
    let (records, err) = read_all(&reading);
    assert!(err.is_none(), "{err:?}");
    let out = std::fs::File::create(output).unwrap();
    let mut writer = ParquetRewriter::new(open(input, chunk_rows).unwrap(), out, annotate).unwrap();
    for record in &records {
        if let Some(row) = edit(record) {
            writer.write_row(record.at, row).unwrap();
        }
    }
    writer.finish().unwrap();
}

fn temp() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.parquet");
    let output = dir.path().join("out.parquet");
    (dir, input, output)
}

#[test]
fn records_give_text_id_source_and_date_across_row_groups_and_chunks() {
    let (_dir, input, _) = temp();
    write_hub(&input, 3, 10, TextType::Utf8, Compression::SNAPPY);
    for (chunk_rows, only) in [(1, false), (3, true), (10, false), (4096, true)] {
        let mut reading = open(&input, chunk_rows).unwrap();
        if only {
            reading = reading.only_read_columns();
        }
        assert_eq!(reading.row_groups(), 3);
        let (records, err) = read_all(&reading);
        assert!(err.is_none());
        assert_eq!(records.len(), 30);
        for (i, record) in records.iter().enumerate() {
            assert_eq!(record.file_row, i as u64);
            assert_eq!(record.at.row_group as usize, i / 10);
            assert_eq!(record.at.row as usize, i % 10);
            assert_eq!(record.text, text_of(i));
            assert_eq!(record.id.as_deref(), Some(format!("doc-{i}").as_str()));
            // `source` is nested in `metadata`, not a top-level column: not read.
            assert_eq!(record.source, None);
        }
        assert_eq!(records[0].date.as_deref(), Some("2023-11-14T22:13:20"));
    }
}

#[test]
fn a_cut_row_reads_back_as_its_record() {
    let (_dir, input, _) = temp();
    write_hub(&input, 2, 9, TextType::View, Compression::SNAPPY);
    let mut cols = columns();
    cols.source = Some("url".into());
    let reading = ParquetInput::open(&input, Arc::from("in.parquet"), &cols, 4).unwrap();
    let mut seen = 0;
    for group in 0..reading.row_groups() {
        for chunk in reading.row_group(group).unwrap() {
            let chunk = chunk.unwrap();
            for (row, record) in reading.records(&chunk).enumerate() {
                let mut bytes = b"junk".to_vec();
                let appended = reading.append_row(&chunk, row, &mut bytes);
                assert_eq!(appended, record.text.is_some());
                if !appended {
                    assert_eq!(bytes, b"junk");
                    continue;
                }
                let cut = CutRow::decode(&bytes[4..]).unwrap();
                assert_eq!(cut.file_row, record.file_row);
                assert_eq!(cut.id, record.id.as_deref());
                assert_eq!(cut.source, record.source.as_deref());
                assert_eq!(cut.date, record.date.as_deref());
                assert_eq!(Some(cut.text), record.text.as_deref());
                seen += 1;
            }
        }
    }
    assert_eq!(seen, 16);
    assert_eq!(CutRow::decode(b"short"), None);
}

#[test]
fn a_passthrough_gives_the_same_table_schema_compression_and_row_groups() {
    for (text, compression) in [
        (TextType::Utf8, Compression::SNAPPY),
        (
            TextType::Large,
            Compression::ZSTD(ZstdLevel::try_new(3).unwrap()),
        ),
        (TextType::View, Compression::UNCOMPRESSED),
    ] {
        let (_dir, input, output) = temp();
        write_hub(&input, 4, 25, text, compression);
        rewrite(&input, &output, 7, false, |_| Some(RowEdit::default()));
        let (in_schema, in_batch, in_meta) = read_table(&input);
        let (out_schema, out_batch, out_meta) = read_table(&output);
        assert_eq!(in_schema, out_schema, "{text:?}");
        assert_eq!(in_batch, out_batch, "{text:?}");
        let kv = |meta: &parquet::file::metadata::ParquetMetaData| {
            let mut kv: Vec<_> = meta
                .file_metadata()
                .key_value_metadata()
                .into_iter()
                .flatten()
                .map(|kv| (kv.key.clone(), kv.value.clone()))
                .collect();
            kv.sort();
            kv
        };
        assert_eq!(kv(&in_meta), kv(&out_meta), "{text:?}");
        assert_eq!(out_meta.num_row_groups(), 4);
        for group in out_meta.row_groups() {
            assert_eq!(group.num_rows(), 25);
            for column in group.columns() {
                // zstd's level is not stored in the file: the codec is what is kept.
                assert_eq!(
                    std::mem::discriminant(&column.compression()),
                    std::mem::discriminant(&compression),
                );
            }
        }
        assert_eq!(
            in_meta
                .row_group(0)
                .column(0)
                .compression()
                .codec_to_string(),
            out_meta
                .row_group(0)
                .column(0)
                .compression()
                .codec_to_string()
        );
    }
}

trait CodecName {
    fn codec_to_string(&self) -> String;
}

impl CodecName for Compression {
    fn codec_to_string(&self) -> String {
        format!("{self:?}")
            .split('(')
            .next()
            .unwrap_or_default()
            .to_string()
    }
}

#[test]
fn dropped_rows_go_and_new_text_replaces_the_old_every_other_column_unchanged() {
    let (_dir, input, output) = temp();
    write_hub(&input, 3, 20, TextType::Large, Compression::SNAPPY);
    // Keep rows not divisible by 4, upper-case the text of every third kept row. A row whose
    // text is null is written though not given (it is no document).
    let mut kept = Vec::new();
    rewrite(&input, &output, 6, false, |record| {
        if record.file_row % 4 == 0 {
            if record.text.is_none() {
                kept.push(record.file_row as u32);
            }
            return None;
        }
        kept.push(record.file_row as u32);
        let text = match (&record.text, record.file_row % 3) {
            (Some(text), 0) => Some(text.to_uppercase()),
            _ => None,
        };
        Some(RowEdit {
            text,
            annotation: None,
        })
    });
    let (in_schema, in_batch, _) = read_table(&input);
    let (out_schema, out_batch, meta) = read_table(&output);
    assert_eq!(in_schema, out_schema);
    let indices = UInt32Array::from(kept.clone());
    let expected = arrow_select::take::take_record_batch(&in_batch, &indices).unwrap();
    // 15 rows divisible by 4, of which 20 and 48 have a null text.
    assert_eq!(out_batch.num_rows(), 47);
    for (index, field) in in_schema.fields().iter().enumerate() {
        if field.name() == "text" {
            continue;
        }
        assert_eq!(
            out_batch.column(index),
            expected.column(index),
            "{}",
            field.name()
        );
    }
    let texts = out_batch.column(3).as_string::<i64>();
    for (i, row) in kept.iter().enumerate() {
        let want = text_of(*row as usize).map(|t| if row % 3 == 0 { t.to_uppercase() } else { t });
        assert_eq!(texts.is_valid(i).then(|| texts.value(i).to_string()), want);
    }
    // Row groups of the input's size, not one a chunk.
    let sizes: Vec<i64> = meta.row_groups().iter().map(|g| g.num_rows()).collect();
    assert_eq!(sizes, [20, 20, 7]);
}

#[test]
fn a_row_group_left_whole_is_copied_one_with_new_text_keeps_its_other_chunks() {
    let (_dir, input, output) = temp();
    // No null text: every row of a row group is a document, given or dropped.
    fn texts(row: usize) -> Option<String> {
        Some(format!(
            "Story {} — café “quoted”.\nSecond line {row}.",
            row % 5
        ))
    }
    let zstd = Compression::ZSTD(ZstdLevel::try_new(3).unwrap());
    write_hub_of(&input, 3, 20, TextType::Utf8, zstd, texts);
    // Row group 0 as it was; row 25's text upper-cased (row group 1); row 45 dropped (2).
    rewrite(&input, &output, 6, false, |record| match record.file_row {
        45 => None,
        25 => Some(RowEdit {
            text: record.text.as_ref().map(|t| t.to_uppercase()),
            annotation: None,
        }),
        _ => Some(RowEdit::default()),
    });
    let (in_schema, in_batch, in_meta) = read_table(&input);
    let (out_schema, out_batch, out_meta) = read_table(&output);
    assert_eq!(in_schema, out_schema);
    let kept: Vec<u32> = (0..60).filter(|&row| row != 45).collect();
    let expected =
        arrow_select::take::take_record_batch(&in_batch, &UInt32Array::from(kept)).unwrap();
    let text = in_schema.index_of("text").unwrap();
    for column in 0..in_schema.fields().len() {
        if column != text {
            assert_eq!(
                out_batch.column(column),
                expected.column(column),
                "{column}"
            );
        }
    }
    let texts_out = out_batch.column(text).as_string::<i32>();
    for row in 0..59 {
        let file_row = if row < 45 { row } else { row + 1 };
        let want = texts(file_row).unwrap();
        let want = if file_row == 25 {
            want.to_uppercase()
        } else {
            want
        };
        assert_eq!(texts_out.value(row), want, "{row}");
    }
    let sizes: Vec<i64> = out_meta.row_groups().iter().map(|g| g.num_rows()).collect();
    assert_eq!(sizes, [20, 20, 19]);
    // A column chunk copied: the same bytes as the input's, and the same metadata.
    let in_bytes = std::fs::read(&input).unwrap();
    let out_bytes = std::fs::read(&output).unwrap();
    let chunk = |bytes: &[u8], meta: &parquet::file::metadata::ParquetMetaData, g, c| {
        let (start, len) = meta.row_group(g).column(c).byte_range();
        bytes[start as usize..(start + len) as usize].to_vec()
    };
    let leaves = in_meta.row_group(0).num_columns();
    let text_leaf = (0..leaves)
        .find(|&c| in_meta.row_group(0).column(c).column_path().string() == "text")
        .unwrap();
    for group in 0..2 {
        for c in 0..leaves {
            let (a, b) = (
                in_meta.row_group(group).column(c),
                out_meta.row_group(group).column(c),
            );
            if group == 1 && c == text_leaf {
                assert_ne!(
                    chunk(&in_bytes, &in_meta, group, c),
                    chunk(&out_bytes, &out_meta, group, c)
                );
                continue;
            }
            assert_eq!(
                chunk(&in_bytes, &in_meta, group, c),
                chunk(&out_bytes, &out_meta, group, c),
                "row group {group}, column {c}"
            );
            assert_eq!(a.compressed_size(), b.compressed_size());
            assert_eq!(a.compression(), b.compression());
            assert_eq!(
                a.statistics(),
                b.statistics(),
                "row group {group}, column {c}"
            );
        }
    }
    // The text column encoded anew: statistics of its new values (the upper-cased text is the
    // least), compressed as the input's.
    let stats = out_meta.row_group(1).column(text_leaf);
    assert_eq!(
        std::mem::discriminant(&stats.compression()),
        std::mem::discriminant(&zstd)
    );
    match stats.statistics() {
        Some(parquet::file::statistics::Statistics::ByteArray(s)) => {
            assert_eq!(
                s.min_opt().map(|v| v.data()),
                Some(texts(25).unwrap().to_uppercase().as_bytes())
            );
            assert_eq!(s.null_count_opt(), Some(0));
        }
        other => panic!("{other:?}"),
    }
    // The row group with a row dropped is encoded anew, all of it.
    assert_ne!(
        chunk(&in_bytes, &in_meta, 2, 0),
        chunk(&out_bytes, &out_meta, 2, 0)
    );
    // Read with the page index, the file gives the same rows.
    let file = std::fs::File::open(&output).unwrap();
    let options = parquet::arrow::arrow_reader::ArrowReaderOptions::new()
        .with_page_index_policy(parquet::file::metadata::PageIndexPolicy::Optional);
    let reader = ParquetRecordBatchReaderBuilder::try_new_with_options(file, options).unwrap();
    let batches: Vec<RecordBatch> = reader.build().unwrap().map(|b| b.unwrap()).collect();
    let again = arrow_select::concat::concat_batches(&out_schema, &batches).unwrap();
    assert_eq!(again, out_batch);
}

#[test]
fn annotate_adds_a_nullable_dedup_struct() {
    let (_dir, input, output) = temp();
    write_hub(&input, 2, 5, TextType::Utf8, Compression::SNAPPY);
    rewrite(&input, &output, 3, true, |record| {
        let annotation = (record.file_row % 5 < 2).then(|| Annotation {
            cluster: 7,
            duplicate_of: (record.file_row % 5 == 1).then(|| "doc-0".to_string()),
            similarity: 0.5,
            coverage: 1.0,
            kind: "near".into(),
        });
        Some(RowEdit {
            text: None,
            annotation,
        })
    });
    let (schema, batch, _) = read_table(&output);
    assert_eq!(schema.fields().len(), 7);
    assert_eq!(schema.field(6).name(), ANNOTATION_COLUMN);
    let dedup = batch.column(6).as_struct();
    assert_eq!(dedup.len(), 10);
    let valid: Vec<bool> = (0..10).map(|i| dedup.is_valid(i)).collect();
    assert_eq!(
        valid,
        [true, true, false, false, false, true, true, false, false, false]
    );
    let duplicate_of = dedup
        .column_by_name("duplicate_of")
        .unwrap()
        .as_string::<i32>();
    assert!(duplicate_of.is_null(0));
    assert_eq!(duplicate_of.value(1), "doc-0");
    let kind = dedup.column_by_name("kind").unwrap().as_string::<i32>();
    assert_eq!(kind.value(5), "near");
    // Annotating the annotated file again replaces the column rather than adding a second.
    let again = output.with_file_name("again.parquet");
    rewrite(&output, &again, 4, true, |_| Some(RowEdit::default()));
    let (schema, batch, _) = read_table(&again);
    assert_eq!(schema.fields().len(), 7);
    assert_eq!(batch.column(6).null_count(), 10);
}

#[test]
fn rows_out_of_order_are_refused() {
    let (_dir, input, output) = temp();
    write_hub(&input, 2, 5, TextType::Utf8, Compression::SNAPPY);
    let out = std::fs::File::create(&output).unwrap();
    let mut writer = ParquetRewriter::new(open(&input, 2).unwrap(), out, false).unwrap();
    let at = |row_group, row| RowLocator { row_group, row };
    writer.write_row(at(1, 2), RowEdit::default()).unwrap();
    let err = writer.write_row(at(0, 4), RowEdit::default()).unwrap_err();
    assert!(matches!(*err.kind, ParquetErrorKind::Order(_)), "{err}");
    let out = std::fs::File::create(&output).unwrap();
    let mut writer = ParquetRewriter::new(open(&input, 2).unwrap(), out, false).unwrap();
    let err = writer.write_row(at(0, 9), RowEdit::default()).unwrap_err();
    assert!(err.to_string().contains("row group 0"), "{err}");
}

#[test]
fn a_missing_or_non_string_text_column_is_named_with_the_file() {
    let (_dir, input, _) = temp();
    write_hub(&input, 1, 3, TextType::Utf8, Compression::SNAPPY);
    let mut cols = columns();
    cols.text = "body".into();
    let err = ParquetInput::open(&input, Arc::from("in.parquet"), &cols, 10).unwrap_err();
    assert_eq!(
        err.to_string(),
        "in.parquet: text column `body` is missing (columns: id, url, date, text, metadata, count)"
    );
    cols.text = "count".into();
    let err = ParquetInput::open(&input, Arc::from("in.parquet"), &cols, 10).unwrap_err();
    assert_eq!(
        err.to_string(),
        "in.parquet: text column `count` is Int64, not a string"
    );
    let mut cols = columns();
    cols.id = Some("metadata".into());
    let err = ParquetInput::open(&input, Arc::from("in.parquet"), &cols, 10).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("in.parquet: id column `metadata` is Struct("),
        "{err}"
    );
    // A missing id column is no error: ids are then the caller's (file and row).
    cols.id = Some("uuid".into());
    let reading = ParquetInput::open(&input, Arc::from("in.parquet"), &cols, 10).unwrap();
    assert_eq!(read_all(&reading).0[0].id, None);
}

#[test]
fn a_file_cut_short_or_not_parquet_is_an_error_at_open() {
    let (_dir, input, _) = temp();
    write_hub(&input, 2, 10, TextType::Utf8, Compression::SNAPPY);
    let bytes = std::fs::read(&input).unwrap();
    for cut in [0, 3, bytes.len() / 2, bytes.len() - 1] {
        std::fs::write(&input, &bytes[..cut]).unwrap();
        let err = open(&input, 4).unwrap_err();
        assert!(
            matches!(*err.kind, ParquetErrorKind::Footer(_)),
            "{cut}: {err}"
        );
        assert!(err
            .to_string()
            .starts_with("in.parquet: not a Parquet file, or cut short"));
    }
}

#[test]
fn a_damaged_page_names_its_row_group_and_rows() {
    let (_dir, input, _) = temp();
    write_hub(
        &input,
        3,
        10,
        TextType::Utf8,
        Compression::ZSTD(ZstdLevel::default()),
    );
    let bytes = std::fs::read(&input).unwrap();
    let (_, _, meta) = read_table(&input);
    // Overwrite the middle of row group 1's text column chunk.
    let (start, len) = meta.row_group(1).column(3).byte_range();
    let mut damaged = bytes.clone();
    for b in &mut damaged[(start + len / 3) as usize..(start + len * 2 / 3) as usize] {
        *b = 0x5A;
    }
    std::fs::write(&input, &damaged).unwrap();
    let reading = open(&input, 4).unwrap();
    let (records, err) = read_all(&reading);
    let err = err.expect("the damage is found");
    assert_eq!(records.len(), 10, "row group 0 is read whole");
    assert_eq!(err.row_group, Some(1));
    assert_eq!(err.rows, Some(10..14));
    assert!(
        err.to_string()
            .starts_with("in.parquet: row group 1, rows 10..14: corrupt data"),
        "{err}"
    );
    // The next row group still reads.
    let mut rest = 0;
    reading
        .read_row_group(2, |chunk| {
            rest += chunk.batch.num_rows();
            true
        })
        .unwrap();
    assert_eq!(rest, 10);
    // The rows read are written, the damaged row group's left out (the reader told of it).
    let output = input.with_file_name("out.parquet");
    let out = std::fs::File::create(&output).unwrap();
    let mut writer = ParquetRewriter::new(open(&input, 4).unwrap(), out, false).unwrap();
    for record in records {
        writer.write_row(record.at, RowEdit::default()).unwrap();
    }
    for row in [0, 5] {
        let at = RowLocator { row_group: 2, row };
        writer.write_row(at, RowEdit::default()).unwrap();
    }
    writer.finish().unwrap();
    let (_, batch, _) = read_table(&output);
    // Rows 0..10 of row group 0, rows 20 and 25 of the file, and the null text of row 27.
    let ids = batch.column(0).as_string::<i32>();
    let ids: Vec<&str> = (0..batch.num_rows()).map(|i| ids.value(i)).collect();
    let mut want: Vec<String> = (0..10).map(|i| format!("doc-{i}")).collect();
    want.extend(["doc-20", "doc-25", "doc-27"].map(String::from));
    assert_eq!(ids, want);
}

/// Damages a hub-like file at `spots` places drawn from `seed` (cut short too, when `cut`),
/// then reads it whole and rewrites it: whatever happens must be an error, not a panic.
fn damage_read_and_rewrite(seed: u64, spots: usize, cut: bool) {
    let (_dir, input, output) = temp();
    write_hub(&input, 2, 6, TextType::Utf8, Compression::SNAPPY);
    let mut bytes = std::fs::read(&input).unwrap();
    let mut state = seed | 1;
    for _ in 0..spots {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let at = (state % bytes.len() as u64) as usize;
        bytes[at] = (state >> 32) as u8;
    }
    if cut {
        bytes.truncate((state % bytes.len() as u64) as usize);
    }
    std::fs::write(&input, &bytes).unwrap();
    if let Ok(reading) = open(&input, 4) {
        let (records, _) = read_all(&reading);
        if let Ok(writing) = open(&input, 4) {
            let out = std::fs::File::create(&output).unwrap();
            if let Ok(mut writer) = ParquetRewriter::new(writing, out, true) {
                for record in &records {
                    if writer.write_row(record.at, RowEdit::default()).is_err() {
                        break;
                    }
                }
                let _ = writer.finish();
            }
        }
    }
}

/// Damage the property test above found to panic inside arrow-rs: a column chunk's negative
/// offset in the footer (asserted by `ColumnChunkMetaData::byte_range`), and a page whose
/// decoder divides by zero.
#[test]
fn damage_that_panicked_arrow_rs_is_an_error() {
    damage_read_and_rewrite(10498926525796638958, 6, false);
    damage_read_and_rewrite(14242440072284784550, 2, false);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Damage anywhere gives an error or other values, never a panic.
    #[test]
    fn no_damage_makes_reading_or_rewriting_panic(
        seed in any::<u64>(), spots in 1usize..8, cut in any::<bool>()
    ) {
        damage_read_and_rewrite(seed, spots, cut);
    }
}

proptest! {
    #[test]
    fn a_row_record_reads_back_as_written(
        row_group in any::<u32>(), row in any::<u32>(), text in ".{0,40}", changed in any::<bool>(),
        annotation in proptest::option::of((any::<u32>(), proptest::option::of(".{0,12}"), 0.0f64..1.0, "exact|near")),
        cut in any::<prop::sample::Index>(),
    ) {
        let record = RowRecord {
            at: RowLocator { row_group, row },
            text,
            changed,
            annotation: annotation.map(|(cluster, duplicate_of, similarity, kind)| Annotation {
                cluster, duplicate_of, similarity, coverage: 1.0 - similarity, kind,
            }),
        };
        let bytes = record.encode();
        prop_assert_eq!(RowRecord::decode(&bytes), Some(record.clone()));
        prop_assert_eq!(RowRecord::decode_edit(&bytes), Some(record.into_edit()));
        // Any prefix decodes to something or nothing, without a panic; a JSON line is refused.
        let _ = RowRecord::decode(&bytes[..cut.index(bytes.len())]);
        prop_assert_eq!(RowRecord::decode(b"{\"text\":\"x\"}"), None);
    }
}
