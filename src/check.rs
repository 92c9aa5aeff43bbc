//! `textwash check`: the pipeline as a dry run (nothing of the corpus is written), its figures
//! held against thresholds, and a verdict for people (a table), programs (JSON) or CI logs
//! (GitHub Actions annotations).
//!
//! Lines and documents are both counted: a whole article on one line is one line, so a corpus
//! of such articles hides its mojibake and boilerplate in a share of lines.
//!
//! Default thresholds, and why:
//! - **mojibake 0.1% of lines** (repaired, or characters misread in a single-byte encoding
//!   that repair cannot fix): a clean export has none; a few lines in a thousand is a source
//!   that needs its decoding fixed before analysis.
//! - **mojibake 1% of documents**: one document in a hundred with misread text is a source
//!   decoded wrongly, however long its articles.
//! - **duplicates 5% of documents** (exact or near): news dumps normally carry some wire copy
//!   reprinted by several outlets; more than one document in twenty means the dump was not
//!   deduplicated.
//! - **boilerplate 1% of lines**: after extraction, page furniture should be rare; more means the
//!   extractor or the crawl kept navigation, credits or newsletter prompts.
//! - **boilerplate 5% of documents**: one document in twenty with a line or a credit for strip
//!   to remove is an extractor that keeps furniture, even where documents are long.
//! - **duplicates' coverage: off** unless `--min-drop-coverage` gives it: dedup drops nothing its
//!   kept member covers less than 80%; a gate may ask for more.
//! - **invalid records 0**: a record that does not parse is data lost, and CI should say so.

use std::fmt::Write as _;

use anyhow::Context;
use serde::Serialize;

use crate::cli::{CheckArgs, CheckFormatArg};
use crate::config::{load_check_table, CheckTable, RunConfig};
use crate::exit::ExitCode;
use crate::report::Report;

/// A threshold: a share of the whole, or a count.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Limit {
    /// A share of the total (`0.1%`, `0.05`).
    Share(f64),
    /// A count (`0`, `12`).
    Count(u64),
}

impl Limit {
    /// `0.1%` and `0.001` are shares; `0` and `12` are counts.
    pub fn parse(text: &str) -> anyhow::Result<Limit> {
        let text = text.trim();
        let bad = || anyhow::anyhow!("{text:?} is not a limit (examples: 0.1%, 5%, 0.05, 0, 12)");
        if let Some(percent) = text.strip_suffix('%') {
            let value: f64 = percent.trim().parse().map_err(|_| bad())?;
            if !(0.0..=100.0).contains(&value) {
                return Err(bad());
            }
            return Ok(Limit::Share(value / 100.0));
        }
        if text.contains('.') {
            let value: f64 = text.parse().map_err(|_| bad())?;
            if !(0.0..=1.0).contains(&value) {
                return Err(bad());
            }
            return Ok(Limit::Share(value));
        }
        text.parse().map(Limit::Count).map_err(|_| bad())
    }

    fn allows(&self, count: u64, total: u64) -> bool {
        match *self {
            Limit::Count(max) => count <= max,
            Limit::Share(max) => (count as f64) <= max * total as f64 + 1e-9,
        }
    }
}

impl std::fmt::Display for Limit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Limit::Share(share) => write!(f, "{}%", trim_float(share * 100.0)),
            Limit::Count(count) => write!(f, "{count}"),
        }
    }
}

fn trim_float(x: f64) -> String {
    let text = format!("{x:.4}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// The thresholds `check` applies.
#[derive(Debug, Clone, PartialEq)]
pub struct Limits {
    /// `--max-mojibake`, a share of lines.
    pub mojibake: Limit,
    /// `--max-mojibake-documents`.
    pub mojibake_documents: Limit,
    /// `--max-duplicates`.
    pub duplicates: Limit,
    /// `--max-boilerplate`, a share of lines.
    pub boilerplate: Limit,
    /// `--max-boilerplate-documents`.
    pub boilerplate_documents: Limit,
    /// `--max-invalid`.
    pub invalid: Limit,
    /// `--min-drop-coverage`: every duplicate must be covered at least this much by its kept
    /// member (off when `None`).
    pub min_drop_coverage: Option<f64>,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            mojibake: Limit::Share(0.001),
            mojibake_documents: Limit::Share(0.01),
            duplicates: Limit::Share(0.05),
            boilerplate: Limit::Share(0.01),
            boilerplate_documents: Limit::Share(0.05),
            invalid: Limit::Count(0),
            min_drop_coverage: None,
        }
    }
}

