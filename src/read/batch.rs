//! The reading thread's work: open each input in order, decompress it, and cut it into
//! [`Unit`]s gathered in [`Batch`]es of about a given size.
//!
//! Nothing here parses or decodes text; that happens on the worker threads
//! ([`crate::read::parse_unit`]), so this loop stays as fast as the disk and the decompressor.

use std::io::{self, Read};

use indicatif::ProgressBar;

use crate::error::{Location, Problem, ProblemKind};
use crate::read::stream::{copy_rest_of_line, open, read_line, sniff_stream, Line, Opened};
use crate::read::{Compression, Format, InputFile, Unit};

/// Most units in one batch, so that a batch of tiny records still fits the pool's grain.
const MAX_UNITS: usize = 1 << 16;

/// How input is cut into batches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cutting {
    /// A batch is handed on once its bytes reach this.
    pub batch_bytes: usize,
    /// A record (a JSON line, a text file after decompression) longer than this is skipped
    /// with a problem, and never held whole in memory.
    pub max_record: usize,
}

/// The default of `--max-record-mb`.
pub const DEFAULT_MAX_RECORD_MB: usize = 256;

/// Units in input order, with the bytes they point into.
#[derive(Debug, Default)]
pub struct Batch {
    /// The bytes the units' ranges point into.
    pub data: Vec<u8>,
    /// The units, in input order.
    pub units: Vec<Unit>,
    /// Bytes read after decompression, blank lines included.
    pub bytes_read: u64,
}

/// Reads every file in order and hands batches of about `cutting.batch_bytes` to `emit`, which
/// returns false to stop reading. `progress` advances by the bytes read from disk.
pub fn read_batches(
    files: &[InputFile],
    cutting: Cutting,
    progress: &ProgressBar,
    emit: impl FnMut(Batch) -> bool,
) {
    read_batches_of(files, cutting, MAX_UNITS, progress, emit)
}

/// [`read_batches`] with at most `max_units` units a batch.
fn read_batches_of(
    files: &[InputFile],
    cutting: Cutting,
    max_units: usize,
    progress: &ProgressBar,
    mut emit: impl FnMut(Batch) -> bool,
) {
    let mut cutter = Cutter {
        batch: Batch::default(),
        batch_bytes: cutting.batch_bytes,
        max_units,
        max_record: cutting.max_record,
        emit: &mut emit,
        stopped: false,
    };
    for (index, file) in files.iter().enumerate() {
        let reader = match open(file, progress) {
            Ok(reader) => reader,
            Err(err) => {
                cutter.push(Unit::Problem(Problem {
                    location: Location::file(&file.name),
                    kind: ProblemKind::Unreadable(err.to_string()),
                }));
                continue;
            }
        };
        match file.format {
            Format::Text => read_text(index, file, reader, &mut cutter),
            Format::Jsonl => read_lines(index, file, reader, &mut cutter),
        }
        if cutter.stopped {
            return;
        }
    }
    cutter.flush();
}

/// Gathers units into batches.
///
/// A unit's byte range points into the buffer of the batch it is in, so a batch may be handed on
/// only between units: never after a record's bytes were appended and before its unit is
/// pushed. Bytes are appended only by the functions that push their unit right after
/// ([`read_text`], [`read_lines`]), and a file's start marker, pushed after its first line's
/// bytes, goes in with [`Cutter::push_uncut`].
struct Cutter<'e, E: FnMut(Batch) -> bool> {
    batch: Batch,
    batch_bytes: usize,
    max_units: usize,
    max_record: usize,
    emit: &'e mut E,
    stopped: bool,
}

impl<E: FnMut(Batch) -> bool> Cutter<'_, E> {
    /// Adds a unit whose bytes (if any) are in the buffer; the batch is handed on if full.
    fn push(&mut self, unit: Unit) {
        self.batch.units.push(unit);
        if self.batch.data.len() >= self.batch_bytes || self.batch.units.len() >= self.max_units {
            self.flush();
        }
    }

    /// Adds a unit without handing the batch on, for a marker that goes before a record whose
    /// bytes are already in the buffer: the record must stay in the same batch as its bytes.
    fn push_uncut(&mut self, unit: Unit) {
        self.batch.units.push(unit);
    }

    fn flush(&mut self) {
        if self.stopped || self.batch.units.is_empty() {
            return;
        }
        let capacity = self.batch_bytes + self.batch_bytes / 4;
        let batch = std::mem::replace(
            &mut self.batch,
            Batch {
                data: Vec::with_capacity(capacity),
                ..Batch::default()
            },
        );
        if !(self.emit)(batch) {
            self.stopped = true;
        }
    }
}

