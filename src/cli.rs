//! The command line, as clap derive structs. Doc comments are the help text; no logic here
//! (options become a validated [`crate::config::RunConfig`] in `config`).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::format::Format;

/// Clean and deduplicate text corpora: decode, repair mojibake, strip boilerplate, find
/// near-duplicates.
#[derive(Debug, Parser)]
#[command(name = "textwash", version, about, max_term_width = 100)]
pub struct Cli {
    /// The subcommand given, with its arguments.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands: `run`, `check`, the filters `fix` and `strip`, and the tasks of a staged run.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Read corpora, clean them (repair → strip → dedup) and write the result to a folder.
    Run(RunArgs),
    /// Repair text as a filter: files or stdin to stdout (mojibake, entities, controls, NFC).
    Fix(FixArgs),
    /// Remove boilerplate lines as a filter: files or stdin to stdout.
    Strip(StripCommandArgs),
    /// Analyse corpora without writing them (repair, strip and dedup as a dry run) and check
    /// them against quality thresholds: exit 0 when all hold, 1 when any fails, 2 on errors.
    Check(CheckArgs),
    /// Staged run, step 1: cut the inputs into shards of whole files for WORLD_SIZE ranks and
    /// record every option in WORK/manifest.json (takes `run`'s options).
    Plan(PlanArgs),
    /// Staged run, step 2 (per rank): count strip's recurring lines in one shard.
    Survey(RankArgs),
    /// Staged run, step 3 (per rank): decode, repair, strip and sketch one shard.
    Prep(RankArgs),
    /// Staged run, step 4 (per band): merge one LSH band across all shards.
    Bucket(BandArgs),
    /// Staged run, step 5 (per part): verify the candidate pairs whose first document is in
    /// one range of documents.
    Verify(PartArgs),
    /// Staged run, step 6 (one task): cluster the verified duplicates, write clusters.jsonl and
    /// passages.jsonl to WORK/out.
    Cluster(WorkArgs),
    /// Staged run, step 7 (per rank): write one shard's records to WORK/out/part-RANK.jsonl.
    Filter(RankArgs),
    /// Staged run, step 8 (one task): merge the shards' reports into WORK/out/report.json.
    Report(WorkArgs),
}

/// Arguments of `textwash plan`: the inputs, the work folder, the number of ranks and `run`'s
/// options (stored resolved in the manifest).
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// Files and folders to read (JSON Lines).
    #[arg(required = true, value_name = "INPUT")]
    pub(crate) inputs: Vec<PathBuf>,

    /// The work folder: every task of the staged run reads and writes there.
    #[arg(long, value_name = "DIR")]
    pub(crate) work: PathBuf,

    /// The number of ranks (shards) that `survey`, `prep` and `filter` run as.
    #[arg(short = 'n', long, value_name = "N")]
    pub(crate) world_size: u32,

    /// The number of `verify` tasks: ranges of first documents, each with about the same
    /// number of candidate pairs [default: the number of ranks]
    #[arg(long, value_name = "N")]
    pub(crate) verify_parts: Option<u32>,

    /// Input format, when names do not tell.
    #[arg(long, value_parser = crate::format::value_parser(), value_name = "FORMAT")]
    pub(crate) format: Option<&'static dyn Format>,

    #[command(flatten)]
    pub(crate) pipeline: PipelineArgs,
}

/// The work folder of a staged run.
#[derive(Debug, Args)]
pub struct WorkArgs {
    /// The work folder made by `textwash plan`.
    #[arg(long, value_name = "DIR")]
    pub(crate) work: PathBuf,

    /// Worker threads (default: all cores; at most 1024).
    #[arg(short = 'j', long, value_name = "N")]
    pub(crate) threads: Option<usize>,
}

/// Arguments of a staged task run once per rank (`survey`, `prep`, `filter`).
#[derive(Debug, Args)]
pub struct RankArgs {
    #[command(flatten)]
    pub(crate) work: WorkArgs,

    /// Which shard, from 0 to WORLD_SIZE - 1.
    #[arg(long, value_name = "R")]
    pub(crate) rank: u32,
}

/// Arguments of the staged `bucket` task, run once per band.
#[derive(Debug, Args)]
pub struct BandArgs {
    #[command(flatten)]
    pub(crate) work: WorkArgs,

    /// Which band, from 0 to 27.
    #[arg(long, value_name = "B")]
    pub(crate) band: u32,
}

