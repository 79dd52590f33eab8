use std::process::ExitCode;

use clap::Parser;
use goodwill::cli::{self, Cli};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let today = goodwill::date::from_naive(chrono::Local::now().date_naive());
    match cli::run(cli, today) {
        Ok(exit) => ExitCode::from(exit.code() as u8),
        Err(err) => {
            // A closed pipe (`goodwill batch ... | head`) is not a failure.
            if cli::output::reader_gone(&err) {
                return ExitCode::SUCCESS;
            }
            // A bad value quoted from a file may hold a NUL or an escape sequence.
            let message = format!("{err:#}");
            cli::to_stderr(format_args!("error: {}\n", cli::escape_controls(&message, &['\n'])));
            ExitCode::from(cli::exit_for(&err).code() as u8)
        }
    }
}
