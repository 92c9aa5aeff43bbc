//! The JSON report (`OUT/report.json`) and the human summary, built from per-stage statistics.
//!
//! Everything here is plain data filled in by the pipeline, read back by the staged `report`
//! task and merged there ([`Report::merge`]); the only other logic is formatting.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::audit::Audit;
use crate::dedup::DedupSummary;
use crate::document::DecodeMethod;
use crate::error::{Location, Problem};

/// A name in the report (a fix, a rule, a reason, an encoding, a kind of problem): borrowed
/// while a run counts, owned when a report is read back.
pub type Name = Cow<'static, str>;
/// Counts by name, sorted so reports are stable.
pub type NameCounts = BTreeMap<Name, u64>;

/// Problems listed one by one in the report; beyond this they are only counted.
pub const MAX_LISTED_PROBLEMS: usize = 1000;
/// Transcoded documents listed one by one in the report; beyond this they are only counted.
pub const MAX_LISTED_TRANSCODED: usize = 10_000;
/// Flagged documents listed per stage; beyond this they are only counted.
pub const MAX_LISTED_FLAGGED: usize = 1000;

/// report.json: what a run read, did and wrote.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    /// The textwash that wrote it.
    pub textwash_version: Name,
    /// `run`, or `staged` for a staged run's merged report.
    pub command: Name,
    /// The inputs, as given.
    pub inputs: Vec<String>,
    /// The output folder.
    pub output_dir: String,
    /// Worker threads.
    pub threads: usize,
    /// What was read.
    pub input: Totals,
    /// What was written (the corpus; not the report and lists beside it).
    pub output: Totals,
    /// Documents by the encoding their bytes were decoded from.
    pub encodings: NameCounts,
    /// Every document that was not plain UTF-8, with its encoding (the first
    /// [`MAX_LISTED_TRANSCODED`]; `transcoded_omitted` counts the rest).
    pub transcoded: Vec<Transcoded>,
    /// Transcoded documents beyond the listed ones.
    pub transcoded_omitted: u64,
    /// Each stage's figures.
    pub stages: Stages,
    /// Seconds from start to end (a staged run: its tasks' seconds summed).
    pub wall_seconds: f64,
    /// Input megabytes (10^6 bytes, after decompression) per second of wall time.
    pub throughput_mb_per_s: f64,
    /// Records and files skipped.
    pub problems: Problems,
    /// What dedup found over the corpus, when it ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dedup: Option<DedupSummary>,
    /// Documents, documents with mojibake repaired and boilerplate lines removed, per source.
    pub sources: BTreeMap<String, SourceFigures>,
    /// What `check` counted (lines, mojibake, boilerplate, short documents), when it ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audit: Option<Audit>,
    /// How a staged run's tasks went (the staged `report` task only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub staged: Option<StagedFigures>,
}

/// The tasks of a staged run.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct StagedFigures {
    /// Ranks the corpus was cut into.
    pub world_size: u32,
    /// Ranges of first documents whose candidate pairs were verified by separate tasks.
    #[serde(default)]
    pub verify_parts: u32,
    /// Seconds of each wave's tasks, summed.
    pub task_seconds: BTreeMap<Name, f64>,
}

/// What happened to one source's documents.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SourceFigures {
    /// Documents of the source.
    pub documents: u64,
    /// Its documents in which repair undid mojibake.
    pub mojibake_documents: u64,
    /// Boilerplate lines removed from its documents.
    pub boilerplate_lines: u64,
}

/// Duplicates the kept member covers least, listed in [`DuplicateCoverage::lowest`].
pub const MAX_LISTED_LOW_COVERAGE: usize = 10;

