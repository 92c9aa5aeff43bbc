//! The `textwash` binary: parse the command line, run, map the outcome to an exit code.

use std::process::ExitCode;

use clap::Parser;

use textwash::check::{CheckConfig, CheckFormat};
use textwash::cli::{Cli, Command};
use textwash::config::{FixConfig, RunConfig, StripFilterConfig};

// Records are allocated on the worker threads and freed on the writer thread; glibc's malloc
// takes a lock for each such free, mimalloc does not (1 GB passthrough, -j1: 1.8 s → 1.2 s).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` in mimalloc's `mi_option_t` (the same in its v2 and v3).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// A task of a staged run: 0 when done (or already done before).
fn staged_task(task: impl FnOnce() -> anyhow::Result<()>) -> anyhow::Result<u8> {
    textwash::pipeline::install_interrupt_handler()?;
    task().map(|()| 0)
}

fn main() -> ExitCode {
    // Every batch allocates megabytes that the writer frees a moment later; by default
    // mimalloc gives freed memory back to the OS after 10 ms, and the next batch faults it in
    // again, zeroed (20 MB through all stages: 1.43 s → 1.07 s wall with a 1 s delay).
    // SAFETY: sets an integer option before any thread is started; mimalloc reads it on purge.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) };
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => RunConfig::from_args(args).and_then(|config| {
            textwash::pipeline::install_interrupt_handler()?;
            let outcome = textwash::pipeline::run(&config, &mut textwash::pipeline::StderrNotices)?;
            if config.summary {
                eprint!("{}", outcome.report.summary());
            }
            Ok(outcome.exit_code())
        }),
        Command::Fix(args) if args.list => {
            for (name, description) in textwash::repair::FIXES {
                println!("{name:18} {description}");
            }
            Ok(0)
        }
        Command::Fix(args) => FixConfig::from_args(args).and_then(|config| {
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::with_capacity(1 << 18, stdout.lock());
            let outcome = textwash::filter::fix(&config, &mut out)?;
            Ok(if outcome.problems == 0 { 0 } else { 2 })
        }),
        Command::Check(args) => CheckConfig::from_args(args).and_then(|config| {
            textwash::pipeline::install_interrupt_handler()?;
            let outcome =
                textwash::pipeline::run(&config.run, &mut textwash::pipeline::StderrNotices)?;
            textwash::check::copy_html(&config)?;
            let verdict = textwash::check::judge(&outcome.report, &config.limits);
            let text = match config.format {
                CheckFormat::Human => textwash::check::human(&verdict),
                CheckFormat::Github => textwash::check::github(&verdict),
                CheckFormat::Json => format!("{}\n", serde_json::to_string_pretty(&verdict)?),
            };
            print!("{text}");
            Ok(verdict.exit_code())
        }),
        Command::Plan(args) => textwash::staged::plan(args).map(|()| 0),
        Command::Survey(args) => staged_task(|| textwash::staged::survey(&args)),
        Command::Prep(args) => staged_task(|| textwash::staged::prep(&args)),
        Command::Bucket(args) => staged_task(|| textwash::staged::bucket(&args)),
        Command::Cluster(args) => staged_task(|| textwash::staged::cluster(&args)),
        Command::Filter(args) => staged_task(|| textwash::staged::filter(&args)),
        Command::Report(args) => staged_task(|| textwash::staged::report(&args)),
        Command::Strip(args) => StripFilterConfig::from_args(args).and_then(|config| {
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::with_capacity(1 << 18, stdout.lock());
            let outcome = textwash::filter::strip(&config, &mut out)?;
            Ok(if outcome.problems == 0 { 0 } else { 2 })
        }),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        // The reader of our output went away (`| head`): not an error of ours.
        Err(err) if textwash::filter::is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("textwash: error: {err:#}");
            ExitCode::from(2)
        }
    }
}
