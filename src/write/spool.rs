//! The cleaned corpus, held back on disk until dedup has decided.
//!
//! When dedup runs, the main pass writes what it would have written to the output — files
//! started and ended, rendered records, each with its document's number — to a spool file in
//! the work folder instead. A record is opaque here: its bytes, tagged with the byte of the
//! format that rendered them ([`crate::format::Format::tag`]), so the spool knows no format.
//! Once dedup has decided, [`replay`] reads the spool back in order and hands every event to
//! the real output, which leaves duplicates out or annotates them. So repair and strip run once per document, and the output is still written in input
//! order, atomically. The events are compressed as one zstd stream at level 1 (about half the
//! corpus's size on generated news JSON Lines, for about 2 ms of one thread per MB), which keeps
//! the work folder small next to the input. The spool is a [`checked`] file around the compressed
//! bytes: a byte damaged on disk, or between the staged tasks that write and read it, fails the
//! replay with an error naming the file.

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::Path;

use super::checked;

const START: u8 = 0;
const RECORD: u8 = 1;
const END: u8 = 3;
/// The last byte of a finished spool: a spool cut short anywhere is an error, not a shorter
/// corpus.
const FINISHED: u8 = 4;

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

/// Appends events to a spool file.
pub struct SpoolWriter {
    out: zstd::stream::write::Encoder<'static, checked::Writer<File>>,
}

impl SpoolWriter {
    pub fn create(path: &Path) -> io::Result<SpoolWriter> {
        Ok(SpoolWriter {
            out: zstd::stream::write::Encoder::new(checked::Writer::create(path)?, LEVEL)?,
        })
    }

    pub fn start(&mut self, file: u32) -> io::Result<()> {
        self.out.write_all(&[START])?;
        self.out.write_all(&file.to_le_bytes())
    }

    pub fn end(&mut self) -> io::Result<()> {
        self.out.write_all(&[END])
    }

    /// Appends the record of document `doc` of file `file`, rendered by the format tagged
    /// `format`.
    pub fn record(&mut self, file: u32, doc: u32, format: u8, bytes: &[u8]) -> io::Result<()> {
        let length = u64::try_from(bytes.len())
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "document too large"))?;
        self.out.write_all(&[RECORD, format])?;
        self.out.write_all(&file.to_le_bytes())?;
        self.out.write_all(&doc.to_le_bytes())?;
        self.out.write_all(&length.to_le_bytes())?;
        self.out.write_all(bytes)
    }

    pub fn finish(mut self) -> io::Result<()> {
        self.out.write_all(&[FINISHED])?;
        self.out.finish()?.finish()?;
        Ok(())
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
}