/// How the verdict is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckFormat {
    /// Lines for a person.
    Human,
    /// One JSON object.
    Json,
    /// GitHub Actions annotations.
    Github,
}

/// Everything `textwash check` needs.
pub struct CheckConfig {
    /// The run `check` makes (dry: the corpus is counted, not written).
    pub run: RunConfig,
    /// The thresholds.
    pub limits: Limits,
    /// How the verdict is printed.
    pub format: CheckFormat,
    /// Where to copy report.html.
    pub html: Option<std::path::PathBuf>,
    /// The folder the report goes to when none was asked for; deleted with the config.
    _scratch: Option<tempfile::TempDir>,
}

impl CheckConfig {
    /// The settings of `textwash check`: flags, then the config file's `[check]` table.
    pub fn from_args(args: CheckArgs) -> anyhow::Result<CheckConfig> {
        let table = load_check_table(args.pipeline.repair.config.as_deref())?;
        let limits = limits(&table, &args)?;
        let mut run = RunConfig::from_pipeline(args.inputs, args.input_format, args.pipeline)?;
        let scratch = match args.output {
            Some(dir) => {
                run.output = dir;
                None
            }
            None => {
                let dir = tempfile::tempdir().context("cannot make a temporary folder")?;
                run.output = dir.path().to_path_buf();
                Some(dir)
            }
        };
        // Only the report and the dedup lists are written; they replace their namesakes.
        run.force = true;
        run.write_corpus = false;
        run.audit = true;
        run.progress = false;
        run.summary = false;
        Ok(CheckConfig {
            run,
            limits,
            format: match args.format {
                CheckFormatArg::Human => CheckFormat::Human,
                CheckFormatArg::Json => CheckFormat::Json,
                CheckFormatArg::Github => CheckFormat::Github,
            },
            html: args.html,
            _scratch: scratch,
        })
    }
}

/// Defaults, then the `[check]` table, then the flags.
fn limits(table: &CheckTable, args: &CheckArgs) -> anyhow::Result<Limits> {
    let defaults = Limits::default();
    // The flag if given, else the table's value, else the default.
    let pick = |name: &str, flag: &Option<String>, default: Limit| -> anyhow::Result<Limit> {
        match flag.as_ref().or(table.get(name)) {
            Some(text) => Limit::parse(text).with_context(|| format!("--{name} / [check] {name}")),
            None => Ok(default),
        }
    };
    let min_drop_coverage = match args
        .min_drop_coverage
        .as_ref()
        .or(table.get("min-drop-coverage"))
    {
        Some(text) => {
            Some(parse_share(text).context("--min-drop-coverage / [check] min-drop-coverage")?)
        }
        None => None,
    };
    Ok(Limits {
        mojibake: pick("max-mojibake", &args.max_mojibake, defaults.mojibake)?,
        mojibake_documents: pick(
            "max-mojibake-documents",
            &args.max_mojibake_documents,
            defaults.mojibake_documents,
        )?,
        duplicates: pick("max-duplicates", &args.max_duplicates, defaults.duplicates)?,
        boilerplate: pick(
            "max-boilerplate",
            &args.max_boilerplate,
            defaults.boilerplate,
        )?,
        boilerplate_documents: pick(
            "max-boilerplate-documents",
            &args.max_boilerplate_documents,
            defaults.boilerplate_documents,
        )?,
        invalid: pick("max-invalid", &args.max_invalid, defaults.invalid)?,
        min_drop_coverage,
    })
}

/// A share (`90%`, `0.9`; `0` and `1` too), for `--min-drop-coverage`.
fn parse_share(text: &str) -> anyhow::Result<f64> {
    match Limit::parse(text)? {
        Limit::Share(share) => Ok(share),
        Limit::Count(n @ (0 | 1)) => Ok(n as f64),
        Limit::Count(_) => anyhow::bail!("{text:?} is not a share (examples: 90%, 0.9)"),
    }
}

/// One threshold held against the corpus.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    /// The threshold's name.
    pub name: &'static str,
    /// What it counted.
    pub count: u64,
    /// Out of how many.
    pub total: u64,
    /// `count / total`.
    pub share: f64,
    /// The limit, as given.
    pub limit: String,
    /// Whether it held.
    pub passed: bool,
}

/// Where to look: a document with the finding.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// The threshold it concerns.
    pub check: &'static str,
    /// The file.
    pub file: Option<String>,
    /// The line.
    pub line: Option<u64>,
    /// What was found.
    pub message: String,
}

