//! `escalator`: the command line. Each subcommand lives in its own module.

mod check_config;
mod normalize;
mod report;
mod tail;

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
    /// Follow the routed escalations of a domain on Kafka.
    Tail(tail::Args),
    /// Fetch a report (utilization, resolution, deflection) from the aggregator.
    Report(report::Args),
}

fn main() {
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Normalize(args) => normalize::run(&args),
        Command::CheckConfig(args) => check_config::run(&args),
        Command::Tail(args) => tail::run(&args),
        Command::Report(args) => report::run(&args),
    };
    std::process::exit(code);
}
