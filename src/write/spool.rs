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
//!
//! A record that is its input's own bytes (an unchanged JSON Lines record of an uncompressed
//! file: two in three on news dumps) is not held at all in a single-process run
//! ([`SpoolWriter::reading_inputs`]): its event says where it lies in the input file
//! ([`InputSpan`]) with the xxh3 hash of its bytes, and is read back from there. That saves
//! compressing and decompressing it (a twentieth of `run`'s CPU time on news) and its place in
//! the work folder; an input changed during the run fails the read of a record that is not
//! there any more, naming the file, and never puts other bytes in the output. The input files'
//! paths are written beside the spool ([`inputs_path`]). The writer hands the event back
//! ([`Spooled::Input`]): dedup's shingle file keeps it, and reads the record from the input
//! with [`SpoolReader::input`], without the frame that holds the event.

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use xxhash_rust::xxh3::xxh3_64;

use super::checked;

const START: u8 = 0;
const RECORD: u8 = 1;
/// A record read back from its input file.
const INPUT: u8 = 2;
const END: u8 = 3;
/// The last byte of a finished spool: a spool cut short anywhere is an error, not a shorter
/// corpus.
const FINISHED: u8 = 4;
/// The bytes of a record event before the record's own.
const RECORD_HEADER: usize = 1 + 1 + 4 + 4 + 8;
/// The bytes of an input event: tag, format, file, document, offset, length, newline, hash.
const INPUT_EVENT: usize = 1 + 1 + 4 + 4 + 8 + 8 + 1 + 8;
/// Input events in one frame at most (64 events are about 2 KiB): the replay reads them in
/// order, and dedup reads a record from its input by the event itself ([`InputRef`]).
const FRAME_INPUTS: usize = 64;
/// Input files the reader of a spool holds open at once.
const OPEN_INPUTS: usize = 16;

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

/// The file beside the spool at `spool` that names the input files its input events point
/// into, when it has any.
pub fn inputs_path(spool: &Path) -> PathBuf {
    let mut name = spool.as_os_str().to_owned();
    name.push(".inputs");
    PathBuf::from(name)
}

/// Where a record lies in its input file: `len` bytes from `offset`, then a newline when
/// `newline` (the line end its format writes, where the file has `\r\n` or none).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InputSpan {
    pub offset: u64,
    pub len: u64,
    pub newline: bool,
}

impl InputSpan {
    /// The span of a record rendered as `rendered` from `read`, the bytes read at `offset` of
    /// its file: `None` unless the rendering is those bytes (and a newline).
    pub fn of(rendered: &[u8], read: &[u8], offset: u64) -> Option<InputSpan> {
        let newline = match rendered.len().checked_sub(read.len())? {
            0 => false,
            1 if rendered.last() == Some(&b'\n') => true,
            _ => return None,
        };
        (rendered[..read.len()] == *read).then_some(InputSpan {
            offset,
            len: read.len() as u64,
            newline,
        })
    }
}

/// A record that is its input's own bytes, as its input event says: the format that rendered
/// it, its input file (by number), its document, where it lies there and the hash of its bytes.
/// Held by whoever reads the record back (a shingle file's entry), it is read from the input
/// without the spool's frame that holds the event ([`SpoolReader::input`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InputRef {
    format: u8,
    file: u32,
    doc: u32,
    span: InputSpan,
    hash: u64,
}

impl InputRef {
    /// Its size written ([`InputRef::to_bytes`]): an input event's, but for its tag.
    pub const BYTES: usize = INPUT_EVENT - 1;

    /// Its bytes: format, file, document, offset, length, newline, hash (little-endian).
    pub fn to_bytes(self) -> [u8; InputRef::BYTES] {
        let mut bytes = [0u8; InputRef::BYTES];
        bytes[0] = self.format;
        bytes[1..5].copy_from_slice(&self.file.to_le_bytes());
        bytes[5..9].copy_from_slice(&self.doc.to_le_bytes());
        bytes[9..17].copy_from_slice(&self.span.offset.to_le_bytes());
        bytes[17..25].copy_from_slice(&self.span.len.to_le_bytes());
        bytes[25] = u8::from(self.span.newline);
        bytes[26..34].copy_from_slice(&self.hash.to_le_bytes());
        bytes
    }

    /// Where the record is, for an error: `input file 2, byte 1234`.
    pub fn place(&self) -> String {
        format!("input file {}, byte {}", self.file, self.span.offset)
    }

