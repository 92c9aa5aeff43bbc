//! An input opened as a stream of text bytes: the file (or standard input) decompressed, its
//! start sniffed for binary bytes and UTF-16, UTF-16 transcoded to UTF-8, and lines read under
//! the record limit.
//!
//! Shared by the reading thread of `run` ([`super::batch`]) and the `fix` and `strip` filters
//! ([`crate::filter`]), so that every command refuses the same binary files, detects the same
//! UTF-16 and never holds a line longer than `--max-record-mb`. Choosing among legacy encodings
//! is not done here: that is [`crate::repair::decode`]'s, per record.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Write};

use encoding_rs::{Encoding, UTF_8};
use flate2::read::MultiGzDecoder;
use indicatif::ProgressBar;

use crate::document::{DecodeMethod, Decoding};
use crate::error::{Location, Problem, ProblemKind};
use crate::memory::HUGE_RECORD;
use crate::read::{Compression, InputFile};
use crate::repair::decode::{sniff, Sniffed, SNIFF_LIMIT};

/// The read buffer of a stream.
pub const READ_BUFFER: usize = 1 << 18;

/// Opens `file` (or standard input) and decompresses it as its name says. `progress` advances
/// by the bytes read from disk.
pub fn open(file: &InputFile, progress: &ProgressBar) -> io::Result<Box<dyn Read + Send>> {
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

/// What the start of a stream said it holds.
pub enum Opened {
    /// Text: `reader` gives its bytes, a UTF-8 byte order mark left out, UTF-16 (with a byte
    /// order mark, or without one, told by its NUL bytes) transcoded to UTF-8, anything else as
    /// it is. `transcoded` says how UTF-16 was decoded.
    Text {
        /// The text's bytes.
        reader: Box<dyn BufRead + Send>,
        /// How UTF-16 was decoded, when it was.
        transcoded: Option<Decoding>,
        /// Bytes of the stream left out before the text: a UTF-8 byte order mark. (Where the
        /// stream is transcoded, none of its bytes are where the text's are.)
        skipped: u64,
    },
    /// Not text ([`sniff`]): `controls` of the first `sampled` bytes are NUL or control bytes.
    Binary {
        /// NUL and control bytes seen.
        controls: usize,
        /// Bytes looked at.
        sampled: usize,
    },
}

/// Reads the first [`SNIFF_LIMIT`] bytes of `reader` (or all of it, when shorter: a pipe or a
/// decompressor may give fewer in one read) and tells from them, as [`sniff`] does for a whole
/// text file, whether the stream is binary or UTF-16; the bytes read are not lost.
pub fn sniff_stream(mut reader: Box<dyn Read + Send>) -> io::Result<Opened> {
    let mut head = Vec::with_capacity(SNIFF_LIMIT);
    (&mut reader)
        .take(SNIFF_LIMIT as u64)
        .read_to_end(&mut head)?;
    let (encoding, method, skip) = match Encoding::for_bom(&head) {
        Some((encoding, len)) if encoding == UTF_8 => (None, DecodeMethod::Bom, len),
        // The transcoder drops the byte order mark itself.
        Some((encoding, _)) => (Some(encoding), DecodeMethod::Bom, 0),
        None => match sniff(&head) {
            Sniffed::Text => (None, DecodeMethod::Bom, 0),
            Sniffed::Utf16(encoding) => (Some(encoding), DecodeMethod::Detected, 0),
            Sniffed::Binary { controls, sampled } => {
                return Ok(Opened::Binary { controls, sampled })
            }
        },
    };
    let mut head = io::Cursor::new(head);
    head.set_position(skip as u64);
    let whole = head.chain(reader);
    let text: Box<dyn BufRead + Send> = match encoding {
        None => Box::new(BufReader::with_capacity(READ_BUFFER, whole)),
        // UTF-16 cannot be cut at 0x0A bytes: transcode the stream to UTF-8 first.
        Some(encoding) => Box::new(BufReader::with_capacity(
            READ_BUFFER,
            encoding_rs_io::DecodeReaderBytesBuilder::new()
                .encoding(Some(encoding))
                .strip_bom(true)
                .build(whole),
        )),
    };
    Ok(Opened::Text {
        reader: text,
        skipped: skip as u64,
        transcoded: encoding.map(|encoding| Decoding {
            encoding: encoding.name(),
            method,
            had_errors: false,
        }),
    })
}

/// What [`read_line`] found.
#[derive(Debug, PartialEq, Eq)]
pub enum Line {
    /// No more bytes.
    End,
    /// A line of this many bytes (its newline included) was appended.
    Read(usize),
    /// The line is longer than the limit: its first `limit` bytes were appended and the rest is
    /// still to be read, by [`copy_rest_of_line`] (to skip it, or to pass it through).
    TooLong,
}

/// Appends the next line (up to and including its newline) to `out`, as `read_until` does,
/// unless it is longer than `limit` bytes: then only its first `limit` bytes are appended, so
/// that one huge record never takes more memory than the limit.
pub fn read_line(reader: &mut dyn BufRead, out: &mut Vec<u8>, limit: usize) -> io::Result<Line> {
    let start = out.len();
    loop {
        let available = match reader.fill_buf() {
            Ok(available) => available,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
            Err(err) => return Err(err),
        };
        if available.is_empty() {
            break;
        }
        let (taken, done) = match memchr::memchr(b'\n', available) {
            Some(at) => (at + 1, true),
            None => (available.len(), false),
        };
        let room = limit - (out.len() - start);
        if taken > room {
            out.extend_from_slice(&available[..room]);
            reader.consume(room);
            return Ok(Line::TooLong);
        }
        out.extend_from_slice(&available[..taken]);
        reader.consume(taken);
        if out.len() - start >= HUGE_RECORD {
            crate::memory::huge_record();
        }
        if done {
            break;
        }
    }
    Ok(if out.len() == start {
        Line::End
    } else {
        Line::Read(out.len() - start)
    })
}

/// Copies what is left of the current line, its newline included, to `to` (`io::sink()` to skip
/// it); returns the number of bytes.
pub fn copy_rest_of_line(reader: &mut dyn BufRead, to: &mut dyn Write) -> io::Result<u64> {
    let mut copied = 0u64;
    loop {
        let available = match reader.fill_buf() {
            Ok(available) => available,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
            Err(err) => return Err(err),
        };
        if available.is_empty() {
            return Ok(copied);
        }
        let (taken, done) = match memchr::memchr(b'\n', available) {
            Some(at) => (at + 1, true),
            None => (available.len(), false),
        };
        to.write_all(&available[..taken])?;
        reader.consume(taken);
        copied += taken as u64;
        if done {
            return Ok(copied);
        }
    }
}

/// The problem for an error while reading `file` (after it was opened), at `line` when known:
/// a compressed input's error is a corrupt stream.
pub fn read_problem(file: &InputFile, line: Option<u64>, err: &io::Error) -> Problem {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that gives at most `step` bytes a read, as a pipe may.
    struct Trickle<'a>(&'a [u8], usize);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.0.len().min(self.1).min(buf.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    fn text_of(bytes: &'static [u8], step: usize) -> Result<(Vec<u8>, Option<&'static str>), ()> {
        match sniff_stream(Box::new(Trickle(bytes, step))).unwrap() {
            Opened::Text {
                mut reader,
                transcoded,
                ..
            } => {
                let mut text = Vec::new();
                reader.read_to_end(&mut text).unwrap();
                Ok((text, transcoded.map(|d| d.encoding)))
            }
            Opened::Binary { .. } => Err(()),
        }
    }

    #[test]
    fn the_head_is_sniffed_whole_whatever_a_read_gives() {
        let utf16: Vec<u8> = "the \u{201c}naïve\u{201d} plan\n"
            .repeat(20)
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        let utf16: &'static [u8] = Box::leak(utf16.into_boxed_slice());
        let binary: &'static [u8] = Box::leak(
            (0..=255u8)
                .cycle()
                .take(4096)
                .collect::<Vec<_>>()
                .into_boxed_slice(),
        );
        for step in [1, 3, 7, 4096, 1 << 20] {
            let (text, encoding) = text_of(utf16, step).unwrap();
            assert_eq!(encoding, Some("UTF-16LE"), "step {step}");
            assert_eq!(
                text,
                "the \u{201c}naïve\u{201d} plan\n".repeat(20).as_bytes()
            );
            assert!(text_of(binary, step).is_err(), "step {step}");
            let (text, encoding) = text_of(b"\xEF\xBB\xBFcaf\xC3\xA9\n", step).unwrap();
            assert_eq!((text.as_slice(), encoding), (&b"caf\xC3\xA9\n"[..], None));
            assert_eq!(text_of(b"", step).unwrap(), (Vec::new(), None));
        }
    }

    #[test]
    fn a_line_over_the_limit_keeps_its_start_and_leaves_the_rest() {
        let input = b"short\nabcdefghij\nlast";
        for capacity in [1, 2, 5, 64] {
            let mut reader = BufReader::with_capacity(capacity, &input[..]);
            let mut out = Vec::new();
            assert_eq!(read_line(&mut reader, &mut out, 8).unwrap(), Line::Read(6));
            assert_eq!(read_line(&mut reader, &mut out, 8).unwrap(), Line::TooLong);
            assert_eq!(out, b"short\nabcdefgh");
            let mut rest = Vec::new();
            assert_eq!(copy_rest_of_line(&mut reader, &mut rest).unwrap(), 3);
            assert_eq!(rest, b"ij\n");
            out.clear();
            assert_eq!(read_line(&mut reader, &mut out, 8).unwrap(), Line::Read(4));
            assert_eq!(read_line(&mut reader, &mut out, 8).unwrap(), Line::End);
            // A line of exactly the limit, its newline included, is read.
            let mut reader = BufReader::with_capacity(capacity, &b"1234567\n"[..]);
            assert_eq!(read_line(&mut reader, &mut out, 8).unwrap(), Line::Read(8));
        }
    }

    /// A line of a huge record makes freed memory go back to the OS (`crate::memory`), before
    /// the line is whole: its buffer's smaller selves are freed as it grows.
    #[test]
    fn a_huge_line_returns_freed_memory() {
        let mut input = vec![b'x'; HUGE_RECORD + 10];
        input.push(b'\n');
        let mut reader = BufReader::new(&input[..]);
        let mut out = Vec::new();
        assert_eq!(
            read_line(&mut reader, &mut out, HUGE_RECORD * 2).unwrap(),
            Line::Read(input.len())
        );
        assert!(crate::memory::returning());
    }
}
