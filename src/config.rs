//! Validated settings, built once from the command line. Stages and readers never see clap.

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::{bail, Context};

use crate::cli::{FormatArg, OnErrorArg, RunArgs};
use crate::read::{Format, ReadConfig};
use crate::stage::StageName;

/// What to do with a bad record or file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnError {
    /// Report it, skip it, go on; exit 2 at the end.
    Skip,
    /// Stop at once and write nothing.
    Fail,
}

/// Everything `textwash run` needs.
#[derive(Debug, Clone)]
pub struct RunConfig {
    pub inputs: Vec<PathBuf>,
    pub output: PathBuf,
    pub force: bool,
    pub read: ReadConfig,
    /// The stages asked for, in pipeline order.
    pub stages: Vec<StageName>,
    pub threads: usize,
    pub batch_bytes: usize,
    /// Flush every output file to disk before renaming it.
    pub fsync: bool,
    pub on_error: OnError,
    /// Draw a progress bar (stderr is a terminal and not `--quiet`).
    pub progress: bool,
    /// Print the summary on stderr.
    pub summary: bool,
}

impl RunConfig {
    pub fn from_args(args: RunArgs) -> anyhow::Result<RunConfig> {
        let glob = globset::GlobBuilder::new(&args.glob)
            .literal_separator(false)
            .build()
            .with_context(|| format!("invalid --glob {:?}", args.glob))?
            .compile_matcher();
        if args.text_field.is_empty() {
            bail!("--text-field must not be empty");
        }
        if args.batch_mb == 0 {
            bail!("--batch-mb must be at least 1");
        }
        let threads = match args.threads {
            Some(0) => bail!("--threads must be at least 1"),
            Some(n) => n,
            None => std::thread::available_parallelism().map_or(1, |n| n.get()),
        };
        let stdin_count = args.inputs.iter().filter(|p| p.as_os_str() == "-").count();
        if stdin_count > 1 {
            bail!("`-` (standard input) can be given only once");
        }
        Ok(RunConfig {
            stages: parse_stages(&args.stages)?,
            read: ReadConfig {
                glob,
                format: args.format.map(|f| match f {
                    FormatArg::Text => Format::Text,
                    FormatArg::Jsonl => Format::Jsonl,
                }),
                text_field: args.text_field,
                id_field: args.id_field,
            },
            inputs: args.inputs,
            output: args.output,
            force: args.force,
            threads,
            batch_bytes: args.batch_mb.saturating_mul(1 << 20),
            fsync: args.fsync,
            on_error: match args.on_error {
                OnErrorArg::Skip => OnError::Skip,
                OnErrorArg::Fail => OnError::Fail,
            },
            progress: !args.quiet && std::io::stderr().is_terminal(),
            summary: !args.quiet,
        })
    }
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
