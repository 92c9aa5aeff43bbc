//! Where the main pass puts the documents it kept, in input order: a [`Sink`].
//!
//! The output writer ([`OutputSink`]) writes them to OUT, [`DiscardSink`] only counts them
//! (`check`), and dedup's sink (`dedup::sink::DedupSink`) spools them with their sketches
//! until dedup has decided. The main pass does not know which one it feeds.

use crate::dedup::shard::Sketched;
use crate::format::{Format, Opening};
use crate::read::InputFile;
use crate::write::spool::InputSpan;
use crate::write::Output;

/// A document the stages kept, rendered to the bytes it is written as.
pub struct Kept {
    /// The input file it came from (an index into the run's files).
    pub file: usize,
    /// The format that rendered it.
    pub format: &'static dyn Format,
    /// Its record with the new text, as its format renders it ([`Format::render`]).
    pub bytes: Vec<u8>,
    /// Its dedup sketch, when dedup runs.
    pub sketch: Option<Box<Sketched>>,
    /// Where `bytes` lie in the input file, when they are its own (an unchanged record, with
    /// dedup on): the spool then reads them back from there.
    pub input: Option<InputSpan>,
}

/// What consumes the main pass's output, in input order.
pub trait Sink: Send {
    /// An input file begins: its documents follow.
    fn start_file(&mut self, file: usize) -> anyhow::Result<()>;
    /// One kept document.
    fn document(&mut self, doc: Kept) -> anyhow::Result<()>;
    /// The file begun last ends.
    fn end_file(&mut self) -> anyhow::Result<()>;
}

/// Files and bytes of the corpus as written (bytes before compression).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Written {
    /// Output files: one per input, or per input with a kept document, as its format says
    /// ([`Format::opening`]).
    pub files: u64,
    /// Bytes of the records and texts.
    pub bytes: u64,
}

/// Writes the corpus to OUT through [`Output`], in the input's format.
pub struct OutputSink<'a> {
    output: &'a mut Output,
    files: &'a [InputFile],
}

impl<'a> OutputSink<'a> {
    /// A sink writing to `output` the documents of `files`.
    pub fn new(output: &'a mut Output, files: &'a [InputFile]) -> OutputSink<'a> {
        OutputSink { output, files }
    }
}

impl Sink for OutputSink<'_> {
    fn start_file(&mut self, file: usize) -> anyhow::Result<()> {
        self.output.start_file(file, &self.files[file])
    }

    fn document(&mut self, doc: Kept) -> anyhow::Result<()> {
        self.output
            .write_record(doc.file, &self.files[doc.file], &doc.bytes)
    }

    fn end_file(&mut self) -> anyhow::Result<()> {
        self.output.end_file()
    }
}

/// Counts the corpus as [`OutputSink`] would write it, and writes nothing (`check`).
pub struct DiscardSink<'a> {
    files: &'a [InputFile],
    /// Whether the output of the file begun last would have been created.
    opened: bool,
    /// What would have been written.
    pub written: Written,
}

impl<'a> DiscardSink<'a> {
    /// A sink counting the documents of `files`.
    pub fn new(files: &'a [InputFile]) -> DiscardSink<'a> {
        DiscardSink {
            files,
            opened: false,
            written: Written::default(),
        }
    }
}

impl Sink for DiscardSink<'_> {
    fn start_file(&mut self, file: usize) -> anyhow::Result<()> {
        self.opened = self.files[file].format.opening() == Opening::AtStart;
        if self.opened {
            self.written.files += 1;
        }
        Ok(())
    }

    fn document(&mut self, doc: Kept) -> anyhow::Result<()> {
        if !self.opened {
            self.opened = true;
            self.written.files += 1;
        }
        self.written.bytes += doc.bytes.len() as u64;
        Ok(())
    }

    fn end_file(&mut self) -> anyhow::Result<()> {
        Ok(())
    }
}
