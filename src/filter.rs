//! The `fix` and `strip` commands: the repair and strip engines as filters, from files or
//! stdin to stdout.
//!
//! Inputs are opened as `run` opens them ([`crate::read::stream`]): decompressed as their names
//! say (`.gz`, `.zst`), a binary file left out with a problem, UTF-16 with or without a byte
//! order mark transcoded to UTF-8. Text is read in chunks of about 4 MB cut at line ends (a
//! chunk is the "document" whose evidence decides ambiguous mojibake), repaired in parallel
//! batches, and written in order. JSON Lines are read line by line; each record's text field is
//! repaired and the record written back with every other field as it was. A line that is not a
//! valid record, or is longer than `--max-record-mb` (of which no more than that is ever held),
//! is written unchanged and reported, so output lines always match input lines. With
//! `--on-error fail` the first problem stops the command.

use std::fmt;
use std::io::{self, BufRead, Read, Write};
use std::sync::Arc;

use anyhow::{bail, Context};
use rayon::prelude::*;

use std::path::{Path, PathBuf};

use crate::config::{FilterInput, FixConfig, OnError, StripFilterConfig};
use crate::document::Document;
use crate::error::{Location, Problem, ProblemKind};
use crate::exit::ExitCode;
use crate::format::{Format, RecordBytes, JSONL, TEXT};
use crate::notices::Notices;
use crate::read::stream::{self, copy_rest_of_line, read_line, sniff_stream, Line, Opened};
use crate::read::{Compression, InputFile, STDIN_NAME};
use crate::repair::decode::{decode, sniff, Sniffed};
use crate::repair::{describe, line_column, Repairer};
use crate::strip::stats::{document_lines, LineCounter};
use crate::strip::Stripper;

/// Text per chunk; a chunk ends at the first line end after this many bytes.
const CHUNK_BYTES: usize = 4 << 20;
/// JSON Lines bytes per parallel batch.
const BATCH_BYTES: usize = 8 << 20;

/// What a `fix` or `strip` run found, for the exit code.
#[derive(Debug, Default)]
pub struct FixOutcome {
    /// Lines that were not valid records or were too long, and inputs that could not be read
    /// or were binary.
    pub problems: u64,
}

impl FixOutcome {
    /// Success when nothing was skipped, else [`ExitCode::Problems`].
    pub fn exit_code(&self) -> ExitCode {
        ExitCode::from_problems(self.problems)
    }
}

/// Reports problems as they are met and counts them; under `--on-error fail` the first one
/// stops the command.
struct Problems<'n> {
    count: u64,
    fail: bool,
    /// Where problems are told; `None` counts without telling: strip's first pass, whose
    /// problems the second reports.
    notices: Option<&'n mut dyn Notices>,
}

impl<'n> Problems<'n> {
    fn new(input: &FilterInput, notices: &'n mut dyn Notices) -> Problems<'n> {
        Problems {
            count: 0,
            fail: input.on_error == OnError::Fail,
            notices: Some(notices),
        }
    }

    fn quiet() -> Problems<'n> {
        Problems {
            count: 0,
            fail: false,
            notices: None,
        }
    }

    fn report(&mut self, message: impl fmt::Display) -> anyhow::Result<()> {
        self.count += 1;
        if let Some(notices) = &mut self.notices {
            notices.note(&message.to_string());
        }
        if self.fail {
            bail!("stopped at the first problem (--on-error fail)");
        }
        Ok(())
    }

    /// Reports the error that stopped reading an input; a closed output, or a stop asked for by
    /// `--on-error fail`, stops everything.
    fn stopped(&mut self, name: &str, result: anyhow::Result<()>) -> anyhow::Result<()> {
        match result {
            Ok(()) => Ok(()),
            Err(err) if is_broken_pipe(&err) => Err(err),
            Err(err) if self.fail => Err(err.context(name.to_string())),
            Err(err) => self.report(format!("{name}: {err:#}")),
        }
    }
}