    /// Reads what [`InputRef::to_bytes`] wrote at the start of `bytes`; `None` when they are
    /// fewer.
    pub fn from_bytes(bytes: &[u8]) -> Option<InputRef> {
        let bytes = bytes.get(..InputRef::BYTES)?;
        let word = |at: usize| {
            u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
        };
        let long = |at: usize| {
            let mut b = [0u8; 8];
            b.copy_from_slice(&bytes[at..at + 8]);
            u64::from_le_bytes(b)
        };
        Some(InputRef {
            format: bytes[0],
            file: word(1),
            doc: word(5),
            span: InputSpan {
                offset: long(9),
                len: long(17),
                newline: bytes[25] != 0,
            },
            hash: long(26),
        })
    }
}

/// Where a spooled record is read back from: its place in the spool ([`SpoolReader::record`]),
/// or, for an input event, the event itself ([`SpoolReader::input`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Spooled {
    Record(SpoolRef),
    Input(InputRef),
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
    /// The input files, by number, that input events may point into ([`None`] for one that
    /// cannot be read again); `None` when records are always held.
    inputs: Option<Vec<Option<String>>>,
    /// Input events in the frame being gathered.
    frame_inputs: usize,
    inputs_path: PathBuf,
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
            inputs: None,
            frame_inputs: 0,
            inputs_path: inputs_path(path),
        })
    }

    /// Lets [`SpoolWriter::input_record`] point into the input files `inputs` (by file number;
    /// `None` for one that cannot be read again, such as standard input) instead of holding
    /// their records. Only for a spool read back while the inputs are where they were: not one
    /// a staged task hands to a task on another machine.
    pub fn reading_inputs(mut self, inputs: Vec<Option<PathBuf>>) -> SpoolWriter {
        // A path that is not UTF-8 is not written down: its records are held.
        self.inputs = Some(
            inputs
                .into_iter()
                .map(|path| path.and_then(|p| p.to_str().map(str::to_owned)))
                .collect(),
        );
        self
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

    /// Appends the record of document `doc`, whose bytes `bytes` are its input file's own at
    /// `span`: only where they lie and their hash, when the spool reads that file back
    /// ([`SpoolWriter::reading_inputs`]); else the record itself ([`SpoolWriter::record`]).
    pub fn input_record(
        &mut self,
        file: u32,
        doc: u32,
        format: u8,
        bytes: &[u8],
        span: InputSpan,
    ) -> io::Result<Spooled> {
        let known = self
            .inputs
            .as_ref()
            .and_then(|inputs| inputs.get(file as usize))
            .is_some_and(Option::is_some);
        if !known || span.len.checked_add(u64::from(span.newline)) != Some(bytes.len() as u64) {
            return self.record(file, doc, format, bytes).map(Spooled::Record);
        }
        let input = InputRef {
            format,
            file,
            doc,
            span,
            hash: xxh3_64(bytes),
        };
        self.frame.push(INPUT);
        self.frame.extend_from_slice(&input.to_bytes());
        self.frame_inputs += 1;
        self.full()?;
        Ok(Spooled::Input(input))
    }

    /// Writes the frame being gathered once it is large enough.
    fn full(&mut self) -> io::Result<()> {
        if self.frame.len() >= FRAME_BYTES || self.frame_inputs >= FRAME_INPUTS {
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
        self.frame_inputs = 0;
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
        if let Some(inputs) = &self.inputs {
            // Per file: 0, or 1 and the path's length (u32) and bytes.
            let mut list = Vec::new();
            for path in inputs {
                match path {
                    Some(path) => {
                        list.push(1);
                        list.extend_from_slice(&(path.len() as u32).to_le_bytes());
                        list.extend_from_slice(path.as_bytes());
                    }
                    None => list.push(0),
                }
            }
            let mut out = checked::Writer::create(&self.inputs_path)?;
            out.write_all(&list)?;
            out.finish()?;
        }
        Ok(())
    }
}

/// The input files a spool's input events point into, opened as they are needed.
struct Inputs {
    paths: Vec<Option<PathBuf>>,
    /// Files open, most recently used first, at most [`OPEN_INPUTS`].
    open: Mutex<Vec<(u32, Arc<File>)>>,
}

impl Inputs {
    /// The inputs listed beside the spool at `spool`; none when it lists none.
    fn of(spool: &Path) -> io::Result<Inputs> {
        let list_path = inputs_path(spool);
        let mut paths = Vec::new();
        if list_path.exists() {
            let list = checked::read(&list_path)?;
            let corrupt = || {
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("{} is corrupt", list_path.display()),
                )
            };
            let mut rest = &list[..];
            while let Some((&present, after)) = rest.split_first() {
                rest = after;
                if present == 0 {
                    paths.push(None);
                    continue;
                }
                let len = rest.get(..4).ok_or_else(corrupt)?;
                let len = u32::from_le_bytes([len[0], len[1], len[2], len[3]]) as usize;
                let path = rest.get(4..4 + len).ok_or_else(corrupt)?;
                let path = std::str::from_utf8(path).map_err(|_| corrupt())?;
                paths.push(Some(PathBuf::from(path)));
                rest = &rest[4 + len..];
            }
        }
        Ok(Inputs {
            paths,
            open: Mutex::new(Vec::new()),
        })
    }

    /// The record an input event names.
    fn record(&self, input: &InputRef) -> io::Result<Vec<u8>> {
        self.read(input.file, input.span, input.hash)
    }

    /// The record at `span` of input `file`, which must hash to `hash`.
    fn read(&self, file: u32, span: InputSpan, hash: u64) -> io::Result<Vec<u8>> {
        let path = self
            .paths
            .get(file as usize)
            .and_then(Option::as_ref)
            .ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("the spool names input file {file}, which its list does not hold"),
                )
            })?;
        let changed = || {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "{} changed during the run: the record read at byte {} is not there any \
                     more (run again on the input as it is now)",
                    path.display(),
                    span.offset
                ),
            )
        };
        let len = usize::try_from(span.len).map_err(|_| changed())?;
        let handle = self.handle(file, path)?;
        let mut bytes = vec![0u8; len + usize::from(span.newline)];
        match checked::read_exact_at(&handle, &mut bytes[..len], span.offset) {
            Ok(()) => {}
            Err(err) if err.kind() == io::ErrorKind::UnexpectedEof => return Err(changed()),
            Err(err) => {
                return Err(io::Error::new(
                    err.kind(),
                    format!("{}: {err}", path.display()),
                ))
            }
        }
        if span.newline {
            bytes[len] = b'\n';
        }
        if xxh3_64(&bytes) != hash {
            return Err(changed());
        }
        Ok(bytes)
    }

    /// Input `file`, open.
    fn handle(&self, file: u32, path: &Path) -> io::Result<Arc<File>> {
        let mut open = self
            .open
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(i) = open.iter().position(|(f, _)| *f == file) {
            let entry = open.remove(i);
            let handle = entry.1.clone();
            open.insert(0, entry);
            return Ok(handle);
        }
        let handle = Arc::new(
            File::open(path)
                .map_err(|err| io::Error::new(err.kind(), format!("{}: {err}", path.display())))?,
        );
        open.truncate(OPEN_INPUTS - 1);
        open.insert(0, (file, handle.clone()));
        Ok(handle)
    }
}

