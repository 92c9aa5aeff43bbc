//! Plain-text input: one file is one document, its id the path relative to the input root.

use crate::document::Document;
use crate::error::{Location, Problem, ProblemKind};
use crate::read::InputFile;
use crate::repair::decode::{decode, decode_utf16, sniff, Sniffed};

/// Builds the document of a whole text file from its (decompressed) bytes. A file that
/// [`sniff`] finds binary is a [`ProblemKind::Binary`] problem; UTF-16 without a byte order mark
/// is decoded as UTF-16.
pub fn read_document(file: &InputFile, bytes: &[u8]) -> Result<Document, Problem> {
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