/// Dedup's duplicates (dropped, or annotated) by their coverage: the share of a duplicate's
/// words that its kept member covers, in order. Exact copies are covered whole; a coverage near
/// the 80% floor is the drop most worth a look.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DuplicateCoverage {
    /// Duplicates counted.
    pub duplicates: u64,
    /// Duplicates by coverage in tenths of a percent, rounded down: `"912"` counts those
    /// covered 91.2% to 91.3%, `"1000"` those covered whole.
    pub by_permille: BTreeMap<u16, u64>,
    /// The duplicates covered least, lowest first (the first [`MAX_LISTED_LOW_COVERAGE`]; ties
    /// in cluster order).
    pub lowest: Vec<LowCoverage>,
}

/// A duplicate and how much of it its kept member covers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LowCoverage {
    /// The duplicate's id.
    pub id: String,
    /// The id of the kept member it is a duplicate of.
    pub kept: String,
    /// Its cluster in clusters.jsonl.
    pub cluster: u32,
    /// The share of its words the kept member covers.
    pub coverage: f64,
    /// The similarity of their passages.
    pub similarity: f64,
}

impl DuplicateCoverage {
    /// Counts a duplicate.
    pub fn add(&mut self, duplicate: LowCoverage) {
        self.duplicates += 1;
        let permille = (duplicate.coverage.clamp(0.0, 1.0) * 1000.0 + 1e-9).floor() as u16;
        *self.by_permille.entry(permille).or_default() += 1;
        let full = self.lowest.len() == MAX_LISTED_LOW_COVERAGE;
        if full
            && self
                .lowest
                .last()
                .is_some_and(|l| l.coverage <= duplicate.coverage)
        {
            return;
        }
        let at = self
            .lowest
            .partition_point(|l| l.coverage <= duplicate.coverage);
        self.lowest.insert(at, duplicate);
        self.lowest.truncate(MAX_LISTED_LOW_COVERAGE);
    }

    /// Duplicates covered less than `share` (to a tenth of a percent).
    pub fn below(&self, share: f64) -> u64 {
        let limit = (share * 1000.0).round();
        self.by_permille
            .iter()
            .filter(|(&permille, _)| f64::from(permille) < limit)
            .map(|(_, n)| n)
            .sum()
    }

    /// The lowest coverage of a duplicate, if there is one.
    pub fn min(&self) -> Option<f64> {
        self.lowest.first().map(|l| l.coverage)
    }
}

/// Files, documents and bytes.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Totals {
    /// Files.
    pub files: u64,
    /// Documents.
    pub documents: u64,
    /// Bytes after decompression: records or whole files as read, or as written.
    pub bytes: u64,
    /// Rows of a table (Parquet) whose text is null: no document, written back as they were.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub null_texts: u64,
}

/// A document decoded from bytes that were not plain UTF-8.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Transcoded {
    /// The document's id.
    pub id: String,
    /// Where it was read.
    #[serde(flatten)]
    pub origin: Location,
    /// The encoding it was decoded from.
    pub encoding: Name,
    /// How the encoding was chosen.
    pub method: DecodeMethod,
    /// Whether some bytes could not be decoded.
    pub had_errors: bool,
}

/// The figures of each stage, in pipeline order.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Stages {
    /// Reading and decoding.
    pub read: StageReport,
    /// Repair.
    pub repair: StageReport,
    /// Strip.
    pub strip: StageReport,
    /// Dedup.
    pub dedup: StageReport,
    /// Writing.
    pub write: StageReport,
}

/// Whether a stage ran.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StageStatus {
    /// Selected, and ran.
    #[default]
    Ran,
    /// Not asked for with `--stages`.
    NotSelected,
}

/// What one stage did.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct StageReport {
    /// Whether it ran.
    pub status: StageStatus,
    /// Documents it was given.
    pub documents_in: u64,
    /// Documents it passed on.
    pub documents_out: u64,
    /// Documents whose text it changed.
    pub documents_changed: u64,
    /// Documents it left out.
    pub documents_dropped: u64,
    /// Seconds of CPU time spent in the stage, summed over threads.
    pub cpu_seconds: f64,
    /// What it did, by fix, rule or reason.
    pub counters: NameCounts,
    /// Documents the stage flagged for a look, by id (the first [`MAX_LISTED_FLAGGED`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flagged: Vec<Flagged>,
    /// Documents flagged, listed or not.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub flagged_count: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// A document a stage flagged, and why.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Flagged {
    /// The document's id.
    pub id: String,
    /// Why it was flagged.
    pub reason: Name,
}