/// Reads single records back from a finished spool, by the [`SpoolRef`]s its writer gave.
pub struct SpoolReader {
    file: checked::File,
    /// Where each frame starts, then where the last one ends.
    starts: Vec<u64>,
    path: PathBuf,
    inputs: Inputs,
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
            inputs: Inputs::of(path)?,
        })
    }

    /// The format tag and the bytes of the record an input event names, read from its input
    /// file (the spool's frame that holds the event is not read).
    pub fn input(&self, input: &InputRef) -> io::Result<(u8, Vec<u8>)> {
        Ok((input.format, self.inputs.record(input)?))
    }

    /// The format tag and the bytes of the record at `at` (a record event's: an input event
    /// is read by [`SpoolReader::input`]).
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
    let inputs = Inputs::of(path)?;
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
            INPUT => {
                let mut event = [0u8; InputRef::BYTES];
                input.read_exact(&mut event)?;
                let event = InputRef::from_bytes(&event).ok_or_else(corrupt)?;
                Event::Record {
                    file: event.file,
                    doc: event.doc,
                    format: event.format,
                    bytes: inputs.record(&event)?,
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

    /// An unchanged record is held as its place in the input: it comes back from there, by its
    /// place and in the replay, as the record itself would; a frame of such events stays
    /// small; a file the list does not name, or a record whose bytes are not its input's,
    /// is held whole.
    #[test]
    fn records_read_back_from_their_input_are_the_records() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in.jsonl");
        let mut file = Vec::new();
        let mut spans = Vec::new();
        for doc in 0..500u32 {
            // Text that compresses little, as a spooled corpus's many stories do.
            let words: Vec<String> = (1..=12u64)
                .map(|k| {
                    format!(
                        "{:x}",
                        (u64::from(doc) + 1).wrapping_mul(k.wrapping_mul(0x9E37_79B9_7F4A_7C15))
                    )
                })
                .collect();
            let line = format!("{{\"id\":{doc},\"text\":\"{}\"}}", words.join(" "));
            let offset = file.len() as u64;
            file.extend_from_slice(line.as_bytes());
            // CRLF line ends too: the record is written back with a LF.
            file.extend_from_slice(if doc % 3 == 0 { b"\r\n" } else { b"\n" });
            spans.push((line, offset));
        }
        std::fs::write(&input, &file).unwrap();
        let path = dir.path().join("spool");
        let mut spool = SpoolWriter::create(&path)
            .unwrap()
            .reading_inputs(vec![Some(input.clone()), None]);
        spool.start(0).unwrap();
        let mut written = Vec::new();
        for (doc, (line, offset)) in spans.iter().enumerate() {
            let rendered = format!("{line}\n").into_bytes();
            let span = InputSpan::of(&rendered, line.as_bytes(), *offset).unwrap();
            let at = spool
                .input_record(0, doc as u32, 1, &rendered, span)
                .unwrap();
            written.push((at, rendered));
        }
        // Standard input (no path) and a rendering that is not the bytes read are held.
        spool.end().unwrap();
        spool.start(1).unwrap();
        let stdin = InputSpan {
            offset: 0,
            len: 3,
            newline: true,
        };
        let held = spool.input_record(1, 500, 1, b"abc\n", stdin).unwrap();
        written.push((held, b"abc\n".to_vec()));
        assert_eq!(InputSpan::of(b"{\"a\":2}\n", b"{\"a\":1}", 0), None);
        assert_eq!(InputSpan::of(b"abc\n\n", b"abc", 0), None);
        spool.end().unwrap();
        spool.finish().unwrap();
        // Nothing of the records is in the spool: far smaller than the input.
        let size = std::fs::metadata(&path).unwrap().len();
        assert!(
            size * 4 < file.len() as u64,
            "{size} bytes for {}",
            file.len()
        );
        let reader = SpoolReader::open(&path).unwrap();
        let frames = reader.starts.len() - 1;
        assert!(frames >= 500 / FRAME_INPUTS, "{frames} frames");
        for (at, bytes) in &written {
            // An input event's record reads back from its input alone; a held one from the
            // spool.
            match at {
                Spooled::Input(input) => {
                    assert_eq!(reader.input(input).unwrap(), (1, bytes.clone()), "{at:?}");
                    assert_eq!(InputRef::from_bytes(&input.to_bytes()), Some(*input));
                }
                Spooled::Record(place) => {
                    assert_eq!(reader.record(*place).unwrap(), (1, bytes.clone()));
                    assert_eq!(bytes, b"abc\n", "only stdin's is held");
                }
            }
        }
        assert!(InputRef::from_bytes(&[0; InputRef::BYTES - 1]).is_none());
        let mut replayed = Vec::new();
        replay(&path, |e| {
            if let Event::Record { bytes, .. } = e {
                replayed.push(bytes);
            }
            Ok(())
        })
        .unwrap();
        assert_eq!(
            replayed,
            written.iter().map(|w| w.1.clone()).collect::<Vec<_>>()
        );
    }

    /// An input changed during the run fails every read of a record no longer there, naming
    /// the file: its bytes never take a record's place.
    #[test]
    fn an_input_changed_under_the_spool_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in.jsonl");
        std::fs::write(&input, b"{\"text\":\"one\"}\n{\"text\":\"two\"}\n").unwrap();
        let path = dir.path().join("spool");
        let mut spool = SpoolWriter::create(&path)
            .unwrap()
            .reading_inputs(vec![Some(input.clone())]);
        spool.start(0).unwrap();
        let mut places = Vec::new();
        for (doc, (offset, line)) in [(0u64, "{\"text\":\"one\"}"), (15, "{\"text\":\"two\"}")]
            .into_iter()
            .enumerate()
        {
            let rendered = format!("{line}\n").into_bytes();
            let span = InputSpan::of(&rendered, line.as_bytes(), offset).unwrap();
            let place = spool
                .input_record(0, doc as u32, 1, &rendered, span)
                .unwrap();
            let Spooled::Input(input) = place else {
                panic!("{place:?} is no input event");
            };
            places.push(input);
        }
        spool.end().unwrap();
        spool.finish().unwrap();
        let reader = SpoolReader::open(&path).unwrap();
        assert_eq!(reader.input(&places[1]).unwrap().1, b"{\"text\":\"two\"}\n");
        // The same length, other bytes; then a file cut short.
        for changed in [
            &b"{\"text\":\"one\"}\n{\"text\":\"TWO\"}\n"[..],
            b"{\"text\":\"one\"}\n",
        ] {
            std::fs::write(&input, changed).unwrap();
            let reader = SpoolReader::open(&path).unwrap();
            let err = reader.input(&places[1]).unwrap_err().to_string();
            assert!(err.contains("in.jsonl changed during the run"), "{err}");
            let err = replay(&path, |_| Ok(())).unwrap_err().to_string();
            assert!(err.contains("in.jsonl changed during the run"), "{err}");
        }
        std::fs::remove_file(&input).unwrap();
        let reader = SpoolReader::open(&path).unwrap();
        let err = reader.input(&places[0]).unwrap_err().to_string();
        assert!(err.contains("in.jsonl"), "{err}");
    }
}
