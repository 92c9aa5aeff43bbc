//! The reading thread's work: open each input in order, decompress it, and cut it into
//! [`Unit`]s gathered in [`Batch`]es of about a given size.
//!
//! How a file is cut into records is its format's ([`crate::format::Format::cut`]), through
//! the [`Cutter`] here. Nothing here parses or decodes text; that happens on the worker threads
//! ([`crate::read::parse_unit`]), so this loop stays as fast as the disk and the decompressor.

use std::io::Read;
use std::ops::Range;
use std::sync::mpsc::Receiver;

use indicatif::ProgressBar;

use crate::document::Decoding;
use crate::error::{Location, Problem, ProblemKind};
use crate::read::stream::open;
use crate::read::{InputFile, ReadConfig, Unit};

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
    /// Rows of a table whose text is null, passed over ([`Cutter::count_null_texts`]).
    pub null_texts: u64,
}

/// Reads every file in order and hands batches of about `cutting.batch_bytes` to `emit`, which
/// returns false to stop reading. `progress` advances by the bytes read from disk.
pub fn read_batches(
    files: &[InputFile],
    config: &ReadConfig,
    cutting: Cutting,
    progress: &ProgressBar,
    mut emit: impl FnMut(Batch) -> bool,
) {
    read_batches_of(files, config, cutting, MAX_UNITS, progress, None, &mut emit)
}

/// [`read_batches`], filling the buffers that come back on `spare` (a batch's
/// [`Batch::data`], handed back once its units were processed) before it allocates new ones.
///
/// The reader then fills the few buffers the batches in flight need, instead of a new one of
/// a batch's size for every batch (peak RSS on a 200 MB corpus with dedup: 346 → 333 MB,
/// together with the shard writer's entry buffer). The kernel's zeroing of new pages, which
/// the profile put under reading, did not shrink with it: it is the peak's pages, each
/// zeroed once.
pub fn read_batches_reusing(
    files: &[InputFile],
    config: &ReadConfig,
    cutting: Cutting,
    progress: &ProgressBar,
    spare: &Receiver<Vec<u8>>,
    mut emit: impl FnMut(Batch) -> bool,
) {
    read_batches_of(
        files,
        config,
        cutting,
        MAX_UNITS,
        progress,
        Some(spare),
        &mut emit,
    )
}

/// [`read_batches`] with at most `max_units` units a batch.
fn read_batches_of(
    files: &[InputFile],
    config: &ReadConfig,
    cutting: Cutting,
    max_units: usize,
    progress: &ProgressBar,
    spare: Option<&Receiver<Vec<u8>>>,
    emit: &mut dyn FnMut(Batch) -> bool,
) {
    let mut cutter = Cutter {
        spare,
        batch: Batch::default(),
        batch_bytes: cutting.batch_bytes,
        max_units,
        max_record: cutting.max_record,
        emit,
        stopped: false,
        progress,
        config,
        file: 0,
        started: false,
    };
    for (index, file) in files.iter().enumerate() {
        cutter.file = index;
        cutter.started = false;
        file.format.cut(file, &mut cutter);
        if cutter.stopped {
            return;
        }
        if cutter.started {
            cutter.push(Unit::EndFile { file: index });
        }
    }
    cutter.flush();
}

/// What a format's [`Format::cut`](crate::format::Format::cut) hands records to: it gathers
/// them, as units, into batches, and marks where each file starts and ends.
///
/// A unit's byte range points into the buffer of the batch it is in, so a batch may be handed on
/// only between units: never after a record's bytes were appended ([`Cutter::buffer`]) and
/// before its unit is pushed ([`Cutter::record`]). A file's start marker, pushed after its first
/// record's bytes, goes in without handing the batch on.
pub struct Cutter<'a> {
    batch: Batch,
    /// Buffers handed back for reuse ([`read_batches_reusing`]).
    spare: Option<&'a Receiver<Vec<u8>>>,
    batch_bytes: usize,
    max_units: usize,
    max_record: usize,
    emit: &'a mut dyn FnMut(Batch) -> bool,
    stopped: bool,
    progress: &'a ProgressBar,
    config: &'a ReadConfig,
    /// The input being cut.
    file: usize,
    /// Whether its start was marked.
    started: bool,
}

