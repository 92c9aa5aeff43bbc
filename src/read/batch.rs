//! The reading thread's work: open each input in order, decompress it, and cut it into
//! [`Unit`]s gathered in [`Batch`]es of about a given size.
//!
//! Nothing here parses or decodes text; that happens on the worker threads
//! ([`crate::read::parse_unit`]), so this loop stays as fast as the disk and the decompressor.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};

use encoding_rs::{Encoding, UTF_8};
use flate2::read::MultiGzDecoder;
use indicatif::ProgressBar;

use crate::error::{Location, Problem, ProblemKind};
use crate::read::{Compression, Format, InputFile, Unit};

/// Most units in one batch, so that a batch of tiny records still fits the pool's grain.
const MAX_UNITS: usize = 1 << 16;
const READ_BUFFER: usize = 1 << 18;

/// Units in input order, with the bytes they point into.
#[derive(Debug, Default)]
pub struct Batch {
    pub data: Vec<u8>,
    pub units: Vec<Unit>,
    /// Bytes read after decompression, blank lines included.
    pub bytes_read: u64,
}

/// Reads every file in order and hands batches of about `batch_bytes` to `emit`, which returns
/// false to stop reading. `progress` advances by the bytes read from disk.
pub fn read_batches(
    files: &[InputFile],
    batch_bytes: usize,
    progress: &ProgressBar,
    mut emit: impl FnMut(Batch) -> bool,
) {
    let mut cutter = Cutter {
        batch: Batch::default(),
        batch_bytes,
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

struct Cutter<'e, E: FnMut(Batch) -> bool> {
    batch: Batch,
    batch_bytes: usize,
    emit: &'e mut E,
    stopped: bool,
}

impl<E: FnMut(Batch) -> bool> Cutter<'_, E> {
    fn push(&mut self, unit: Unit) {
        self.batch.units.push(unit);
        if self.batch.data.len() >= self.batch_bytes || self.batch.units.len() >= MAX_UNITS {
            self.flush();
        }
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

fn open(file: &InputFile, progress: &ProgressBar) -> io::Result<Box<dyn Read + Send>> {
    let raw: Box<dyn Read + Send> = match &file.path {
        Some(path) => Box::new(File::open(path)?),
        None => Box::new(io::stdin()),
    };
    let counted = Counted {
        inner: raw,
        progress: progress.clone(),
    };
    Ok(match file.compression {
        Compression::None => Box::new(counted),
        Compression::Gzip => Box::new(MultiGzDecoder::new(counted)),
        Compression::Zstd => Box::new(zstd::Decoder::new(counted)?),
    })
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
    match reader.read_to_end(&mut cutter.batch.data) {
        Err(err) => {
            cutter.batch.data.truncate(start);
            cutter.push(Unit::Problem(read_problem(file, None, &err)));
        }
        Ok(0) => cutter.push(Unit::Problem(Problem {
            location: Location::file(&file.name),
            kind: ProblemKind::EmptyFile,
        })),
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
    let mut reader = BufReader::with_capacity(READ_BUFFER, reader);
    let bom = match sniff_bom(&mut reader) {
        Ok(bom) => bom,
        Err(err) => {
            cutter.push(Unit::Problem(read_problem(file, None, &err)));
            return;
        }
    };
    let mut reader: Box<dyn BufRead> = match bom {
        // UTF-16 cannot be cut at 0x0A bytes: transcode the stream to UTF-8 first.
        Some(_) => Box::new(BufReader::with_capacity(
            READ_BUFFER,
            encoding_rs_io::DecodeReaderBytesBuilder::new()
                .strip_bom(true)
                .build(reader),
        )),
        None => Box::new(reader),
    };
    let mut line = 0u64;
    let mut started = false;
    let mut failed = false;
    loop {
        let start = cutter.batch.data.len();
        match reader.read_until(b'\n', &mut cutter.batch.data) {
            Ok(0) => break,
            Ok(len) => {
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
                    cutter.push(Unit::StartFile { file: index });
                }
                cutter.push(Unit::Line {
                    file: index,
                    line,
                    bytes: start..end,
                    bom,
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

/// Consumes a UTF-8 byte order mark; returns a UTF-16 one's encoding, leaving it in place for
/// the transcoder.
fn sniff_bom(
    reader: &mut BufReader<Box<dyn Read + Send>>,
) -> io::Result<Option<&'static Encoding>> {
    let head = reader.fill_buf()?;
    match Encoding::for_bom(head) {
        Some((encoding, len)) if encoding == UTF_8 => {
            reader.consume(len);
            Ok(None)
        }
        Some((encoding, _)) => Ok(Some(encoding)),
        None => Ok(None),
    }
}

/// Counts the bytes read from disk into the progress bar.
struct Counted<R> {
    inner: R,
    progress: ProgressBar,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.progress.inc(n as u64);
        Ok(n)
    }
}