/// The figures `check` prints besides the thresholds.
#[derive(Debug, Clone, Serialize)]
pub struct Figures {
    /// Documents read.
    pub documents: u64,
    /// Records and files skipped.
    pub invalid_records: u64,
    /// Documents by encoding.
    pub encodings: crate::report::NameCounts,
    /// Lines read.
    pub lines: u64,
    /// Lines repair fixed for mojibake or lost bytes.
    pub mojibake_lines_repaired: u64,
    /// Lines still looking misread after repair.
    pub mojibake_lines_remaining: u64,
    /// Lines as read with mojibake or misread characters, repaired or not (the mojibake
    /// threshold's count).
    pub mojibake_lines: u64,
    /// Documents with such a line.
    pub mojibake_documents: u64,
    /// Lines strip removed (or cut boilerplate out of).
    pub boilerplate_lines: u64,
    /// Documents strip removed or cut boilerplate from.
    pub boilerplate_documents: u64,
    /// Lines strip removed, by rule.
    pub boilerplate_by_rule: crate::report::NameCounts,
    /// Exact duplicates (not their kept originals).
    pub exact_duplicates: u64,
    /// Near duplicates.
    pub near_duplicates: u64,
    /// Clusters of duplicates.
    pub duplicate_clusters: u64,
    /// Duplicates by how much of their words the kept member covers.
    pub duplicates_by_coverage: Vec<CoverageBand>,
    /// The lowest coverage of a duplicate.
    pub lowest_duplicate_coverage: Option<f64>,
    /// Passages shared by documents that are not duplicates.
    pub passage_links: u64,
    /// Documents with no words.
    pub empty_documents: u64,
    /// Documents under 50 words.
    pub short_documents: u64,
}

/// Duplicates whose coverage is in a range.
#[derive(Debug, Clone, Serialize)]
pub struct CoverageBand {
    /// The range: `100%`, `95-99.9%`, … `under 80%`.
    pub coverage: &'static str,
    /// Duplicates in it.
    pub documents: u64,
}

/// Bands of coverage: a name, and the range's lower and upper end (upper excluded).
const COVERAGE_BANDS: [(&str, f64, f64); 6] = [
    ("100%", 1.0, f64::INFINITY),
    ("95-99.9%", 0.95, 1.0),
    ("90-94.9%", 0.9, 0.95),
    ("85-89.9%", 0.85, 0.9),
    ("80-84.9%", 0.8, 0.85),
    ("under 80%", 0.0, 0.8),
];

fn coverage_bands(coverage: &crate::report::DuplicateCoverage) -> Vec<CoverageBand> {
    let below = |share: f64| match share.is_finite() {
        true => coverage.below(share),
        false => coverage.duplicates,
    };
    COVERAGE_BANDS
        .iter()
        .map(|&(name, from, to)| CoverageBand {
            coverage: name,
            documents: below(to) - below(from),
        })
        .collect()
}

/// The verdict.
#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    /// Every threshold held.
    pub passed: bool,
    /// Each threshold.
    pub checks: Vec<Check>,
    /// What was counted.
    pub figures: Figures,
    /// The first offending records of each failed threshold.
    pub findings: Vec<Finding>,
}

impl Verdict {
    /// Success when every threshold held, else [`ExitCode::CheckFailed`].
    pub fn exit_code(&self) -> ExitCode {
        if self.passed {
            ExitCode::Success
        } else {
            ExitCode::CheckFailed
        }
    }
}

