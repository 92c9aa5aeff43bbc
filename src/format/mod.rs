//! Input and output formats behind one trait, [`Format`], and the one table that registers
//! them ([`FORMATS`]).
//!
//! A format owns everything textwash knows about how records are laid out in a file: how an
//! input is cut into records ([`Format::cut`]), how a record becomes a [`Document`]
//! ([`Format::parse`]), how a cleaned document becomes bytes again ([`Format::render`]), how
//! dedup's annotation goes into those bytes ([`Format::annotate`]), how the text is found in
//! them again for report.html's samples ([`Format::sample_text`]), and how rendered records are
//! written to an output file ([`Format::writer`]). Nothing else in textwash matches on a
//! format: `run`'s reader thread and worker threads, the output and discarding sinks, dedup's
//! spool (which stores records as opaque bytes tagged with [`Format::tag`]) and its replay,
//! the staged tasks and the `fix` and `strip` filters all go through this trait.
//!
//! Finding inputs, decompressing them ([`crate::read::stream`]) and decoding bytes into text
//! ([`crate::repair::decode`]) are not a format's: a byte-stream format uses them as helpers.
//!
//! # Adding a format
//!
//! One new file in this folder with a type that implements [`Format`], and its registration
//! here: a `pub mod` line, an entry in [`FORMATS`] (with a tag no other format has), and its
//! file name extensions in [`DEFAULT_GLOB`] so that folders are read for it. `--format` takes
//! every registered name, inputs are given the format their names say ([`from_file_name`]),
//! and every command and task picks it up. What a format need not be:
//!
//! - **A stream of lines.** [`Format::cut`] gets the input file, not a byte stream: a format
//!   whose records are rows of a table read by row groups opens the file itself (it may seek to a
//!   footer), and hands each record's bytes (for a table, say, its text value) to the
//!   [`Cutter`] with a *locator*, a number that says where the record is in its file (a line,
//!   a row). [`Format::parse`] gets those bytes and the locator back, on any thread.
//! - **Written record by record as bytes of the output.** The bytes [`Format::render`] returns
//!   are what dedup spools and what [`Format::writer`]'s [`RecordWriter`] is given, in input
//!   order; their meaning is the format's own. A JSON Lines record is its output line; a table
//!   format may render a row's locator and new text, and have its writer read the input again to
//!   copy every other column into an output file with the input's schema.
//!
//! The text format is the smallest example ([`text`]); JSON Lines ([`jsonl`]) shows a record
//! kept whole so that every other field goes out byte for byte.

pub mod jsonl;
#[cfg(feature = "parquet")]
pub mod parquet;
pub mod text;

use std::fmt;
use std::fs::File;
use std::io;

use crate::document::{Decoding, Document};
use crate::error::Problem;
use crate::read::batch::Cutter;
use crate::read::{Compression, InputFile, ReadConfig};

/// A way records are laid out in a file, read and written. See the [module](self) for what a
/// format owns and how to add one.
///
/// A format is a stateless value registered once ([`FORMATS`]) and shared by every thread:
/// what it learns about one input (a schema, an encoding) goes into the records it cuts or is
/// found again from the [`InputFile`].
pub trait Format: Send + Sync + fmt::Debug {
    /// The name `--format` takes and report messages use: `text`, `jsonl`.
    fn name(&self) -> &'static str;

    /// The name people know it by, in messages: `text`, `JSON Lines`.
    fn description(&self) -> &'static str;

    /// The byte that tags this format's records in dedup's spool; unique among [`FORMATS`],
    /// and never reused for another format (a spool names formats by it).
    fn tag(&self) -> u8;

