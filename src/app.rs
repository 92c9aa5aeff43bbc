//! Wiring: read → repair → strip → dedup → write, on a thread pool, with progress and report.
//!
//! One thread reads and cuts the input into batches ([`read::batch`]); for each batch the pool
//! parses, cleans and renders every unit in parallel, collecting results in input order; one
//! more thread writes them in that order while the pool works on the next batch. Bounded
//! channels between the three keep a few batches in memory, whatever the corpus size.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::mpsc::sync_channel;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use xxhash_rust::xxh3::xxh3_64;

use crate::audit::{self, Audit, DocAudit};
use crate::config::{OnError, RunConfig};
use crate::dedup::shard::{sketch_document, DocMeta, ShardWriter, Sketched, WorkDir};
use crate::dedup::{decide, Decision, Decisions, DedupAction, DedupConfig};
use crate::document::annotate_line;
use crate::document::{Decoding, Document};
use crate::error::Problem;
use crate::html;
use crate::progress::Progress;
use crate::read::batch::{read_batches, Batch};
use crate::read::{self, Format, InputFile, Unit};
use crate::report::{
    Flagged, Problems, Report, SourceFigures, StageReport, StageStatus, Stages, Totals, Transcoded,
    MAX_LISTED_FLAGGED, MAX_LISTED_TRANSCODED,
};
use crate::stage::{build_stages, Notes, Stage, StageName, Verdict};
use crate::strip::stats::{document_lines, LineCounter, LineIndex};
use crate::strip::Stripper;
use crate::write::atomic::{self, Staging};
use crate::write::out_dir::{self, OutDir};
use crate::write::spool::{self, Event, SpoolWriter};
use crate::write::{self, Output};

/// Batches read ahead of the one being processed.
const READ_AHEAD: usize = 2;
/// Processed batches waiting for the writer.
const WRITE_BEHIND: usize = 2;
/// Problems printed on stderr one by one; the report lists more.
const MAX_PRINTED_PROBLEMS: u64 = 50;
const REPORT_NAME: &str = "report.json";
pub(crate) const CLUSTERS_NAME: &str = "clusters.jsonl";
pub(crate) const PASSAGES_NAME: &str = "passages.jsonl";
const HTML_NAME: &str = "report.html";
/// The files a run writes beside the corpus.
pub(crate) const REUSE_NAME: &str = "reuse.jsonl";
pub(crate) const SIDE_FILES: [&str; 5] = [
    REPORT_NAME,
    HTML_NAME,
    CLUSTERS_NAME,
    PASSAGES_NAME,
    REUSE_NAME,
];

/// How a run ended, when it got to the end.
#[derive(Debug)]
pub struct RunOutcome {
    pub report: Report,
}

impl RunOutcome {
    /// 0 when everything was read, 2 when something was skipped.
    pub fn exit_code(&self) -> u8 {
        if self.report.problems.count == 0 {
            0
        } else {
            2
        }
    }
}

/// Deletes unfinished output and exits on Ctrl-C or SIGTERM, so an interrupted run leaves no
/// file that looks finished, and no lock on OUT.
pub fn install_interrupt_handler() -> anyhow::Result<()> {
    ctrlc::set_handler(|| {
        let _held = atomic::remove_pending();
        out_dir::release_held();
        eprintln!("textwash: interrupted; unfinished output files were removed");
        std::process::exit(130);
    })
    .context("cannot install the Ctrl-C handler")
}

/// `textwash run`.
pub fn run(config: &RunConfig) -> anyhow::Result<RunOutcome> {
    run_with(config, |files, pool| {
        let stripper = if config.stages.contains(&StageName::Strip) {
            let index = if config.strip.wants_stats() {
                Some(Arc::new(survey(config, files, pool)))
            } else {
                None
            };
            Some(Stripper::new(&config.strip, index)?)
        } else {
            None
        };
        Ok(build_stages(&config.stages, &config.repair, stripper))
    })
}

