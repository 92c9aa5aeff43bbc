//! The reading thread's batch cutting: whatever the bytes, the batch size and the record
//! limit, reading never panics, and every unit comes out once, in order, with the same bytes as
//! when the whole input fits one batch (the class of the issue-13 reader bug).
//!
//! Input: byte 0 picks the batch size (1..=256 bytes), byte 1 the record limit (1..=4096),
//! byte 2 the number of files (1..=3) and whether they are gzipped; the rest is cut into the
//! files at `0xFF 0xFE 0xFD` separators.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::io::Write;
use textwash::document::Decoding;
use textwash::format::JSONL;
use textwash::read::batch::{read_batches, Cutting};
use textwash::read::{Compression, InputFile, Unit};

#[derive(Debug, PartialEq, Eq)]
enum Seen {
    Start(usize),
    End(usize),
    Record(usize, u64, Vec<u8>, Option<Decoding>),
    Problem(String, Option<u64>, &'static str),
}

fn read_all(files: &[InputFile], cutting: Cutting) -> Vec<Seen> {
    let mut seen = Vec::new();
    read_batches(files, cutting, &indicatif::ProgressBar::hidden(), |batch| {
        for unit in &batch.units {
            seen.push(match unit {
                Unit::StartFile { file } => Seen::Start(*file),
                Unit::EndFile { file } => Seen::End(*file),
                Unit::Record {
                    file,
                    locator,
                    bytes,
                    transcoded,
                } => Seen::Record(
                    *file,
                    *locator,
                    batch.data[bytes.clone()].to_vec(),
                    *transcoded,
                ),
                Unit::Problem(p) => {
                    Seen::Problem(p.location.file.to_string(), p.location.line, p.kind.code())
                }
            });
        }
        true
    });
    seen
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 3 {
        return;
    }
    let batch_bytes = 1 + usize::from(data[0]);
    let max_record = 1 + usize::from(data[1]) * 16;
    let count = 1 + usize::from(data[2] % 3);
    let gzip = data[2] & 0x80 != 0;
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    let mut rest = &data[3..];
    for f in 0..count {
        let cut = rest
            .windows(3)
            .position(|w| w == [0xFF, 0xFE, 0xFD])
            .unwrap_or(rest.len());
        let (content, tail) = rest.split_at(cut);
        rest = tail.get(3..).unwrap_or(&[]);
        let name = if gzip {
            format!("{f}.jsonl.gz")
        } else {
            format!("{f}.jsonl")
        };
        let path = dir.path().join(&name);
        let bytes = if gzip {
            let mut encoder =
                flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            encoder.write_all(content).unwrap();
            encoder.finish().unwrap()
        } else {
            content.to_vec()
        };
        std::fs::write(&path, &bytes).unwrap();
        files.push(InputFile {
            path: Some(path),
            name: name.clone().into(),
            rel: name,
            format: JSONL,
            compression: if gzip {
                Compression::Gzip
            } else {
                Compression::None
            },
            size: Some(bytes.len() as u64),
            folder: ".".into(),
        });
    }
    let cut = read_all(
        &files,
        Cutting {
            batch_bytes,
            max_record,
        },
    );
    let whole = read_all(
        &files,
        Cutting {
            batch_bytes: 1 << 30,
            max_record,
        },
    );
    assert_eq!(
        cut, whole,
        "batches of {batch_bytes} bytes changed what was read"
    );
    // Every record parses or is a problem, without panicking.
    let config = textwash::read::ReadConfig {
        glob: globset_any(),
        format: None,
        text_field: "text".into(),
        id_field: "id".into(),
        source_field: Some("source".into()),
        date_field: Some("date".into()),
        skip_in_folders: Vec::new(),
    };
    read_batches(
        &files,
        Cutting {
            batch_bytes,
            max_record,
        },
        &indicatif::ProgressBar::hidden(),
        |batch| {
            for unit in &batch.units {
                let _ = textwash::read::parse_unit(unit, &batch.data, &files, &config);
            }
            true
        },
    );
});

fn globset_any() -> globset::GlobMatcher {
    globset::Glob::new("*").unwrap().compile_matcher()
}
