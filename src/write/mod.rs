//! Writing the cleaned corpus in the input's format, every file atomically ([`atomic`]).
//!
//! A text input becomes one `.txt` file per document under the same relative path; a JSON Lines
//! input becomes one file of the same name and compression. Documents are rendered to bytes on
//! the worker threads ([`render`]); this module only puts those bytes in files, in order.

pub mod atomic;
pub mod checked;
pub mod out_dir;
pub(crate) mod spool;

use std::fs::File;
use std::io::{self, BufWriter, Write};

use anyhow::Context;
use flate2::write::GzEncoder;

use crate::document::Document;
use crate::read::{Compression, InputFile};
use atomic::Staging;

const WRITE_BUFFER: usize = 1 << 18;
/// gzip level 6 is zlib's default: the size users expect from `gzip`.
const GZIP_LEVEL: u32 = 6;
/// zstd's own default level.
const ZSTD_LEVEL: i32 = 3;

/// The bytes a document is written as: its record with the new text for JSON Lines, its text
/// for a text file.
pub fn render(doc: Document) -> Vec<u8> {
    match doc.record {
        Some(record) => record.render(&doc.text),
        None => doc.text.into_bytes(),
    }
}

/// A compressed or plain output stream over a staged file.
enum Sink {
    Plain(BufWriter<File>),
    Gzip(GzEncoder<BufWriter<File>>),
    Zstd(zstd::Encoder<'static, BufWriter<File>>),
}

impl Sink {
    fn new(file: File, compression: Compression) -> io::Result<Sink> {
        let buffered = BufWriter::with_capacity(WRITE_BUFFER, file);
        Ok(match compression {
            Compression::None => Sink::Plain(buffered),
            Compression::Gzip => Sink::Gzip(GzEncoder::new(
                buffered,
                flate2::Compression::new(GZIP_LEVEL),
            )),
            Compression::Zstd => Sink::Zstd(zstd::Encoder::new(buffered, ZSTD_LEVEL)?),
        })
    }

    fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        match self {
            Sink::Plain(w) => w.write_all(bytes),
            Sink::Gzip(w) => w.write_all(bytes),
            Sink::Zstd(w) => w.write_all(bytes),
        }
    }

    /// Ends the stream; with `fsync`, waits until its bytes are on disk.
    fn finish(self, fsync: bool) -> io::Result<()> {
        let buffered = match self {
            Sink::Plain(w) => w,
            Sink::Gzip(w) => w.finish()?,
            Sink::Zstd(w) => w.finish()?,
        };
        let file = buffered.into_inner().map_err(|err| err.into_error())?;
        if fsync {
            file.sync_all()?;
        }
        Ok(())
    }
}

/// The output folder of one run: the file being written and the staged files.
pub struct Output {
    staging: Staging,
    /// Flush every file to disk before it is renamed, so that even a power cut cannot leave a
    /// renamed file without its bytes. Off by default (as in rsync): renaming alone already
    /// protects against the process being interrupted or killed.
    fsync: bool,
    current: Option<(usize, Sink)>,
    /// Bytes written, before compression.
    pub bytes: u64,
    /// Files written.
    pub files: u64,
}

impl Output {
    /// An output staging its files in `staging`; with `fsync`, flushed to disk before renaming.
    pub fn new(staging: Staging, fsync: bool) -> Output {
        Output {
            staging,
            fsync,
            current: None,
            bytes: 0,
            files: 0,
        }
    }

    /// Opens the output of a JSON Lines input.
    pub fn start_file(&mut self, index: usize, input: &InputFile) -> anyhow::Result<()> {
        self.end_file()?;
        let file = self
            .staging
            .create(&input.rel)
            .with_context(|| format!("cannot create the output for {}", input.rel))?;
        let sink = Sink::new(file, input.compression)
            .with_context(|| format!("cannot start the output for {}", input.rel))?;
        self.current = Some((index, sink));
        self.files += 1;
        Ok(())
    }

    /// Appends one rendered record to the output of JSON Lines input `index`.
    pub fn write_record(&mut self, index: usize, bytes: &[u8]) -> anyhow::Result<()> {
        match &mut self.current {
            Some((current, sink)) if *current == index => {
                sink.write_all(bytes).context("cannot write the output")?;
                self.bytes += bytes.len() as u64;
                Ok(())
            }
            _ => anyhow::bail!("internal error: a record came before its file was started"),
        }
    }

    /// Finishes the JSON Lines output being written, if any.
    pub fn end_file(&mut self) -> anyhow::Result<()> {
        if let Some((_, sink)) = self.current.take() {
            sink.finish(self.fsync)
                .context("cannot finish the output")?;
        }
        Ok(())
    }

    /// Writes a whole text document as its own file.
    pub fn write_text(&mut self, input: &InputFile, bytes: &[u8]) -> anyhow::Result<()> {
        let mut sink = Sink::new(
            self.staging
                .create(&input.rel)
                .with_context(|| format!("cannot create the output for {}", input.rel))?,
            input.compression,
        )?;
        sink.write_all(bytes)
            .and_then(|()| sink.finish(self.fsync))
            .with_context(|| format!("cannot write the output for {}", input.rel))?;
        self.bytes += bytes.len() as u64;
        self.files += 1;
        Ok(())
    }

    /// Stages one more file, written through `write` (a list too long to hold as bytes).
    pub fn write_extra_with(
        &mut self,
        rel: &str,
        write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
    ) -> anyhow::Result<()> {
        let file = self
            .staging
            .create(rel)
            .with_context(|| format!("cannot create {rel}"))?;
        let mut out = BufWriter::with_capacity(WRITE_BUFFER, file);
        write(&mut out)
            .and_then(|()| out.flush())
            .with_context(|| format!("cannot write {rel}"))?;
        if self.fsync {
            out.get_ref()
                .sync_all()
                .with_context(|| format!("cannot write {rel}"))?;
        }
        Ok(())
    }

    /// Stages one more whole file (the report), written as given.
    pub fn write_extra(&mut self, rel: &str, bytes: &[u8]) -> anyhow::Result<()> {
        self.write_extra_with(rel, |out| out.write_all(bytes))
    }

    /// Renames every file into place.
    pub fn commit(mut self) -> anyhow::Result<()> {
        self.end_file()?;
        self.staging
            .commit()
            .context("cannot move the finished output files into place")
    }
}
