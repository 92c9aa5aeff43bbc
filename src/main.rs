//! The `textwash` binary: parse the command line, run, print what the library returns, map
//! the outcome to an exit code.

use clap::Parser;

use textwash::check::{CheckConfig, CheckFormat};
use textwash::cli::{Cli, Command};
use textwash::config::{FixConfig, RunConfig, StripFilterConfig};
use textwash::error::Problem;
use textwash::exit::ExitCode;
use textwash::notices::Notices;
use textwash::write::{atomic, out_dir};

// Records are allocated on the worker threads and freed on the writer thread; glibc's malloc
// takes a lock for each such free, mimalloc does not (1 GB passthrough, -j1: 1.8 s → 1.2 s).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Problems printed on stderr one by one; report.json lists more.
const MAX_PRINTED_PROBLEMS: u64 = 50;

/// Problems and notes on stderr: the first 50 problems, then a line saying more follow; notes
/// as they come.
struct Stderr;

impl Notices for Stderr {
    fn problem(&mut self, problem: &Problem, before: u64) {
        if before < MAX_PRINTED_PROBLEMS {
            eprintln!("textwash: {problem}; skipped");
        } else if before == MAX_PRINTED_PROBLEMS {
            eprintln!("textwash: more problems follow; report.json lists them");
        }
    }

    fn note(&mut self, message: &str) {
        eprintln!("textwash: {message}");
    }
}

/// Deletes unfinished output and exits on Ctrl-C or SIGTERM, so an interrupted run leaves no
/// file that looks finished, and no lock on OUT.
fn install_interrupt_handler() -> anyhow::Result<()> {
    use anyhow::Context;
    ctrlc::set_handler(|| {
        let _held = atomic::remove_pending();
        out_dir::release_held();
        eprintln!("textwash: interrupted; unfinished output files were removed");
        std::process::exit(i32::from(ExitCode::Interrupted.code()));
    })
    .context("cannot install the Ctrl-C handler")
}

/// A task of a staged run: success when done (or already done before).
fn staged_task(
    task: impl FnOnce(&mut dyn Notices) -> anyhow::Result<()>,
) -> anyhow::Result<ExitCode> {
    install_interrupt_handler()?;
    task(&mut Stderr).map(|()| ExitCode::Success)
}

fn main() -> std::process::ExitCode {
    // Freed memory is kept for the next batch, until a huge record is read (`memory`).
    textwash::memory::small_pages();
    textwash::memory::keep_freed_memory();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => RunConfig::from_args(args).and_then(|config| {
            install_interrupt_handler()?;
            let outcome = textwash::pipeline::run(&config, &mut Stderr)?;
            if config.summary {
                eprint!("{}", outcome.report.summary());
            }
            Ok(outcome.exit_code())
        }),
        Command::Fix(args) if args.list => {
            for (name, description) in textwash::repair::FIXES {
                println!("{name:18} {description}");
            }
            Ok(ExitCode::Success)
        }
        Command::Fix(args) => FixConfig::from_args(args).and_then(|config| {
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::with_capacity(1 << 18, stdout.lock());
            Ok(textwash::filter::fix(&config, &mut out, &mut Stderr)?.exit_code())
        }),
        Command::Check(args) => CheckConfig::from_args(args).and_then(|config| {
            install_interrupt_handler()?;
            let outcome = textwash::pipeline::run(&config.run, &mut Stderr)?;
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
        Command::Plan(args) => {
            textwash::staged::plan(args, &mut Stderr).map(|()| ExitCode::Success)
        }
        Command::Survey(args) => staged_task(|n| textwash::staged::survey(&args, n)),
        Command::Prep(args) => staged_task(|n| textwash::staged::prep(&args, n)),
        Command::Bucket(args) => staged_task(|n| textwash::staged::bucket(&args, n)),
        Command::Verify(args) => staged_task(|n| textwash::staged::verify(&args, n)),
        Command::Cluster(args) => staged_task(|n| textwash::staged::cluster(&args, n)),
        Command::Filter(args) => staged_task(|n| textwash::staged::filter(&args, n)),
        Command::Report(args) => staged_task(|n| textwash::staged::report(&args, n)),
        Command::Strip(args) => StripFilterConfig::from_args(args).and_then(|config| {
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::with_capacity(1 << 18, stdout.lock());
            Ok(textwash::filter::strip(&config, &mut out, &mut Stderr)?.exit_code())
        }),
    };
    match result {
        Ok(code) => code.into(),
        // The reader of our output went away (`| head`): not an error of ours.
        Err(err) if textwash::filter::is_broken_pipe(&err) => ExitCode::Success.into(),
        Err(err) => {
            eprintln!("textwash: error: {err:#}");
            ExitCode::Problems.into()
        }
    }
}