/// The problem for an error while reading `file` (after it was opened).
fn read_problem(file: &InputFile, line: Option<u64>, err: &io::Error) -> Problem {
    let kind = match file.compression {
        Compression::None => ProblemKind::Unreadable(err.to_string()),
        _ => ProblemKind::CorruptStream(err.to_string()),
    };
    Problem {
        location: Location {
            file: file.name.clone(),
            line,
        },
        kind,
    }
}

fn read_text<E: FnMut(Batch) -> bool>(
    index: usize,
    file: &InputFile,
    mut reader: Box<dyn Read + Send>,
    cutter: &mut Cutter<'_, E>,
) {
    let start = cutter.batch.data.len();
    let limit = cutter.max_record as u64;
    if let (true, Some(size)) = (matches!(file.compression, Compression::None), file.size) {
        // Room for the whole file at once: grown by doubling, the buffer of a 200 MB document
        // would take 256 MB, and twice that while it is copied to its larger self.
        let wanted = size.min(limit.saturating_add(1));
        cutter
            .batch
            .data
            .reserve_exact(usize::try_from(wanted).unwrap_or(0));
    }
    let read = (&mut reader)
        .take(limit.saturating_add(1))
        .read_to_end(&mut cutter.batch.data);
    match read {
        Err(err) => {
            cutter.batch.data.truncate(start);
            cutter.push(Unit::Problem(read_problem(file, None, &err)));
        }
        Ok(0) => cutter.push(Unit::Problem(Problem {
            location: Location::file(&file.name),
            kind: ProblemKind::EmptyFile,
        })),
        Ok(len) if len as u64 > limit => {
            cutter.batch.data.truncate(start);
            // The rest is read (so that a corrupt stream is still told apart) but not kept.
            let rest = io::copy(&mut reader, &mut io::sink());
            let total = (len as u64).saturating_add(*rest.as_ref().unwrap_or(&0));
            cutter.batch.bytes_read += total;
            let problem = match rest {
                Err(err) => read_problem(file, None, &err),
                Ok(_) => Problem {
                    location: Location::file(&file.name),
                    kind: ProblemKind::TooLarge {
                        bytes: total,
                        limit,
                    },
                },
            };
            cutter.push(Unit::Problem(problem));
        }
        Ok(len) => {
            cutter.batch.bytes_read += len as u64;
            cutter.push(Unit::Text {
                file: index,
                bytes: start..start + len,
            });
        }
    }
}