/// Holds a run's report against the limits.
pub fn judge(report: &Report, limits: &Limits) -> Verdict {
    let audit = report.audit.clone().unwrap_or_default();
    let dedup = report.dedup.clone().unwrap_or_default();
    let documents = report.input.documents;
    let boilerplate_by_rule = report.stages.strip.counters.clone();
    let figures = Figures {
        documents,
        invalid_records: report.problems.count,
        encodings: report.encodings.clone(),
        lines: audit.lines,
        mojibake_lines_repaired: audit.mojibake_lines,
        mojibake_lines_remaining: audit.suspicious_lines,
        mojibake_lines: audit.misread_lines,
        mojibake_documents: audit.mojibake_documents,
        boilerplate_lines: audit.boilerplate_lines,
        boilerplate_documents: audit.boilerplate_documents,
        boilerplate_by_rule,
        exact_duplicates: dedup.exact_duplicates,
        near_duplicates: dedup.near_duplicates,
        duplicate_clusters: dedup.clusters,
        duplicates_by_coverage: coverage_bands(&dedup.duplicate_coverage),
        lowest_duplicate_coverage: dedup.duplicate_coverage.min(),
        passage_links: dedup.passage_links,
        empty_documents: audit.empty_documents,
        short_documents: audit.short_documents,
    };
    let check = |name, count: u64, total: u64, limit: &Limit| Check {
        name,
        count,
        total,
        share: if total == 0 {
            0.0
        } else {
            count as f64 / total as f64
        },
        limit: limit.to_string(),
        passed: limit.allows(count, total),
    };
    let mut checks = vec![
        check(
            "mojibake",
            audit.misread_lines,
            audit.lines,
            &limits.mojibake,
        ),
        check(
            "mojibake-documents",
            audit.mojibake_documents,
            documents,
            &limits.mojibake_documents,
        ),
        check(
            "duplicates",
            dedup.exact_duplicates + dedup.near_duplicates,
            documents,
            &limits.duplicates,
        ),
        check(
            "boilerplate",
            audit.boilerplate_lines,
            audit.lines,
            &limits.boilerplate,
        ),
        check(
            "boilerplate-documents",
            audit.boilerplate_documents,
            documents,
            &limits.boilerplate_documents,
        ),
        check(
            "invalid",
            report.problems.count,
            documents + report.problems.count,
            &limits.invalid,
        ),
    ];
    let coverage = &dedup.duplicate_coverage;
    if let Some(min) = limits.min_drop_coverage {
        let mut drop_coverage = check(
            "drop-coverage",
            coverage.below(min),
            coverage.duplicates,
            &Limit::Count(0),
        );
        drop_coverage.limit = format!("≥{}", Limit::Share(min));
        checks.push(drop_coverage);
    }
    let failed = |name: &str| checks.iter().any(|c| c.name == name && !c.passed);
    let mut findings = Vec::new();
    if failed("mojibake") || failed("mojibake-documents") {
        for e in &audit.examples.mojibake {
            findings.push(Finding {
                check: "mojibake",
                file: Some(e.file.clone()),
                line: Some(e.line),
                message: format!("mojibake in document {}", e.id),
            });
        }
    }
    if failed("boilerplate") || failed("boilerplate-documents") {
        for e in &audit.examples.boilerplate {
            findings.push(Finding {
                check: "boilerplate",
                file: Some(e.file.clone()),
                line: Some(e.line),
                message: format!("boilerplate lines in document {}", e.id),
            });
        }
    }
    if let (true, Some(min)) = (failed("drop-coverage"), limits.min_drop_coverage) {
        let below = (min * 1000.0).round() / 1000.0;
        for low in coverage.lowest.iter().filter(|l| l.coverage < below) {
            findings.push(Finding {
                check: "drop-coverage",
                file: None,
                line: None,
                message: format!(
                    "duplicate {} (cluster {}): {}, the document kept, covers {} of its words, \
                     below {}",
                    low.id,
                    low.cluster,
                    low.kept,
                    percent(low.coverage),
                    percent(min)
                ),
            });
        }
    }
    if failed("invalid") {
        for p in report.problems.list.iter().take(crate::audit::MAX_EXAMPLES) {
            findings.push(Finding {
                check: "invalid",
                file: Some(p.file.to_string()),
                line: p.line,
                message: p.message.clone(),
            });
        }
    }
    Verdict {
        passed: checks.iter().all(|c| c.passed),
        checks,
        figures,
        findings,
    }
}