impl Cutter<'_> {
    /// Opens `input` as a stream of bytes, decompressed as its name says, counting the bytes
    /// read from disk on the progress bar; `None` when it cannot be opened (the problem is
    /// pushed).
    pub fn open_stream(&mut self, input: &InputFile) -> Option<Box<dyn Read + Send>> {
        match open(input, self.progress) {
            Ok(reader) => Some(reader),
            Err(err) => {
                self.problem(Problem {
                    location: Location::file(&input.name),
                    kind: ProblemKind::Unreadable(err.to_string()),
                });
                None
            }
        }
    }

    /// The run's reading settings (`--text-field` and the other fields), for a format that
    /// picks what to cut by them (a table's columns).
    pub fn config(&self) -> &ReadConfig {
        self.config
    }

    /// The progress bar of the bytes read from disk, for a format that opens its input itself.
    pub fn progress(&self) -> &ProgressBar {
        self.progress
    }

    /// The batch's buffer: a record's bytes are appended here, then pushed with
    /// [`Cutter::record`]. Bytes appended and not pushed should be truncated away.
    pub fn buffer(&mut self) -> &mut Vec<u8> {
        &mut self.batch.data
    }

    /// The longest record (in bytes, after decompression) a format should hold: a longer one is
    /// skipped with a [`ProblemKind::TooLarge`] problem, and never held whole in memory.
    pub fn max_record(&self) -> usize {
        self.max_record
    }

    /// Counts bytes read from the input (after decompression), blank lines and skipped records
    /// included.
    pub fn count_read(&mut self, bytes: u64) {
        self.batch.bytes_read += bytes;
    }

    /// Counts rows of a table whose text is null: no document, but counted in the report
    /// (`input.null_texts`).
    pub fn count_null_texts(&mut self, rows: u64) {
        self.batch.null_texts += rows;
    }

    /// Whether a record of the file was pushed (its start is marked).
    pub fn started(&self) -> bool {
        self.started
    }

    /// Whether the reader of the batches asked to stop: the format should return.
    pub fn stopped(&self) -> bool {
        self.stopped
    }

    /// Pushes the record whose bytes are `bytes` of the buffer; `locator` says where it is in
    /// its file and `transcoded` how the file was transcoded ([`RecordBytes`]). The batch is
    /// handed on when full.
    ///
    /// [`RecordBytes`]: crate::format::RecordBytes
    pub fn record(&mut self, bytes: Range<usize>, locator: u64, transcoded: Option<Decoding>) {
        self.record_at(bytes, locator, transcoded, None);
    }

    /// [`Cutter::record`] for a record whose bytes are the input file's own from byte `at` on
    /// ([`Unit::Record::at`]).
    pub fn record_at(
        &mut self,
        bytes: Range<usize>,
        locator: u64,
        transcoded: Option<Decoding>,
        at: Option<u64>,
    ) {
        if !self.started {
            self.started = true;
            // The record's bytes are in the buffer already: the batch must not be handed on
            // between the marker and the record.
            self.batch.units.push(Unit::StartFile { file: self.file });
        }
        self.push(Unit::Record {
            file: self.file,
            locator,
            bytes,
            transcoded,
            at,
        });
    }

    /// Pushes a problem: something of the file could not be read.
    pub fn problem(&mut self, problem: Problem) {
        self.push(Unit::Problem(problem));
    }

    /// Adds a unit whose bytes (if any) are in the buffer; the batch is handed on if full.
    fn push(&mut self, unit: Unit) {
        self.batch.units.push(unit);
        if self.batch.data.len() >= self.batch_bytes || self.batch.units.len() >= self.max_units {
            self.flush();
        }
    }

    fn flush(&mut self) {
        if self.stopped || self.batch.units.is_empty() {
            return;
        }
        let capacity = self.batch_bytes + self.batch_bytes / 4;
        let data = match self.spare.and_then(|spare| spare.try_recv().ok()) {
            Some(mut reused) => {
                reused.clear();
                reused
            }
            None => Vec::with_capacity(capacity),
        };
        let batch = std::mem::replace(
            &mut self.batch,
            Batch {
                data,
                ..Batch::default()
            },
        );
        if !(self.emit)(batch) {
            self.stopped = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::{Format, JSONL, TEXT};
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

    /// Every batch's buffer is handed back for reuse, as the main pass does, so that records
    /// read into a reused buffer are checked too.
    fn read_all(files: &[InputFile], cutting: Cutting, max_units: usize) -> Vec<Seen> {
        let mut seen = Vec::new();
        let (back, spare) = std::sync::mpsc::sync_channel(2);
        read_batches_of(
            files,
            &crate::read::tests::config(),
            cutting,
            max_units,
            &ProgressBar::hidden(),
            Some(&spare),
            &mut |batch| {
                for unit in &batch.units {
                    seen.push(match unit {
                        Unit::StartFile { file } => Seen::Start(*file),
                        Unit::EndFile { file } => Seen::End(*file),
                        Unit::Record {
                            file,
                            locator,
                            bytes,
                            ..
                        } => Seen::Record(*file, *locator, batch.data[bytes.clone()].to_vec()),
                        Unit::Problem(p) => Seen::Problem(
                            p.location.file.to_string(),
                            p.location.line,
                            p.kind.code(),
                        ),
                    });
                }
                let _ = back.try_send(batch.data);
                true
            },
        );
        seen
    }

    fn input(
        dir: &std::path::Path,
        name: &str,
        format: &'static dyn Format,
        bytes: &[u8],
    ) -> InputFile {
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
            input(dir.path(), "a.jsonl", JSONL, &join(&a)),
            input(dir.path(), "b.jsonl", JSONL, &join(&b)),
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
            input(dir.path(), "a.jsonl", JSONL, &bytes),
            input(dir.path(), "big.txt", TEXT, &huge),
            input(dir.path(), "small.txt", TEXT, b"small"),
        ];
        let cutting = Cutting {
            batch_bytes: 1 << 10,
            max_record: 4096,
        };
        let mut batches = Vec::new();
        let config = crate::read::tests::config();
        read_batches(&files, &config, cutting, &ProgressBar::hidden(), |batch| {
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
                Seen::Start(2),
                Seen::Record(2, 0, b"small".to_vec()),
                Seen::End(2),
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
                files.push(input(dir.path(), &format!("{f}.jsonl"), JSONL, &bytes));
                contents.push(lines);
            }
            let cutting = Cutting { batch_bytes, max_record: 1 << 20 };
            prop_assert_eq!(read_all(&files, cutting, max_units), expected(&contents));
        }

        /// A record of an uncompressed JSON Lines file says where its bytes are in the file
        /// (dedup reads unchanged records back from there): after a byte order mark, `\r\n`
        /// and `\n` line ends, blank lines and lines too long to be records.
        #[test]
        fn a_record_says_where_its_bytes_are_in_its_file(
            lines in prop::collection::vec((0usize..120, 0u8..4, any::<bool>()), 1..60),
            bom in any::<bool>(),
            batch_bytes in 1usize..2000,
        ) {
            let dir = tempfile::tempdir().unwrap();
            let mut bytes = if bom { b"\xEF\xBB\xBF".to_vec() } else { Vec::new() };
            for (n, &(len, kind, crlf)) in lines.iter().enumerate() {
                let line = match kind {
                    // Blank and white lines are no records.
                    0 => " \t".repeat(len % 3).into_bytes(),
                    _ => {
                        let mut l = format!("{n}:").into_bytes();
                        l.resize(l.len() + len, b'a' + (n % 26) as u8);
                        l
                    }
                };
                bytes.extend_from_slice(&line);
                bytes.extend_from_slice(if crlf { b"\r\n" } else { b"\n" });
            }
            let file = input(dir.path(), "f.jsonl", JSONL, &bytes);
            // Lines over 100 bytes are too long: skipped, their bytes still counted.
            let cutting = Cutting { batch_bytes, max_record: 100 };
            let mut records = 0;
            let mut places = Vec::new();
            read_batches_of(
                &[file],
                &crate::read::tests::config(),
                cutting,
                MAX_UNITS,
                &ProgressBar::hidden(),
                None,
                &mut |batch| {
                    for unit in &batch.units {
                        if let Unit::Record { bytes: range, at, .. } = unit {
                            records += 1;
                            places.push((*at, batch.data[range.clone()].to_vec()));
                        }
                    }
                    true
                },
            );
            prop_assert!(records > 0 || lines.iter().all(|l| l.1 == 0 || l.0 + 4 > 98));
            for (at, record) in places {
                let at = at.expect("a plain file's record has a place") as usize;
                prop_assert_eq!(&bytes[at..at + record.len()], &record[..]);
            }
        }
    }

    /// A compressed file's records have no place in it: their bytes are not the file's.
    #[test]
    fn a_compressed_record_has_no_place() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.jsonl.zst");
        std::fs::write(
            &path,
            zstd::encode_all(&b"{\"text\":\"a\"}\n"[..], 1).unwrap(),
        )
        .unwrap();
        let file = InputFile {
            compression: Compression::Zstd,
            ..input(
                dir.path(),
                "f.jsonl.zst",
                JSONL,
                &std::fs::read(&path).unwrap(),
            )
        };
        let mut places = Vec::new();
        read_batches(
            &[file],
            &crate::read::tests::config(),
            Cutting {
                batch_bytes: 100,
                max_record: 100,
            },
            &ProgressBar::hidden(),
            |batch| {
                for unit in &batch.units {
                    if let Unit::Record { at, .. } = unit {
                        places.push(*at);
                    }
                }
                true
            },
        );
        assert_eq!(places, vec![None]);
    }
}
