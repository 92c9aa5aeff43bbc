//! The pipeline: read → repair → strip → dedup → write, on a thread pool.
//!
//! [`run`] wires it: the inputs discovered, strip's survey pass when its statistics are on, the
//! main pass (`pass`: each unit processed by `unit` and handed in input order to a `sink::Sink`
//! and the report's tally), then, with dedup, dedup's decisions and the replay of its spool
//! into the output (`dedup`), and the files beside the corpus. What to print is not decided
//! here: problems and notes go to a [`Notices`] the caller gives.

pub(crate) mod pass;
pub(crate) mod sink;
pub(crate) mod tally;
mod unit;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{bail, Context};

use crate::config::RunConfig;
use crate::dedup::work::WorkDir;
use crate::dedup::{key_bits_for, DedupAction, DedupConfig};
use crate::error::Problem;
use crate::exit::ExitCode;
use crate::format;
use crate::html;
use crate::notices::Notices;
use crate::read::{self, InputFile};
use crate::report::Report;
use crate::stage::{build_stages, StageName};
use crate::strip::Stripper;
use crate::write::atomic::{self, Staging};
use crate::write::out_dir::{self, OutDir};
use crate::write::Output;

use self::sink::{DiscardSink, OutputSink, Sink};
use self::tally::{RepeatedIds, Tally};
use crate::dedup::sink::DedupSink;

const REPORT_NAME: &str = "report.json";
pub(crate) const CLUSTERS_NAME: &str = "clusters.jsonl";
pub(crate) const PASSAGES_NAME: &str = "passages.jsonl";
const HTML_NAME: &str = "report.html";
pub(crate) const REUSE_NAME: &str = "reuse.jsonl";
/// The files a run writes beside the corpus.
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
    /// What the run read, did and wrote (report.json).
    pub report: Report,
}

impl RunOutcome {
    /// Success when everything was read, [`ExitCode::Problems`] when something was skipped.
    pub fn exit_code(&self) -> ExitCode {
        ExitCode::from_problems(self.report.problems.count)
    }
}

/// `textwash run` (and `check`, with `write_corpus` off and `audit` on).
pub fn run(config: &RunConfig, notices: &mut dyn Notices) -> anyhow::Result<RunOutcome> {
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
    let out_dir = OutDir::claim(&config.output, config.force, notices)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(config.threads)
        .build()
        .context("cannot start the thread pool")?;
    let stripper = if config.stages.contains(&StageName::Strip) {
        let index = if config.strip.wants_stats() {
            let counter = pass::count_lines(config, &files, &pool, notices);
            let stats = config.strip.stats.clone().unwrap_or_default();
            Some(Arc::new(counter.finish(&stats)))
        } else {
            None
        };
        Some(Stripper::new(&config.strip, index)?)
    } else {
        None
    };
    let stages = build_stages(&config.stages, &config.repair, stripper);
    let dedup = config.stages.contains(&StageName::Dedup);

    // Clusters name documents by id: the same id twice makes them ambiguous.
    let mut tally = Tally::new(config.audit, dedup);
    if dedup {
        warn_annotate_on_text(config, &files, notices);
    }
    for problem in discover_problems {
        pass::problem(config, &mut tally, notices, problem)?;
    }
    // With dedup, the cleaned corpus and the sketches go to a work folder until dedup decides.
    let scratch = match dedup {
        true => Some(atomic::ScratchDir::new(&config.output).with_context(|| {
            format!("cannot make a work folder in {}", config.output.display())
        })?),
        false => None,
    };
    let mut output = Output::new(Staging::new(&config.output), config.fsync)
        .with_options(write_options(config, dedup));
    let mut discard = DiscardSink::new(&files);
    let mut decided = None;
    {
        let mut writer = OutputSink::new(&mut output, &files);
        let corpus: &mut dyn Sink = match config.write_corpus {
            true => &mut writer,
            false => &mut discard,
        };
        match &scratch {
            Some(scratch) => {
                let work = WorkDir::new(scratch.path());
                let dedup = DedupConfig {
                    key_bits: key_bits_for(read::text_bytes_high(&files)),
                    ..config.dedup.clone()
                };
                // Unchanged records are read back from the inputs, which stay where they are
                // until the run ends: regular files only, not a device or a pipe, which cannot be
                // read at an offset.
                let regular = |path: &Option<std::path::PathBuf>| {
                    path.clone()
                        .filter(|p| std::fs::metadata(p).is_ok_and(|m| m.is_file()))
                };
                let mut sink = DedupSink::new(&work, 0, Some(&dedup))?
                    .reading_inputs(files.iter().map(|f| regular(&f.path)).collect());
                let sketch = Some(&dedup);
                pass::main_pass(
                    config, &files, &pool, &stages, sketch, &mut tally, notices, &mut sink,
                )?;
                after_main_pass(config, &tally, notices)?;
                crate::memory::main_pass_done();
                let progress = pass::steps_bar(config);
                let found = sink.decide(&dedup, &pool, &progress)?;
                // report.html shows some clusters and links, picked from what dedup found, with
                // the texts of their documents, taken from the spool as it is replayed.
                let picked =
                    html::pick(&found.decisions).context("cannot read the passage links back")?;
                let mut texts = html::Texts::new();
                let text_field = &config.read.text_field;
                let (decisions, replayed) = found.replay(
                    &config.dedup,
                    &progress,
                    corpus,
                    |doc, _file, format, bytes| {
                        if let Some(id) = picked.documents.get(&doc) {
                            if let Some(text) = format.sample_text(bytes, text_field) {
                                texts.insert(id.clone(), text);
                            }
                        }
                    },
                )?;
                progress.finish_and_clear();
                decided = Some((decisions, replayed, picked, texts));
            }
            None => {
                pass::main_pass(
                    config, &files, &pool, &stages, None, &mut tally, notices, corpus,
                )?;
                after_main_pass(config, &tally, notices)?;
            }
        }
    }
    let samples = std::mem::take(&mut tally.samples);
    let mut report = tally.into_report(config, files.len() as u64, started);
    let (mut clusters, mut picked, mut texts) =
        (Vec::new(), html::Picked::default(), html::Texts::new());
    if let Some((decisions, replayed, picked_here, sampled)) = decided {
        report.count_filtered(&replayed.dropped, &replayed.flagged, replayed.annotated);
        output.write_extra_with(CLUSTERS_NAME, |out| json_lines(out, &decisions.clusters))?;
        output.write_extra_with(REUSE_NAME, |out| json_lines(out, &decisions.reuse))?;
        // Links are written one by one: there can be many more of them than documents.
        output.write_extra_with(PASSAGES_NAME, |out| {
            decisions.for_each_link(|link| {
                serde_json::to_writer(&mut *out, &link)?;
                out.write_all(b"\n")
            })
        })?;
        picked = picked_here;
        report.dedup = Some(decisions.summary);
        clusters = decisions.clusters;
        texts = sampled;
    }
    // The work folder (spool, sketches, links) is no longer needed.
    drop(scratch);
    let written = match config.write_corpus {
        true => sink::Written {
            files: output.files,
            bytes: output.bytes,
        },
        false => discard.written,
    };
    report.output.files = written.files;
    report.output.bytes = written.bytes;
    let mut json = serde_json::to_vec_pretty(&report).context("cannot serialize the report")?;
    json.push(b'\n');
    output.write_extra(
        HTML_NAME,
        html::render(&html::Page {
            report: &report,
            clusters: &clusters,
            picked: &picked,
            texts: &texts,
            samples: &samples,
        })
        .as_bytes(),
    )?;
    output.write_extra(REPORT_NAME, &json)?;
    output.commit()?;
    out_dir.keep();
    Ok(RunOutcome { report })
}

