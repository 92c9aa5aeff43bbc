//! The one type every stage works on: a [`Document`] with its id, origin and text.
//!
//! A document keeps what its format needs of its record ([`Record`]: for JSON Lines the whole
//! line), so every field other than the text goes out exactly as it came in, bytes and order
//! included. Stages change only `text`; the format puts it back into the record.

use std::any::Any;
use std::sync::Arc;

use crate::error::Location;

/// One document of the corpus.
#[derive(Debug)]
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
    /// What the document's format keeps of its record to write it back (a JSON line), `None`
    /// for plain-text input.
    pub record: Option<Record>,
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

/// What the format that read a document keeps of its record to write it back: for JSON Lines,
/// the line and the place of its text value ([`crate::format::jsonl::JsonRecord`]). Opaque to
/// everything but that format ([`crate::format::Format::render`]).
pub struct Record(Box<dyn Any + Send + Sync>);

impl Record {
    /// Keeps `state` for the format that made it.
    pub fn new<T: Any + Send + Sync>(state: T) -> Record {
        Record(Box::new(state))
    }

    /// The state, when it is a `T`.
    pub fn get<T: Any>(&self) -> Option<&T> {
        self.0.downcast_ref()
    }

    /// The state, taken out, when it is a `T`.
    pub fn take<T: Any>(self) -> Option<T> {
        self.0.downcast().ok().map(|state| *state)
    }
}

impl std::fmt::Debug for Record {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Record { .. }")
    }
}
