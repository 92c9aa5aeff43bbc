//! The cleaned corpus, held back on disk until dedup has decided.
//!
//! When dedup runs, the main pass writes what it would have written to the output — files
//! started and ended, rendered records, each with its document's number — to a spool file in
//! the work folder instead. A record is opaque here: its bytes, tagged with the byte of the
//! format that rendered them ([`crate::format::Format::tag`]), so the spool knows no format.
//! Once dedup has decided, [`replay`] reads the spool back in order and hands every event to
//! the real output, which leaves duplicates out or annotates them. So repair and strip run once
//! per document, and the output is still written in input order, atomically.
//!
//! The events are compressed with zstd at level 1 in frames of about [`FRAME_BYTES`] (about
//! half the corpus's size on news JSON Lines, for about 2 ms of one thread per MB), which keeps
//! the work folder small next to the input. Frames, not one stream: dedup reads a document's
//! text back from its record ([`SpoolReader`], by the [`SpoolRef`] the writer gave it), so the
//! work folder holds each text once. A list of where each frame starts is written beside the
//! spool ([`frames_path`]). Both are [`checked`] files: a byte damaged on disk, or between the
//! staged tasks that write and read them, fails the read with an error naming the file.

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use super::checked;

const START: u8 = 0;
const RECORD: u8 = 1;
const END: u8 = 3;
/// The last byte of a finished spool: a spool cut short anywhere is an error, not a shorter
/// corpus.
const FINISHED: u8 = 4;
/// The bytes of a record event before the record's own.
const RECORD_HEADER: usize = 1 + 1 + 4 + 4 + 8;

/// One thing the main pass wrote.
#[derive(Debug, PartialEq, Eq)]
pub enum Event {
    /// Output for input file `file` begins.
    Start { file: u32 },
    /// The rendered record of document `doc`, in the format tagged `format`.
    Record {
        file: u32,
        doc: u32,
        format: u8,
        bytes: Vec<u8>,
    },
    /// The current output file is complete.
    End,
}

/// The zstd level of the spool: the fastest of the standard levels.
const LEVEL: i32 = 1;

/// Events are gathered into frames of at least this many bytes (uncompressed) before they are
/// compressed. One record is read back by decompressing its frame, which dedup does for every
/// pair it aligns: on news JSON Lines, frames of 16 KiB compress to 9% more than one stream
/// (64 KiB: 5%), and verification and links took about a quarter less CPU than with 64 KiB.
pub const FRAME_BYTES: usize = 16 << 10;

/// Where a record lies in a spool: its frame, by number, and the offset of its event in the
/// frame's decompressed bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpoolRef {
    pub frame: u32,
    pub at: u32,
}

/// The file beside the spool at `spool` that lists where its frames start.
pub fn frames_path(spool: &Path) -> PathBuf {
    let mut name = spool.as_os_str().to_owned();
    name.push(".frames");
    PathBuf::from(name)
}

/// Appends events to a spool file.
pub struct SpoolWriter {
    out: checked::Writer<File>,
    frames_path: PathBuf,
    /// The events of the frame being gathered.
    frame: Vec<u8>,
    /// Where each frame written so far starts in the file.
    starts: Vec<u64>,
    compressor: zstd::bulk::Compressor<'static>,
}

impl SpoolWriter {
    pub fn create(path: &Path) -> io::Result<SpoolWriter> {
        let mut compressor = zstd::bulk::Compressor::new(LEVEL)?;
        compressor.include_contentsize(true)?;
        Ok(SpoolWriter {
            out: checked::Writer::create(path)?,
            frames_path: frames_path(path),
            frame: Vec::with_capacity(FRAME_BYTES + RECORD_HEADER),
            starts: Vec::new(),
            compressor,
        })
    }

    pub fn start(&mut self, file: u32) -> io::Result<()> {
        self.frame.push(START);
        self.frame.extend_from_slice(&file.to_le_bytes());
        self.full()
    }

    pub fn end(&mut self) -> io::Result<()> {
        self.frame.push(END);
        self.full()
    }

    /// Appends the record of document `doc` of file `file`, rendered by the format tagged
    /// `format`; where [`SpoolReader::record`] finds it again.
    pub fn record(
        &mut self,
        file: u32,
        doc: u32,
        format: u8,
        bytes: &[u8],
    ) -> io::Result<SpoolRef> {
        let too_large = || io::Error::new(io::ErrorKind::InvalidInput, "document too large");
        let length = u64::try_from(bytes.len()).map_err(|_| too_large())?;
        let frame = u32::try_from(self.starts.len()).map_err(|_| too_large())?;
        let mut header = [0u8; RECORD_HEADER];
        header[0] = RECORD;
        header[1] = format;
        header[2..6].copy_from_slice(&file.to_le_bytes());
        header[6..10].copy_from_slice(&doc.to_le_bytes());
        header[10..18].copy_from_slice(&length.to_le_bytes());
        if self.frame.len() + RECORD_HEADER + bytes.len() > 2 * FRAME_BYTES {
            // A large record is a frame of its own, compressed from where it is (never copied
            // whole into the frame's buffer).
            self.flush()?;
            let frame = u32::try_from(self.starts.len()).map_err(|_| too_large())?;
            self.starts.push(self.out.len());
            crate::codec::compress_frame_to(&[&header, bytes], LEVEL, &mut self.out)?;
            return Ok(SpoolRef { frame, at: 0 });
        }
        let at = self.frame.len() as u32;
        self.frame.extend_from_slice(&header);
        self.frame.extend_from_slice(bytes);
        self.full()?;
        Ok(SpoolRef { frame, at })
    }