/// Records and files skipped, by kind, the first listed.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Problems {
    /// Records and files skipped.
    pub count: u64,
    /// Problems by kind.
    pub by_kind: NameCounts,
    /// The first [`MAX_LISTED_PROBLEMS`], in input order.
    pub list: Vec<ListedProblem>,
    /// Problems beyond the listed ones.
    pub omitted: u64,
}

/// A problem as the report lists it: where, its kind's code and its message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListedProblem {
    /// The file.
    pub file: Arc<str>,
    /// The line, for JSON Lines.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// The kind's short code.
    pub kind: Name,
    /// What was wrong.
    pub message: String,
}

impl From<&Problem> for ListedProblem {
    fn from(problem: &Problem) -> ListedProblem {
        ListedProblem {
            file: problem.location.file.clone(),
            line: problem.location.line,
            kind: Cow::Borrowed(problem.kind.code()),
            message: problem.kind.to_string(),
        }
    }
}

impl Problems {
    /// Counts a problem, listing it while the list has room.
    pub fn add(&mut self, problem: Problem) {
        self.count += 1;
        *self
            .by_kind
            .entry(Cow::Borrowed(problem.kind.code()))
            .or_default() += 1;
        if self.list.len() < MAX_LISTED_PROBLEMS {
            self.list.push(ListedProblem::from(&problem));
        } else {
            self.omitted += 1;
        }
    }

    /// Another part's problems after these.
    fn merge(&mut self, other: Problems) {
        self.count += other.count;
        add_counts(&mut self.by_kind, other.by_kind);
        self.omitted += other.omitted;
        self.list.extend(other.list);
        self.omitted += cap(&mut self.list, MAX_LISTED_PROBLEMS);
    }
}

/// Keeps the first `max` entries of `list`; returns how many it left out.
fn cap<T>(list: &mut Vec<T>, max: usize) -> u64 {
    let over = list.len().saturating_sub(max) as u64;
    list.truncate(max);
    over
}

fn add_counts(into: &mut NameCounts, from: NameCounts) {
    for (name, count) in from {
        *into.entry(name).or_default() += count;
    }
}

impl Totals {
    fn add(&mut self, other: &Totals) {
        self.files += other.files;
        self.documents += other.documents;
        self.bytes += other.bytes;
        self.null_texts += other.null_texts;
    }
}

impl StageReport {
    /// Another part's figures of the same stage added; the status is this one's.
    fn merge(&mut self, other: StageReport) {
        self.documents_in += other.documents_in;
        self.documents_out += other.documents_out;
        self.documents_changed += other.documents_changed;
        self.documents_dropped += other.documents_dropped;
        self.cpu_seconds += other.cpu_seconds;
        add_counts(&mut self.counters, other.counters);
        self.flagged.extend(other.flagged);
        self.flagged.truncate(MAX_LISTED_FLAGGED);
        self.flagged_count += other.flagged_count;
    }
}

impl Stages {
    fn merge(&mut self, other: Stages) {
        self.read.merge(other.read);
        self.repair.merge(other.repair);
        self.strip.merge(other.strip);
        self.dedup.merge(other.dedup);
        self.write.merge(other.write);
    }
}