/// Arguments of the staged `verify` task, run once per part.
#[derive(Debug, Args)]
pub struct PartArgs {
    #[command(flatten)]
    pub(crate) work: WorkArgs,

    /// Which range of first documents, from 0 to the plan's verify parts - 1.
    #[arg(long, value_name = "P")]
    pub(crate) part: u32,
}

/// Options of the strip stage, shared by `run` and `strip`.
#[derive(Debug, Args)]
pub struct StripArgs {
    /// A TOML rule file that adds rules, or replaces built-in rules of the same id.
    #[arg(long, value_name = "FILE")]
    pub(crate) rules: Option<PathBuf>,

    /// Skip the cross-document pass (lines that recur across a source's documents).
    #[arg(long)]
    pub(crate) no_stats: bool,

    /// A line recurring in at least this many documents of a source is boilerplate… [default:
    /// 3]
    #[arg(long, value_name = "N")]
    pub(crate) min_docs: Option<u32>,

    /// …if that is also at least this share of the source's documents (`1%` or `0.01`).
    /// [default: 1%]
    #[arg(long, value_name = "SHARE", value_parser = parse_share)]
    pub(crate) min_share: Option<f64>,

    /// Leave a document whole (and flag it) when it would lose more than this share of its
    /// prose (lines of 12 words or more ending a sentence), or, without prose, of its characters
    /// (`50%` or `0.5`). [default: 50%]
    #[arg(long, value_name = "SHARE", value_parser = parse_share)]
    pub(crate) guard: Option<f64>,

    /// Also remove a document's first line when it reads as its headline: a short line that
    /// ends no sentence, over a paragraph of prose. Off by default: a headline is the story's
    /// own (keep it where titles are wanted, drop it where a title field holds it already or
    /// only the body is wanted).
    #[arg(long)]
    pub(crate) drop_title: bool,
}

/// Arguments of `textwash strip`, the boilerplate filter.
#[derive(Debug, Args)]
pub struct StripCommandArgs {
    /// Files to strip; none or `-` reads stdin. A text file is one document.
    #[arg(value_name = "FILE")]
    pub(crate) files: Vec<PathBuf>,

    /// Read JSON Lines and strip the text field of each record.
    #[arg(long)]
    pub(crate) jsonl: bool,

    /// The JSON Lines field that holds the text.
    #[arg(long, default_value = "text", value_name = "FIELD")]
    pub(crate) text_field: String,

    /// The JSON Lines field that names a document's source (outlet); without it, the folder.
    #[arg(long, default_value = "source", value_name = "FIELD")]
    pub(crate) source_field: String,

    /// Instead of the text, print each removed line or span with the rule that removed it.
    #[arg(long)]
    pub(crate) explain: bool,

    /// Worker threads (default: all cores; at most 1024).
    #[arg(short = 'j', long, value_name = "N")]
    pub(crate) threads: Option<usize>,

    /// A TOML config file (`[strip]` table).
    #[arg(long, value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,

    /// Switch off these rules (comma-separated, or repeated).
    #[arg(long, value_delimiter = ',', value_name = "ID")]
    pub(crate) disable: Vec<String>,

    #[command(flatten)]
    pub(crate) input: FilterInputArgs,

    #[command(flatten)]
    pub(crate) strip: StripArgs,
}

/// How the filters `fix` and `strip` treat bad input.
#[derive(Debug, Args)]
pub struct FilterInputArgs {
    /// What to do with a bad input: report it and go on, exiting 2 at the end (a line that is
    /// not a record, or one over --max-record-mb, is written unchanged; a binary or unreadable
    /// file is left out), or stop at the first one (exit 2; what was written before it stays).
    #[arg(long, value_enum, default_value_t = OnErrorArg::Skip, value_name = "ACTION")]
    pub(crate) on_error: OnErrorArg,

    /// A record larger than this many megabytes (a JSON line; for `strip`, also a text file
    /// after decompression) is written unchanged with a problem naming its file and line, and
    /// never read whole.
    #[arg(long, default_value_t = crate::read::batch::DEFAULT_MAX_RECORD_MB, value_name = "MB")]
    pub(crate) max_record_mb: usize,
}

/// Options of the repair stage, shared by `run` and `fix`.
#[derive(Debug, Args)]
pub struct RepairArgs {
    /// A TOML config file: its `[repair]` table turns fixes on or off (`mojibake = false`),
    /// its `[strip]` table sets the strip stage. Flags given here win over it.
    #[arg(long, value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,