/// The verdict as a table.
pub fn human(verdict: &Verdict) -> String {
    let f = &verdict.figures;
    let failed = verdict.checks.iter().filter(|c| !c.passed).count();
    let mut out = if verdict.passed {
        "textwash check: passed\n".to_string()
    } else {
        format!(
            "textwash check: FAILED ({failed} of {} thresholds)\n",
            verdict.checks.len()
        )
    };
    let _ = writeln!(out, "  {:<22} {}", "documents", f.documents);
    for c in &verdict.checks {
        let detail = match c.name {
            "mojibake" => format!(
                "repaired {}, still there {}",
                f.mojibake_lines_repaired, f.mojibake_lines_remaining
            ),
            "duplicates" => format!(
                "exact {}, near {}, in {} clusters",
                f.exact_duplicates, f.near_duplicates, f.duplicate_clusters
            ),
            "drop-coverage" => f
                .lowest_duplicate_coverage
                .map(|c| format!("lowest {}", percent(c)))
                .unwrap_or_default(),
            "boilerplate" => f
                .boilerplate_by_rule
                .iter()
                .map(|(rule, n)| format!("{rule} {n}"))
                .collect::<Vec<_>>()
                .join(", "),
            _ => String::new(),
        };
        let what = match c.name {
            "mojibake" | "boilerplate" => "lines",
            "invalid" => "records",
            "drop-coverage" => "duplicates",
            _ => "documents",
        };
        let line = format!(
            "  {:<22} {:<30} limit {:<6} {:<6} {detail}",
            c.name,
            format!("{} of {} {what} ({})", c.count, c.total, percent(c.share)),
            c.limit,
            if c.passed { "ok" } else { "FAILED" },
        );
        let _ = writeln!(out, "{}", line.trim_end());
    }
    let bands: Vec<String> = f
        .duplicates_by_coverage
        .iter()
        .filter(|b| b.documents > 0)
        .map(|b| format!("{} {}", b.coverage, b.documents))
        .collect();
    if !bands.is_empty() {
        let _ = writeln!(
            out,
            "  {:<22} {} (share of a duplicate's words its kept document covers)",
            "duplicate coverage",
            bands.join(", ")
        );
    }
    let _ = writeln!(out, "  {:<22} {}", "passage links", f.passage_links);
    let _ = writeln!(
        out,
        "  {:<22} {} empty, {} under {} words",
        "short documents",
        f.empty_documents,
        f.short_documents,
        crate::audit::SHORT_WORDS
    );
    let encodings: Vec<String> = f
        .encodings
        .iter()
        .map(|(e, n)| format!("{e} {n}"))
        .collect();
    let _ = writeln!(out, "  {:<22} {}", "encodings", encodings.join(", "));
    for finding in &verdict.findings {
        let place = match (&finding.file, finding.line) {
            (Some(file), Some(line)) => format!("{file}:{line}: "),
            (Some(file), None) => format!("{file}: "),
            _ => String::new(),
        };
        let _ = writeln!(out, "  {place}{}", finding.message);
    }
    out
}

/// The verdict as GitHub Actions workflow commands: an error annotation per finding (file and
/// line), then one line per threshold.
pub fn github(verdict: &Verdict) -> String {
    let mut out = String::new();
    for finding in &verdict.findings {
        let mut properties = Vec::new();
        if let Some(file) = &finding.file {
            properties.push(format!("file={}", escape_property(file)));
        }
        if let Some(line) = finding.line {
            properties.push(format!("line={line}"));
        }
        properties.push(format!("title=textwash check: {}", finding.check));
        let _ = writeln!(
            out,
            "::error {}::{}",
            properties.join(","),
            escape_data(&finding.message)
        );
    }
    for c in &verdict.checks {
        let level = if c.passed { "notice" } else { "error" };
        let _ = writeln!(
            out,
            "::{level} title=textwash check: {}::{} {} of {} ({}), limit {}",
            c.name,
            if c.passed { "ok:" } else { "FAILED:" },
            c.count,
            c.total,
            percent(c.share),
            c.limit
        );
    }
    out
}

fn percent(share: f64) -> String {
    let text = format!("{:.2}", share * 100.0);
    format!("{}%", text.trim_end_matches('0').trim_end_matches('.'))
}

/// Workflow command data: `%`, CR and LF escaped.
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Workflow command properties: also `:` and `,`.
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// Copies the run's report.html where `--html` asked for it.
pub fn copy_html(config: &CheckConfig) -> anyhow::Result<()> {
    if let Some(target) = &config.html {
        let source = config.run.output.join("report.html");
        std::fs::copy(&source, target)
            .with_context(|| format!("cannot write the HTML report to {}", target.display()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_are_shares_or_counts() {
        assert_eq!(Limit::parse("0.1%").unwrap(), Limit::Share(0.001));
        assert_eq!(Limit::parse("5%").unwrap(), Limit::Share(0.05));
        assert_eq!(Limit::parse("0.05").unwrap(), Limit::Share(0.05));
        assert_eq!(Limit::parse("0").unwrap(), Limit::Count(0));
        assert_eq!(Limit::parse("12").unwrap(), Limit::Count(12));
        assert!(Limit::parse("lots").is_err());
        assert!(Limit::parse("120%").is_err());
        assert!(Limit::Share(0.01).allows(1, 100));
        assert!(!Limit::Share(0.01).allows(2, 100));
        assert!(Limit::Count(0).allows(0, 5));
        assert!(!Limit::Count(0).allows(1, 5));
        assert_eq!(Limit::Share(0.001).to_string(), "0.1%");
    }

    #[test]
    fn workflow_commands_are_escaped() {
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
        assert_eq!(escape_data("50% done\n"), "50%25 done%0A");
    }
}
