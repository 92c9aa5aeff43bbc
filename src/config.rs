//! Validated settings, built once from the command line. Stages and readers never see clap.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::{bail, Context};

use crate::cli::{
    DedupActionArg, FilterInputArgs, FixArgs, KeepArg, OnErrorArg, PipelineArgs, RepairArgs,
    RunArgs, StripArgs, StripCommandArgs,
};
use crate::dedup::{DedupAction, DedupConfig, KeepPolicy};
use crate::format::Format;
use crate::read::ReadConfig;
use crate::repair::{RepairConfig, FIXES};
use crate::stage::StageName;
use crate::strip::stats::StatsConfig;
use crate::strip::StripConfig;

/// What to do with a bad record or file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum OnError {
    /// Report it, skip it, go on; exit 2 at the end.
    Skip,
    /// Stop at once and write nothing.
    Fail,
}

/// Everything `textwash run` needs.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct RunConfig {
    /// Files and folders to read, as given (`-` is standard input).
    pub inputs: Vec<PathBuf>,
    /// The output folder (OUT).
    pub output: PathBuf,
    /// Write into a non-empty OUT (`--force`).
    pub force: bool,
    /// How inputs are found and read.
    pub read: ReadConfig,
    /// The stages asked for, in pipeline order.
    pub stages: Vec<StageName>,
    /// Repair's fixes.
    pub repair: RepairConfig,
    /// Strip's rules and statistics.
    pub strip: StripConfig,
    /// Dedup's policy and budget.
    pub dedup: DedupConfig,
    /// Worker threads (`-j`).
    pub threads: usize,
    /// Input bytes per batch (`--batch-mb`).
    pub batch_bytes: usize,
    /// Records larger than this are skipped (`--max-record-mb`).
    pub max_record: usize,
    /// Flush every output file to disk before renaming it.
    pub fsync: bool,
    /// Skip bad records, or stop at the first.
    pub on_error: OnError,
    /// Draw a progress bar (stderr is a terminal and not `--quiet`).
    pub progress: bool,
    /// Print the summary on stderr.
    pub summary: bool,
    /// Write the cleaned corpus (`check` does not; it writes at most the report).
    pub write_corpus: bool,
    /// Count what `check` needs: lines, lines with mojibake, short documents…
    pub audit: bool,
}

impl RunConfig {
    /// How the reader cuts the input.
    pub fn cutting(&self) -> crate::read::batch::Cutting {
        crate::read::batch::Cutting {
            batch_bytes: self.batch_bytes,
            max_record: self.max_record,
        }
    }

    /// The settings of `textwash run`.
    pub fn from_args(args: RunArgs) -> anyhow::Result<RunConfig> {
        let mut config = RunConfig::from_pipeline(args.inputs, args.format, args.pipeline)?;
        config.output = args.output;
        config.force = args.force;
        config.fsync = args.fsync;
        Ok(config)
    }

    /// The settings shared by `run` and `check`; no output folder yet.
    pub fn from_pipeline(
        inputs: Vec<PathBuf>,
        format: Option<&'static dyn Format>,
        args: PipelineArgs,
    ) -> anyhow::Result<RunConfig> {
        let glob = crate::read::compile_glob(&args.glob)
            .with_context(|| format!("invalid --glob {:?}", args.glob))?;
        if args.text_field.is_empty() {
            bail!("--text-field must not be empty");
        }
        if args.batch_mb == 0 {
            bail!("--batch-mb must be at least 1");
        }
        if args.max_record_mb == 0 {
            bail!("--max-record-mb must be at least 1");
        }
        let threads = threads(args.threads)?;
        let stdin_count = inputs.iter().filter(|p| p.as_os_str() == "-").count();
        if stdin_count > 1 {
            bail!("`-` (standard input) can be given only once");
        }
        let file = FileConfig::load(args.repair.config.as_deref())?;
        let (repair, strip) = clean_configs(&file, &args.repair, Some(&args.strip))?;
        let mut dedup = DedupConfig {
            keep: match args.dedup.keep {
                KeepArg::First => KeepPolicy::First,
                KeepArg::Longest => KeepPolicy::Longest,
                KeepArg::Earliest => KeepPolicy::Earliest,
            },
            action: match args.dedup.dedup {
                DedupActionArg::Drop => DedupAction::Drop,
                DedupActionArg::Annotate => DedupAction::Annotate,
            },
            ..DedupConfig::default()
        };
        dedup.shingle.fold_digits = args.dedup.fold_digits;
        dedup.memory = args.dedup.mem;
        dedup.text_field = args.text_field.clone();
        let date_field = (dedup.keep == KeepPolicy::Earliest).then_some(args.dedup.date_field);
        Ok(RunConfig {
            stages: parse_stages(&args.stages)?,
            repair,
            strip,
            dedup,
            read: ReadConfig {
                glob,
                format,
                text_field: args.text_field,
                id_field: args.id_field,
                source_field: Some(args.source_field).filter(|f| !f.is_empty()),
                date_field,
                skip_in_folders: crate::pipeline::SIDE_FILES.map(String::from).to_vec(),
            },
            inputs,
            output: PathBuf::new(),
            force: false,
            write_corpus: true,
            audit: false,
            threads,
            batch_bytes: args.batch_mb.saturating_mul(1 << 20),
            max_record: args.max_record_mb.saturating_mul(1 << 20),
            fsync: false,
            on_error: on_error(args.on_error),
            progress: !args.quiet && std::io::stderr().is_terminal(),
            summary: !args.quiet,
        })
    }
}