    /// Turn off these fixes (comma-separated, or repeated; `textwash fix --list` names them).
    /// `run`, `check` and `plan` also take strip rule ids here.
    #[arg(long, value_delimiter = ',', value_name = "NAME")]
    pub(crate) disable: Vec<String>,

    /// Turn on these fixes (comma-separated, or repeated).
    #[arg(long, value_delimiter = ',', value_name = "FIX")]
    pub(crate) enable: Vec<String>,

    /// Straighten curly quotes (the same as `--enable uncurl-quotes`).
    #[arg(long)]
    pub(crate) uncurl_quotes: bool,
}

/// Arguments of `textwash fix`, the repair filter.
#[derive(Debug, Args)]
pub struct FixArgs {
    /// Files to repair, written one after the other to stdout; none or `-` reads stdin.
    #[arg(value_name = "FILE")]
    pub(crate) files: Vec<PathBuf>,

    /// Read JSON Lines and repair the text field of each record; other fields, their order and
    /// the lines that are not records are kept, one output line per input line.
    #[arg(long)]
    pub(crate) jsonl: bool,

    /// The JSON Lines field that holds the text.
    #[arg(long, default_value = "text", value_name = "FIELD")]
    pub(crate) text_field: String,

    /// Instead of the text, print each change: where (line:column), what was there, what
    /// replaced it, and the name of the fix.
    #[arg(long)]
    pub(crate) explain: bool,

    /// List the fixes and exit.
    #[arg(long)]
    pub list: bool,

    /// Worker threads (default: all cores; at most 1024).
    #[arg(short = 'j', long, value_name = "N")]
    pub(crate) threads: Option<usize>,

    #[command(flatten)]
    pub(crate) input: FilterInputArgs,

    #[command(flatten)]
    pub(crate) repair: RepairArgs,
}

/// Arguments of `textwash run`; [`crate::config::RunConfig::from_args`] validates them.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Files or folders to read; `-` reads standard input. Folders are read recursively.
    #[arg(required = true, value_name = "INPUT")]
    pub(crate) inputs: Vec<PathBuf>,

    /// The output folder: the cleaned corpus in the input's format, and report.json.
    #[arg(short, long, value_name = "OUT")]
    pub(crate) output: PathBuf,

    /// Write into OUT even when it is not empty (files of the same name are replaced).
    #[arg(long)]
    pub(crate) force: bool,

    /// Flush each output file to disk before renaming it into place, so that not even a power
    /// cut can leave a finished-looking file without its bytes. Without it, files are still
    /// renamed only when complete, which is enough when the run is interrupted or killed.
    #[arg(long)]
    pub(crate) fsync: bool,

    /// The format of every input, instead of guessing from the file name (`.jsonl`,
    /// `.jsonl.gz`, `.jsonl.zst` are JSON Lines, anything else text). Sets stdin's format
    /// (default: text).
    #[arg(long, value_parser = crate::format::value_parser(), value_name = "FORMAT")]
    pub(crate) format: Option<&'static dyn Format>,

    #[command(flatten)]
    pub(crate) pipeline: PipelineArgs,
}

/// What `run` and `check` share: reading, the stages and their options.
#[derive(Debug, Args)]
pub struct PipelineArgs {
    /// Which files of an input folder to read, matched against the path relative to the
    /// folder; by default every format textwash reads (text, JSON Lines, gzip or zstd
    /// compressed). Files named on the command line are always read.
    #[arg(long, default_value = crate::format::DEFAULT_GLOB, value_name = "GLOB")]
    pub(crate) glob: String,

    /// The JSON Lines field that holds the text.
    #[arg(long, default_value = "text", value_name = "FIELD")]
    pub(crate) text_field: String,

    /// The JSON Lines field that holds the document id; without it, the id is `file:line`.
    #[arg(long, default_value = "id", value_name = "FIELD")]
    pub(crate) id_field: String,

    /// The JSON Lines field that names a document's source (outlet), for statistics kept per
    /// source; without it, the folder the file is in.
    #[arg(long, default_value = "source", value_name = "FIELD")]
    pub(crate) source_field: String,

    /// The stages to run, comma-separated, in pipeline order: repair, strip, dedup; or `all`,
    /// or `none` for a pure passthrough.
    #[arg(long, default_value = "all", value_name = "STAGES")]
    pub(crate) stages: String,

    /// Worker threads (default: all cores; at most 1024).
    #[arg(short = 'j', long, value_name = "N")]
    pub(crate) threads: Option<usize>,

