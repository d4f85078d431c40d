//! `escalator`: the command line. Each subcommand lives in its own module.

mod check_config;
mod normalize;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "escalator",
    version,
    about = "Tier-2 escalation for support teams"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print the TicketEvents a raw payload becomes, as JSON lines.
    Normalize(normalize::Args),
    /// Validate an escalation policy and show what it does for sample tickets.
    CheckConfig(check_config::Args),
}

fn main() {
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Normalize(args) => normalize::run(&args),
        Command::CheckConfig(args) => check_config::run(&args),
    };
    std::process::exit(code);
}