/// Everything `textwash fix` needs.
#[derive(Debug, Clone)]
pub struct FixConfig {
    /// Inputs; `None` is stdin.
    pub inputs: Vec<Option<PathBuf>>,
    /// Each input is JSON Lines (`--jsonl`), not text.
    pub jsonl: bool,
    /// The text field, for JSON Lines.
    pub read: ReadConfig,
    /// Print each change instead of the text (`--explain`).
    pub explain: bool,
    /// Repair's fixes.
    pub repair: RepairConfig,
    /// Worker threads (`-j`).
    pub threads: usize,
    /// How bad input is treated.
    pub input: FilterInput,
}

impl FixConfig {
    /// The settings of `textwash fix`.
    pub fn from_args(args: FixArgs) -> anyhow::Result<FixConfig> {
        let inputs = filter_inputs(args.files)?;
        Ok(FixConfig {
            inputs,
            jsonl: args.jsonl,
            read: filter_read_config(args.text_field, None)?,
            explain: args.explain,
            repair: {
                let file = FileConfig::load(args.repair.config.as_deref())?;
                clean_configs(&file, &args.repair, None)?.0
            },
            threads: threads(args.threads)?,
            input: FilterInput::from_args(&args.input)?,
        })
    }
}

/// How the filter commands treat bad input (`--on-error`, `--max-record-mb`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FilterInput {
    /// Skip bad input, or stop at the first.
    pub on_error: OnError,
    /// Records larger than this are written unchanged, never read whole.
    pub max_record: usize,
}

impl FilterInput {
    fn from_args(args: &FilterInputArgs) -> anyhow::Result<FilterInput> {
        if args.max_record_mb == 0 {
            bail!("--max-record-mb must be at least 1");
        }
        Ok(FilterInput {
            on_error: on_error(args.on_error),
            max_record: args.max_record_mb.saturating_mul(1 << 20),
        })
    }
}

fn on_error(arg: OnErrorArg) -> OnError {
    match arg {
        OnErrorArg::Skip => OnError::Skip,
        OnErrorArg::Fail => OnError::Fail,
    }
}

/// How a filter command reads JSON Lines: its text field, and the source field when it keeps
/// statistics per source.
fn filter_read_config(
    text_field: String,
    source_field: Option<String>,
) -> anyhow::Result<ReadConfig> {
    Ok(ReadConfig {
        glob: globset::Glob::new("*")?.compile_matcher(),
        format: None,
        text_field,
        id_field: "id".to_string(),
        source_field: source_field.filter(|f| !f.is_empty()),
        date_field: None,
        skip_in_folders: Vec::new(),
    })
}

/// The inputs of a filter command: files, with `None` for stdin (`-`, or no file at all).
fn filter_inputs(files: Vec<PathBuf>) -> anyhow::Result<Vec<Option<PathBuf>>> {
    let mut inputs: Vec<Option<PathBuf>> = files
        .into_iter()
        .map(|p| (p.as_os_str() != "-").then_some(p))
        .collect();
    if inputs.is_empty() {
        inputs.push(None);
    }
    if inputs.iter().filter(|i| i.is_none()).count() > 1 {
        bail!("`-` (standard input) can be given only once");
    }
    Ok(inputs)
}

