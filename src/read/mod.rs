//! Reading corpora: finding input files, streaming their bytes in batches, and turning each
//! record into a [`Document`].
//!
//! Owns discovery and compression (gzip, zstd); how records are laid out in a file is its
//! format's ([`crate::format`]), and decoding bytes into text is [`crate::repair::decode`]'s;
//! no text is changed here. Reading is split in two so that the costly half runs in parallel:
//! [`batch`] does the I/O on one thread and has each file's format cut it into [`Unit`]s;
//! [`parse_unit`] has the format turn a unit into a document on any thread. [`stream`] opens,
//! decompresses and sniffs an input and reads its lines under the record limit, for byte-stream
//! formats and for the `fix` and `strip` filters alike.

pub mod batch;
pub mod stream;

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use globset::GlobMatcher;

use crate::document::{Decoding, Document};
use crate::error::{Location, Problem, ProblemKind};
use crate::format::{Format, RecordBytes};

/// How a file's bytes are compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// Not compressed.
    None,
    /// gzip (`.gz`).
    Gzip,
    /// zstd (`.zst`, `.zstd`).
    Zstd,
}

impl Compression {
    /// Guesses compression from a file name's last extension.
    pub fn from_name(name: &str) -> Compression {
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".gz") {
            Compression::Gzip
        } else if lower.ends_with(".zst") || lower.ends_with(".zstd") {
            Compression::Zstd
        } else {
            Compression::None
        }
    }
}

/// One input file, or standard input.
#[derive(Debug, Clone)]
pub struct InputFile {
    /// `None` for standard input.
    pub path: Option<PathBuf>,
    /// The name used in messages: the path as found, or `<stdin>`.
    pub name: Arc<str>,
    /// The path relative to its input root, with `/` separators: the output file's name, and
    /// the document id of a text file.
    pub rel: String,
    /// How its records are laid out.
    pub format: &'static dyn Format,
    /// How it is compressed.
    pub compression: Compression,
    /// The size on disk, when known.
    pub size: Option<u64>,
    /// The folder the file is in: the source of its documents when records do not name one.
    pub folder: Arc<str>,
}

/// What the readers need to know.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct ReadConfig {
    /// Which files of a folder are read; files named on the command line always are.
    #[serde(with = "glob_pattern")]
    pub glob: GlobMatcher,
    /// Overrides the format guessed from each file's name (and sets stdin's).
    #[serde(with = "crate::format::serde_name")]
    pub format: Option<&'static dyn Format>,
    /// The JSON field holding the text (`--text-field`).
    pub text_field: String,
    /// The JSON field holding the id (`--id-field`).
    pub id_field: String,
    /// The JSON Lines field that names a document's source (outlet); without it, the folder.
    pub source_field: Option<String>,
    /// The JSON Lines field that holds a document's date, when dedup keeps the earliest.
    pub date_field: Option<String>,
    /// Files at the top of an input folder that are never read from it, whatever the glob:
    /// the report and lists a run writes beside its corpus, so that a run's output can be
    /// checked or run again. Named on the command line, they are read.
    pub skip_in_folders: Vec<String>,
}

/// A glob as its pattern, compiled again when read back (as `--glob` is compiled).
mod glob_pattern {
    use globset::GlobMatcher;

    pub fn serialize<S: serde::Serializer>(glob: &GlobMatcher, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(glob.glob().glob())
    }

    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<GlobMatcher, D::Error> {
        let pattern: String = serde::Deserialize::deserialize(d)?;
        super::compile_glob(&pattern).map_err(serde::de::Error::custom)
    }
}

/// Compiles a `--glob` pattern: `*` matches across `/` too.
pub fn compile_glob(pattern: &str) -> Result<GlobMatcher, globset::Error> {
    Ok(globset::GlobBuilder::new(pattern)
        .literal_separator(false)
        .build()?
        .compile_matcher())
}

/// The name standard input goes by in messages.
pub const STDIN_NAME: &str = "<stdin>";

/// The bytes of text `files` hold, counted high: a compressed file (gzip, zstd, or Parquet,
/// whose columns are) counts for eight times its size; `None` when a size is unknown
/// (standard input).
pub fn text_bytes_high(files: &[InputFile]) -> Option<u64> {
    files.iter().try_fold(0u64, |sum, file| {
        let packed = file.compression != Compression::None || file.format.name() == "parquet";
        let factor = if packed { 8 } else { 1 };
        Some(sum.saturating_add(file.size?.saturating_mul(factor)))
    })
}

