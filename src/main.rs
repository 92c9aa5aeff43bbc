//! The `textwash` binary: parse the command line, run, map the outcome to an exit code.

use std::process::ExitCode;

use clap::Parser;

use textwash::cli::{Cli, Command};
use textwash::config::RunConfig;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => RunConfig::from_args(args).and_then(|config| {
            textwash::app::install_interrupt_handler()?;
            let outcome = textwash::app::run(&config)?;
            if config.summary {
                eprint!("{}", outcome.report.summary());
            }
            Ok(outcome.exit_code())
        }),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            eprintln!("textwash: error: {err:#}");
            ExitCode::from(2)
        }
    }
}