/// The most worker threads `-j` may ask for. More gains nothing on any machine textwash runs on,
/// and a typo (`-j 100000`) would start threads until the machine stalls.
pub const MAX_THREADS: usize = 1024;

/// The worker threads for `-j` (`None`: all cores), checked.
pub fn threads(requested: Option<usize>) -> anyhow::Result<usize> {
    match requested {
        Some(0) => bail!("--threads must be at least 1"),
        Some(n) if n > MAX_THREADS => bail!(
            "--threads {n} is more than the {MAX_THREADS} textwash allows (this machine has {} \
             cores)",
            std::thread::available_parallelism().map_or(1, |n| n.get())
        ),
        Some(n) => Ok(n),
        None => Ok(std::thread::available_parallelism().map_or(1, |n| n.get())),
    }
}

/// Everything `textwash strip` needs.
#[derive(Debug, Clone)]
pub struct StripFilterConfig {
    /// Inputs; `None` is stdin.
    pub inputs: Vec<Option<PathBuf>>,
    /// Each input is JSON Lines (`--jsonl`), not text.
    pub jsonl: bool,
    /// The text and source fields, for JSON Lines.
    pub read: ReadConfig,
    /// Print each removal instead of the text (`--explain`).
    pub explain: bool,
    /// Strip's rules and statistics.
    pub strip: StripConfig,
    /// Worker threads (`-j`).
    pub threads: usize,
    /// How bad input is treated.
    pub input: FilterInput,
}

impl StripFilterConfig {
    /// The settings of `textwash strip`.
    pub fn from_args(args: StripCommandArgs) -> anyhow::Result<StripFilterConfig> {
        let inputs = filter_inputs(args.files)?;
        let file = FileConfig::load(args.config.as_deref())?;
        let mut strip = strip_config(&file, &args.strip)?;
        strip.disabled.extend(args.disable);
        Ok(StripFilterConfig {
            inputs,
            jsonl: args.jsonl,
            read: filter_read_config(args.text_field, Some(args.source_field))?,
            explain: args.explain,
            strip,
            threads: threads(args.threads)?,
            input: FilterInput::from_args(&args.input)?,
        })
    }
}

/// The settings a config file may hold.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
struct FileConfig {
    repair: RepairConfig,
    strip: StripFile,
    check: BTreeMap<String, toml::Value>,
}

/// The `[check]` table of a config file: limit names (`max-mojibake`…) and their values as
/// written (`"0.1%"`, `0`, `0.05`).
pub type CheckTable = BTreeMap<String, String>;

/// The limit names the `[check]` table may hold.
const CHECK_KEYS: [&str; 7] = [
    "max-mojibake",
    "max-mojibake-documents",
    "max-duplicates",
    "max-boilerplate",
    "max-boilerplate-documents",
    "max-invalid",
    "min-drop-coverage",
];

/// Reads the `[check]` table of a config file (empty without one).
pub fn load_check_table(path: Option<&std::path::Path>) -> anyhow::Result<CheckTable> {
    let file = FileConfig::load(path)?;
    let mut table = CheckTable::new();
    for (key, value) in file.check {
        if !CHECK_KEYS.contains(&key.as_str()) {
            bail!(
                "unknown key {key:?} in [check] (expected one of {})",
                CHECK_KEYS.join(", ")
            );
        }
        let text = match value {
            toml::Value::String(text) => text,
            toml::Value::Integer(n) => n.to_string(),
            // A float is a share; keep a point in it so that it reads as one.
            toml::Value::Float(x) => format!("{x:?}"),
            other => bail!("[check] {key} must be a number or a string like \"0.1%\", not {other}"),
        };
        table.insert(key, text);
    }
    Ok(table)
}

impl FileConfig {
    fn load(path: Option<&std::path::Path>) -> anyhow::Result<FileConfig> {
        let Some(path) = path else {
            return Ok(FileConfig::default());
        };
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read config file {}", path.display()))?;
        toml::from_str(&text).with_context(|| format!("invalid config file {}", path.display()))
    }
}

