//! Dedup in the pipeline: [`DedupSink`], the sink the main pass feeds while dedup runs (the
//! cleaned corpus spooled, the sketches written to a shard of the work folder), and the replay
//! of the spool by dedup's decisions into another sink, duplicates left out or annotated.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use serde::{Deserialize, Serialize};

use crate::dedup::shard::{DocMeta, ShardWriter, WorkDir};
use crate::dedup::{decide, sketch_memory, Decision, Decisions, DedupAction, DedupConfig};
use crate::format;
use crate::progress::Progress;
use crate::report::NameCounts;
use crate::write::spool::{self, Event, SpoolWriter};

use super::sink::{Kept, Sink};

/// The spool's name in a shard folder.
pub(crate) const SPOOL_NAME: &str = "corpus.spool";

/// The main pass's output while dedup runs (or for a staged `prep`): the spool of the cleaned
/// corpus and the shard of sketches, both in a shard folder of the work folder, and the
/// number of the next document in the shard.
pub(crate) struct DedupSink {
    work: WorkDir,
    dir: PathBuf,
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
            spool: SpoolWriter::create(&dir.join(SPOOL_NAME)).with_context(context)?,
            shard: match config {
                Some(config) => Some(
                    ShardWriter::new(work, shard, sketch_memory(config)).with_context(context)?,
                ),
                None => None,
            },
            work: work.clone(),
            dir,
            next: 0,
        })
    }

    /// Ends the main pass's files: the spool's path and the shard's documents.
    pub(crate) fn close(self, pool: &rayon::ThreadPool) -> anyhow::Result<(PathBuf, Vec<DocMeta>)> {
        let context = || format!("cannot write to {}", self.dir.display());
        self.spool.finish().with_context(context)?;
        let docs = match self.shard {
            Some(shard) => pool.install(|| shard.finish()).with_context(context)?,
            None => Vec::new(),
        };
        Ok((self.dir.join(SPOOL_NAME), docs))
    }

    /// Decides, then replays the spooled corpus into `out` by the decisions: duplicates left
    /// out or annotated. Returns the decisions, what the replay left out or annotated, and the
    /// texts of the documents `decisions.samples` names (for report.html).
    pub(crate) fn finish(
        self,
        config: &DedupConfig,
        text_field: &str,
        pool: &rayon::ThreadPool,
        progress: &dyn Progress,
        out: &mut dyn Sink,
    ) -> anyhow::Result<(Decisions, Replayed, HashMap<String, String>)> {
        let work = self.work.clone();
        let context = || format!("deduplication failed in {}", work.root().display());
        let (spool_path, docs) = self.close(pool)?;
        let mut decisions = pool
            .install(|| decide(&work, &docs, config, progress))
            .with_context(context)?;
        progress.step("writing the corpus", Some(docs.len() as u64));
        drop(docs);
        let started = Instant::now();
        let mut texts = HashMap::new();
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
                    let format = spooled_format(format)?;
                    if let Some(id) = decisions.samples.get(&doc) {
                        if let Some(text) = format.sample_text(&bytes, text_field) {
                            texts.insert(id.clone(), text);
                        }
                    }
                    if !kept {
                        return Ok(());
                    }
                    out.document(Kept {
                        file: file as usize,
                        format,
                        bytes,
                        sketch: None,
                    })
                }
            },
        )
        .with_context(context)?;
        decisions.summary.seconds.insert(
            "filter".into(),
            (started.elapsed().as_secs_f64() * 1e4).round() / 1e4,
        );
        Ok((decisions, replayed, texts))
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
        if let (Some(shard), Some(sketch)) = (&mut self.shard, kept.sketch) {
            shard.add(*sketch).with_context(context)?;
        }
        self.spool
            .record(kept.file as u32, doc, kept.format.tag(), &kept.bytes)
            .with_context(context)
    }

    fn end_file(&mut self) -> anyhow::Result<()> {
        Ok(self.spool.end()?)
    }
}

/// What [`replay_decided`] left out or annotated, by reason.
#[derive(Debug, Default, Serialize, Deserialize)]
pub(crate) struct Replayed {
    /// Duplicates left out.
    pub dropped: NameCounts,
    /// Duplicates annotated.
    pub flagged: NameCounts,
    /// Records given a `dedup` field (duplicates and the members they were kept for).
    #[serde(default)]
    pub annotated: u64,
}

/// Reads a spool back and applies the dedup decisions (by document number in the spool):
/// hands every event to `each` with whether it is written, documents annotated when `action`
/// says so and their format has room for it.
pub(crate) fn replay_decided(
    spool_path: &Path,
    action: DedupAction,
    by_doc: &HashMap<u32, Decision>,
    mut each: impl FnMut(Event, bool) -> anyhow::Result<()>,
) -> anyhow::Result<Replayed> {
    let mut counts = Replayed::default();
    spool::replay(spool_path, |event| match event {
        Event::Record {
            file,
            doc,
            format: tag,
            bytes,
        } => {
            let format = spooled_format(tag)?;
            let decision = by_doc.get(&doc);
            let reason = decision.and_then(|d| d.reason());
            let (bytes, kept) = match (action, decision, reason) {
                (DedupAction::Drop, _, Some(reason)) => {
                    *counts.dropped.entry(Cow::Borrowed(reason)).or_default() += 1;
                    (bytes, false)
                }
                (DedupAction::Annotate, Some(decision), _) => {
                    if let Some(reason) = reason {
                        *counts.flagged.entry(Cow::Borrowed(reason)).or_default() += 1;
                    }
                    if format.annotates() {
                        counts.annotated += 1;
                        (format.annotate(bytes, &decision.annotation()), true)
                    } else {
                        (bytes, true)
                    }
                }
                _ => (bytes, true),
            };
            let event = Event::Record {
                file,
                doc,
                format: tag,
                bytes,
            };
            each(event, kept)
        }
        event => each(event, true),
    })?;
    Ok(counts)
}

/// The format a spooled record's tag names.
pub(crate) fn spooled_format(tag: u8) -> anyhow::Result<&'static dyn format::Format> {
    format::by_tag(tag).with_context(|| format!("a spooled record has an unknown format ({tag})"))
}