impl Report {
    /// Adds the report of another part of the same run (a staged run's shard, in rank order):
    /// counts add, lists join up to their caps (the rest counted as omitted), maps merge name by
    /// name. What is one per run (version, command, inputs, output folder, threads, stage
    /// status, dedup's summary when this one has it) stays this one's.
    pub fn merge(&mut self, other: Report) {
        self.input.add(&other.input);
        self.output.add(&other.output);
        add_counts(&mut self.encodings, other.encodings);
        self.transcoded.extend(other.transcoded);
        self.transcoded_omitted += other.transcoded_omitted;
        self.transcoded_omitted += cap(&mut self.transcoded, MAX_LISTED_TRANSCODED);
        self.stages.merge(other.stages);
        self.wall_seconds += other.wall_seconds;
        self.throughput_mb_per_s += other.throughput_mb_per_s;
        self.problems.merge(other.problems);
        if self.dedup.is_none() {
            self.dedup = other.dedup;
        }
        for (source, figures) in other.sources {
            let into = self.sources.entry(source).or_default();
            into.documents += figures.documents;
            into.mojibake_documents += figures.mojibake_documents;
            into.boilerplate_lines += figures.boilerplate_lines;
        }
        match (&mut self.audit, other.audit) {
            (Some(audit), Some(other)) => audit.merge(other),
            (audit @ None, other) => *audit = other,
            (Some(_), None) => {}
        }
        if self.staged.is_none() {
            self.staged = other.staged;
        }
    }

    /// Counts what dedup's filter did after the main pass: duplicates left out (no longer
    /// written) or annotated, by reason, and the records it gave a `dedup` field (documents it
    /// changed).
    pub fn count_filtered(&mut self, dropped: &NameCounts, flagged: &NameCounts, annotated: u64) {
        // A record given a `dedup` field is a document dedup changed.
        self.stages.dedup.documents_changed += annotated;
        let dedup = &mut self.stages.dedup;
        for (reason, &count) in dropped {
            dedup.documents_dropped += count;
            dedup.documents_out = dedup.documents_out.saturating_sub(count);
            self.output.documents = self.output.documents.saturating_sub(count);
            let write = &mut self.stages.write;
            write.documents_in = write.documents_in.saturating_sub(count);
            write.documents_out = write.documents_out.saturating_sub(count);
            *dedup.counters.entry(reason.clone()).or_default() += count;
        }
        for (reason, &count) in flagged {
            *dedup.counters.entry(reason.clone()).or_default() += count;
        }
    }

    /// A few lines for stderr.
    pub fn summary(&self) -> String {
        let mut out = format!(
            "textwash: {} documents in ({}) → {} out ({}) in {:.2} s, {:.1} MB/s\n",
            self.input.documents,
            human_bytes(self.input.bytes),
            self.output.documents,
            human_bytes(self.output.bytes),
            self.wall_seconds,
            self.throughput_mb_per_s,
        );
        let stages = [
            ("repair", &self.stages.repair),
            ("strip", &self.stages.strip),
            ("dedup", &self.stages.dedup),
        ];
        let described: Vec<String> = stages
            .iter()
            .map(|(name, stage)| match stage.status {
                StageStatus::Ran => format!(
                    "{name} changed {} dropped {}",
                    stage.documents_changed, stage.documents_dropped
                ),
                StageStatus::NotSelected => format!("{name} not selected"),
            })
            .collect();
        out.push_str(&format!("  stages: {}\n", described.join("; ")));
        let transcoded: u64 = self.transcoded.len() as u64 + self.transcoded_omitted;
        if transcoded > 0 {
            let encodings: Vec<String> = self
                .encodings
                .iter()
                .filter(|(name, _)| **name != "UTF-8")
                .map(|(name, count)| format!("{name} {count}"))
                .collect();
            out.push_str(&format!(
                "  decoded from other encodings: {transcoded} ({})\n",
                encodings.join(", ")
            ));
        }
        if self.problems.count > 0 {
            let kinds: Vec<String> = self
                .problems
                .by_kind
                .iter()
                .map(|(kind, count)| format!("{kind} {count}"))
                .collect();
            out.push_str(&format!(
                "  skipped {} (problems: {})\n",
                self.problems.count,
                kinds.join(", ")
            ));
        }
        out.push_str(&format!(
            "  report: {dir}/report.json, {dir}/report.html\n",
            dir = self.output_dir
        ));
        out
    }
}