    /// Writes the frame being gathered once it is large enough.
    fn full(&mut self) -> io::Result<()> {
        if self.frame.len() >= FRAME_BYTES {
            self.flush()?;
        }
        Ok(())
    }

    /// Writes the frame being gathered, if it holds anything.
    fn flush(&mut self) -> io::Result<()> {
        if self.frame.is_empty() {
            return Ok(());
        }
        self.starts.push(self.out.len());
        let compressed = self.compressor.compress(&self.frame)?;
        self.out.write_all(&compressed)?;
        self.frame.clear();
        Ok(())
    }

    pub fn finish(mut self) -> io::Result<()> {
        self.frame.push(FINISHED);
        self.flush()?;
        let end = self.out.len();
        self.out.finish()?;
        let mut frames = Vec::with_capacity((self.starts.len() + 1) * 8);
        for start in self.starts.iter().chain([&end]) {
            frames.extend_from_slice(&start.to_le_bytes());
        }
        let mut out = checked::Writer::create(&self.frames_path)?;
        out.write_all(&frames)?;
        out.finish()?;
        Ok(())
    }
}

/// Reads single records back from a finished spool, by the [`SpoolRef`]s its writer gave.
pub struct SpoolReader {
    file: checked::File,
    /// Where each frame starts, then where the last one ends.
    starts: Vec<u64>,
    path: PathBuf,
}

impl SpoolReader {
    /// Opens the spool at `path` and its list of frames.
    pub fn open(path: &Path) -> io::Result<SpoolReader> {
        let frames = checked::read(&frames_path(path))?;
        let starts = frames
            .chunks_exact(8)
            .map(|c| u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
            .collect();
        Ok(SpoolReader {
            file: checked::File::open(path)?,
            starts,
            path: path.to_owned(),
        })
    }

    /// The format tag and the bytes of the record at `at`.
    pub fn record(&self, at: SpoolRef) -> io::Result<(u8, Vec<u8>)> {
        let corrupt = || {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("the spool file {} is corrupt", self.path.display()),
            )
        };
        let frame = at.frame as usize;
        let (Some(&start), Some(&end)) = (self.starts.get(frame), self.starts.get(frame + 1))
        else {
            return Err(corrupt());
        };
        if start > end || end > self.file.len() {
            return Err(corrupt());
        }
        let mut compressed = vec![0u8; usize::try_from(end - start).map_err(|_| corrupt())?];
        self.file.read_exact_at(&mut compressed, start)?;
        let frame = crate::codec::decompress_frame(&compressed).map_err(|_| corrupt())?;
        let at = at.at as usize;
        let header = frame.get(at..at + RECORD_HEADER).ok_or_else(corrupt)?;
        if header[0] != RECORD {
            return Err(corrupt());
        }
        let mut length = [0u8; 8];
        length.copy_from_slice(&header[10..18]);
        let length = usize::try_from(u64::from_le_bytes(length)).map_err(|_| corrupt())?;
        let begin = at + RECORD_HEADER;
        let bytes = frame
            .get(begin..begin.checked_add(length).ok_or_else(corrupt)?)
            .ok_or_else(corrupt)?;
        Ok((header[1], bytes.to_vec()))
    }
}