    /// The file name extensions (without the dot, and without a compression extension) that
    /// say an input is in this format, in lower case. The first is the extension of files this
    /// format names itself: standard input's output (`stdin.EXT`) and a staged run's parts
    /// (`part-RRRRR.EXT`).
    fn extensions(&self) -> &'static [&'static str];

    /// Whether a file of this format may be compressed as a whole (`.gz`, `.zst` after its
    /// extension): true for a byte stream; false for a format that compresses inside the file
    /// (Parquet), whose folders are read for the plain extension only.
    fn streams(&self) -> bool {
        true
    }

    // The reader side.

    /// Reads `input` (the `file`-th input, which the cutter knows) and hands its records to
    /// `cutter` in order, with their bytes in the cutter's buffer ([`Cutter::record`]), and
    /// anything that cannot be read as a problem ([`Cutter::problem`]). Runs on the one reading
    /// thread: it should do the I/O and cut, and leave decoding and parsing to [`Format::parse`],
    /// which runs on the pool. A byte-stream format opens the input with
    /// [`Cutter::open_stream`] (decompressed as its name says, the progress bar advanced); one
    /// that needs random access opens `input.path` itself and advances
    /// [`Cutter::progress`]. The cutter marks the file's start before its first record and its
    /// end after `cut` returns; a file without records gives no start and no end (say why with
    /// a problem, such as [`crate::error::ProblemKind::EmptyFile`]).
    fn cut(&self, input: &InputFile, cutter: &mut Cutter<'_>);

    /// Turns one record [`Format::cut`] cut from `input` into a document, or says why it cannot
    /// (the problem names the file and the record's place). Runs on any thread of the pool.
    fn parse(
        &self,
        record: RecordBytes<'_>,
        input: &InputFile,
        config: &ReadConfig,
    ) -> Result<Document, Problem>;

    // The writer side.

    /// The bytes a document the stages kept is written as: its record with the new text. These
    /// are what dedup spools and what [`Format::writer`] is given, in input order.
    fn render(&self, doc: Document) -> Vec<u8>;

    /// Whether a rendered record has room for dedup's annotation ([`Format::annotate`]). Text
    /// files have none: `--dedup annotate` keeps their duplicates as they are, with a warning.
    fn annotates(&self) -> bool;

    /// The rendered record with `annotation`, a JSON object's members (`"dedup":{…}`), added.
    /// Only called when [`Format::annotates`]; the default returns the record as it is.
    fn annotate(&self, rendered: Vec<u8>, annotation: &str) -> Vec<u8> {
        let _ = annotation;
        rendered
    }

    /// The document's text, found again in its rendered record (report.html shows the texts of
    /// some clusters' members). `text_field` is `--text-field`. `None` when it cannot be found.
    fn sample_text(&self, rendered: &[u8], text_field: &str) -> Option<String>;

    /// When the output file of an input is created.
    fn opening(&self) -> Opening;

    /// A writer of rendered records into `file`, the output of `input` (staged under a
    /// temporary name; the caller renames it), compressed as `compression` says. Records come
    /// in input order; [`RecordWriter::finish`] ends the file. `options` says what a format
    /// that builds its output from the input again needs (a table's text column, and whether
    /// it gets an annotation column).
    fn writer(
        &self,
        file: File,
        compression: Compression,
        input: &InputFile,
        options: &WriteOptions,
    ) -> io::Result<Box<dyn RecordWriter>>;
}

/// What a run's settings say to a format's writer ([`Format::writer`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WriteOptions {
    /// `--text-field`: where the text goes back.
    pub text_field: String,
    /// Whether dedup annotates records (`--dedup annotate`, dedup selected): a format whose
    /// output has a schema adds the annotation's column from the start.
    pub annotate: bool,
}

/// One record as [`Format::cut`] cut it, handed to [`Format::parse`].
#[derive(Debug, Clone, Copy)]
pub struct RecordBytes<'a> {
    /// The bytes the format put in the cutter's buffer for this record.
    pub bytes: &'a [u8],
    /// Where the record is in its file, as the format counts: a 1-based line number for JSON
    /// Lines, a row for a table, 0 for a whole file.
    pub locator: u64,
    /// How the cutter transcoded the file's bytes to UTF-8 when it did (UTF-16 input): the
    /// record's bytes are then UTF-8, and this is the document's [`Decoding`].
    pub transcoded: Option<Decoding>,
}

/// When an input's output file is created ([`Format::opening`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Opening {
    /// When the input starts: an input whose records were all dropped leaves an empty file,
    /// so that the files of OUT are those of the input (JSON Lines).
    AtStart,
    /// With its first kept record: an input none of whose records was kept leaves no file (a
    /// text file is one document, and a dropped document has no file).
    AtFirstRecord,
}