/// `1.5 MB`-style sizes (powers of 1000, as `ls --si`).
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "kB", "MB", "GB", "TB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit < UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicates_are_counted_by_coverage_and_the_lowest_listed() {
        let mut coverage = DuplicateCoverage::default();
        for (i, share) in [
            1.0, 0.8935, 0.95, 0.9, 0.8999, 1.0, 0.81, 0.97, 0.85, 0.86, 0.87, 0.88,
        ]
        .into_iter()
        .enumerate()
        {
            coverage.add(LowCoverage {
                id: format!("d{i}"),
                kept: "k".into(),
                cluster: i as u32,
                coverage: share,
                similarity: 1.0,
            });
        }
        assert_eq!(coverage.duplicates, 12);
        assert_eq!(coverage.below(0.9), 7, "0.8935, 0.8999, 0.81, 0.85…0.88");
        assert_eq!(coverage.below(0.8), 0);
        assert_eq!(coverage.below(1.0), 10);
        assert_eq!(coverage.below(0.95), 8);
        assert_eq!(coverage.min(), Some(0.81));
        let lowest: Vec<f64> = coverage.lowest.iter().map(|l| l.coverage).collect();
        assert_eq!(
            lowest,
            [0.81, 0.85, 0.86, 0.87, 0.88, 0.8935, 0.8999, 0.9, 0.95, 0.97]
        );
        // Ties keep the order they came in.
        let mut ties = DuplicateCoverage::default();
        for id in ["a", "b"] {
            ties.add(LowCoverage {
                id: id.into(),
                kept: "k".into(),
                cluster: 1,
                coverage: 0.9,
                similarity: 1.0,
            });
        }
        assert_eq!(ties.lowest[0].id, "a");
    }

    fn part(problems: usize, counted: u64) -> Report {
        let mut tally = crate::pipeline::tally::Tally::new(false, false);
        for line in 0..problems as u64 {
            tally.problem(Problem {
                location: Location::line(&Arc::from("in.jsonl"), line + 1),
                kind: crate::error::ProblemKind::EmptyFile,
            });
        }
        let cli = <crate::cli::Cli as clap::Parser>::parse_from([
            "textwash", "run", "in.jsonl", "-o", "out",
        ]);
        let crate::cli::Command::Run(args) = cli.command else {
            unreachable!("parsed as run")
        };
        let config = crate::config::RunConfig::from_args(args).unwrap();
        let mut report = tally.into_report(&config, 1, std::time::Instant::now());
        report
            .stages
            .strip
            .counters
            .insert(Cow::Borrowed("advertisement"), counted);
        report
    }

    #[test]
    fn a_report_reads_back_as_written_and_merges_by_adding() {
        let report = part(3, 2);
        let json = serde_json::to_string(&report).unwrap();
        let back: Report = serde_json::from_str(&json).unwrap();
        assert_eq!(serde_json::to_string(&back).unwrap(), json);

        let mut merged = part(600, 2);
        merged.merge(back);
        merged.merge(part(600, 5));
        assert_eq!(merged.problems.count, 1203);
        assert_eq!(merged.problems.by_kind["empty-file"], 1203);
        assert_eq!(merged.problems.list.len(), MAX_LISTED_PROBLEMS);
        assert_eq!(merged.problems.omitted, 203);
        assert_eq!(
            merged.problems.list[600].line,
            Some(1),
            "lists join in order"
        );
        assert_eq!(merged.stages.strip.counters["advertisement"], 9);
        assert_eq!(merged.stages.read.documents_in, 1203);
    }

    #[test]
    fn sizes_read_like_ls_si() {
        assert_eq!(human_bytes(999), "999 B");
        assert_eq!(human_bytes(23_200), "23.2 kB");
        assert_eq!(human_bytes(2_000_000_000), "2.0 GB");
    }
}