/// Why a file the filters do not read (a table: Parquet, by its name) is left out, or `None`.
/// They write records as a stream of text, which a table has no place in.
fn not_for_filters(name: &str) -> Option<String> {
    let format = crate::format::from_file_name(name);
    (!format.streams()).then(|| {
        format!(
            "{name}: {} is read by `run`, `check` and the staged tasks; the fix and strip \
             filters read text and JSON Lines; skipped",
            format.description()
        )
    })
}

/// An input of a filter, described as `run` describes the files it reads: its compression
/// comes from its name (`<stdin>` is never compressed); text files are their own id.
fn input_file(name: &Arc<str>, path: Option<&Path>, format: &'static dyn Format) -> InputFile {
    let folder = path
        .and_then(Path::parent)
        .filter(|p| !p.as_os_str().is_empty() && &**name != STDIN_NAME)
        .map_or_else(|| ".".to_string(), |p| p.display().to_string());
    InputFile {
        path: path.map(Path::to_path_buf),
        name: name.clone(),
        rel: name.to_string(),
        format,
        compression: Compression::from_name(name),
        size: None,
        folder: Arc::from(folder),
    }
}

/// Opens an input, decompressed and sniffed. `Ok(None)` when it is binary or cannot be opened:
/// the problem is reported.
fn open_text(
    file: &InputFile,
    problems: &mut Problems,
) -> anyhow::Result<Option<Box<dyn BufRead + Send>>> {
    let opened = stream::open(file, &indicatif::ProgressBar::hidden()).and_then(sniff_stream);
    let kind = match opened {
        Ok(Opened::Text { reader, .. }) => return Ok(Some(reader)),
        Ok(Opened::Binary { controls, sampled }) => ProblemKind::Binary { controls, sampled },
        Err(err) if file.compression == Compression::None => {
            ProblemKind::Unreadable(err.to_string())
        }
        Err(err) => ProblemKind::CorruptStream(err.to_string()),
    };
    problems.report(Problem {
        location: Location::file(&file.name),
        kind,
    })?;
    Ok(None)
}

/// A JSON line longer than `--max-record-mb`: reported, then its first bytes (`head`) and the
/// rest, still in `reader`, copied to `out` as they are, never held whole.
fn pass_long_line(
    reader: &mut dyn BufRead,
    location: &Location,
    head: &[u8],
    input: &FilterInput,
    problems: &mut Problems,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    problems.report(format!(
        "{location}: record longer than --max-record-mb ({} bytes); written unchanged",
        input.max_record
    ))?;
    out.write_all(head)?;
    let mut out = WriteSide { out, failed: false };
    match copy_rest_of_line(reader, &mut out) {
        Ok(_) => Ok(()),
        Err(err) if out.failed => Err(anyhow::Error::new(err).context("cannot write the output")),
        Err(err) => Err(anyhow::Error::new(err).context(format!("{location}: cannot read"))),
    }
}

/// Tells a copy's errors on the output from those on the input.
struct WriteSide<'a> {
    out: &'a mut dyn Write,
    failed: bool,
}

impl Write for WriteSide<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let written = self.out.write(buf);
        self.failed |= written.is_err();
        written
    }

    fn flush(&mut self) -> io::Result<()> {
        let flushed = self.out.flush();
        self.failed |= flushed.is_err();
        flushed
    }
}

/// Runs `textwash fix`, writing to `out`.
pub fn fix(
    config: &FixConfig,
    out: &mut dyn Write,
    notices: &mut dyn Notices,
) -> anyhow::Result<FixOutcome> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(config.threads)
        .build()
        .context("cannot start the thread pool")?;
    let repairer = Repairer::new(config.repair.clone());
    let mut problems = Problems::new(&config.input, notices);
    for input in &config.inputs {
        let name: Arc<str> = match input {
            Some(path) => Arc::from(path.display().to_string()),
            None => Arc::from(STDIN_NAME),
        };
        if let Some(message) = not_for_filters(&name) {
            problems.report(message)?;
            continue;
        }
        let format = if config.jsonl { JSONL } else { TEXT };
        let file = input_file(&name, input.as_deref(), format);
        let Some(mut reader) = open_text(&file, &mut problems)? else {
            continue;
        };
        let job = Job {
            config,
            repairer: &repairer,
            name: &name,
            file: &file,
            pool: &pool,
        };
        let result = if config.jsonl {
            job.jsonl(&mut reader, out, &mut problems)
        } else {
            job.text(&mut reader, out)
        };
        problems.stopped(&name, result)?;
    }
    out.flush().context("cannot write the output")?;
    Ok(FixOutcome {
        problems: problems.count,
    })
}

