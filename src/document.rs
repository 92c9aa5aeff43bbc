//! The one type every stage works on: a [`Document`] with its id, origin and text.
//!
//! A document read from JSON Lines keeps its whole record ([`JsonRecord`]), so every field other
//! than the text goes out exactly as it came in, bytes and order included. Stages change only
//! `text`; writers put it back into the record.

use std::ops::Range;
use std::sync::Arc;

use crate::error::Location;

/// One document of the corpus.
#[derive(Debug, Clone)]
pub struct Document {
    /// The id field of a record, or `file:line` where it has none; for a text file, its path
    /// relative to the input root.
    pub id: String,
    /// Where the document was read from.
    pub origin: Location,
    /// The outlet or collection it belongs to: the `--source-field` of its record, or the
    /// folder it was read from. Statistics across documents are kept per source.
    pub source: Arc<str>,
    /// The text, always UTF-8 here whatever the input's encoding.
    pub text: String,
    /// How the input bytes were decoded.
    pub decoding: Decoding,
    /// The JSON record the text came from, `None` for plain-text input.
    pub record: Option<JsonRecord>,
    /// The value of the date field (`--date-field`), for dedup's `--keep earliest`.
    pub date: Option<String>,
}

/// How the bytes of a document became text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decoding {
    /// The encoding's name as the WHATWG Encoding Standard spells it (`UTF-8`, `windows-1252`,
    /// `Shift_JIS`, `UTF-16LE`…), or `UTF-8+windows-1252` for UTF-8 with stray single-byte
    /// characters mixed in.
    pub encoding: &'static str,
    /// How the encoding was chosen.
    pub method: DecodeMethod,
    /// Whether some bytes could not be decoded and became U+FFFD.
    pub had_errors: bool,
}

impl Decoding {
    /// Valid UTF-8, as read.
    pub const UTF8: Decoding = Decoding {
        encoding: "UTF-8",
        method: DecodeMethod::Valid,
        had_errors: false,
    };

    /// True when the bytes were not plain valid UTF-8 and had to be transcoded.
    pub fn was_transcoded(&self) -> bool {
        self.method != DecodeMethod::Valid
    }
}

/// How an encoding was chosen for a document's bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DecodeMethod {
    /// The bytes were valid UTF-8 without a byte order mark.
    Valid,
    /// A byte order mark named the encoding.
    Bom,
    /// Detected from the bytes: chardetng, or UTF-16 without a byte order mark told by its NUL
    /// bytes.
    Detected,
    /// Mostly valid UTF-8; the few invalid bytes were read as a single-byte encoding.
    Mixed,
}

/// A JSON Lines record as it was read, with the place of its text value.
#[derive(Debug, Clone)]
pub struct JsonRecord {
    /// The whole line, as UTF-8, without the line break.
    pub raw: String,
    /// The byte range of the text field's value (the JSON string, quotes included) in `raw`.
    pub text_span: Range<usize>,
    /// A 128-bit hash of the text as read: when the text still hashes to it, the record is
    /// written back byte for byte.
    pub text_digest: u128,
}

impl JsonRecord {
    /// The record with `text` as its text value, followed by a newline. When the text is the
    /// one read, the line is reused as it is, without a copy.
    pub fn render(self, text: &str) -> Vec<u8> {
        if xxhash_rust::xxh3::xxh3_128(text.as_bytes()) == self.text_digest {
            let mut out = self.raw.into_bytes();
            out.push(b'\n');
            return out;
        }
        let raw = self.raw.as_bytes();
        let mut out = Vec::with_capacity(raw.len() + text.len() / 8 + 1);
        out.extend_from_slice(&raw[..self.text_span.start]);
        // Serializing a str into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut out, text);
        out.extend_from_slice(&raw[self.text_span.end..]);
        out.push(b'\n');
        out
    }
}

/// A rendered record (a JSON object and its newline) with `annotation` (`"name":value` pairs)
/// added as its last fields.
pub fn annotate_line(mut out: Vec<u8>, annotation: &str) -> Vec<u8> {
    if out.last() == Some(&b'\n') {
        out.pop();
    }
    // The record is an object: its last non-space byte is `}`.
    let end = out.iter().rposition(|&b| b == b'}').unwrap_or(out.len());
    let empty = out[..end].iter().rev().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
    let mut tail = out.split_off(end);
    if !empty {
        out.push(b',');
    }
    out.extend_from_slice(annotation.as_bytes());
    out.append(&mut tail);
    out.push(b'\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(raw: &str, text: &str) -> JsonRecord {
        let start = raw.find("\"text\":").unwrap() + "\"text\":".len();
        let end = start + raw[start..].find("\"}").unwrap() + 1;
        JsonRecord {
            raw: raw.to_string(),
            text_span: start..end,
            text_digest: xxhash_rust::xxh3::xxh3_128(text.as_bytes()),
        }
    }

    #[test]
    fn unchanged_text_keeps_the_record_byte_for_byte() {
        let raw = r#"{"id":1.50,"text":"caf\u00e9"}"#;
        let rec = record(raw, "café");
        let out = rec.render("café");
        assert_eq!(out, format!("{raw}\n").into_bytes());
    }

    #[test]
    fn changed_text_is_spliced_in_and_escaped() {
        let raw = r#"{"id":1.50,"text":"old"}"#;
        let rec = record(raw, "old");
        let out = rec.render("new \"quoted\"\nline");
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "{\"id\":1.50,\"text\":\"new \\\"quoted\\\"\\nline\"}\n"
        );
    }
}
