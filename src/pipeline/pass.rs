//! Passes over the inputs: one thread reads and cuts them into batches ([`read::batch`]), the
//! pool processes every unit of a batch in parallel ([`super::unit`]), and one more thread
//! hands the results in input order to a [`Sink`] and the report's [`Tally`]. Bounded channels
//! between the three keep a few batches in memory, whatever the corpus size.

use std::sync::mpsc::sync_channel;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;

use crate::config::{OnError, RunConfig};
use crate::dedup::DedupConfig;
use crate::document::Document;
use crate::error::Problem;
use crate::read::batch::{read_batches_reusing, Batch};
use crate::read::{self, InputFile, Unit};
use crate::stage::{build_stages, Notes, Stage, Verdict};
use crate::strip::stats::{document_lines, LineCounter};

use super::sink::Sink;
use super::tally::Tally;
use super::unit::{process_unit, Processed};
use crate::notices::Notices;

/// Batches read ahead of the one being processed.
const READ_AHEAD: usize = 2;
/// Processed batches waiting for the writer.
const WRITE_BEHIND: usize = 2;

/// Counts a problem, or stops the run at it with `--on-error fail`.
pub(crate) fn problem(
    config: &RunConfig,
    tally: &mut Tally,
    notices: &mut dyn Notices,
    problem: Problem,
) -> anyhow::Result<()> {
    if config.on_error == OnError::Fail {
        bail!("{problem}\nstopped at the first problem (--on-error fail); nothing was written");
    }
    notices.problem(&problem, tally.problems.count);
    tally.problem(problem);
    Ok(())
}

/// The main pass: reads `files`, runs every unit through `stages` on the pool (sketching it for
/// dedup when `sketch` is given), and hands the results in input order to `sink` and `tally`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn main_pass(
    config: &RunConfig,
    files: &[InputFile],
    pool: &rayon::ThreadPool,
    stages: &[Box<dyn Stage>],
    sketch: Option<&DedupConfig>,
    tally: &mut Tally,
    notices: &mut dyn Notices,
    sink: &mut dyn Sink,
) -> anyhow::Result<()> {
    let progress = progress_bar(config, files, None);
    let (batch_sender, batch_receiver) = sync_channel::<Batch>(READ_AHEAD);
    // Batches' buffers go back to the reader once processed, to be filled again.
    let (spare_sender, spare_receiver) = sync_channel::<Vec<u8>>(READ_AHEAD + 1);
    let (result_sender, result_receiver) = sync_channel::<(u64, u64, Vec<Processed>)>(WRITE_BEHIND);
    // The reader is not joined: when the run stops early it may be blocked reading a pipe that
    // never closes, and it stops by itself at its next send once the receiver is gone.
    {
        let files = files.to_vec();
        let progress = progress.clone();
        let cutting = config.cutting();
        let read = config.read.clone();
        std::thread::Builder::new()
            .name("textwash-read".into())
            .spawn(move || {
                read_batches_reusing(
                    &files,
                    &read,
                    cutting,
                    &progress,
                    &spare_receiver,
                    |batch| batch_sender.send(batch).is_ok(),
                )
            })
            .context("cannot start the reading thread")?;
    }
    std::thread::scope(|scope| -> anyhow::Result<()> {
        let progress = &progress;
        let writer = scope.spawn(|| -> anyhow::Result<()> {
            // Input bytes since memory kept for the batches was last returned (`memory`).
            let mut unreturned = 0u64;
            for (bytes_read, null_texts, results) in result_receiver {
                unreturned += bytes_read;
                if unreturned >= crate::memory::RETURN_EVERY {
                    unreturned = 0;
                    crate::memory::return_kept();
                }
                tally.input.bytes += bytes_read;
                tally.input.null_texts += null_texts;
                let write_started = Instant::now();
                for result in results {
                    match result {
                        Processed::Start(file) => sink.start_file(file)?,
                        Processed::End => sink.end_file()?,
                        Processed::Problem(p) => problem(config, tally, notices, p)?,
                        Processed::Dropped { facts } => tally.document(facts, false),
                        Processed::Kept { doc, facts } => {
                            tally.document(facts, true);
                            sink.document(doc)?;
                        }
                    }
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
                    .map(|unit| process_unit(unit, &batch.data, files, config, stages, sketch))
                    .collect()
            });
            if result_sender
                .send((batch.bytes_read, batch.null_texts, results))
                .is_err()
            {
                break;
            }
            let _ = spare_sender.try_send(batch.data);
        }
        drop(result_sender);
        writer
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })?;
    progress.finish_and_clear();
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
    notices: &mut dyn Notices,
    what: &str,
    label: &'static str,
    before: &[Box<dyn Stage>],
    each: impl Fn(&Document) -> T + Sync,
    mut consume: impl FnMut(T),
) {
    let readable: Vec<InputFile> = files.iter().filter(|f| f.path.is_some()).cloned().collect();
    if readable.len() < files.len() && config.summary {
        notices.note(&format!("standard input is left out of {what}"));
    }
    let progress = progress_bar(config, &readable, Some(label));
    let (spare_sender, spare_receiver) = sync_channel::<Vec<u8>>(1);
    read_batches_reusing(
        &readable,
        &config.read,
        config.cutting(),
        &progress,
        &spare_receiver,
        |batch| {
            let results: Vec<T> = pool.install(|| {
                batch
                    .units
                    .par_iter()
                    .filter_map(|unit| {
                        if !matches!(unit, Unit::Record { .. }) {
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
            let _ = spare_sender.try_send(batch.data);
            true
        },
    );
    progress.finish_and_clear();
}

/// The first pass of the strip stage: counts, per source, the documents each short line occurs
/// in, over the text as repair leaves it.
pub(crate) fn count_lines(
    config: &RunConfig,
    files: &[InputFile],
    pool: &rayon::ThreadPool,
    notices: &mut dyn Notices,
) -> LineCounter {
    let stats = config.strip.stats.clone().unwrap_or_default();
    let repair: Vec<Box<dyn Stage>> = build_stages(&config.stages, &config.repair, None);
    let mut counter = LineCounter::default();
    survey_pass(
        config,
        files,
        pool,
        notices,
        "the cross-document statistics",
        "counting repeated lines",
        &repair,
        |doc| document_lines(&doc.source, &doc.text, stats.max_words),
        |lines| counter.add(lines),
    );
    counter
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
/// are ([`crate::progress::Progress`]); hidden without a terminal or with `-q`.
pub(crate) fn steps_bar(config: &RunConfig) -> ProgressBar {
    if !config.progress {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new_spinner();
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}