/// What the end of the main pass says: ids seen twice; no document at all is an error.
fn after_main_pass(
    config: &RunConfig,
    tally: &Tally,
    notices: &mut dyn Notices,
) -> anyhow::Result<()> {
    if let Some(RepeatedIds {
        repeats,
        first: Some(first),
        ..
    }) = &tally.ids
    {
        notices.note(&format!(
            "warning: {repeats} documents have an id an earlier document already has \
             (the first: {first:?}); clusters.jsonl and passages.jsonl name documents by id, so \
             these are ambiguous there (--id-field chooses the id)"
        ));
    }
    if tally.input.documents == 0 {
        bail!(
            "{} (every input file was empty or unreadable: see the problems above)",
            no_input(config, &[])
        );
    }
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

/// What the formats' writers need of the run's settings: the text field, and whether dedup
/// annotates (it must run for that).
pub(crate) fn write_options(config: &RunConfig, dedup: bool) -> format::WriteOptions {
    format::WriteOptions {
        text_field: config.read.text_field.clone(),
        annotate: dedup && config.dedup.action == DedupAction::Annotate,
    }
}

/// Says that `--dedup annotate` leaves files of formats without room for the annotation (text)
/// as they are ([`crate::format::Format::annotates`]).
fn warn_annotate_on_text(config: &RunConfig, files: &[InputFile], notices: &mut dyn Notices) {
    if config.dedup.action != DedupAction::Annotate {
        return;
    }
    let unmarked = files.iter().filter(|f| !f.format.annotates()).count();
    if unmarked == 0 {
        return;
    }
    // The formats with room for it, and those of the files without.
    let names = |annotates: bool| {
        format::FORMATS
            .iter()
            .filter(|format| format.annotates() == annotates)
            .filter(|format| annotates || files.iter().any(|f| f.format.tag() == format.tag()))
            .map(|format| format.description())
            .collect::<Vec<_>>()
            .join(" and ")
    };
    notices.note(&format!(
        "warning: --dedup annotate marks {} records only; the duplicates among the {unmarked} \
         {} files are kept as they are, unmarked (clusters.jsonl lists them)",
        names(true),
        names(false)
    ));
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
