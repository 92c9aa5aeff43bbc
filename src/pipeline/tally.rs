//! The report builder: counts what the main pass and dedup's filter did, document by document,
//! and becomes the [`Report`] at the end. It only counts: what to print, and whether to stop
//! at a problem, is decided by the pass that feeds it.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use xxhash_rust::xxh3::xxh3_64;

use crate::audit::Audit;
use crate::config::RunConfig;
use crate::error::Problem;
use crate::report::{
    Flagged, NameCounts, Problems, Report, SourceFigures, StageReport, StageStatus, Stages, Totals,
    Transcoded, MAX_LISTED_FLAGGED, MAX_LISTED_TRANSCODED,
};
use crate::sample::Samples;
use crate::stage::StageName;

use super::unit::{DocFacts, StageRun};

/// Ids seen more than once, by a hash of each id (8 bytes a document).
#[derive(Debug, Default)]
pub(crate) struct RepeatedIds {
    seen: std::collections::HashSet<u64>,
    /// Documents whose id an earlier document had.
    pub repeats: u64,
    /// The first id seen again.
    pub first: Option<String>,
}

impl RepeatedIds {
    fn add(&mut self, id: &str) {
        if !self.seen.insert(xxh3_64(id.as_bytes())) {
            self.repeats += 1;
            self.first.get_or_insert_with(|| id.to_string());
        }
    }
}

/// Running totals for the report.
pub(crate) struct Tally {
    /// Ids already seen, when the run warns about repeated ones.
    pub ids: Option<RepeatedIds>,
    audit: Option<Audit>,
    sources: BTreeMap<String, SourceFigures>,
    /// Input documents, bytes (files are set at the end).
    pub input: Totals,
    output_documents: u64,
    encodings: NameCounts,
    transcoded: Vec<Transcoded>,
    transcoded_omitted: u64,
    parse_time: Duration,
    /// Time the writer spent handing results to the sink.
    pub write_time: Duration,
    stages: BTreeMap<StageName, StageReport>,
    /// Problems so far.
    pub problems: Problems,
    /// Examples of the changes, for report.html.
    pub samples: Samples,
}

impl Tally {
    /// An empty tally; with `audit`, it counts what `check` needs, and with `ids` it watches
    /// for ids seen twice.
    pub(crate) fn new(audit: bool, ids: bool) -> Tally {
        Tally {
            ids: ids.then(RepeatedIds::default),
            audit: audit.then(Audit::default),
            sources: BTreeMap::new(),
            input: Totals::default(),
            output_documents: 0,
            encodings: BTreeMap::new(),
            transcoded: Vec::new(),
            transcoded_omitted: 0,
            parse_time: Duration::ZERO,
            write_time: Duration::ZERO,
            stages: BTreeMap::new(),
            problems: Problems::default(),
            samples: Samples::default(),
        }
    }

    /// One record or file skipped.
    pub(crate) fn problem(&mut self, problem: Problem) {
        self.problems.add(problem);
    }

    /// One document read, kept or not.
    pub(crate) fn document(&mut self, facts: DocFacts, kept: bool) {
        self.input.documents += 1;
        self.output_documents += u64::from(kept);
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
        *self
            .encodings
            .entry(Cow::Borrowed(facts.decoding.encoding))
            .or_default() += 1;
        if let Some(transcoded) = facts.transcoded {
            if self.transcoded.len() < MAX_LISTED_TRANSCODED {
                self.transcoded.push(transcoded);
            } else {
                self.transcoded_omitted += 1;
            }
        }
        for mut run in facts.stages {
            let shown = std::mem::take(&mut run.notes.shown);
            self.samples.add(run.name, &facts.id, shown);
            let report = self.stages.entry(run.name).or_default();
            report.documents_in += 1;
            report.documents_changed += u64::from(run.changed);
            match run.dropped {
                Some(reason) => {
                    report.documents_dropped += 1;
                    *report.counters.entry(Cow::Borrowed(reason)).or_default() += 1;
                }
                None => report.documents_out += 1,
            }
            report.cpu_seconds += run.time.as_secs_f64();
            for (name, count) in run.notes.counters {
                *report.counters.entry(Cow::Borrowed(name)).or_default() += count;
            }
            if let Some(reason) = run.notes.flag {
                report.flagged_count += 1;
                if report.flagged.len() < MAX_LISTED_FLAGGED {
                    report.flagged.push(Flagged {
                        id: facts.id.clone(),
                        reason: Cow::Borrowed(reason),
                    });
                }
            }
        }
    }

    /// The report of a run of `config` over `files` input files, begun at `started`.
    pub(crate) fn into_report(
        mut self,
        config: &RunConfig,
        files: u64,
        started: Instant,
    ) -> Report {
        let mut stage_report = |name: StageName| {
            let mut report = self.stages.remove(&name).unwrap_or_default();
            report.status = if config.stages.contains(&name) {
                StageStatus::Ran
            } else {
                StageStatus::NotSelected
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
            textwash_version: Cow::Borrowed(env!("CARGO_PKG_VERSION")),
            command: Cow::Borrowed("run"),
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
                ..Totals::default()
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
            staged: None,
        }
    }
}

/// One more document of a source, with what its stages did.
fn count_source(figures: &mut SourceFigures, stages: &[StageRun]) {
    figures.documents += 1;
    for run in stages {
        figures.mojibake_documents += u64::from(run.notes.mojibake_repaired);
        figures.boilerplate_lines += run.notes.boilerplate_lines;
    }
}