/// `textwash run`, with the stages made by `make_stages` once the inputs are known (tests
/// pass their own).
pub fn run_with(
    config: &RunConfig,
    make_stages: impl FnOnce(&[InputFile], &rayon::ThreadPool) -> anyhow::Result<Vec<Box<dyn Stage>>>,
) -> anyhow::Result<RunOutcome> {
    let started = Instant::now();
    // Whatever can be refused before OUT is touched is, so that a refused run leaves no OUT.
    out_dir::refuse_inside_inputs(&config.output, &config.inputs)?;
    let (files, discover_problems) =
        read::discover(&config.inputs, &config.read, Some(&config.output));
    if files.is_empty() {
        bail!(no_input(config, &discover_problems));
    }
    check_output_names(&files)?;
    // Held until the end of the run: no other run writes to OUT meanwhile. Dropped early (the
    // run failed), it removes OUT again if it made it.
    let out_dir = OutDir::claim(&config.output, config.force)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(config.threads)
        .build()
        .context("cannot start the thread pool")?;
    let stages = &make_stages(&files, &pool)?[..];

    let mut tally = Tally::new(config, stages);
    if config.stages.contains(&StageName::Dedup) {
        warn_annotate_on_text(config, &files);
        // Clusters name documents by id: the same id twice makes them ambiguous.
        tally.ids = Some(RepeatedIds::default());
    }
    for problem in discover_problems {
        tally.problem(problem)?;
    }
    // With dedup, the cleaned corpus and the sketches go to a work folder until dedup decides.
    let scratch = match config.stages.contains(&StageName::Dedup) {
        true => Some(atomic::ScratchDir::new(&config.output).with_context(|| {
            format!("cannot make a work folder in {}", config.output.display())
        })?),
        false => None,
    };
    if let Some(scratch) = &scratch {
        let work = WorkDir::new(scratch.path());
        tally.dedup = Some(DedupSink::new(&work, 0, Some(&config.dedup))?);
    }
    let mut output = Output::new(Staging::new(&config.output), config.fsync);
    output.discard_corpus = !config.write_corpus;
    main_pass(config, &files, &pool, stages, &mut tally, &mut output)?;
    if let Some(RepeatedIds {
        repeats,
        first: Some(first),
        ..
    }) = &tally.ids
    {
        eprintln!(
            "textwash: warning: {repeats} documents have an id an earlier document already has \
             (the first: {first:?}); clusters.jsonl and passages.jsonl name documents by id, so \
             these are ambiguous there (--id-field chooses the id)"
        );
    }
    if tally.input.documents == 0 {
        bail!(
            "{} (every input file was empty or unreadable: see the problems above)",
            no_input(config, &[])
        );
    }

    let (decisions, texts) = match tally.dedup.take() {
        Some(sink) => {
            let (decisions, texts) = sink.finish(config, &files, &pool, &mut output, &mut tally)?;
            (Some(decisions), texts)
        }
        None => (None, html::Texts::new()),
    };
    let mut report = tally.into_report(config, files.len() as u64, started);
    let (mut clusters, mut links) = (Vec::new(), Vec::new());
    if let Some(decisions) = decisions {
        output.write_extra_with(CLUSTERS_NAME, |out| json_lines(out, &decisions.clusters))?;
        output.write_extra_with(REUSE_NAME, |out| json_lines(out, &decisions.reuse))?;
        // Links are written one by one: there can be many more of them than documents.
        output.write_extra_with(PASSAGES_NAME, |out| {
            decisions.for_each_link(|link| {
                serde_json::to_writer(&mut *out, &link)?;
                out.write_all(b"\n")
            })
        })?;
        links = decisions
            .first_links
            .iter()
            .map(|l| decisions.link(l))
            .collect();
        report.dedup = Some(decisions.summary);
        clusters = decisions.clusters;
    }
    // The work folder (spool, sketches, links) is no longer needed.
    drop(scratch);
    report.output.files = output.files;
    report.output.bytes = output.bytes;
    let mut json = serde_json::to_vec_pretty(&report).context("cannot serialize the report")?;
    json.push(b'\n');
    output.write_extra(
        HTML_NAME,
        html::render(&report, &clusters, &links, &texts).as_bytes(),
    )?;
    output.write_extra(REPORT_NAME, &json)?;
    output.commit()?;
    out_dir.keep();
    Ok(RunOutcome { report })
}