/// Expands the command line's inputs into files, in a stable order: inputs as given, each
/// folder walked in file-name order. `exclude` (the output folder) is never read. Folders or
/// files that cannot be listed are returned as problems.
pub fn discover(
    inputs: &[PathBuf],
    config: &ReadConfig,
    exclude: Option<&Path>,
) -> (Vec<InputFile>, Vec<Problem>) {
    let mut files = Vec::new();
    let mut problems = Vec::new();
    let exclude = exclude.and_then(|path| path.canonicalize().ok());
    for input in inputs {
        if input.as_os_str() == "-" {
            let format = config.format.unwrap_or(crate::format::TEXT);
            let rel = format!("stdin.{}", format.extensions()[0]);
            files.push(InputFile {
                path: None,
                name: Arc::from(STDIN_NAME),
                rel,
                format,
                compression: Compression::None,
                size: None,
                folder: Arc::from(STDIN_NAME),
            });
            continue;
        }
        let name: Arc<str> = Arc::from(input.display().to_string());
        let meta = match std::fs::metadata(input) {
            Ok(meta) => meta,
            Err(err) => {
                problems.push(Problem {
                    location: Location::file(&name),
                    kind: ProblemKind::Unreadable(err.to_string()),
                });
                continue;
            }
        };
        if meta.is_dir() {
            walk_folder(input, config, exclude.as_deref(), &mut files, &mut problems);
        } else {
            let rel = input
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| name.to_string());
            files.push(input_file(
                input.clone(),
                name,
                rel,
                config,
                Some(meta.len()),
            ));
        }
    }
    (files, problems)
}

/// Adds the files of folder `root` that the glob takes. Links are followed only where they
/// stay inside the folder: one that leads out of it (`ln -s /etc/passwd in/x.txt`) is a
/// problem, so that reading a folder never reads what the folder's owner did not put in it.
fn walk_folder(
    root: &Path,
    config: &ReadConfig,
    exclude: Option<&Path>,
    files: &mut Vec<InputFile>,
    problems: &mut Vec<Problem>,
) {
    let inside = root.canonicalize().ok();
    let mut walker = walkdir::WalkDir::new(root)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|entry| match exclude {
            Some(excluded) => entry
                .path()
                .canonicalize()
                .map_or(true, |path| path != excluded),
            None => true,
        });
    while let Some(entry) = walker.next() {
        let entry = match entry {
            Ok(entry) => entry,
            Err(err) => {
                let path = err.path().unwrap_or(root).display().to_string();
                problems.push(Problem {
                    location: Location::file(&Arc::from(path)),
                    kind: ProblemKind::Unreadable(err.to_string()),
                });
                continue;
            }
        };
        let is_dir = entry.file_type().is_dir();
        if !is_dir && !entry.file_type().is_file() {
            continue;
        }
        let rel_path = entry.path().strip_prefix(root).unwrap_or(entry.path());
        let rel = rel_path
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        let wanted =
            !is_dir && config.glob.is_match(&rel) && !config.skip_in_folders.contains(&rel);
        if entry.path_is_symlink() && entry.depth() > 0 && (is_dir || wanted) {
            let target = entry.path().canonicalize().ok();
            if let (Some(target), Some(inside)) = (target, &inside) {
                if !target.starts_with(inside) {
                    if is_dir {
                        walker.skip_current_dir();
                    }
                    problems.push(Problem {
                        location: Location::file(&Arc::from(entry.path().display().to_string())),
                        kind: ProblemKind::LinkOutside(target.display().to_string()),
                    });
                    continue;
                }
            }
        }
        if !wanted {
            continue;
        }
        let size = entry.metadata().ok().map(|m| m.len());
        let name = Arc::from(entry.path().display().to_string());
        files.push(input_file(entry.into_path(), name, rel, config, size));
    }
}

fn input_file(
    path: PathBuf,
    name: Arc<str>,
    rel: String,
    config: &ReadConfig,
    size: Option<u64>,
) -> InputFile {
    let folder = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map_or_else(|| ".".to_string(), |p| p.display().to_string());
    InputFile {
        format: config
            .format
            .unwrap_or_else(|| crate::format::from_file_name(&rel)),
        compression: Compression::from_name(&rel),
        path: Some(path),
        name,
        rel,
        size,
        folder: Arc::from(folder),
    }
}

/// A piece of input cut out by the reader, in input order. Record bytes live in the batch's
/// shared buffer; `bytes` is their range there.
#[derive(Debug, Clone)]
pub enum Unit {
    /// A file begins: its first record follows.
    StartFile {
        /// The input file.
        file: usize,
    },
    /// All of a file that could be read has been read.
    EndFile {
        /// The input file.
        file: usize,
    },
    /// One record, as its format cut it ([`crate::format::RecordBytes`]).
    Record {
        /// The input file.
        file: usize,
        /// Where the record is in its file, as its format counts (a line, a row; 0 for a
        /// whole file).
        locator: u64,
        /// The record's bytes in the batch.
        bytes: Range<usize>,
        /// How the file was transcoded to UTF-8, when it was.
        transcoded: Option<Decoding>,
        /// Where the record's bytes start in the input file, when they are the file's own
        /// bytes there (an uncompressed file read as it is): an unchanged record is then
        /// read back from the input instead of being kept in the spool
        /// (`write::spool::InputSpan`).
        at: Option<u64>,
    },
    /// Something could not be read.
    Problem(Problem),
}