/// Reads a spool back, handing every event to `each` in order.
pub fn replay(
    path: &Path,
    mut each: impl FnMut(Event) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let mut input = zstd::stream::read::Decoder::with_buffer(checked::Reader::open(path)?)?;
    let corrupt = || {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("the spool file {} is corrupt", path.display()),
        )
    };
    loop {
        let mut tag = [0u8; 1];
        match input.read(&mut tag) {
            Ok(0) => return Err(corrupt().into()),
            Ok(_) => {}
            Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
            Err(err) => return Err(err.into()),
        }
        let mut word = [0u8; 4];
        let event = match tag[0] {
            START => {
                input.read_exact(&mut word)?;
                Event::Start {
                    file: u32::from_le_bytes(word),
                }
            }
            END => Event::End,
            FINISHED => {
                return match input.read(&mut tag)? {
                    0 => Ok(()),
                    _ => Err(corrupt().into()),
                }
            }
            RECORD => {
                let mut format = [0u8; 1];
                input.read_exact(&mut format)?;
                input.read_exact(&mut word)?;
                let file = u32::from_le_bytes(word);
                input.read_exact(&mut word)?;
                let doc = u32::from_le_bytes(word);
                let mut length = [0u8; 8];
                input.read_exact(&mut length)?;
                let length = usize::try_from(u64::from_le_bytes(length)).map_err(|_| corrupt())?;
                let mut bytes = Vec::new();
                (&mut input).take(length as u64).read_to_end(&mut bytes)?;
                if bytes.len() != length {
                    return Err(corrupt().into());
                }
                Event::Record {
                    file,
                    doc,
                    format: format[0],
                    bytes,
                }
            }
            _ => return Err(corrupt().into()),
        };
        each(event)?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The spool is compressed: a corpus of repeated news lines takes a fraction of its size.
    #[test]
    fn the_spool_is_compressed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("spool");
        let mut spool = SpoolWriter::create(&path).unwrap();
        spool.start(0).unwrap();
        let mut raw = 0;
        for doc in 0..2000u32 {
            let line = format!(
                "{{\"id\":\"{doc}\",\"text\":\"Shares of the company rose {} percent on Monday after it said profits would beat forecasts.\"}}\n",
                doc % 97
            );
            raw += line.len();
            spool.record(0, doc, 1, line.as_bytes()).unwrap();
        }
        spool.end().unwrap();
        spool.finish().unwrap();
        let size = std::fs::metadata(&path).unwrap().len() as usize;
        assert!(size * 4 < raw, "{size} bytes for {raw}");
        let mut records = 0;
        replay(&path, |e| {
            records += matches!(e, Event::Record { .. }) as usize;
            Ok(())
        })
        .unwrap();
        assert_eq!(records, 2000);
    }

    #[test]
    fn events_come_back_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("spool");
        let mut spool = SpoolWriter::create(&path).unwrap();
        spool.start(0).unwrap();
        spool.record(0, 0, 1, b"{\"text\":\"a\"}\n").unwrap();
        spool.record(0, 1, 1, b"").unwrap();
        spool.end().unwrap();
        spool.record(1, 2, 2, "café".as_bytes()).unwrap();
        spool.finish().unwrap();
        let mut events = Vec::new();
        replay(&path, |e| {
            events.push(e);
            Ok(())
        })
        .unwrap();
        assert_eq!(
            events,
            vec![
                Event::Start { file: 0 },
                Event::Record {
                    file: 0,
                    doc: 0,
                    format: 1,
                    bytes: b"{\"text\":\"a\"}\n".to_vec()
                },
                Event::Record {
                    file: 0,
                    doc: 1,
                    format: 1,
                    bytes: Vec::new()
                },
                Event::End,
                Event::Record {
                    file: 1,
                    doc: 2,
                    format: 2,
                    bytes: "café".as_bytes().to_vec()
                },
            ]
        );
        // A spool cut short is an error, not a shorter corpus.
        let bytes = std::fs::read(&path).unwrap();
        for cut in 0..bytes.len() {
            std::fs::write(&path, &bytes[..cut]).unwrap();
            assert!(replay(&path, |_| Ok(())).is_err(), "cut at {cut}");
        }
    }

    /// Every record comes back by the place the writer gave it: records in shared frames, a
    /// record larger than a frame in a frame of its own, an empty one; the sequential replay
    /// reads the same spool whole.
    #[test]
    fn records_come_back_by_their_place() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("spool");
        let mut spool = SpoolWriter::create(&path).unwrap();
        spool.start(0).unwrap();
        let mut written = Vec::new();
        for doc in 0..3000u32 {
            let bytes: Vec<u8> = match doc {
                1000 => vec![b'x'; 5 * FRAME_BYTES],
                1001 => Vec::new(),
                _ => format!(
                    "{{\"text\":\"record {doc} {}\"}}\n",
                    "word ".repeat(doc as usize % 50)
                )
                .into_bytes(),
            };
            let at = spool.record(0, doc, 1 + (doc % 2) as u8, &bytes).unwrap();
            written.push((at, 1 + (doc % 2) as u8, bytes));
        }
        spool.end().unwrap();
        spool.finish().unwrap();
        let frames: std::collections::HashSet<u32> = written.iter().map(|w| w.0.frame).collect();
        assert!(frames.len() > 10, "{} frames", frames.len());
        let reader = SpoolReader::open(&path).unwrap();
        for (at, format, bytes) in &written {
            assert_eq!(
                reader.record(*at).unwrap(),
                (*format, bytes.clone()),
                "{at:?}"
            );
        }
        let mut records = 0;
        replay(&path, |e| {
            if let Event::Record { doc, bytes, .. } = e {
                assert_eq!(bytes, written[doc as usize].2);
                records += 1;
            }
            Ok(())
        })
        .unwrap();
        assert_eq!(records, written.len());
        // A place that is no record's, and a damaged list of frames, are errors.
        let nowhere = SpoolRef {
            frame: written[5].0.frame,
            at: written[5].0.at + 1,
        };
        assert!(reader.record(nowhere).is_err());
        assert!(reader
            .record(SpoolRef {
                frame: u32::MAX,
                at: 0
            })
            .is_err());
        let frames_file = frames_path(&path);
        let mut bytes = std::fs::read(&frames_file).unwrap();
        bytes[3] ^= 1;
        std::fs::write(&frames_file, &bytes).unwrap();
        assert!(SpoolReader::open(&path).is_err());
    }
}