/// The main pass: reads `files`, runs every unit through the stages on the pool, and hands the
/// results in input order to the tally (which writes them to `output`, or to its dedup sink).
pub(crate) fn main_pass(
    config: &RunConfig,
    files: &[InputFile],
    pool: &rayon::ThreadPool,
    stages: &[Box<dyn Stage>],
    tally: &mut Tally,
    output: &mut Output,
) -> anyhow::Result<()> {
    let dedup = tally
        .dedup
        .as_ref()
        .and_then(|sink| sink.shard.is_some().then_some(&config.dedup));
    let progress = progress_bar(config, files, None);
    let (batch_sender, batch_receiver) = sync_channel::<Batch>(READ_AHEAD);
    let (result_sender, result_receiver) = sync_channel::<(u64, Vec<Processed>)>(WRITE_BEHIND);
    // The reader is not joined: when the run stops early it may be blocked reading a pipe that
    // never closes, and it stops by itself at its next send once the receiver is gone.
    {
        let files = files.to_vec();
        let progress = progress.clone();
        let cutting = config.cutting();
        std::thread::Builder::new()
            .name("textwash-read".into())
            .spawn(move || {
                read_batches(&files, cutting, &progress, |batch| {
                    batch_sender.send(batch).is_ok()
                })
            })
            .context("cannot start the reading thread")?;
    }
    std::thread::scope(|scope| -> anyhow::Result<()> {
        let progress = &progress;
        let writer = scope.spawn(|| -> anyhow::Result<()> {
            for (bytes_read, results) in result_receiver {
                tally.input.bytes += bytes_read;
                let write_started = Instant::now();
                for result in results {
                    tally.record(result, files, output)?;
                }
                tally.write_time += write_started.elapsed();
                progress.set_message(format!("{} documents", tally.input.documents));
            }
            Ok(())
        });
        // Dropping a receiver (when the writer stops at a problem) stops the stage before it.
        for batch in batch_receiver {
            let results: Vec<Processed> = pool.install(|| {
                batch
                    .units
                    .par_iter()
                    .map(|unit| process_unit(unit, &batch.data, files, config, stages, dedup))
                    .collect()
            });
            if result_sender.send((batch.bytes_read, results)).is_err() {
                break;
            }
        }
        drop(result_sender);
        writer
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })?;
    progress.finish_and_clear();

    Ok(())
}