/// Writes one output file, record by record, in input order ([`Format::writer`]).
pub trait RecordWriter: Send {
    /// Writes one rendered record.
    fn write(&mut self, record: &[u8]) -> io::Result<()>;

    /// Ends the file (a compressed stream's end, a table's footer) and gives it back, so that
    /// the caller can flush it to disk before renaming it.
    fn finish(self: Box<Self>) -> io::Result<File>;
}

/// Every format textwash reads and writes, in the order `--format` lists them. A file name's
/// extension picks the format that claims it ([`from_file_name`]); a name no format claims is
/// read as text.
#[cfg(not(feature = "parquet"))]
pub static FORMATS: [&dyn Format; 2] = [&text::Text, &jsonl::JsonLines];

/// Every format textwash reads and writes, in the order `--format` lists them (Parquet with the
/// `parquet` feature).
#[cfg(feature = "parquet")]
pub static FORMATS: [&dyn Format; 3] = [&text::Text, &jsonl::JsonLines, &parquet::Parquet];

/// The text format: one file is one document.
pub static TEXT: &dyn Format = &text::Text;

/// JSON Lines: one object per line.
pub static JSONL: &dyn Format = &jsonl::JsonLines;

/// The files of an input folder read when `--glob` is not given: every registered format's
/// extensions, plain or compressed ([`Compression::from_name`]). A test checks that it names
/// every extension of [`FORMATS`].
#[cfg(not(feature = "parquet"))]
pub const DEFAULT_GLOB: &str = "*.{txt,jsonl,ndjson,txt.gz,jsonl.gz,ndjson.gz,txt.zst,jsonl.zst,\
                                ndjson.zst,txt.zstd,jsonl.zstd,ndjson.zstd}";

/// The files of an input folder read when `--glob` is not given (Parquet files too, with the
/// `parquet` feature; never compressed as a whole: [`Format::streams`]).
#[cfg(feature = "parquet")]
pub const DEFAULT_GLOB: &str = "*.{txt,jsonl,ndjson,txt.gz,jsonl.gz,ndjson.gz,txt.zst,jsonl.zst,\
                                ndjson.zst,txt.zstd,jsonl.zstd,ndjson.zstd,parquet}";

/// The format registered under `name` (`--format`).
pub fn by_name(name: &str) -> Option<&'static dyn Format> {
    FORMATS.iter().copied().find(|f| f.name() == name)
}

/// The format whose records carry `tag` in a spool.
pub fn by_tag(tag: u8) -> Option<&'static dyn Format> {
    FORMATS.iter().copied().find(|f| f.tag() == tag)
}

/// The names of every format, for `--format`'s help and checking.
pub fn names() -> impl Iterator<Item = &'static str> {
    FORMATS.iter().map(|f| f.name())
}

/// `--format`'s parser: one of the registered names ([`names`]), listed in the help.
pub fn value_parser() -> impl clap::builder::TypedValueParser<Value = &'static dyn Format> {
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new(names())
        .map(|name: String| by_name(&name).unwrap_or(TEXT))
}

/// Guesses the format from a file name, looking behind a compression extension: the format
/// that claims the extension, else text.
pub fn from_file_name(name: &str) -> &'static dyn Format {
    let lower = name.to_ascii_lowercase();
    let stem = lower
        .strip_suffix(".gz")
        .or_else(|| lower.strip_suffix(".zst"))
        .or_else(|| lower.strip_suffix(".zstd"))
        .unwrap_or(&lower);
    let extension = stem.rsplit_once('.').map_or("", |(_, ext)| ext);
    FORMATS
        .iter()
        .copied()
        .find(|f| f.extensions().contains(&extension))
        .unwrap_or(TEXT)
}

/// A format in a serialized configuration: its name.
pub(crate) mod serde_name {
    use super::Format;

    pub fn serialize<S: serde::Serializer>(
        format: &Option<&'static dyn Format>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match format {
            Some(format) => s.serialize_some(format.name()),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: serde::Deserializer<'de>>(
        d: D,
    ) -> Result<Option<&'static dyn Format>, D::Error> {
        let name: Option<String> = serde::Deserialize::deserialize(d)?;
        name.map(|name| {
            super::by_name(&name)
                .ok_or_else(|| serde::de::Error::custom(format!("unknown format {name:?}")))
        })
        .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_tags_are_unique_and_found_again() {
        for (i, a) in FORMATS.iter().enumerate() {
            assert!(std::ptr::addr_eq(by_name(a.name()).unwrap(), *a));
            assert!(std::ptr::addr_eq(by_tag(a.tag()).unwrap(), *a));
            for b in &FORMATS[i + 1..] {
                assert_ne!(a.name(), b.name());
                assert_ne!(a.tag(), b.tag());
            }
        }
    }