/// True when the reader of our output went away (`textwash fix | head`).
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<io::Error>()
            .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
    })
}

struct Job<'a> {
    config: &'a FixConfig,
    repairer: &'a Repairer,
    name: &'a Arc<str>,
    /// The input, as `run` describes it; its records are parsed and rendered by its format.
    file: &'a InputFile,
    pool: &'a rayon::ThreadPool,
}

impl Job<'_> {
    fn text(&self, reader: &mut dyn BufRead, out: &mut dyn Write) -> anyhow::Result<()> {
        let threads = self.config.threads.max(1);
        let mut cutter = ChunkCutter::default();
        let mut line_offset = 0usize;
        loop {
            let mut chunks = Vec::new();
            while chunks.len() < threads * 2 {
                match cutter.next_chunk(reader)? {
                    Some(chunk) => chunks.push(chunk),
                    None => break,
                }
            }
            if chunks.is_empty() {
                return Ok(());
            }
            let explain = self.config.explain;
            let results: Vec<(String, Vec<String>, usize)> = self.pool.install(|| {
                chunks
                    .par_iter()
                    .map(|chunk| {
                        let text = decode(chunk).text;
                        let lines = text.bytes().filter(|&b| b == b'\n').count();
                        match self.repairer.repair(&text, explain) {
                            None => (text, Vec::new(), lines),
                            Some(repaired) => {
                                let explained = repaired
                                    .changes
                                    .iter()
                                    .map(|change| describe(&text, change))
                                    .collect();
                                (repaired.text, explained, lines)
                            }
                        }
                    })
                    .collect()
            });
            for (text, explained, lines) in results {
                if explain {
                    for line in explained {
                        let (row, rest) = line.split_once(':').unwrap_or(("0", &line));
                        let row: usize = row.parse().unwrap_or(0) + line_offset;
                        writeln!(out, "{}:{row}:{rest}", self.name)?;
                    }
                } else {
                    out.write_all(text.as_bytes())?;
                }
                line_offset += lines;
            }
        }
    }

    fn jsonl(
        &self,
        reader: &mut dyn BufRead,
        out: &mut dyn Write,
        problems: &mut Problems,
    ) -> anyhow::Result<()> {
        let mut line_number = 0u64;
        let limit = self.config.input.max_record;
        loop {
            let (lines, end) = read_line_batch(reader, &mut line_number, limit);
            if lines.is_empty() && matches!(end, BatchEnd::Full) {
                return Ok(());
            }
            let results: Vec<(Vec<u8>, Vec<String>, Option<Problem>)> = self.pool.install(|| {
                lines
                    .par_iter()
                    .map(|(number, line)| self.record(*number, line))
                    .collect()
            });
            for (bytes, explained, problem) in results {
                if let Some(problem) = problem {
                    problems.report(format!("{problem}; written unchanged"))?;
                }
                if self.config.explain {
                    for line in explained {
                        writeln!(out, "{line}")?;
                    }
                } else {
                    out.write_all(&bytes)?;
                }
            }
            let mut sink = io::sink();
            let to: &mut dyn Write = if self.config.explain { &mut sink } else { out };
            end.finish(reader, self.name, &self.config.input, problems, to)?;
        }
    }

    /// One JSON line (with its line end): the line to write, the explanations, the problem.
    fn record(&self, number: u64, line: &[u8]) -> (Vec<u8>, Vec<String>, Option<Problem>) {
        let (content, ending) = split_line_end(line);
        if content.iter().all(u8::is_ascii_whitespace) {
            return (line.to_vec(), Vec::new(), None);
        }
        let record = RecordBytes {
            bytes: content,
            locator: number,
            transcoded: None,
        };
        let file = self.file;
        let mut doc = match file.format.parse(record, file, &self.config.read) {
            Ok(doc) => doc,
            Err(problem) => return (line.to_vec(), Vec::new(), Some(problem)),
        };
        let mut explained = Vec::new();
        if let Some(repaired) = self.repairer.repair(&doc.text, self.config.explain) {
            for change in &repaired.changes {
                let (row, column) = line_column(&doc.text, change.start);
                let described = describe(&doc.text, change);
                let what = described.splitn(3, ':').nth(2).unwrap_or("").trim_start();
                explained.push(format!(
                    "{}:{number}: [{}] {row}:{column}: {what}",
                    self.name, doc.id
                ));
            }
            doc.text = repaired.text;
        }
        let mut bytes = file.format.render(doc);
        // A rendered record ends with `\n`; keep the input's own line end.
        bytes.pop();
        bytes.extend_from_slice(ending);
        (bytes, explained, None)
    }
}

