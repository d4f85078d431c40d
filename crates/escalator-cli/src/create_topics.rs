//! `escalator create-topics --bootstrap HOST:PORT [--partitions N]
//! [--replication N] [--routing FILE] [--dry-run]`: creates every topic the
//! four services use before a deployment: the pipeline topics with the same
//! partition count (co-partitioned by ticket id, which the router and the
//! aggregator rely on), one routed topic per domain, and the services'
//! compacted changelogs. Existing topics are left alone.

use std::path::PathBuf;

use escalator_router::Routing;
use escalator_runtime::kafka::{KafkaSettings, TopicSpec, changelog_topic, ensure_topics};

#[derive(clap::Args)]
pub struct Args {
    #[arg(
        long,
        env = "ESCALATOR_KAFKA_BOOTSTRAP",
        default_value = "127.0.0.1:9092"
    )]
    bootstrap: String,
    /// Partitions of every pipeline topic and changelog (the scaling limit
    /// of each service).
    #[arg(long, default_value_t = 6)]
    partitions: i32,
    #[arg(long, default_value_t = 1)]
    replication: i32,
    /// Routing configuration naming the domains (default: the shipped one).
    #[arg(long)]
    routing: Option<PathBuf>,
    /// Print the topics instead of creating them.
    #[arg(long)]
    dry_run: bool,
}

/// Every topic of a deployment with the default names.
pub fn specs(routing: &Routing, partitions: i32, replication: i32) -> Vec<TopicSpec> {
    let mut names = vec![
        "tickets.raw".to_owned(),
        "tickets.events".to_owned(),
        "escalations.decisions".to_owned(),
        "kb.updates".to_owned(),
        "escalations.problems".to_owned(),
        "tickets.dlq".to_owned(),
    ];
    names.extend(
        routing
            .domains
            .iter()
            .map(|d| format!("escalations.routed.{}", d.name)),
    );
    let mut specs: Vec<TopicSpec> = names
        .into_iter()
        .map(|n| TopicSpec::new(n, partitions))
        .collect();
    for group in [
        "escalator-ingestor",
        "escalator-evaluator",
        "escalator-router",
        "escalator-aggregator",
    ] {
        specs.push(TopicSpec::new(changelog_topic(group), partitions).compacted());
    }
    for s in &mut specs {
        s.replication = replication;
    }
    specs
}

pub fn run(args: &Args) -> i32 {
    if args.partitions < 1 || args.replication < 1 {
        eprintln!("escalator create-topics: --partitions and --replication must be at least 1");
        return 78;
    }
    let routing = match &args.routing {
        Some(p) => Routing::load(p),
        None => Routing::default_config(),
    };
    let routing = match routing {
        Ok(r) => r,
        Err(e) => {
            eprintln!("escalator create-topics: {e}");
            return 78;
        }
    };
    let specs = specs(&routing, args.partitions, args.replication);
    for s in &specs {
        let config: Vec<String> = s.config.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let line = format!(
            "{} partitions={} replication={} {}",
            s.name,
            s.partitions,
            s.replication,
            config.join(",")
        );
        println!("{}", line.trim_end());
    }
    if args.dry_run {
        return 0;
    }
    let settings = KafkaSettings {
        bootstrap_servers: args.bootstrap.clone(),
        ..KafkaSettings::default()
    };
    match ensure_topics(&settings, &specs) {
        Ok(()) => {
            println!("{} topics present on {}", specs.len(), args.bootstrap);
            0
        }
        Err(e) => {
            eprintln!("escalator create-topics: {e}");
            69
        }
    }
}