fn read_lines<E: FnMut(Batch) -> bool>(
    index: usize,
    file: &InputFile,
    reader: Box<dyn Read + Send>,
    cutter: &mut Cutter<'_, E>,
) {
    let (mut reader, transcoded) = match sniff_stream(reader) {
        Ok(Opened::Text { reader, transcoded }) => (reader, transcoded),
        Ok(Opened::Binary { controls, sampled }) => {
            cutter.push(Unit::Problem(Problem {
                location: Location::file(&file.name),
                kind: ProblemKind::Binary { controls, sampled },
            }));
            return;
        }
        Err(err) => {
            cutter.push(Unit::Problem(read_problem(file, None, &err)));
            return;
        }
    };
    let mut line = 0u64;
    let mut started = false;
    let mut failed = false;
    let limit = cutter.max_record;
    loop {
        let start = cutter.batch.data.len();
        match read_line(&mut reader, &mut cutter.batch.data, limit) {
            Ok(Line::End) => break,
            Ok(Line::TooLong) => {
                line += 1;
                cutter.batch.data.truncate(start);
                // The rest is read (so that a corrupt stream is still told apart) but not kept.
                match copy_rest_of_line(&mut reader, &mut io::sink()) {
                    Ok(rest) => {
                        let len = (limit as u64).saturating_add(rest);
                        cutter.batch.bytes_read += len;
                        cutter.push(Unit::Problem(Problem {
                            location: Location::line(&file.name, line),
                            kind: ProblemKind::TooLarge {
                                bytes: len,
                                limit: limit as u64,
                            },
                        }));
                    }
                    Err(err) => {
                        cutter.push(Unit::Problem(read_problem(file, Some(line), &err)));
                        failed = true;
                        break;
                    }
                }
            }
            Ok(Line::Read(len)) => {
                line += 1;
                cutter.batch.bytes_read += len as u64;
                let mut end = cutter.batch.data.len();
                let data = &cutter.batch.data;
                if data[end - 1] == b'\n' {
                    end -= 1;
                    if end > start && data[end - 1] == b'\r' {
                        end -= 1;
                    }
                }
                if data[start..end].iter().all(u8::is_ascii_whitespace) {
                    cutter.batch.data.truncate(start);
                    continue;
                }
                if !started {
                    started = true;
                    cutter.push_uncut(Unit::StartFile { file: index });
                }
                cutter.push(Unit::Line {
                    file: index,
                    line,
                    bytes: start..end,
                    transcoded,
                });
            }
            Err(err) => {
                // The partial line is dropped: it is what the error cut short.
                cutter.batch.data.truncate(start);
                cutter.push(Unit::Problem(read_problem(file, Some(line + 1), &err)));
                failed = true;
                break;
            }
        }
        if cutter.stopped {
            return;
        }
    }
    if started {
        cutter.push(Unit::EndFile { file: index });
    } else if !failed {
        // No bytes, or only blank lines: there is no record to read.
        cutter.push(Unit::Problem(Problem {
            location: Location::file(&file.name),
            kind: ProblemKind::EmptyFile,
        }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::Compression;
    use proptest::prelude::*;

    /// What the batches say, unit by unit: a file's records as (file, line, bytes), its start
    /// and end, and problems as (file, line, code).
    #[derive(Debug, PartialEq, Eq)]
    enum Seen {
        Start(usize),
        Record(usize, u64, Vec<u8>),
        End(usize),
        Problem(String, Option<u64>, &'static str),
    }

    fn read_all(files: &[InputFile], cutting: Cutting, max_units: usize) -> Vec<Seen> {
        let mut seen = Vec::new();
        read_batches_of(files, cutting, max_units, &ProgressBar::hidden(), |batch| {
            for unit in &batch.units {
                seen.push(match unit {
                    Unit::StartFile { file } => Seen::Start(*file),
                    Unit::EndFile { file } => Seen::End(*file),
                    Unit::Line {
                        file, line, bytes, ..
                    } => Seen::Record(*file, *line, batch.data[bytes.clone()].to_vec()),
                    Unit::Text { file, bytes } => {
                        Seen::Record(*file, 0, batch.data[bytes.clone()].to_vec())
                    }
                    Unit::Problem(p) => {
                        Seen::Problem(p.location.file.to_string(), p.location.line, p.kind.code())
                    }
                });
            }
            true
        });
        seen
    }

    fn input(dir: &std::path::Path, name: &str, format: Format, bytes: &[u8]) -> InputFile {
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        InputFile {
            path: Some(path),
            name: name.into(),
            rel: name.to_string(),
            format,
            compression: Compression::None,
            size: Some(bytes.len() as u64),
            folder: "".into(),
        }
    }

    /// What reading should give: every non-blank line once, in order, with its number.
    fn expected(files: &[Vec<Vec<u8>>]) -> Vec<Seen> {
        let mut out = Vec::new();
        for (f, lines) in files.iter().enumerate() {
            out.push(Seen::Start(f));
            for (n, line) in lines.iter().enumerate() {
                out.push(Seen::Record(f, n as u64 + 1, line.clone()));
            }
            out.push(Seen::End(f));
        }
        out
    }

    /// The reproduction, scaled: a first file whose last line fills the batch, then a
    /// second file whose first record must not be replaced by a later one.
    #[test]
    fn a_file_that_starts_as_the_batch_fills_keeps_its_first_record() {
        let dir = tempfile::tempdir().unwrap();
        let line = |prefix: char, i: usize| {
            let mut l = format!("{{\"id\":\"{prefix}{i:06}\",\"text\":\"");
            while l.len() < 97 {
                l.push('x');
            }
            l.push_str("\"}");
            l.into_bytes()
        };
        // Batches of 1 KiB: 10 lines of 100 bytes fill one to 1,000 bytes, and the first line of
        // the next file crosses it.
        let a: Vec<Vec<u8>> = (1..=10).map(|i| line('a', i)).collect();
        let b: Vec<Vec<u8>> = (1..=30).map(|i| line('b', i)).collect();
        let join = |lines: &[Vec<u8>]| {
            lines
                .iter()
                .flat_map(|l| [l.as_slice(), b"\n"].concat())
                .collect::<Vec<u8>>()
        };
        let files = [
            input(dir.path(), "a.jsonl", Format::Jsonl, &join(&a)),
            input(dir.path(), "b.jsonl", Format::Jsonl, &join(&b)),
        ];
        let cutting = Cutting {
            batch_bytes: 1 << 10,
            max_record: 1 << 20,
        };
        assert_eq!(
            read_all(&files, cutting, MAX_UNITS),
            expected(&[a.clone(), b.clone()])
        );
        // The same when the unit count cuts the batch: after a's start, 10 lines and its end.
        let big = Cutting {
            batch_bytes: 1 << 20,
            ..cutting
        };
        assert_eq!(read_all(&files, big, 12), expected(&[a, b]));
    }

    #[test]
    fn a_record_over_the_limit_is_skipped_with_its_line_and_never_held() {
        let dir = tempfile::tempdir().unwrap();
        let huge = vec![b'x'; 5000];
        let mut bytes = b"{\"text\":\"first\"}\n".to_vec();
        bytes.extend_from_slice(&huge);
        bytes.extend_from_slice(b"\n{\"text\":\"third\"}\n");
        let files = [
            input(dir.path(), "a.jsonl", Format::Jsonl, &bytes),
            input(dir.path(), "big.txt", Format::Text, &huge),
            input(dir.path(), "small.txt", Format::Text, b"small"),
        ];
        let cutting = Cutting {
            batch_bytes: 1 << 10,
            max_record: 4096,
        };
        let mut batches = Vec::new();
        read_batches(&files, cutting, &ProgressBar::hidden(), |batch| {
            batches.push(batch.data.capacity());
            true
        });
        assert!(batches.iter().all(|&c| c < 4 * 4096), "{batches:?}");
        assert_eq!(
            read_all(&files, cutting, MAX_UNITS),
            vec![
                Seen::Start(0),
                Seen::Record(0, 1, b"{\"text\":\"first\"}".to_vec()),
                Seen::Problem("a.jsonl".into(), Some(2), "too-large"),
                Seen::Record(0, 3, b"{\"text\":\"third\"}".to_vec()),
                Seen::End(0),
                Seen::Problem("big.txt".into(), None, "too-large"),
                Seen::Record(2, 0, b"small".to_vec()),
            ]
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// Every record comes out once, in order, byte for byte, whatever the line lengths,
        /// the number of files and the batch size.
        #[test]
        fn every_record_comes_out_once_in_order(
            lengths in prop::collection::vec(prop::collection::vec(1usize..300, 1..40), 1..12),
            batch_bytes in 1usize..2000,
            max_units in 1usize..40,
        ) {
            let dir = tempfile::tempdir().unwrap();
            let mut contents = Vec::new();
            let mut files = Vec::new();
            for (f, lens) in lengths.iter().enumerate() {
                let lines: Vec<Vec<u8>> = lens
                    .iter()
                    .enumerate()
                    .map(|(n, &len)| {
                        let mut l = format!("{f}:{n}:").into_bytes();
                        l.resize(l.len().max(len), b'a' + (n % 26) as u8);
                        l
                    })
                    .collect();
                let bytes: Vec<u8> = lines.iter().flat_map(|l| [l.as_slice(), b"\n"].concat()).collect();
                files.push(input(dir.path(), &format!("{f}.jsonl"), Format::Jsonl, &bytes));
                contents.push(lines);
            }
            let cutting = Cutting { batch_bytes, max_record: 1 << 20 };
            prop_assert_eq!(read_all(&files, cutting, max_units), expected(&contents));
        }
    }
}