    /// What to do with a bad record or an unreadable file: report it and go on, or stop at the
    /// first one without writing any output (exit 2). Going on, `run` exits 2 at the end, and
    /// `check` counts what it skipped against --max-invalid.
    #[arg(long, value_enum, default_value_t = OnErrorArg::Skip, value_name = "ACTION")]
    pub(crate) on_error: OnErrorArg,

    /// Megabytes of input per batch: memory grows with it, not with the corpus.
    #[arg(long, default_value_t = 8, value_name = "MB")]
    pub(crate) batch_mb: usize,

    /// A record (a JSON line, or a text file after decompression) larger than this many
    /// megabytes is skipped with a problem naming its file and line, and never read whole.
    #[arg(long, default_value_t = crate::read::batch::DEFAULT_MAX_RECORD_MB, value_name = "MB")]
    pub(crate) max_record_mb: usize,

    /// No progress bar and no summary on stderr (problems are still printed).
    #[arg(short, long)]
    pub(crate) quiet: bool,

    #[command(flatten)]
    pub(crate) repair: RepairArgs,

    #[command(flatten)]
    pub(crate) strip: StripArgs,

    #[command(flatten)]
    pub(crate) dedup: DedupArgs,
}

/// Arguments of `textwash check`: `run`'s pipeline options plus the limits and how to print the
/// verdict.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Files or folders to analyse; `-` reads standard input. Folders are read recursively.
    #[arg(required = true, value_name = "INPUT")]
    pub(crate) inputs: Vec<PathBuf>,

    /// How to print the verdict: a table (human), one JSON object (json), or GitHub Actions
    /// annotations for the first offending records and a summary (github).
    #[arg(long, value_enum, default_value_t = CheckFormatArg::Human, value_name = "FORMAT")]
    pub(crate) format: CheckFormatArg,

    /// The format of every input, instead of guessing from the file name (as `run --format`).
    #[arg(long, value_parser = crate::format::value_parser(), value_name = "FORMAT")]
    pub(crate) input_format: Option<&'static dyn Format>,

    /// Also write report.json, report.html, clusters.jsonl and passages.jsonl (never the
    /// corpus) to this folder.
    #[arg(short, long, value_name = "OUT")]
    pub(crate) output: Option<PathBuf>,

    /// Write the HTML report (charts, clusters, passage links) to this file.
    #[arg(long, value_name = "FILE")]
    pub(crate) html: Option<PathBuf>,

    /// At most this share of lines may show mojibake, repaired or not: misread UTF-8, C1
    /// controls, characters of text read in the wrong single-byte encoding (`0.1%`).
    #[arg(long, value_name = "SHARE")]
    pub(crate) max_mojibake: Option<String>,

    /// At most this share of documents may have a line with mojibake (`1%`).
    #[arg(long, value_name = "SHARE")]
    pub(crate) max_mojibake_documents: Option<String>,

    /// At most this share of documents may be exact or near duplicates of another (`5%`).
    #[arg(long, value_name = "SHARE")]
    pub(crate) max_duplicates: Option<String>,

    /// At most this share of lines may be boilerplate that strip removes (`1%`).
    #[arg(long, value_name = "SHARE")]
    pub(crate) max_boilerplate: Option<String>,

    /// At most this share of documents may have boilerplate that strip removes (`5%`).
    #[arg(long, value_name = "SHARE")]
    pub(crate) max_boilerplate_documents: Option<String>,

    /// Fail when dedup finds a duplicate whose kept document covers less than this share of
    /// its words (`90%`; off unless given: dedup's own floor is 80%).
    #[arg(long, value_name = "SHARE")]
    pub(crate) min_drop_coverage: Option<String>,

    /// At most this many invalid records or unreadable files (`0`), or a share (`0.1%`).
    #[arg(long, value_name = "N")]
    pub(crate) max_invalid: Option<String>,

    #[command(flatten)]
    pub(crate) pipeline: PipelineArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum CheckFormatArg {
    Human,
    Json,
    Github,
}

/// Options of the dedup stage.
#[derive(Debug, Args)]
pub struct DedupArgs {
    /// Which member of a cluster of duplicates is kept: the first in input order, the longest,
    /// or the earliest by `--date-field` (ties by input order).
    #[arg(long, value_enum, default_value_t = KeepArg::First, value_name = "POLICY")]
    pub(crate) keep: KeepArg,

    /// Leave duplicates out (drop), or keep every record and add a `dedup` field to each
    /// member of a cluster (annotate; JSON Lines only).
    #[arg(long, value_enum, default_value_t = DedupActionArg::Drop, value_name = "ACTION")]
    pub(crate) dedup: DedupActionArg,

