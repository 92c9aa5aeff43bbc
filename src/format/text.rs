//! Plain text: one file is one document, its id the path relative to the input root. The
//! output is the text itself, in a file of the input's name; a text file has no room for
//! dedup's annotation.

use std::fs::File;
use std::io::{self, Read};

use crate::document::Document;
use crate::error::{Location, Problem, ProblemKind};
use crate::format::{Format, Opening, RecordBytes, RecordWriter, WriteOptions};
use crate::memory::HUGE_RECORD;
use crate::read::batch::Cutter;
use crate::read::stream::read_problem;
use crate::read::{Compression, InputFile, ReadConfig};
use crate::repair::decode::{decode, decode_utf16, sniff, Sniffed};
use crate::write::StreamWriter;

/// The text format ([`crate::format::TEXT`]).
#[derive(Debug)]
pub struct Text;

impl Format for Text {
    fn name(&self) -> &'static str {
        "text"
    }

    fn description(&self) -> &'static str {
        "text"
    }

    fn tag(&self) -> u8 {
        2
    }

    fn extensions(&self) -> &'static [&'static str] {
        &["txt"]
    }

    /// The whole file is one record, read up to `--max-record-mb`.
    fn cut(&self, input: &InputFile, cutter: &mut Cutter<'_>) {
        let Some(mut reader) = cutter.open_stream(input) else {
            return;
        };
        let start = cutter.buffer().len();
        let limit = cutter.max_record() as u64;
        if let (true, Some(size)) = (matches!(input.compression, Compression::None), input.size) {
            // Room for the whole file at once: grown by doubling, the buffer of a 200 MB document
            // would take 256 MB, and twice that while it is copied to its larger self.
            let wanted = size.min(limit.saturating_add(1));
            if wanted >= HUGE_RECORD as u64 {
                crate::memory::huge_record();
            }
            cutter
                .buffer()
                .reserve_exact(usize::try_from(wanted).unwrap_or(0));
        }
        let read = (&mut reader)
            .take(limit.saturating_add(1))
            .read_to_end(cutter.buffer());
        match read {
            Err(err) => {
                cutter.buffer().truncate(start);
                cutter.problem(read_problem(input, None, &err));
            }
            Ok(0) => cutter.problem(Problem {
                location: Location::file(&input.name),
                kind: ProblemKind::EmptyFile,
            }),
            Ok(len) if len as u64 > limit => {
                cutter.buffer().truncate(start);
                // The rest is read (so that a corrupt stream is still told apart) but not kept.
                let rest = io::copy(&mut reader, &mut io::sink());
                let total = (len as u64).saturating_add(*rest.as_ref().unwrap_or(&0));
                cutter.count_read(total);
                let problem = match rest {
                    Err(err) => read_problem(input, None, &err),
                    Ok(_) => Problem {
                        location: Location::file(&input.name),
                        kind: ProblemKind::TooLarge {
                            bytes: total,
                            limit,
                        },
                    },
                };
                cutter.problem(problem);
            }
            Ok(len) => {
                if len >= HUGE_RECORD {
                    // Compressed: known huge only now; what its stages free is returned.
                    crate::memory::huge_record();
                }
                cutter.count_read(len as u64);
                cutter.record(start..start + len, 0, None);
            }
        }
    }

    /// A file that [`sniff`] finds binary is a [`ProblemKind::Binary`] problem; UTF-16 without
    /// a byte order mark is decoded as UTF-16.
    fn parse(
        &self,
        record: RecordBytes<'_>,
        input: &InputFile,
        _config: &ReadConfig,
    ) -> Result<Document, Problem> {
        read_document(input, record.bytes)
    }

    fn render(&self, doc: Document) -> Vec<u8> {
        doc.text.into_bytes()
    }

    fn annotates(&self) -> bool {
        false
    }

    fn sample_text(&self, rendered: &[u8], _text_field: &str) -> Option<String> {
        Some(String::from_utf8_lossy(rendered).into_owned())
    }

    fn opening(&self) -> Opening {
        Opening::AtFirstRecord
    }

    fn writer(
        &self,
        file: File,
        compression: Compression,
        _input: &InputFile,
        _options: &WriteOptions,
    ) -> io::Result<Box<dyn RecordWriter>> {
        Ok(Box::new(StreamWriter::new(file, compression)?))
    }
}

/// Builds the document of a whole text file from its (decompressed) bytes.
fn read_document(file: &InputFile, bytes: &[u8]) -> Result<Document, Problem> {
    let decoded = match sniff(bytes) {
        Sniffed::Text => decode(bytes),
        Sniffed::Utf16(encoding) => decode_utf16(bytes, encoding),
        Sniffed::Binary { controls, sampled } => {
            return Err(Problem {
                location: Location::file(&file.name),
                kind: ProblemKind::Binary { controls, sampled },
            })
        }
    };
    Ok(Document {
        id: file.rel.clone(),
        origin: Location::file(&file.name),
        source: file.folder.clone(),
        text: decoded.text,
        decoding: decoded.decoding,
        record: None,
        date: None,
    })
}