    #[test]
    fn the_default_glob_takes_every_format_and_compression_and_nothing_else() {
        let glob = crate::read::compile_glob(DEFAULT_GLOB).unwrap();
        for format in FORMATS {
            for ext in format.extensions() {
                let compressions: &[&str] = match format.streams() {
                    true => &["", ".gz", ".zst", ".zstd"],
                    false => &[""],
                };
                for compression in compressions {
                    let name = format!("sub/a.{ext}{compression}");
                    assert!(glob.is_match(&name), "{name}");
                    assert!(std::ptr::addr_eq(from_file_name(&name), format), "{name}");
                }
            }
        }
        for other in ["a.md", "a.csv", "a.gz", "a.jsonl.bz2", "txt"] {
            assert!(!glob.is_match(other), "{other}");
        }
    }

    #[test]
    fn names_give_format_and_compression() {
        let cases = [
            ("a.txt", "text", Compression::None),
            ("a.jsonl", "jsonl", Compression::None),
            ("dir/A.JSONL.GZ", "jsonl", Compression::Gzip),
            ("a.jsonl.zst", "jsonl", Compression::Zstd),
            ("a.ndjson", "jsonl", Compression::None),
            ("a.txt.gz", "text", Compression::Gzip),
            ("notes", "text", Compression::None),
            ("a.jsonl.md", "text", Compression::None),
        ];
        for (name, format, compression) in cases {
            assert_eq!(from_file_name(name).name(), format, "{name}");
            assert_eq!(Compression::from_name(name), compression, "{name}");
        }
    }

    /// A format that is no stream of lines, as a table format is not: its file ends with a
    /// footer of record lengths that `cut` seeks to before reading records in groups of two; a
    /// record renders as its row number and new text; its writer adds a header and a footer.
    /// It runs through the reading thread's cutter, parsing and rendering as `run` does them.
    #[derive(Debug)]
    struct Rows;

