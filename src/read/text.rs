//! Plain-text input: one file is one document, its id the path relative to the input root.

use crate::document::Document;
use crate::error::Location;
use crate::read::InputFile;
use crate::repair::decode::decode;

/// Builds the document of a whole text file from its (decompressed) bytes.
pub fn read_document(file: &InputFile, bytes: &[u8]) -> Document {
    let decoded = decode(bytes);
    Document {
        id: file.rel.clone(),
        origin: Location::file(&file.name),
        source: file.folder.clone(),
        text: decoded.text,
        decoding: decoded.decoding,
        record: None,
        date: None,
        annotation: None,
    }
}
