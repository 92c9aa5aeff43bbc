//! The `fix` and `strip` commands: the repair and strip engines as filters, from files or
//! stdin to stdout.
//!
//! Text is read in chunks of about 4 MB cut at line ends (a chunk is the "document" whose
//! evidence decides ambiguous mojibake), repaired in parallel batches, and written in order.
//! JSON Lines are read line by line; each record's text field is repaired and the record written
//! back with every other field as it was. A line that is not a valid record is written unchanged
//! and reported, so output lines always match input lines.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::sync::Arc;

use anyhow::Context;
use rayon::prelude::*;

use std::path::{Path, PathBuf};

use crate::config::{FixConfig, StripFilterConfig};
use crate::document::Document;
use crate::error::{Location, Problem};
use crate::read::jsonl::parse_record;
use crate::read::STDIN_NAME;
use crate::repair::decode::decode;
use crate::repair::{describe, line_column, Repairer};
use crate::strip::stats::{document_lines, LineCounter};
use crate::strip::Stripper;

/// Text per chunk; a chunk ends at the first line end after this many bytes.
const CHUNK_BYTES: usize = 4 << 20;
/// JSON Lines bytes per parallel batch.
const BATCH_BYTES: usize = 8 << 20;

/// What a `fix` run found, for the exit code.
#[derive(Debug, Default)]
pub struct FixOutcome {
    /// Lines that were not valid records, and inputs that could not be read.
    pub problems: u64,
}

impl FixOutcome {
    /// Counts one input's problems, or reports the error that stopped it and counts that; a
    /// closed output stops everything.
    fn count(&mut self, name: &str, result: anyhow::Result<u64>) -> anyhow::Result<()> {
        match result {
            Ok(problems) => self.problems += problems,
            Err(err) if is_broken_pipe(&err) => return Err(err),
            Err(err) => {
                eprintln!("textwash: {name}: {err:#}");
                self.problems += 1;
            }
        }
        Ok(())
    }
}

/// Runs `textwash fix`, writing to `out`.
pub fn fix(config: &FixConfig, out: &mut dyn Write) -> anyhow::Result<FixOutcome> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(config.threads)
        .build()
        .context("cannot start the thread pool")?;
    let repairer = Repairer::new(config.repair.clone());
    let mut outcome = FixOutcome::default();
    for input in &config.inputs {
        let name: Arc<str> = match input {
            Some(path) => Arc::from(path.display().to_string()),
            None => Arc::from(STDIN_NAME),
        };
        let reader: Box<dyn Read> = match input {
            Some(path) => match File::open(path) {
                Ok(file) => Box::new(file),
                Err(err) => {
                    eprintln!("textwash: {name}: cannot read: {err}");
                    outcome.problems += 1;
                    continue;
                }
            },
            None => Box::new(io::stdin().lock()),
        };
        let mut reader = BufReader::with_capacity(1 << 18, reader);
        let job = Job {
            config,
            repairer: &repairer,
            name: &name,
            pool: &pool,
        };
        let result = if config.jsonl {
            job.jsonl(&mut reader, out)
        } else {
            job.text(&mut reader, out)
        };
        outcome.count(&name, result)?;
    }
    out.flush().context("cannot write the output")?;
    Ok(outcome)
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
    pool: &'a rayon::ThreadPool,
}

