//! The `xiaodai` command line.

use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = xiaodai::cli::Cli::parse();
    match xiaodai::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