/// Cuts text input into chunks of about [`CHUNK_BYTES`], at a line end where there is one
/// within [`CHUNK_SLACK`] more bytes, else at a space, else anywhere but inside a UTF-8
/// character: a text without line breaks is not read whole.
#[derive(Default)]
struct ChunkCutter {
    /// Bytes read past the end of the last chunk.
    carry: Vec<u8>,
    done: bool,
}

/// How far past [`CHUNK_BYTES`] a chunk may grow looking for a line end.
const CHUNK_SLACK: usize = 1 << 20;

impl ChunkCutter {
    fn next_chunk(&mut self, reader: &mut dyn BufRead) -> anyhow::Result<Option<Vec<u8>>> {
        let mut chunk = std::mem::take(&mut self.carry);
        if !self.done {
            let want = (CHUNK_BYTES + CHUNK_SLACK).saturating_sub(chunk.len());
            let read = reader
                .take(want as u64)
                .read_to_end(&mut chunk)
                .context("cannot read")?;
            self.done = read < want;
        }
        if chunk.is_empty() {
            return Ok(None);
        }
        if !self.done && chunk.len() > CHUNK_BYTES {
            let cut = memchr::memrchr(b'\n', &chunk[CHUNK_BYTES / 2..])
                .or_else(|| memchr::memrchr(b' ', &chunk[CHUNK_BYTES / 2..]))
                .map(|at| CHUNK_BYTES / 2 + at + 1)
                .unwrap_or_else(|| {
                    // No line end and no space: cut before a byte that starts a character.
                    (1..=CHUNK_BYTES)
                        .rev()
                        .find(|&at| chunk[at] & 0xC0 != 0x80)
                        .unwrap_or(CHUNK_BYTES)
                });
            self.carry = chunk.split_off(cut);
        }
        Ok(Some(chunk))
    }
}

