//! Problems with the input, each carrying the place it happened at.
//!
//! A [`Problem`] is about one record or one file and never stops the run by itself: the pipeline
//! counts it, reports it and skips what it names (or stops, with `--on-error fail`). Failures of
//! the run itself (an output folder that is not empty, a disk that is full) are `anyhow` errors.

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// A place in the input: a file (or `<stdin>`) and, for JSON Lines, a 1-based line number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Location {
    /// The file's name as given, or `<stdin>`.
    pub file: Arc<str>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// The 1-based line, for JSON Lines.
    pub line: Option<u64>,
}

impl Location {
    /// A whole file.
    pub fn file(file: &Arc<str>) -> Location {
        Location {
            file: Arc::clone(file),
            line: None,
        }
    }

    /// A line of a file.
    pub fn line(file: &Arc<str>, line: u64) -> Location {
        Location {
            file: Arc::clone(file),
            line: Some(line),
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}", self.file, line),
            None => write!(f, "{}", self.file),
        }
    }
}

/// What was wrong with a record or a file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProblemKind {
    #[error("invalid JSON: {0}")]
    /// The line is not JSON.
    InvalidJson(String),
    #[error("record is a JSON {0}, not an object")]
    /// The line is JSON, but not an object.
    NotAnObject(&'static str),
    #[error("text field `{0}` is missing")]
    /// The record has no text field.
    MissingTextField(String),
    #[error("text field `{field}` is {found}, not a string")]
    /// The text field is not a string.
    TextFieldNotString {
        /// The text field's name.
        field: String,
        /// What it is instead (a number, an object…).
        found: &'static str,
    },
    #[error("id field `{field}` is {found}, not a string or a number")]
    /// The id field is neither a string nor a number.
    IdFieldInvalid {
        /// The id field's name.
        field: String,
        /// What it is instead.
        found: &'static str,
    },
    #[error("cannot read: {0}")]
    /// The file could not be read.
    Unreadable(String),
    #[error("file is empty")]
    /// The file has no bytes.
    EmptyFile,
    #[error("compressed stream is corrupt or truncated: {0}")]
    /// A gzip or zstd stream ends early or is damaged.
    CorruptStream(String),
    #[error("record of {bytes} bytes is larger than --max-record-mb ({limit} bytes); skipped")]
    /// A record larger than `--max-record-mb`.
    TooLarge {
        /// The record's size.
        bytes: u64,
        /// `--max-record-mb` in bytes.
        limit: u64,
    },
    #[error("symbolic link to {0}, outside the input folder; not followed")]
    /// A link leads out of the input folder.
    LinkOutside(String),
    /// More than 1% (and more than 8) of a file's first 64 KiB are NUL or control bytes, and
    /// not UTF-16's ([`crate::repair::decode::sniff`]).
    #[error(
        "binary, not text: {controls} of its first {sampled} bytes are NUL or control bytes \
         (more than 1%); skipped"
    )]
    Binary {
        /// NUL and control bytes seen.
        controls: usize,
        /// Bytes looked at.
        sampled: usize,
    },
    /// A table file (Parquet) that cannot be read, or a column that cannot be: the message
    /// names the row group and rows when the trouble is in some.
    #[error("{message}")]
    Table {
        /// The key report.json counts it under ([`ProblemKind::code`]).
        code: &'static str,
        /// What, and where in the file.
        message: String,
    },
}

impl ProblemKind {
    /// A problem of a table format (Parquet), whose place in the file (row group, rows) is in
    /// `message`; `code` is the key report.json counts it under, shared with the same problem in
    /// other formats where there is one (`missing-text-field`).
    pub fn table(code: &'static str, message: String) -> ProblemKind {
        ProblemKind::Table { code, message }
    }

    /// A short stable name, used as a key in report.json.
    pub fn code(&self) -> &'static str {
        match self {
            ProblemKind::InvalidJson(_) => "invalid-json",
            ProblemKind::NotAnObject(_) => "not-an-object",
            ProblemKind::MissingTextField(_) => "missing-text-field",
            ProblemKind::TextFieldNotString { .. } => "text-field-not-string",
            ProblemKind::IdFieldInvalid { .. } => "id-field-invalid",
            ProblemKind::Unreadable(_) => "unreadable",
            ProblemKind::EmptyFile => "empty-file",
            ProblemKind::CorruptStream(_) => "corrupt-stream",
            ProblemKind::TooLarge { .. } => "too-large",
            ProblemKind::LinkOutside(_) => "link-outside",
            ProblemKind::Binary { .. } => "binary",
            ProblemKind::Table { code, .. } => code,
        }
    }
}

/// One problem at one place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Where.
    pub location: Location,
    /// What.
    pub kind: ProblemKind,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.kind)
    }
}

impl Serialize for Problem {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut s = serializer.serialize_struct("Problem", 4)?;
        s.serialize_field("file", &self.location.file)?;
        if let Some(line) = self.location.line {
            s.serialize_field("line", &line)?;
        }
        s.serialize_field("kind", self.kind.code())?;
        s.serialize_field("message", &self.kind.to_string())?;
        s.end()
    }
}