/// The `[strip]` table of a config file.
#[derive(Debug, serde::Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
struct StripFile {
    rules: Option<PathBuf>,
    disable: Vec<String>,
    protect_words: usize,
    guard: f64,
    drop_title: bool,
    stats: bool,
    min_docs: u32,
    min_share: f64,
    stats_max_words: usize,
}

impl Default for StripFile {
    fn default() -> StripFile {
        let strip = StripConfig::default();
        let stats = StatsConfig::default();
        StripFile {
            rules: None,
            disable: Vec::new(),
            protect_words: strip.protect_words,
            guard: strip.guard,
            drop_title: strip.drop_title,
            stats: true,
            min_docs: stats.min_docs,
            min_share: stats.min_share,
            stats_max_words: stats.max_words,
        }
    }
}

/// Strip settings: defaults, then the config file, then flags.
fn strip_config(file: &FileConfig, args: &StripArgs) -> anyhow::Result<StripConfig> {
    let f = &file.strip;
    let guard = args.guard.unwrap_or(f.guard);
    if !(0.0..=1.0).contains(&guard) {
        bail!("the guard must be a share between 0 and 1, not {guard}");
    }
    let min_share = args.min_share.unwrap_or(f.min_share);
    if !(0.0..=1.0).contains(&min_share) {
        bail!("--min-share must be between 0 and 1, not {min_share}");
    }
    Ok(StripConfig {
        rules: args.rules.clone().or_else(|| f.rules.clone()),
        disabled: f.disable.clone(),
        protect_words: f.protect_words,
        guard,
        drop_title: f.drop_title || args.drop_title,
        stats: (f.stats && !args.no_stats).then(|| StatsConfig {
            min_docs: args.min_docs.unwrap_or(f.min_docs).max(1),
            min_share,
            max_words: f.stats_max_words,
        }),
    })
}

/// Repair and strip settings: defaults, then the config file, then flags. `--disable` takes
/// fix names and rule ids alike; without a strip stage, a name that is no fix is an error.
fn clean_configs(
    file: &FileConfig,
    args: &RepairArgs,
    strip: Option<&StripArgs>,
) -> anyhow::Result<(RepairConfig, StripConfig)> {
    let mut repair = file.repair.clone();
    for name in &args.enable {
        repair.set(name, true).map_err(anyhow::Error::msg)?;
    }
    let mut strip_config = match strip {
        Some(strip) => strip_config(file, strip)?,
        None => StripConfig::default(),
    };
    for name in &args.disable {
        if FIXES.iter().any(|(fix, _)| fix == name) || strip.is_none() {
            repair.set(name, false).map_err(anyhow::Error::msg)?;
        } else {
            strip_config.disabled.push(name.clone());
        }
    }
    if args.uncurl_quotes {
        repair.uncurl_quotes = true;
    }
    Ok((repair, strip_config))
}

/// Parses `--stages`: `all`, `none`, or a comma-separated set of names. The stages always run in
/// pipeline order, whatever order they are named in.
pub fn parse_stages(spec: &str) -> anyhow::Result<Vec<StageName>> {
    match spec.trim() {
        "all" => return Ok(StageName::ALL.to_vec()),
        "none" | "" => return Ok(Vec::new()),
        _ => {}
    }
    let mut stages = std::collections::BTreeSet::new();
    for name in spec.split(',').map(str::trim) {
        let Some(stage) = StageName::parse(name) else {
            bail!(
                "unknown stage {name:?} in --stages (expected repair, strip, dedup, all or none)"
            );
        };
        stages.insert(stage);
    }
    Ok(stages.into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stage_lists_parse_and_reject_nonsense() {
        use StageName::*;
        assert_eq!(parse_stages("all").unwrap(), vec![Repair, Strip, Dedup]);
        assert_eq!(parse_stages("none").unwrap(), vec![]);
        assert_eq!(parse_stages("repair,strip").unwrap(), vec![Repair, Strip]);
        assert_eq!(parse_stages("dedup").unwrap(), vec![Dedup]);
        assert_eq!(parse_stages("strip, repair").unwrap(), vec![Repair, Strip]);
        assert_eq!(parse_stages("dedup,dedup").unwrap(), vec![Dedup]);
        assert!(parse_stages("repair,frobnicate").is_err());
    }
}