impl Job<'_> {
    fn text(&self, reader: &mut dyn BufRead, out: &mut dyn Write) -> anyhow::Result<u64> {
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
                return Ok(0);
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

    fn jsonl(&self, reader: &mut dyn BufRead, out: &mut dyn Write) -> anyhow::Result<u64> {
        let mut problems = 0;
        let mut line_number = 0u64;
        loop {
            let lines = read_line_batch(reader, &mut line_number)?;
            if lines.is_empty() {
                return Ok(problems);
            }
            let results: Vec<(Vec<u8>, Vec<String>, Option<Problem>)> = self.pool.install(|| {
                lines
                    .par_iter()
                    .map(|(number, line)| self.record(*number, line))
                    .collect()
            });
            for (bytes, explained, problem) in results {
                if let Some(problem) = problem {
                    eprintln!("textwash: {problem}; written unchanged");
                    problems += 1;
                }
                if self.config.explain {
                    for line in explained {
                        writeln!(out, "{line}")?;
                    }
                } else {
                    out.write_all(&bytes)?;
                }
            }
        }
    }

    /// One JSON line (with its line end): the line to write, the explanations, the problem.
    fn record(&self, number: u64, line: &[u8]) -> (Vec<u8>, Vec<String>, Option<Problem>) {
        let mut content = line;
        let mut ending: &[u8] = b"";
        if let Some(stripped) = content.strip_suffix(b"\n") {
            ending = b"\n";
            content = stripped;
            if let Some(stripped) = content.strip_suffix(b"\r") {
                ending = b"\r\n";
                content = stripped;
            }
        }
        if content.iter().all(u8::is_ascii_whitespace) {
            return (line.to_vec(), Vec::new(), None);
        }
        let location = Location::line(self.name, number);
        let folder: Arc<str> = Arc::from(".");
        let mut doc = match parse_record(content, None, location, &self.config.read, &folder) {
            Ok(doc) => doc,
            Err((location, kind)) => {
                return (line.to_vec(), Vec::new(), Some(Problem { location, kind }));
            }
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
        let record = doc.record.take().expect("JSON records keep their record");
        let mut bytes = record.render(&doc.text);
        // `render` ends with `\n`; keep the input's own line end.
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
    started: bool,
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
        if !self.started {
            self.started = true;
            if is_utf16(&chunk) {
                // UTF-16 cannot be cut at 0x0A bytes: take it whole.
                reader.read_to_end(&mut chunk).context("cannot read")?;
                self.done = true;
                return Ok(Some(chunk));
            }
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

fn is_utf16(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF])
}

/// Runs `textwash strip`, writing to `out`: a first pass over all inputs counts lines across
/// documents (standard input is spooled to a temporary file so that it can be read twice), a
/// second strips each document.
pub fn strip(config: &StripFilterConfig, out: &mut dyn Write) -> anyhow::Result<FixOutcome> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(config.threads)
        .build()
        .context("cannot start the thread pool")?;
    let mut outcome = FixOutcome::default();
    let mut spooled = None;
    let mut inputs: Vec<(Arc<str>, PathBuf)> = Vec::new();
    for input in &config.inputs {
        match input {
            Some(path) => inputs.push((Arc::from(path.display().to_string()), path.clone())),
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
            let result = read_documents(config, name, path, &mut |docs, _| {
                for lines in each(docs) {
                    counter.add(lines);
                }
                Ok(())
            });
            if let Err(err) = result {
                eprintln!("textwash: {name}: {err:#}");
                outcome.problems += 1;
            }
        }
        Some(Arc::new(counter.finish(&stats)))
    } else {
        None
    };
    let stripper = Stripper::new(&config.strip, index)?;
    for (name, path) in &inputs {
        let result = read_documents(config, name, path, &mut |docs, raw_lines| {
            let results: Vec<(Vec<u8>, Vec<String>)> = pool.install(|| {
                docs.into_par_iter()
                    .zip(raw_lines.into_par_iter())
                    .map(|(doc, raw)| strip_one(config, &stripper, doc, raw))
                    .collect()
            });
            for (bytes, explained) in results {
                if config.explain {
                    for line in explained {
                        writeln!(out, "{line}")?;
                    }
                } else {
                    out.write_all(&bytes)?;
                }
            }
            Ok(())
        });
        outcome.count(name, result)?;
    }
    drop(spooled);
    out.flush().context("cannot write the output")?;
    Ok(outcome)
}

/// Reads lines (with their line ends) up to [`BATCH_BYTES`], numbering them on from
/// `line_number`; an empty batch at the end of the input.
fn read_line_batch(
    reader: &mut dyn BufRead,
    line_number: &mut u64,
) -> anyhow::Result<Vec<(u64, Vec<u8>)>> {
    let mut lines = Vec::new();
    let mut bytes = 0;
    while bytes < BATCH_BYTES {
        let mut line = Vec::new();
        if reader.read_until(b'\n', &mut line).context("cannot read")? == 0 {
            break;
        }
        *line_number += 1;
        bytes += line.len();
        lines.push((*line_number, line));
    }
    Ok(lines)
}

/// A line of input that is not a record: written back as it was.
type Passthrough = Option<Vec<u8>>;

/// Reads one input as documents, in batches, handing each batch with, per document, the raw
/// line to write instead when it is not a record. Returns the number of such lines.
fn read_documents(
    config: &StripFilterConfig,
    name: &Arc<str>,
    path: &Path,
    each: &mut dyn FnMut(Vec<Document>, Vec<Passthrough>) -> anyhow::Result<()>,
) -> anyhow::Result<u64> {
    let folder: Arc<str> = Arc::from(
        path.parent()
            .filter(|p| !p.as_os_str().is_empty() && &**name != STDIN_NAME)
            .map_or_else(|| ".".to_string(), |p| p.display().to_string()),
    );
    let mut reader = BufReader::with_capacity(1 << 18, File::open(path).context("cannot read")?);
    if !config.jsonl {
        let mut bytes = Vec::new();
        reader.read_to_end(&mut bytes).context("cannot read")?;
        let decoded = decode(&bytes);
        let doc = Document {
            id: name.to_string(),
            origin: Location::file(name),
            source: folder,
            text: decoded.text,
            decoding: decoded.decoding,
            record: None,
            date: None,
            annotation: None,
        };
        each(vec![doc], vec![None])?;
        return Ok(0);
    }
    let mut problems = 0;
    let mut line_number = 0u64;
    loop {
        let mut docs = Vec::new();
        let mut raws = Vec::new();
        for (number, line) in read_line_batch(&mut reader, &mut line_number)? {
            let content = line.strip_suffix(b"\n").unwrap_or(&line);
            let content = content.strip_suffix(b"\r").unwrap_or(content);
            if content.iter().all(u8::is_ascii_whitespace) {
                docs.push(placeholder(name, number, &folder));
                raws.push(Some(line));
                continue;
            }
            let location = Location::line(name, number);
            match parse_record(content, None, location, &config.read, &folder) {
                Ok(doc) => {
                    docs.push(doc);
                    raws.push(None);
                }
                Err((location, kind)) => {
                    eprintln!(
                        "textwash: {}; written unchanged",
                        Problem { location, kind }
                    );
                    problems += 1;
                    docs.push(placeholder(name, number, &folder));
                    raws.push(Some(line));
                }
            }
        }
        if docs.is_empty() {
            return Ok(problems);
        }
        each(docs, raws)?;
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
        annotation: None,
    }
}

/// Strips one document: the bytes to write and the `--explain` lines.
fn strip_one(
    config: &StripFilterConfig,
    stripper: &Stripper,
    mut doc: Document,
    raw: Passthrough,
) -> (Vec<u8>, Vec<String>) {
    if let Some(raw) = raw {
        return (raw, Vec::new());
    }
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
    let bytes = match doc.record.take() {
        Some(record) => record.render(&doc.text),
        None => doc.text.into_bytes(),
    };
    (bytes, explained)
}
