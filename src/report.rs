//! The JSON report (`OUT/report.json`) and the human summary, built from per-stage statistics.
//!
//! Everything here is plain data filled in by the pipeline; the only logic is formatting.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::dedup::DedupSummary;
use crate::document::DecodeMethod;
use crate::error::{Location, Problem};
use crate::stage::Counters;

/// Problems listed one by one in the report; beyond this they are only counted.
pub const MAX_LISTED_PROBLEMS: usize = 1000;
/// Transcoded documents listed one by one in the report; beyond this they are only counted.
pub const MAX_LISTED_TRANSCODED: usize = 10_000;
/// Flagged documents listed per stage; beyond this they are only counted.
pub const MAX_LISTED_FLAGGED: usize = 1000;

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub textwash_version: &'static str,
    pub command: &'static str,
    pub inputs: Vec<String>,
    pub output_dir: String,
    pub threads: usize,
    pub input: Totals,
    pub output: Totals,
    /// Documents by the encoding their bytes were decoded from.
    pub encodings: BTreeMap<&'static str, u64>,
    /// Every document that was not plain UTF-8, with its encoding (the first
    /// [`MAX_LISTED_TRANSCODED`]; `transcoded_omitted` counts the rest).
    pub transcoded: Vec<Transcoded>,
    pub transcoded_omitted: u64,
    pub stages: Stages,
    pub wall_seconds: f64,
    /// Input megabytes (10^6 bytes, after decompression) per second of wall time.
    pub throughput_mb_per_s: f64,
    pub problems: Problems,
    /// What dedup found over the corpus, when it ran.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dedup: Option<DedupSummary>,
    /// Documents, documents with mojibake repaired and boilerplate lines removed, per source.
    pub sources: BTreeMap<String, SourceFigures>,
    /// What `check` counted (lines, mojibake, boilerplate, short documents), when it ran.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audit: Option<crate::audit::Audit>,
}

/// What happened to one source's documents.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SourceFigures {
    pub documents: u64,
    pub mojibake_documents: u64,
    pub boilerplate_lines: u64,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Totals {
    pub files: u64,
    pub documents: u64,
    /// Bytes after decompression: records or whole files as read, or as written.
    pub bytes: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Transcoded {
    pub id: String,
    #[serde(flatten)]
    pub origin: Location,
    pub encoding: &'static str,
    pub method: DecodeMethod,
    pub had_errors: bool,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Stages {
    pub read: StageReport,
    pub repair: StageReport,
    pub strip: StageReport,
    pub dedup: StageReport,
    pub write: StageReport,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum StageStatus {
    #[default]
    Ran,
    /// Not asked for with `--stages`.
    NotSelected,
    /// Asked for, but this build does not have the stage yet: documents passed through.
    NotImplemented,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct StageReport {
    pub status: StageStatus,
    pub documents_in: u64,
    pub documents_out: u64,
    pub documents_changed: u64,
    pub documents_dropped: u64,
    /// Seconds of CPU time spent in the stage, summed over threads.
    pub cpu_seconds: f64,
    pub counters: Counters,
    /// Documents the stage flagged for a look, by id (the first [`MAX_LISTED_FLAGGED`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub flagged: Vec<Flagged>,
    #[serde(skip_serializing_if = "is_zero")]
    pub flagged_count: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// A document a stage flagged, and why.
#[derive(Debug, Clone, Serialize)]
pub struct Flagged {
    pub id: String,
    pub reason: &'static str,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Problems {
    /// Records and files skipped.
    pub count: u64,
    pub by_kind: BTreeMap<&'static str, u64>,
    /// The first [`MAX_LISTED_PROBLEMS`], in input order.
    pub list: Vec<Problem>,
    pub omitted: u64,
}

impl Problems {
    pub fn add(&mut self, problem: Problem) {
        self.count += 1;
        *self.by_kind.entry(problem.kind.code()).or_default() += 1;
        if self.list.len() < MAX_LISTED_PROBLEMS {
            self.list.push(problem);
        } else {
            self.omitted += 1;
        }
    }
}

impl Report {
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
                StageStatus::NotImplemented => {
                    format!("{name} not implemented yet (passed through)")
                }
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
    fn sizes_read_like_ls_si() {
        assert_eq!(human_bytes(999), "999 B");
        assert_eq!(human_bytes(23_200), "23.2 kB");
        assert_eq!(human_bytes(2_000_000_000), "2.0 GB");
    }
}