/// Runs `textwash strip`, writing to `out`: a first pass over all inputs counts lines across
/// documents (standard input is spooled to a temporary file so that it can be read twice), a
/// second strips each document. Problems are reported by the second pass.
pub fn strip(
    config: &StripFilterConfig,
    out: &mut dyn Write,
    notices: &mut dyn Notices,
) -> anyhow::Result<FixOutcome> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(config.threads)
        .build()
        .context("cannot start the thread pool")?;
    let mut problems = Problems::new(&config.input, notices);
    let mut spooled = None;
    let mut inputs: Vec<(Arc<str>, PathBuf)> = Vec::new();
    for input in &config.inputs {
        match input {
            Some(path) => {
                let name: Arc<str> = Arc::from(path.display().to_string());
                match not_for_filters(&name) {
                    Some(message) => problems.report(message)?,
                    None => inputs.push((name, path.clone())),
                }
            }
            None => {
                let mut temp = tempfile::NamedTempFile::new().context("cannot spool stdin")?;
                io::copy(&mut io::stdin().lock(), &mut temp).context("cannot read stdin")?;
                inputs.push((Arc::from(STDIN_NAME), temp.path().to_path_buf()));
                spooled = Some(temp);
            }
        }
    }
    let index = if config.strip.wants_stats() {
        let stats = config.strip.stats.clone().unwrap_or_default();
        let mut counter = LineCounter::default();
        for (name, path) in &inputs {
            let each = |docs: Vec<Document>| {
                pool.install(|| {
                    docs.par_iter()
                        .map(|doc| document_lines(&doc.source, &doc.text, stats.max_words))
                        .collect::<Vec<_>>()
                })
            };
            // Problems are the second pass's to report; this one skips what it cannot read.
            let mut unreported = Problems::quiet();
            let result = read_documents(
                config,
                name,
                path,
                &mut unreported,
                &mut io::sink(),
                &mut |docs, _, _, _| {
                    for lines in each(docs) {
                        counter.add(lines);
                    }
                    Ok(())
                },
            );
            if let Err(err) = result {
                if is_broken_pipe(&err) {
                    return Err(err);
                }
            }
        }
        Some(Arc::new(counter.finish(&stats)))
    } else {
        None
    };
    let stripper = Stripper::new(&config.strip, index)?;
    let format = if config.jsonl { JSONL } else { TEXT };
    for (name, path) in &inputs {
        let result = read_documents(
            config,
            name,
            path,
            &mut problems,
            out,
            &mut |docs, raws, out, problems| {
                let results: Vec<(Vec<u8>, Vec<String>)> = pool.install(|| {
                    docs.into_par_iter()
                        .zip(raws.par_iter())
                        .map(|(doc, raw)| match raw {
                            Passthrough::Unparsed(_) => (Vec::new(), Vec::new()),
                            Passthrough::Record { ending } => {
                                strip_one(config, format, &stripper, doc, *ending)
                            }
                        })
                        .collect()
                });
                for ((bytes, explained), raw) in results.into_iter().zip(raws) {
                    match raw {
                        Passthrough::Unparsed(Unparsed { line, problem }) => {
                            if let Some(problem) = problem {
                                problems.report(format!("{problem}; written unchanged"))?;
                            }
                            if !config.explain {
                                out.write_all(&line)?;
                            }
                        }
                        Passthrough::Record { .. } if config.explain => {
                            for line in explained {
                                writeln!(out, "{line}")?;
                            }
                        }
                        Passthrough::Record { .. } => out.write_all(&bytes)?,
                    }
                }
                Ok(())
            },
        );
        problems.stopped(name, result)?;
    }
    drop(spooled);
    out.flush().context("cannot write the output")?;
    Ok(FixOutcome {
        problems: problems.count,
    })
}

/// How a batch of lines ended.
enum BatchEnd {
    /// It is full, or the input ended.
    Full,
    /// At a line longer than the limit: its number and first bytes; its rest is in the reader.
    Long(u64, Vec<u8>),
    /// At an error reading line `.0`; the lines before it are in the batch.
    Failed(u64, io::Error),
}

impl BatchEnd {
    /// After the batch is written: a long line copied to `out`, or the error.
    fn finish(
        self,
        reader: &mut dyn BufRead,
        name: &Arc<str>,
        input: &FilterInput,
        problems: &mut Problems,
        out: &mut dyn Write,
    ) -> anyhow::Result<()> {
        match self {
            BatchEnd::Full => Ok(()),
            BatchEnd::Long(number, head) => {
                let location = Location::line(name, number);
                pass_long_line(reader, &location, &head, input, problems, out)
            }
            BatchEnd::Failed(number, err) => {
                Err(anyhow::Error::new(err).context(format!("line {number}: cannot read")))
            }
        }
    }
}

