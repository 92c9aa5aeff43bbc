//! Writing the cleaned corpus in the input's format, every file atomically ([`atomic`]).
//!
//! Each input's output has the input's relative path and compression; what goes in it is its
//! format's ([`crate::format::Format::writer`]): documents are rendered to bytes on the worker
//! threads ([`crate::format::Format::render`]), and [`Output`] only hands those bytes, in
//! order, to the writer of the file they belong to. [`StreamWriter`] is the writer of the
//! byte-stream formats.

pub mod atomic;
pub mod checked;
pub mod out_dir;
#[cfg(not(feature = "fuzzing"))]
pub(crate) mod spool;
/// The spool, public only for the `work_files` fuzz target (feature `fuzzing`): no other public
/// item reads a spool back short of a whole staged work folder.
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod spool;

use std::fs::File;
use std::io::{self, BufWriter, Write};

use anyhow::Context;
use flate2::write::GzEncoder;

use crate::format::{Opening, RecordWriter, WriteOptions};
use crate::read::{Compression, InputFile};
use atomic::Staging;

const WRITE_BUFFER: usize = 1 << 18;
/// gzip level 6 is zlib's default: the size users expect from `gzip`.
const GZIP_LEVEL: u32 = 6;
/// zstd's own default level.
const ZSTD_LEVEL: i32 = 3;

/// A byte stream over an output file, compressed or plain: how the byte-stream formats (text,
/// JSON Lines) write their records, one after another as they are.
pub struct StreamWriter(Stream);

enum Stream {
    Plain(BufWriter<File>),
    Gzip(GzEncoder<BufWriter<File>>),
    Zstd(zstd::Encoder<'static, BufWriter<File>>),
}

impl StreamWriter {
    /// A stream writing to `file`, compressed as `compression` says (gzip at zlib's default
    /// level, zstd at its own).
    pub fn new(file: File, compression: Compression) -> io::Result<StreamWriter> {
        let buffered = BufWriter::with_capacity(WRITE_BUFFER, file);
        Ok(StreamWriter(match compression {
            Compression::None => Stream::Plain(buffered),
            Compression::Gzip => Stream::Gzip(GzEncoder::new(
                buffered,
                flate2::Compression::new(GZIP_LEVEL),
            )),
            Compression::Zstd => Stream::Zstd(zstd::Encoder::new(buffered, ZSTD_LEVEL)?),
        }))
    }
}

impl RecordWriter for StreamWriter {
    fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        match &mut self.0 {
            Stream::Plain(w) => w.write_all(bytes),
            Stream::Gzip(w) => w.write_all(bytes),
            Stream::Zstd(w) => w.write_all(bytes),
        }
    }

    fn finish(self: Box<Self>) -> io::Result<File> {
        let buffered = match self.0 {
            Stream::Plain(w) => w,
            Stream::Gzip(w) => w.finish()?,
            Stream::Zstd(w) => w.finish()?,
        };
        buffered.into_inner().map_err(|err| err.into_error())
    }
}

/// The output of the input being written: which input, and its writer once its file is open.
struct Current {
    index: usize,
    writer: Option<Box<dyn RecordWriter>>,
}

/// The output folder of one run: the file being written and the staged files.
pub struct Output {
    staging: Staging,
    /// Flush every file to disk before it is renamed, so that even a power cut cannot leave a
    /// renamed file without its bytes. Off by default (as in rsync): renaming alone already
    /// protects against the process being interrupted or killed.
    fsync: bool,
    current: Option<Current>,
    /// Bytes written, before compression.
    pub bytes: u64,
    /// Files written.
    pub files: u64,
    /// What the formats' writers are told ([`WriteOptions`]).
    options: WriteOptions,
}

impl Output {
    /// An output staging its files in `staging`; with `fsync`, flushed to disk before renaming.
    pub fn new(staging: Staging, fsync: bool) -> Output {
        Output {
            options: WriteOptions::default(),
            staging,
            fsync,
            current: None,
            bytes: 0,
            files: 0,
        }
    }

    /// The output with `options` given to every format's writer.
    pub fn with_options(mut self, options: WriteOptions) -> Output {
        self.options = options;
        self
    }

    /// Starts the output of input `index`: its file is created now or with its first record,
    /// as its format says ([`crate::format::Format::opening`]).
    pub fn start_file(&mut self, index: usize, input: &InputFile) -> anyhow::Result<()> {
        self.end_file()?;
        let writer = match input.format.opening() {
            Opening::AtStart => Some(self.open(input)?),
            Opening::AtFirstRecord => None,
        };
        self.current = Some(Current { index, writer });
        Ok(())
    }

    fn open(&mut self, input: &InputFile) -> anyhow::Result<Box<dyn RecordWriter>> {
        let file = self
            .staging
            .create(&input.rel)
            .with_context(|| format!("cannot create the output for {}", input.rel))?;
        let writer = input
            .format
            .writer(file, input.compression, input, &self.options)
            .with_context(|| format!("cannot start the output for {}", input.rel))?;
        self.files += 1;
        Ok(writer)
    }

    /// Appends one rendered record to the output of input `index`, started last.
    pub fn write_record(
        &mut self,
        index: usize,
        input: &InputFile,
        bytes: &[u8],
    ) -> anyhow::Result<()> {
        let writer = match self.current.take() {
            Some(Current {
                index: current,
                writer,
            }) if current == index => match writer {
                Some(writer) => writer,
                None => self.open(input)?,
            },
            _ => anyhow::bail!("internal error: a record came before its file was started"),
        };
        let current = self.current.insert(Current {
            index,
            writer: Some(writer),
        });
        if let Some(writer) = &mut current.writer {
            writer
                .write(bytes)
                .with_context(|| format!("cannot write the output for {}", input.rel))?;
        }
        self.bytes += bytes.len() as u64;
        Ok(())
    }

    /// Finishes the output being written, if any.
    pub fn end_file(&mut self) -> anyhow::Result<()> {
        if let Some(Current {
            writer: Some(writer),
            ..
        }) = self.current.take()
        {
            let file = writer.finish().context("cannot finish the output")?;
            if self.fsync {
                file.sync_all().context("cannot finish the output")?;
            }
        }
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