    impl Format for Rows {
        fn name(&self) -> &'static str {
            "rows"
        }
        fn description(&self) -> &'static str {
            "rows"
        }
        fn tag(&self) -> u8 {
            200
        }
        fn extensions(&self) -> &'static [&'static str] {
            &["rows"]
        }
        fn cut(&self, input: &InputFile, cutter: &mut Cutter<'_>) {
            use std::io::{Read, Seek, SeekFrom};
            let path = input.path.as_ref().unwrap();
            let mut file = File::open(path).unwrap();
            let mut count = [0u8; 1];
            file.seek(SeekFrom::End(-1)).unwrap();
            file.read_exact(&mut count).unwrap();
            let mut lengths = vec![0u8; usize::from(count[0])];
            file.seek(SeekFrom::End(-1 - i64::from(count[0]))).unwrap();
            file.read_exact(&mut lengths).unwrap();
            file.seek(SeekFrom::Start(0)).unwrap();
            for (group, rows) in lengths.chunks(2).enumerate() {
                for (i, &len) in rows.iter().enumerate() {
                    let start = cutter.buffer().len();
                    let mut take = (&mut file).take(u64::from(len));
                    take.read_to_end(cutter.buffer()).unwrap();
                    cutter.count_read(u64::from(len));
                    let end = cutter.buffer().len();
                    cutter.record(start..end, (group * 2 + i) as u64, None);
                }
            }
        }
        fn parse(
            &self,
            record: RecordBytes<'_>,
            input: &InputFile,
            _config: &ReadConfig,
        ) -> Result<Document, Problem> {
            Ok(Document {
                id: format!("row {}", record.locator),
                origin: crate::error::Location::line(&input.name, record.locator),
                source: input.folder.clone(),
                text: String::from_utf8_lossy(record.bytes).into_owned(),
                decoding: Decoding::UTF8,
                record: Some(crate::document::Record::new(record.locator)),
                date: None,
            })
        }
        fn render(&self, doc: Document) -> Vec<u8> {
            let row = doc.record.and_then(|r| r.take::<u64>()).unwrap();
            format!("{row}\t{}", doc.text).into_bytes()
        }
        fn annotates(&self) -> bool {
            false
        }
        fn sample_text(&self, rendered: &[u8], _text_field: &str) -> Option<String> {
            let rendered = std::str::from_utf8(rendered).ok()?;
            Some(rendered.split_once('\t')?.1.to_string())
        }
        fn opening(&self) -> Opening {
            Opening::AtStart
        }
        fn writer(
            &self,
            mut file: File,
            _compression: Compression,
            _input: &InputFile,
            _options: &WriteOptions,
        ) -> io::Result<Box<dyn RecordWriter>> {
            use std::io::Write;
            file.write_all(b"rows\n")?;
            Ok(Box::new(RowsWriter { file, rows: 0 }))
        }
    }

    struct RowsWriter {
        file: File,
        rows: usize,
    }

    impl RecordWriter for RowsWriter {
        fn write(&mut self, record: &[u8]) -> io::Result<()> {
            use std::io::Write;
            self.rows += 1;
            self.file.write_all(record)?;
            self.file.write_all(b"\n")
        }
        fn finish(mut self: Box<Self>) -> io::Result<File> {
            use std::io::Write;
            writeln!(self.file, "end {}", self.rows)?;
            Ok(self.file)
        }
    }

    static ROWS: Rows = Rows;

    #[test]
    fn a_format_that_reads_by_row_groups_runs_through_the_cutter_and_writer() {
        let dir = tempfile::tempdir().unwrap();
        let texts = ["first", "second row", "third", "", "fifth"];
        let mut bytes: Vec<u8> = texts.concat().into_bytes();
        bytes.extend(texts.iter().map(|t| t.len() as u8));
        bytes.push(texts.len() as u8);
        let path = dir.path().join("a.rows");
        std::fs::write(&path, &bytes).unwrap();
        let input = InputFile {
            path: Some(path),
            name: "a.rows".into(),
            rel: "a.rows".into(),
            format: &ROWS,
            compression: Compression::None,
            size: Some(bytes.len() as u64),
            folder: ".".into(),
        };
        let files = [input];
        let config = crate::read::tests::config();
        let cutting = crate::read::batch::Cutting {
            batch_bytes: 8,
            max_record: 1 << 20,
        };
        let mut units = Vec::new();
        let mut rendered = Vec::new();
        crate::read::batch::read_batches(
            &files,
            &crate::read::tests::config(),
            cutting,
            &indicatif::ProgressBar::hidden(),
            |batch| {
                for unit in &batch.units {
                    units.push(match unit {
                        crate::read::Unit::StartFile { .. } => "start".to_string(),
                        crate::read::Unit::EndFile { .. } => "end".to_string(),
                        crate::read::Unit::Record { locator, .. } => format!("row {locator}"),
                        crate::read::Unit::Problem(p) => p.to_string(),
                    });
                    if let Some(mut doc) =
                        crate::read::parse_unit(unit, &batch.data, &files, &config).unwrap()
                    {
                        doc.text = doc.text.to_uppercase();
                        rendered.push(ROWS.render(doc));
                    }
                }
                true
            },
        );
        assert_eq!(
            units,
            ["start", "row 0", "row 1", "row 2", "row 3", "row 4", "end"]
        );
        assert_eq!(
            ROWS.sample_text(&rendered[1], "text").unwrap(),
            "SECOND ROW"
        );
        let out = dir.path().join("out.rows");
        let mut writer = ROWS
            .writer(
                File::create(&out).unwrap(),
                Compression::None,
                &files[0],
                &WriteOptions::default(),
            )
            .unwrap();
        for record in rendered.iter().filter(|r| r.as_slice() != b"3\t") {
            writer.write(record).unwrap();
        }
        drop(writer.finish().unwrap());
        assert_eq!(
            std::fs::read_to_string(&out).unwrap(),
            "rows\n0\tFIRST\n1\tSECOND ROW\n2\tTHIRD\n4\tFIFTH\nend 4\n"
        );
    }
}