/// Turns one record unit into a document, through its file's format. `Ok(None)` for units
/// that are not records.
pub fn parse_unit(
    unit: &Unit,
    data: &[u8],
    files: &[InputFile],
    config: &ReadConfig,
) -> Result<Option<Document>, Problem> {
    match unit {
        Unit::Record {
            file,
            locator,
            bytes,
            transcoded,
            ..
        } => {
            let input = &files[*file];
            let record = RecordBytes {
                bytes: &data[bytes.clone()],
                locator: *locator,
                transcoded: *transcoded,
            };
            input.format.parse(record, input, config).map(Some)
        }
        Unit::StartFile { .. } | Unit::EndFile { .. } => Ok(None),
        Unit::Problem(problem) => Err(problem.clone()),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::io::Write;

    /// The settings `textwash run` has by default, reading every file of a folder.
    pub(crate) fn config() -> ReadConfig {
        ReadConfig {
            glob: globset::Glob::new("*").unwrap().compile_matcher(),
            format: None,
            text_field: "text".into(),
            id_field: "id".into(),
            source_field: Some("source".into()),
            date_field: None,
            skip_in_folders: Vec::new(),
        }
    }

    /// Reads `bytes` as a file named `name` through every step a run takes, and returns the
    /// documents and problems in order.
    fn read_file_bytes(name: &str, bytes: &[u8]) -> Vec<Result<Option<Document>, Problem>> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let config = config();
        let (files, problems) = discover(&[path], &config, None);
        assert!(problems.is_empty());
        let mut results = Vec::new();
        batch::read_batches(
            &files,
            &config,
            batch::Cutting {
                batch_bytes: 1 << 10,
                max_record: 1 << 20,
            },
            &indicatif::ProgressBar::hidden(),
            |batch| {
                for unit in &batch.units {
                    results.push(parse_unit(unit, &batch.data, &files, &config));
                }
                true
            },
        );
        results
    }

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(bytes).unwrap();
        encoder.finish().unwrap()
    }

    /// Bytes that look like JSON Lines often enough to get past the first character.
    fn jsonish() -> impl Strategy<Value = Vec<u8>> {
        prop::collection::vec(
            prop_oneof![
                any::<u8>(),
                Just(b'{'),
                Just(b'}'),
                Just(b'"'),
                Just(b'\\'),
                Just(b'\n'),
                Just(b':'),
                Just(0xE2),
                Just(0x80),
            ],
            0..400,
        )
        .prop_map(|mut bytes| {
            bytes.splice(0..0, b"{\"text\":\"".iter().copied());
            bytes
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        #[test]
        fn no_reader_panics_on_any_bytes(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
            for name in ["a.txt", "a.jsonl", "a.jsonl.gz", "a.jsonl.zst", "a.txt.gz"] {
                read_file_bytes(name, &bytes);
            }
            // Valid compression around random content reaches the line parser.
            read_file_bytes("b.jsonl.gz", &gzip(&bytes));
            read_file_bytes("b.jsonl.zst", &zstd::encode_all(&bytes[..], 1).unwrap());
            // A valid stream cut anywhere.
            let compressed = gzip(&bytes);
            let cut = bytes.first().map_or(0, |&b| usize::from(b) % (compressed.len() + 1));
            read_file_bytes("c.jsonl.gz", &compressed[..cut]);
        }

        #[test]
        fn no_record_parser_panics_on_jsonish_bytes(bytes in jsonish()) {
            let results = read_file_bytes("a.jsonl", &bytes);
            prop_assert!(!results.is_empty());
            let location = Location::line(&Arc::from("x"), 1);
            let folder: Arc<str> = Arc::from(".");
            let _ = crate::format::jsonl::parse_record(&bytes, None, location.clone(), &config(), &folder);
            let utf16 = Decoding { encoding: "UTF-16LE", method: crate::document::DecodeMethod::Bom, had_errors: false };
            let _ = crate::format::jsonl::parse_record(&bytes, Some(utf16), location, &config(), &folder);
        }

        #[test]
        fn every_line_of_valid_jsonl_becomes_its_document(
            texts in prop::collection::vec(any::<String>(), 1..20)
        ) {
            let jsonl: String = texts
                .iter()
                .map(|t| format!("{{\"text\":{}}}\n", serde_json::to_string(t).unwrap()))
                .collect();
            let docs: Vec<String> = read_file_bytes("v.jsonl", jsonl.as_bytes())
                .into_iter()
                .filter_map(|r| r.unwrap())
                .map(|d| d.text)
                .collect();
            prop_assert_eq!(docs, texts);
        }
    }
}
