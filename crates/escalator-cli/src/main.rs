//! `escalator`: the command line. Each subcommand lives in its own module.

mod check_config;
#[cfg(feature = "kafka")]
mod create_topics;
mod generate;
mod normalize;
mod replay;
mod report;
mod run;
#[cfg(feature = "kafka")]
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
    #[cfg(feature = "kafka")]
    /// Follow the routed escalations of a domain on Kafka.
    Tail(tail::Args),
    /// A report (utilization, resolution, deflection) from a running service or an events file.
    Report(report::Args),
    #[cfg(feature = "kafka")]
    /// Create the Kafka topics of a deployment (pipeline, routed, compacted changelogs).
    CreateTopics(create_topics::Args),
    /// Write a seeded, realistic ticket history as canonical JSON events.
    Generate(generate::Args),
    /// Run all four services in this process (embedded driver, no broker).
    Run(run::Args),
    /// Run recorded events through the processors on event time; compare two policies.
    Replay(replay::Args),
}

fn main() {
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Normalize(args) => normalize::run(&args),
        Command::CheckConfig(args) => check_config::run(&args),
        #[cfg(feature = "kafka")]
        Command::Tail(args) => tail::run(&args),
        Command::Report(args) => report::run(&args),
        Command::Run(args) => run::run(&args),
        #[cfg(feature = "kafka")]
        Command::CreateTopics(args) => create_topics::run(&args),
        Command::Generate(args) => generate::run(&args),
        Command::Replay(args) => replay::run(&args),
    };
    std::process::exit(code);
}