/// Items as JSON Lines.
pub(crate) fn json_lines<T: serde::Serialize>(
    out: &mut dyn std::io::Write,
    items: &[T],
) -> std::io::Result<()> {
    for item in items {
        serde_json::to_writer(&mut *out, item)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// A pass over the inputs before the main one: every document, through the `before` stages,
/// mapped by `each` on the pool and handed to `consume` in input order.
/// Standard input cannot be read twice and is left out (`what` names the pass in the note that
/// says so; `label` names it on the progress bar).
#[allow(clippy::too_many_arguments)]
fn survey_pass<T: Send>(
    config: &RunConfig,
    files: &[InputFile],
    pool: &rayon::ThreadPool,
    what: &str,
    label: &'static str,
    before: &[Box<dyn Stage>],
    each: impl Fn(&Document) -> T + Sync,
    mut consume: impl FnMut(T),
) {
    let readable: Vec<InputFile> = files.iter().filter(|f| f.path.is_some()).cloned().collect();
    if readable.len() < files.len() && config.summary {
        eprintln!("textwash: standard input is left out of {what}");
    }
    let progress = progress_bar(config, &readable, Some(label));
    read_batches(&readable, config.cutting(), &progress, |batch| {
        let results: Vec<T> = pool.install(|| {
            batch
                .units
                .par_iter()
                .filter_map(|unit| {
                    if !matches!(unit, Unit::Line { .. } | Unit::Text { .. }) {
                        return None;
                    }
                    let mut doc =
                        read::parse_unit(unit, &batch.data, &readable, &config.read).ok()??;
                    for stage in before {
                        if stage.apply(&mut doc, &mut Notes::default()) != Verdict::Keep {
                            return None;
                        }
                    }
                    Some(each(&doc))
                })
                .collect()
        });
        for item in results {
            consume(item);
        }
        true
    });
    progress.finish_and_clear();
}

/// The first pass of the strip stage: counts, per source, the documents each short line occurs
/// in, over the text as repair leaves it.
pub(crate) fn count_lines(
    config: &RunConfig,
    files: &[InputFile],
    pool: &rayon::ThreadPool,
) -> LineCounter {
    let stats = config.strip.stats.clone().unwrap_or_default();
    let repair: Vec<Box<dyn Stage>> = build_stages(&config.stages, &config.repair, None);
    let mut counter = LineCounter::default();
    survey_pass(
        config,
        files,
        pool,
        "the cross-document statistics",
        "counting repeated lines",
        &repair,
        |doc| document_lines(&doc.source, &doc.text, stats.max_words),
        |lines| counter.add(lines),
    );
    counter
}

fn survey(config: &RunConfig, files: &[InputFile], pool: &rayon::ThreadPool) -> LineIndex {
    let stats = config.strip.stats.clone().unwrap_or_default();
    count_lines(config, files, pool).finish(&stats)
}

/// Says that `--dedup annotate` leaves text files as they are: only a JSON record has room for
/// the annotation.
fn warn_annotate_on_text(config: &RunConfig, files: &[InputFile]) {
    let text = files.iter().filter(|f| f.format == Format::Text).count();
    if config.dedup.action == DedupAction::Annotate && text > 0 {
        eprintln!(
            "textwash: warning: --dedup annotate marks JSON Lines records only; the duplicates \
             among the {text} text files are kept as they are, unmarked (clusters.jsonl lists \
             them)"
        );
    }
}

/// Ids seen more than once, by a hash of each id (8 bytes a document).
#[derive(Debug, Default)]
pub(crate) struct RepeatedIds {
    seen: std::collections::HashSet<u64>,
    repeats: u64,
    /// The first id seen again.
    first: Option<String>,
}

impl RepeatedIds {
    fn add(&mut self, id: &str) {
        if !self.seen.insert(xxh3_64(id.as_bytes())) {
            self.repeats += 1;
            self.first.get_or_insert_with(|| id.to_string());
        }
    }
}

/// The error of a run that found nothing to read: the inputs, the glob folders were read
/// with, and why inputs could not be read.
fn no_input(config: &RunConfig, problems: &[Problem]) -> String {
    let inputs: Vec<String> = config
        .inputs
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    let mut message = format!(
        "no document to read in {} (folders are read for files matching --glob {:?})",
        inputs.join(", "),
        config.read.glob.glob().glob()
    );
    for problem in problems {
        message.push_str(&format!("\n  {problem}"));
    }
    message
}

/// Refuses inputs that would overwrite each other (or the report) in OUT.
fn check_output_names(files: &[InputFile]) -> anyhow::Result<()> {
    let mut seen: HashMap<&str, &str> = HashMap::new();
    seen.insert(REPORT_NAME, "the report");
    seen.insert(CLUSTERS_NAME, "the duplicate clusters");
    seen.insert(PASSAGES_NAME, "the passage links");
    seen.insert(HTML_NAME, "the HTML report");
    for file in files {
        if let Some(other) = seen.insert(&file.rel, &file.name) {
            bail!(
                "{} and {} would both be written as {}; give them to separate runs or rename one",
                other,
                file.name,
                file.rel
            );
        }
    }
    Ok(())
}

/// A progress bar of the bytes read from `files`, hidden without a terminal or with `-q`. A
/// pass with a `label` shows it first, so that a narrow terminal cuts the figures, not the
/// label.
fn progress_bar(
    config: &RunConfig,
    files: &[InputFile],
    label: Option<&'static str>,
) -> ProgressBar {
    if !config.progress {
        return ProgressBar::hidden();
    }
    let total: Option<u64> = files.iter().map(|f| f.size).sum();
    let label_part = if label.is_some() { "{prefix} " } else { "" };
    let bar = match total {
        Some(total) => ProgressBar::new(total).with_style(
            ProgressStyle::with_template(&format!(
                "{label_part}{{elapsed_precise}} {{wide_bar}} \
                 {{binary_bytes}}/{{binary_total_bytes}} {{binary_bytes_per_sec}} ETA {{eta}} {{msg}}"
            ))
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        ),
        None => ProgressBar::new_spinner().with_style(
            ProgressStyle::with_template(&format!(
                "{label_part}{{spinner}} {{elapsed_precise}} {{binary_bytes}} \
                 {{binary_bytes_per_sec}} {{msg}}"
            ))
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        ),
    };
    if let Some(label) = label {
        bar.set_prefix(label);
    }
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

/// A progress bar for the steps after the main pass, which say what they do and how far they
/// are ([`Progress`]); hidden without a terminal or with `-q`.
fn steps_bar(config: &RunConfig) -> ProgressBar {
    if !config.progress {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new_spinner();
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

/// What became of one unit, ready to be written in order.
enum Processed {
    Kept {
        file: usize,
        bytes: Vec<u8>,
        facts: DocFacts,
        /// For dedup, when it runs.
        sketch: Option<Box<Sketched>>,
    },
    Dropped {
        facts: DocFacts,
    },
    Start(usize),
    End,
    Problem(Problem),
}

/// What the report needs to know of one document.
struct DocFacts {
    id: String,
    source: Arc<str>,
    /// What `check` counts, with where the document is.
    audit: Option<(DocAudit, crate::error::Location)>,
    decoding: Decoding,
    /// Id and origin, only for documents that were transcoded.
    transcoded: Option<Transcoded>,
    parse_time: Duration,
    stages: Vec<StageRun>,
}

struct StageRun {
    name: StageName,
    changed: bool,
    dropped: Option<&'static str>,
    time: Duration,
    notes: Notes,
}

fn process_unit(
    unit: &Unit,
    data: &[u8],
    files: &[InputFile],
    config: &RunConfig,
    stages: &[Box<dyn Stage>],
    dedup: Option<&DedupConfig>,
) -> Processed {
    let file = match unit {
        Unit::StartFile { file } => return Processed::Start(*file),
        Unit::EndFile { .. } => return Processed::End,
        Unit::Problem(problem) => return Processed::Problem(problem.clone()),
        Unit::Text { file, .. } | Unit::Line { file, .. } => *file,
    };
    let parse_started = Instant::now();
    let mut doc = match read::parse_unit(unit, data, files, &config.read) {
        Ok(Some(doc)) => doc,
        Ok(None) => unreachable!("record units always give a document or a problem"),
        Err(problem) => return Processed::Problem(problem),
    };
    let mut audit = config.audit.then(|| {
        (
            DocAudit {
                lines: audit::count_lines(&doc.text),
                ..DocAudit::default()
            },
            doc.text.clone(),
        )
    });
    let facts_of = |doc: &Document,
                    parse_time,
                    stages: Vec<StageRun>,
                    audit: Option<(DocAudit, String)>| DocFacts {
        audit: audit.map(|(mut audit, original)| {
            if !audited_repair(&stages) {
                (audit.suspicious_lines, audit.first_suspicious) =
                    audit::suspicious_lines(&original);
            }
            audit.words = doc.text.split_whitespace().count();
            (audit, doc.origin.clone())
        }),
        id: doc.id.clone(),
        source: doc.source.clone(),
        decoding: doc.decoding,
        transcoded: doc.decoding.was_transcoded().then(|| Transcoded {
            id: doc.id.clone(),
            origin: doc.origin.clone(),
            encoding: doc.decoding.encoding,
            method: doc.decoding.method,
            had_errors: doc.decoding.had_errors,
        }),
        parse_time,
        stages,
    };
    let parse_time = parse_started.elapsed();
    let mut runs = Vec::with_capacity(stages.len());
    let mut unstripped = None;
    for stage in stages {
        let stage_started = Instant::now();
        let before = xxh3_64(doc.text.as_bytes());
        let mut notes = Notes::default();
        let verdict = stage.apply(&mut doc, &mut notes);
        if let (Some(text), Some(dedup)) = (notes.before_statistics.take(), dedup) {
            unstripped = Some(crate::dedup::passage::tokens(
                &text,
                dedup.shingle.fold_digits,
            ));
        }
        let dropped = match verdict {
            Verdict::Keep => None,
            Verdict::Drop { reason } => Some(reason),
        };
        if let Some((audit, original)) = &mut audit {
            match stage.name() {
                StageName::Repair => {
                    if has_mojibake_fix(&notes) {
                        (audit.mojibake_lines, audit.first_mojibake) =
                            audit::changed_non_ascii_lines(original, &doc.text);
                    }
                    (audit.suspicious_lines, audit.first_suspicious) =
                        audit::suspicious_lines(&doc.text);
                }
                StageName::Strip if notes.flag.is_none() => {
                    audit.boilerplate_lines = notes.counters.values().sum();
                    audit.first_boilerplate = notes.first_line;
                }
                _ => {}
            }
        }
        runs.push(StageRun {
            name: stage.name(),
            changed: xxh3_64(doc.text.as_bytes()) != before,
            dropped,
            time: stage_started.elapsed(),
            notes,
        });
        if dropped.is_some() {
            let facts = facts_of(&doc, parse_time, runs, audit);
            return Processed::Dropped { facts };
        }
    }
    // Dedup's part of the main pass: the document's sketch.
    let sketch = dedup.map(|dedup| {
        let started = Instant::now();
        let sketch = sketch_document(&doc, dedup, unstripped);
        runs.push(StageRun {
            name: StageName::Dedup,
            changed: false,
            dropped: None,
            time: started.elapsed(),
            notes: Notes::default(),
        });
        Box::new(sketch)
    });
    let facts = facts_of(&doc, parse_time, runs, audit);
    Processed::Kept {
        file,
        bytes: write::render(doc),
        facts,
        sketch,
    }
}

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

pub(crate) const SPOOL_NAME: &str = "corpus.spool";

impl DedupSink {
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
                Some(config) => {
                    Some(ShardWriter::new(work, shard, config.memory / 2).with_context(context)?)
                }
                None => None,
            },
            work: work.clone(),
            dir,
            next: 0,
        })
    }

    fn add(
        &mut self,
        file: usize,
        format: Format,
        bytes: &[u8],
        sketch: Option<Box<Sketched>>,
    ) -> anyhow::Result<()> {
        let doc = self.next;
        self.next = self
            .next
            .checked_add(1)
            .context("dedup handles at most 4,294,967,295 documents a shard")?;
        let context = || format!("cannot write to {}", self.dir.display());
        if let (Some(shard), Some(sketch)) = (&mut self.shard, sketch) {
            shard.add(*sketch).with_context(context)?;
        }
        match format {
            Format::Jsonl => self.spool.record(file as u32, doc, bytes),
            Format::Text => self.spool.text(file as u32, doc, bytes),
        }
        .with_context(context)
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

    /// Decides, then writes the spooled corpus to the output by the decisions: duplicates left
    /// out or annotated. Counts them in the tally.
    fn finish(
        self,
        config: &RunConfig,
        files: &[InputFile],
        pool: &rayon::ThreadPool,
        output: &mut Output,
        tally: &mut Tally,
    ) -> anyhow::Result<(Decisions, html::Texts)> {
        let work = self.work.clone();
        let context = || format!("deduplication failed in {}", work.root().display());
        let (spool_path, docs) = self.close(pool)?;
        let progress = steps_bar(config);
        let mut decisions = pool
            .install(|| decide(&work, &docs, &config.dedup, &progress))
            .with_context(context)?;
        progress.step("writing the corpus", Some(docs.len() as u64));
        drop(docs);
        let started = Instant::now();
        let mut texts = html::Texts::new();
        let counts = replay_decided(
            &spool_path,
            files,
            config,
            &decisions.by_doc,
            |event, kept| match event {
                Event::Start { file } => output.start_file(file as usize, &files[file as usize]),
                Event::End => output.end_file(),
                Event::Record { file, doc, bytes } | Event::Text { file, doc, bytes } => {
                    progress.advance(1);
                    let file = file as usize;
                    if let Some(id) = decisions.samples.get(&doc) {
                        if let Some(text) =
                            sample_text(&bytes, files[file].format, &config.read.text_field)
                        {
                            texts.insert(id.clone(), text);
                        }
                    }
                    if !kept {
                        return Ok(());
                    }
                    match files[file].format {
                        Format::Jsonl => output.write_record(file, &bytes),
                        Format::Text => output.write_text(&files[file], &bytes),
                    }
                }
            },
        )
        .with_context(context)?;
        progress.finish_and_clear();
        decisions.summary.seconds.insert(
            "filter",
            (started.elapsed().as_secs_f64() * 1e4).round() / 1e4,
        );
        counts.add_to(tally);
        Ok((decisions, texts))
    }
}

/// What [`replay_decided`] left out or annotated, by reason.
#[derive(Debug, Default)]
pub(crate) struct Replayed {
    pub dropped: BTreeMap<&'static str, u64>,
    pub flagged: BTreeMap<&'static str, u64>,
}

impl Replayed {
    fn add_to(self, tally: &mut Tally) {
        let report = tally.stages.entry(StageName::Dedup).or_default();
        for (reason, count) in self.dropped {
            report.documents_dropped += count;
            report.documents_out -= count;
            tally.output_documents -= count;
            *report.counters.entry(reason).or_default() += count;
        }
        for (reason, count) in self.flagged {
            *report.counters.entry(reason).or_default() += count;
        }
    }
}

/// Reads a spool back and applies the dedup decisions (by document number in the spool):
/// hands every event to `each` with whether it is written, documents annotated when the action
/// says so.
pub(crate) fn replay_decided(
    spool_path: &Path,
    files: &[InputFile],
    config: &RunConfig,
    by_doc: &HashMap<u32, Decision>,
    mut each: impl FnMut(Event, bool) -> anyhow::Result<()>,
) -> anyhow::Result<Replayed> {
    let mut counts = Replayed::default();
    spool::replay(spool_path, |event| match event {
        Event::Record { file, doc, bytes } | Event::Text { file, doc, bytes } => {
            let format = files[file as usize].format;
            let decision = by_doc.get(&doc);
            let reason = decision.and_then(|d| d.reason());
            let (bytes, kept) = match (config.dedup.action, decision, reason) {
                (DedupAction::Drop, _, Some(reason)) => {
                    *counts.dropped.entry(reason).or_default() += 1;
                    (bytes, false)
                }
                (DedupAction::Annotate, Some(decision), _) => {
                    if let Some(reason) = reason {
                        *counts.flagged.entry(reason).or_default() += 1;
                    }
                    match format {
                        Format::Jsonl => (annotate_line(bytes, &decision.annotation()), true),
                        Format::Text => (bytes, true),
                    }
                }
                _ => (bytes, true),
            };
            let event = match format {
                Format::Jsonl => Event::Record { file, doc, bytes },
                Format::Text => Event::Text { file, doc, bytes },
            };
            each(event, kept)
        }
        event => each(event, true),
    })?;
    Ok(counts)
}

/// A document's text from its spooled bytes: the text itself, or the text field of its record.
fn sample_text(bytes: &[u8], format: Format, field: &str) -> Option<String> {
    match format {
        Format::Text => Some(String::from_utf8_lossy(bytes).into_owned()),
        Format::Jsonl => {
            let value: serde_json::Value = serde_json::from_slice(bytes).ok()?;
            value.get(field)?.as_str().map(str::to_string)
        }
    }
}

/// One more document of a source, with what its stages did.
fn count_source(figures: &mut SourceFigures, stages: &[StageRun]) {
    figures.documents += 1;
    for run in stages {
        match run.name {
            StageName::Repair if has_mojibake_fix(&run.notes) => figures.mojibake_documents += 1,
            StageName::Strip if run.notes.flag.is_none() => {
                figures.boilerplate_lines += run.notes.counters.values().sum::<u64>();
            }
            _ => {}
        }
    }
}

/// Whether repair undid mojibake or restored lost bytes in a document.
fn has_mojibake_fix(notes: &Notes) -> bool {
    notes
        .counters
        .keys()
        .any(|fix| fix.starts_with("mojibake") || fix.starts_with("lost-byte"))
}

/// Whether the repair stage ran (and so already looked for mojibake left over).
fn audited_repair(stages: &[StageRun]) -> bool {
    stages.iter().any(|s| s.name == StageName::Repair)
}

/// Running totals for the report, and the problem policy.
pub(crate) struct Tally<'c> {
    config: &'c RunConfig,
    /// Where documents go while dedup runs.
    pub(crate) dedup: Option<DedupSink>,
    /// Ids already seen, when the run warns about repeated ones.
    ids: Option<RepeatedIds>,
    audit: Option<Audit>,
    sources: BTreeMap<String, SourceFigures>,
    implemented: Vec<StageName>,
    input: Totals,
    output_documents: u64,
    encodings: BTreeMap<&'static str, u64>,
    transcoded: Vec<Transcoded>,
    transcoded_omitted: u64,
    parse_time: Duration,
    write_time: Duration,
    stages: BTreeMap<StageName, StageReport>,
    problems: Problems,
}

impl<'c> Tally<'c> {
    pub(crate) fn new(config: &'c RunConfig, stages: &[Box<dyn Stage>]) -> Tally<'c> {
        let mut implemented: Vec<StageName> = stages.iter().map(|s| s.name()).collect();
        if config.stages.contains(&StageName::Dedup) {
            implemented.push(StageName::Dedup);
        }
        Tally {
            config,
            dedup: None,
            ids: None,
            audit: config.audit.then(Audit::default),
            sources: BTreeMap::new(),
            implemented,
            input: Totals::default(),
            output_documents: 0,
            encodings: BTreeMap::new(),
            transcoded: Vec::new(),
            transcoded_omitted: 0,
            parse_time: Duration::ZERO,
            write_time: Duration::ZERO,
            stages: BTreeMap::new(),
            problems: Problems::default(),
        }
    }

    fn problem(&mut self, problem: Problem) -> anyhow::Result<()> {
        if self.config.on_error == OnError::Fail {
            bail!("{problem}\nstopped at the first problem (--on-error fail); nothing was written");
        }
        if self.problems.count < MAX_PRINTED_PROBLEMS {
            eprintln!("textwash: {problem}; skipped");
        } else if self.problems.count == MAX_PRINTED_PROBLEMS {
            eprintln!("textwash: more problems follow; report.json lists them");
        }
        self.problems.add(problem);
        Ok(())
    }

    fn record(
        &mut self,
        result: Processed,
        files: &[InputFile],
        output: &mut Output,
    ) -> anyhow::Result<()> {
        match result {
            Processed::Start(file) => match &mut self.dedup {
                Some(sink) => Ok(sink.spool.start(file as u32)?),
                None => output.start_file(file, &files[file]),
            },
            Processed::End => match &mut self.dedup {
                Some(sink) => Ok(sink.spool.end()?),
                None => output.end_file(),
            },
            Processed::Problem(problem) => self.problem(problem),
            Processed::Dropped { facts } => {
                self.document(facts);
                Ok(())
            }
            Processed::Kept {
                file,
                bytes,
                facts,
                sketch,
            } => {
                self.document(facts);
                self.output_documents += 1;
                if let Some(sink) = &mut self.dedup {
                    return sink.add(file, files[file].format, &bytes, sketch);
                }
                match files[file].format {
                    Format::Jsonl => output.write_record(file, &bytes),
                    Format::Text => output.write_text(&files[file], &bytes),
                }
            }
        }
    }

    fn document(&mut self, facts: DocFacts) {
        self.input.documents += 1;
        if let Some(ids) = &mut self.ids {
            ids.add(&facts.id);
        }
        match self.sources.get_mut(&*facts.source) {
            Some(figures) => count_source(figures, &facts.stages),
            None => {
                let mut figures = SourceFigures::default();
                count_source(&mut figures, &facts.stages);
                self.sources.insert(facts.source.to_string(), figures);
            }
        }
        if let (Some(audit), Some((doc, origin))) = (&mut self.audit, &facts.audit) {
            audit.add(doc, &facts.id, origin);
        }
        self.parse_time += facts.parse_time;
        *self.encodings.entry(facts.decoding.encoding).or_default() += 1;
        if let Some(transcoded) = facts.transcoded {
            if self.transcoded.len() < MAX_LISTED_TRANSCODED {
                self.transcoded.push(transcoded);
            } else {
                self.transcoded_omitted += 1;
            }
        }
        for run in facts.stages {
            let report = self.stages.entry(run.name).or_default();
            report.documents_in += 1;
            report.documents_changed += u64::from(run.changed);
            match run.dropped {
                Some(reason) => {
                    report.documents_dropped += 1;
                    *report.counters.entry(reason).or_default() += 1;
                }
                None => report.documents_out += 1,
            }
            report.cpu_seconds += run.time.as_secs_f64();
            for (name, count) in run.notes.counters {
                *report.counters.entry(name).or_default() += count;
            }
            if let Some(reason) = run.notes.flag {
                report.flagged_count += 1;
                if report.flagged.len() < MAX_LISTED_FLAGGED {
                    report.flagged.push(Flagged {
                        id: facts.id.clone(),
                        reason,
                    });
                }
            }
        }
    }

    pub(crate) fn into_report(
        mut self,
        config: &RunConfig,
        files: u64,
        started: Instant,
    ) -> Report {
        let mut stage_report = |name: StageName| {
            let mut report = self.stages.remove(&name).unwrap_or_default();
            report.status = if !config.stages.contains(&name) {
                StageStatus::NotSelected
            } else if self.implemented.contains(&name) {
                StageStatus::Ran
            } else {
                StageStatus::NotImplemented
            };
            report
        };
        let stages = Stages {
            repair: stage_report(StageName::Repair),
            strip: stage_report(StageName::Strip),
            dedup: stage_report(StageName::Dedup),
            read: StageReport {
                documents_in: self.input.documents + self.problems.count,
                documents_out: self.input.documents,
                cpu_seconds: self.parse_time.as_secs_f64(),
                ..StageReport::default()
            },
            write: StageReport {
                documents_in: self.output_documents,
                documents_out: self.output_documents,
                cpu_seconds: self.write_time.as_secs_f64(),
                ..StageReport::default()
            },
        };
        let wall_seconds = started.elapsed().as_secs_f64();
        self.input.files = files;
        Report {
            textwash_version: env!("CARGO_PKG_VERSION"),
            command: "run",
            inputs: config
                .inputs
                .iter()
                .map(|p| p.display().to_string())
                .collect(),
            output_dir: config.output.display().to_string(),
            threads: config.threads,
            throughput_mb_per_s: self.input.bytes as f64 / 1e6 / wall_seconds.max(1e-9),
            input: self.input,
            output: Totals {
                files: 0,
                documents: self.output_documents,
                bytes: 0,
            },
            encodings: self.encodings,
            transcoded: self.transcoded,
            transcoded_omitted: self.transcoded_omitted,
            stages,
            wall_seconds,
            problems: self.problems,
            dedup: None,
            sources: self.sources,
            audit: self.audit,
        }
    }
}