/// Reads lines (with their line ends) up to [`BATCH_BYTES`], numbering them on from
/// `line_number`; none at the end of the input. A line longer than `limit`, or an error, ends
/// the batch ([`BatchEnd`]).
fn read_line_batch(
    reader: &mut dyn BufRead,
    line_number: &mut u64,
    limit: usize,
) -> (Vec<(u64, Vec<u8>)>, BatchEnd) {
    let mut lines = Vec::new();
    let mut bytes = 0;
    while bytes < BATCH_BYTES {
        let mut line = Vec::new();
        *line_number += 1;
        match read_line(reader, &mut line, limit) {
            Ok(Line::End) => {
                *line_number -= 1;
                break;
            }
            Ok(Line::Read(len)) => {
                bytes += len;
                lines.push((*line_number, line));
            }
            Ok(Line::TooLong) => return (lines, BatchEnd::Long(*line_number, line)),
            Err(err) => return (lines, BatchEnd::Failed(*line_number, err)),
        }
    }
    (lines, BatchEnd::Full)
}

/// A line of input that is not a record (a blank line, or one with a problem): written back as
/// it was, and its problem reported when it is written.
struct Unparsed {
    line: Vec<u8>,
    problem: Option<Problem>,
}

/// Per document of a batch: the line end a JSON record keeps (filters copy layout, so a last
/// line without one gets none, and `\r\n` stays; `None` for a text file, written as rendered),
/// or the line to write instead when it is not a record.
enum Passthrough {
    Record { ending: Option<&'static [u8]> },
    Unparsed(Unparsed),
}

/// The line end of `line` (`\n`, `\r\n`, or none on a last line) and the line without it.
fn split_line_end(line: &[u8]) -> (&[u8], &'static [u8]) {
    match line.strip_suffix(b"\n") {
        Some(content) => match content.strip_suffix(b"\r") {
            Some(content) => (content, b"\r\n"),
            None => (content, b"\n"),
        },
        None => (line, b""),
    }
}

/// What [`read_documents`] hands on, batch by batch: the documents, the lines written instead of
/// those that are not records, where to write, and the problems.
type EachBatch<'a> = dyn FnMut(Vec<Document>, Vec<Passthrough>, &mut dyn Write, &mut Problems) -> anyhow::Result<()>
    + 'a;

/// Reads one input as documents, in batches, handing each batch to `each`, as `run` reads it
/// (decompressed, binary files left out, UTF-16 transcoded). A text file is one document, a
/// JSON line one record; one larger than `--max-record-mb` is copied to `out` unchanged (a line
/// between the batches before and after it) and reported, never held whole.
fn read_documents(
    config: &StripFilterConfig,
    name: &Arc<str>,
    path: &Path,
    problems: &mut Problems,
    out: &mut dyn Write,
    each: &mut EachBatch<'_>,
) -> anyhow::Result<()> {
    let format = if config.jsonl { JSONL } else { TEXT };
    let file = input_file(name, Some(path), format);
    let limit = config.input.max_record;
    if !config.jsonl {
        return read_text_document(&file, config, problems, out, each);
    }
    let Some(mut reader) = open_text(&file, problems)? else {
        return Ok(());
    };
    let mut line_number = 0u64;
    loop {
        let (lines, end) = read_line_batch(&mut reader, &mut line_number, limit);
        if lines.is_empty() && matches!(end, BatchEnd::Full) {
            return Ok(());
        }
        let mut docs = Vec::new();
        let mut raws = Vec::new();
        for (number, line) in lines {
            let (content, ending) = split_line_end(&line);
            if content.iter().all(u8::is_ascii_whitespace) {
                docs.push(placeholder(name, number, &file.folder));
                raws.push(Passthrough::Unparsed(Unparsed {
                    line,
                    problem: None,
                }));
                continue;
            }
            let record = RecordBytes {
                bytes: content,
                locator: number,
                transcoded: None,
            };
            match file.format.parse(record, &file, &config.read) {
                Ok(doc) => {
                    docs.push(doc);
                    raws.push(Passthrough::Record {
                        ending: Some(ending),
                    });
                }
                Err(problem) => {
                    docs.push(placeholder(name, number, &file.folder));
                    raws.push(Passthrough::Unparsed(Unparsed {
                        line,
                        problem: Some(problem),
                    }));
                }
            }
        }
        if !docs.is_empty() {
            each(docs, raws, out, problems)?;
        }
        let mut sink = io::sink();
        let to: &mut dyn Write = if config.explain { &mut sink } else { out };
        end.finish(&mut reader, name, &config.input, problems, to)?;
    }
}

/// Reads a text file as one document for [`read_documents`]: one larger than
/// `--max-record-mb` is copied to `out` unchanged (unless `--explain`), unless its start is
/// binary.
fn read_text_document(
    file: &InputFile,
    config: &StripFilterConfig,
    problems: &mut Problems,
    out: &mut dyn Write,
    each: &mut EachBatch<'_>,
) -> anyhow::Result<()> {
    let (limit, explain) = (config.input.max_record, config.explain);
    let mut reader =
        stream::open(file, &indicatif::ProgressBar::hidden()).context("cannot read")?;
    let mut bytes = Vec::new();
    (&mut reader)
        .take(limit as u64 + 1)
        .read_to_end(&mut bytes)
        .context("cannot read")?;
    if bytes.len() > limit {
        if let Sniffed::Binary { controls, sampled } = sniff(&bytes) {
            return problems.report(Problem {
                location: Location::file(&file.name),
                kind: ProblemKind::Binary { controls, sampled },
            });
        }
        problems.report(format!(
            "{}: document longer than --max-record-mb ({limit} bytes); written unchanged",
            file.name
        ))?;
        let mut sink = io::sink();
        let out: &mut dyn Write = if explain { &mut sink } else { out };
        out.write_all(&bytes)?;
        drop(bytes);
        let mut out = WriteSide { out, failed: false };
        return match io::copy(&mut reader, &mut out) {
            Ok(_) => Ok(()),
            Err(err) if out.failed => {
                Err(anyhow::Error::new(err).context("cannot write the output"))
            }
            Err(err) => Err(anyhow::Error::new(err).context("cannot read")),
        };
    }
    let record = RecordBytes {
        bytes: &bytes,
        locator: 0,
        transcoded: None,
    };
    match file.format.parse(record, file, &config.read) {
        Ok(doc) => each(
            vec![doc],
            vec![Passthrough::Record { ending: None }],
            out,
            problems,
        ),
        Err(problem) => problems.report(problem),
    }
}

/// An empty document standing in for a line that is not a record, to keep lines in order.
fn placeholder(name: &Arc<str>, number: u64, folder: &Arc<str>) -> Document {
    Document {
        id: String::new(),
        origin: Location::line(name, number),
        source: folder.clone(),
        text: String::new(),
        decoding: crate::document::Decoding::UTF8,
        record: None,
        date: None,
    }
}

/// Strips one document: the bytes to write (rendered by `format`, with the input's line end
/// when it has one) and the `--explain` lines.
fn strip_one(
    config: &StripFilterConfig,
    format: &dyn Format,
    stripper: &Stripper,
    mut doc: Document,
    ending: Option<&[u8]>,
) -> (Vec<u8>, Vec<String>) {
    let mut explained = Vec::new();
    let prefix = match doc.origin.line {
        Some(line) => format!("{}:{line}: [{}] line ", doc.origin.file, doc.id),
        None => format!("{}:", doc.origin.file),
    };
    if let Some(stripped) = stripper.strip(&doc.text, &doc.source) {
        if config.explain {
            for removal in &stripped.removals {
                let what = if removal.cut { "cut" } else { "removed" };
                explained.push(format!(
                    "{prefix}{}: [{}] {what}: {}",
                    removal.line + 1,
                    removal.rule,
                    &doc.text[removal.start..removal.end]
                ));
            }
            if stripped.guarded {
                explained.push(format!(
                    "{prefix} [{}] left whole: it would lose more than {:.0}% of its characters",
                    crate::strip::GUARD_FLAG,
                    config.strip.guard * 100.0
                ));
            }
        }
        doc.text = stripped.text;
    }
    let mut bytes = format.render(doc);
    if let Some(ending) = ending {
        // A rendered record ends with `\n`; keep the input's own line end.
        bytes.pop();
        bytes.extend_from_slice(ending);
    }
    (bytes, explained)
}