    /// The JSON Lines field with a document's date, for `--keep earliest`.
    #[arg(long, default_value = "date", value_name = "FIELD")]
    pub(crate) date_field: String,

    /// Match digits as if they were all 0 ("Shr 37 cts" and "Shr 38 cts" match). Off by
    /// default: earnings reports of different companies differ only in their numbers.
    #[arg(long)]
    pub(crate) fold_digits: bool,

    /// Memory for dedup's band records and pair counts before they spill to sorted files in a
    /// hidden work folder in OUT (and are merged from there), and for the count of each
    /// source's stock phrases, which runs in more passes when it is less: `2G`, `500M`, `64K`
    /// or bytes.
    #[arg(long, default_value = "2G", value_name = "SIZE", value_parser = parse_size)]
    pub(crate) mem: usize,
}

/// A share: `5%`, or a fraction from 0 to 1 (`0.05`), as `check`'s limits take it.
fn parse_share(text: &str) -> Result<f64, String> {
    let trimmed = text.trim();
    let value = match trimmed.strip_suffix('%') {
        Some(percent) => percent.trim().parse::<f64>().map(|p| p / 100.0),
        None => trimmed.parse::<f64>(),
    };
    match value {
        Ok(share) if (0.0..=1.0).contains(&share) => Ok(share),
        _ => Err(format!(
            "{text:?} is not a share (examples: 5%, 0.05; from 0 to 1, or 0% to 100%)"
        )),
    }
}

/// A size in bytes, with an optional K, M, G or T suffix (powers of 1024; a trailing B or iB is
/// allowed): `2G`, `1.5GB`, `500MiB`, `4096`.
fn parse_size(text: &str) -> Result<usize, String> {
    let lower = text.trim().to_ascii_lowercase();
    let number = lower.trim_end_matches("ib").trim_end_matches('b');
    let (digits, scale) = match number.chars().last() {
        Some('k') => (&number[..number.len() - 1], 1u64 << 10),
        Some('m') => (&number[..number.len() - 1], 1 << 20),
        Some('g') => (&number[..number.len() - 1], 1 << 30),
        Some('t') => (&number[..number.len() - 1], 1 << 40),
        _ => (number, 1),
    };
    match digits.trim().parse::<f64>() {
        Ok(value) if value.is_finite() && value >= 0.0 => Ok((value * scale as f64) as usize),
        _ => Err(format!(
            "{text:?} is not a size (examples: 2G, 500M, 64K, 1048576)"
        )),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum KeepArg {
    First,
    Longest,
    Earliest,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum DedupActionArg {
    Drop,
    Annotate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum OnErrorArg {
    Skip,
    Fail,
}

#[cfg(test)]
mod tests {
    use super::{parse_share, parse_size};
    use crate::strip::{stats::StatsConfig, StripConfig};
    use clap::CommandFactory;

    #[test]
    fn shares_take_percents_and_fractions() {
        assert_eq!(parse_share("5%"), Ok(0.05));
        assert_eq!(parse_share("0.05"), Ok(0.05));
        assert_eq!(parse_share("100%"), Ok(1.0));
        assert!(parse_share("120%").is_err());
        assert!(parse_share("1.5").is_err());
        assert!(parse_share("lots").is_err());
    }

    /// The defaults the help states by hand are the ones the strip stage has.
    #[test]
    fn the_help_states_strips_defaults() {
        let mut cli = super::Cli::command();
        let help = cli
            .find_subcommand_mut("run")
            .unwrap()
            .render_long_help()
            .to_string()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let stats = StatsConfig::default();
        let guard = StripConfig::default().guard;
        for stated in [
            format!("[default: {}]", stats.min_docs),
            format!("[default: {}%]", stats.min_share * 100.0),
            format!("[default: {}%]", guard * 100.0),
        ] {
            assert!(help.contains(&stated), "{stated} not in {help}");
        }
    }

    #[test]
    fn sizes_take_binary_suffixes() {
        assert_eq!(parse_size("2G"), Ok(2 << 30));
        assert_eq!(parse_size("1.5GB"), Ok(3 << 29));
        assert_eq!(parse_size("500MiB"), Ok(500 << 20));
        assert_eq!(parse_size("64k"), Ok(64 << 10));
        assert_eq!(parse_size("4096"), Ok(4096));
        assert!(parse_size("lots").is_err());
        assert!(parse_size("-1G").is_err());
    }
}
