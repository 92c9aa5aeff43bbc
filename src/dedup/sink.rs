//! Dedup in the pipeline: [`DedupSink`], the sink the main pass feeds while dedup runs (the
//! cleaned corpus spooled, the sketches written to a shard of the work folder); once the main
//! pass is done, [`DedupSink::decide`] decides and [`Decided::replay`] replays the spool by the
//! decisions into another sink, duplicates left out or annotated.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;

use super::documents::Docs;
use super::replay::{replay_decided, spooled_format, Replayed};
use super::shard::ShardWriter;
use super::work::WorkDir;
use super::{decide, sketch_memory, Decisions, DedupConfig};
use crate::format::Format;
use crate::pipeline::sink::{Kept, Sink};
use crate::progress::Progress;
use crate::write::spool::{Event, SpoolWriter, Spooled};

/// The main pass's output while dedup runs (or for a staged `prep`): the spool of the cleaned
/// corpus and the shard of sketches, both in a shard folder of the work folder, and the
/// number of the next document in the shard.
pub(crate) struct DedupSink {
    work: WorkDir,
    dir: PathBuf,
    /// The spool's path, in `dir`.
    spool_path: PathBuf,
    spool: SpoolWriter,
    /// `None` for a staged `prep` without dedup: the corpus is spooled all the same.
    shard: Option<ShardWriter>,
    next: u32,
}

impl DedupSink {
    /// A sink for shard `shard` of `work`; with `config`, it writes the documents' sketches too.
    pub(crate) fn new(
        work: &WorkDir,
        shard: u32,
        config: Option<&DedupConfig>,
    ) -> anyhow::Result<DedupSink> {
        let dir = work.shard_dir(shard);
        let context = || format!("cannot write to {}", dir.display());
        work.create_dir(&dir).with_context(context)?;
        Ok(DedupSink {
            spool: SpoolWriter::create(&work.spool(shard)).with_context(context)?,
            spool_path: work.spool(shard),
            shard: match config {
                Some(config) => Some(
                    ShardWriter::new(work, shard, sketch_memory(config))
                        .and_then(|writer| writer.with_parked_ids(&work.shard_ids(shard)))
                        .with_context(context)?
                        .with_key_bits(config.key_bits),
                ),
                None => None,
            },
            work: work.clone(),
            dir,
            next: 0,
        })
    }

    /// Lets the spool read unchanged records back from the input files `inputs` (by file
    /// number) instead of holding them ([`SpoolWriter::reading_inputs`]): for a run in one
    /// process, whose inputs stay where they are until it ends.
    pub(crate) fn reading_inputs(mut self, inputs: Vec<Option<PathBuf>>) -> DedupSink {
        self.spool = self.spool.reading_inputs(inputs);
        self
    }

    /// Ends the main pass's files: the spool's path and the shard's documents.
    pub(crate) fn close(self, pool: &rayon::ThreadPool) -> anyhow::Result<(PathBuf, Docs)> {
        let context = || format!("cannot write to {}", self.dir.display());
        self.spool.finish().with_context(context)?;
        let docs = match self.shard {
            Some(shard) => {
                let mut docs = pool.install(|| shard.finish()).with_context(context)?;
                docs.unpark_ids().with_context(context)?;
                docs
            }
            None => Docs::default(),
        };
        Ok((self.spool_path, docs))
    }

    /// Ends the main pass's files and decides: what dedup found, with the spool to replay by it.
    pub(crate) fn decide(
        self,
        config: &DedupConfig,
        pool: &rayon::ThreadPool,
        progress: &dyn Progress,
    ) -> anyhow::Result<Decided> {
        let work = self.work.clone();
        let context = || format!("deduplication failed in {}", work.root().display());
        let (spool_path, mut docs) = self.close(pool)?;
        let decisions = pool
            .install(|| decide(&work, &mut docs, config, progress))
            .with_context(context)?;
        Ok(Decided {
            work,
            spool_path,
            documents: docs.len() as u64,
            decisions,
        })
    }
}

/// What [`DedupSink::decide`] found, and the spooled corpus it is to be applied to.
pub(crate) struct Decided {
    work: WorkDir,
    spool_path: PathBuf,
    documents: u64,
    /// What dedup found.
    pub decisions: Decisions,
}

impl Decided {
    /// Replays the spooled corpus into `out` by the decisions: duplicates left out or annotated
    /// (`action`). `each` sees every document's number, the file it is in, its format and its
    /// spooled bytes, written or not. Returns the decisions, with the replay's seconds, and what the replay
    /// left out or annotated.
    pub(crate) fn replay(
        self,
        config: &DedupConfig,
        progress: &dyn Progress,
        out: &mut dyn Sink,
        mut each: impl FnMut(u32, usize, &'static dyn Format, &[u8]),
    ) -> anyhow::Result<(Decisions, Replayed)> {
        let Decided {
            work,
            spool_path,
            documents,
            mut decisions,
        } = self;
        let context = || format!("deduplication failed in {}", work.root().display());
        progress.step("writing the corpus", Some(documents));
        let started = Instant::now();
        let replayed = replay_decided(
            &spool_path,
            config.action,
            &decisions.by_doc,
            |event, kept| match event {
                Event::Start { file } => out.start_file(file as usize),
                Event::End => out.end_file(),
                Event::Record {
                    file,
                    doc,
                    format,
                    bytes,
                } => {
                    progress.advance(1);
                    let file = file as usize;
                    let format = spooled_format(format)?;
                    each(doc, file, format, &bytes);
                    if !kept {
                        return Ok(());
                    }
                    out.document(Kept {
                        file,
                        format,
                        bytes,
                        sketch: None,
                        input: None,
                    })
                }
            },
        )
        .with_context(context)?;
        decisions.summary.seconds.insert(
            "filter".into(),
            (started.elapsed().as_secs_f64() * 1e4).round() / 1e4,
        );
        Ok((decisions, replayed))
    }
}

impl Sink for DedupSink {
    fn start_file(&mut self, file: usize) -> anyhow::Result<()> {
        Ok(self.spool.start(file as u32)?)
    }

    fn document(&mut self, kept: Kept) -> anyhow::Result<()> {
        let doc = self.next;
        self.next = self
            .next
            .checked_add(1)
            .context("dedup handles at most 4,294,967,295 documents a shard")?;
        let context = || format!("cannot write to {}", self.dir.display());
        let (file, format) = (kept.file as u32, kept.format.tag());
        let spooled = match kept.input {
            Some(span) => self
                .spool
                .input_record(file, doc, format, &kept.bytes, span),
            None => self
                .spool
                .record(file, doc, format, &kept.bytes)
                .map(Spooled::Record),
        }
        .with_context(context)?;
        if let (Some(shard), Some(sketch)) = (&mut self.shard, kept.sketch) {
            // The document's text is read back from its spooled record.
            shard
                .add_spooled(*sketch, Some(spooled))
                .with_context(context)?;
        }
        Ok(())
    }

    fn end_file(&mut self) -> anyhow::Result<()> {
        Ok(self.spool.end()?)
    }
}
