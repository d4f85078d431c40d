//! `escalator run`: the whole product in one process on the embedded driver,
//! state in a data directory (a restart continues where it stopped), HTTP on
//! one loopback port.

use std::path::PathBuf;

use escalator_service::telemetry::{TelemetrySettings, init_tracing};
use escalator_standalone::Config;
use escalator_standalone::live::{self, ClockMode, Options};

#[derive(clap::Args)]
pub struct Args {
    /// State, routed escalations, KB suggestions and dead letters go here.
    #[arg(long, default_value = "escalator-data")]
    data_dir: PathBuf,
    /// Address of the HTTP endpoints (port 0: any free port).
    #[arg(long, default_value = "127.0.0.1:8480")]
    listen: String,
    /// Feed this file of canonical JSON events (one per line), following it
    /// as it grows; the position is kept with the state.
    #[arg(long)]
    events: Option<PathBuf>,
    /// Pace of the feed: event time per wall time (3600 = an hour of history
    /// per second); 0 = as fast as possible.
    #[arg(long, default_value_t = 0.0)]
    speed: f64,
    /// wall: deadlines on the wall clock; event: the clock follows the newest
    /// event time (default: event with --events, wall without).
    #[arg(long)]
    clock: Option<String>,
    /// Also print routed escalations to standard output (JSON lines).
    #[arg(long)]
    stdout: bool,
    /// Stop when the events file is processed instead of following it.
    #[arg(long)]
    exit_at_end: bool,
    /// Escalation policy (default: the shipped deploy/policy.toml).
    #[arg(long)]
    policy: Option<PathBuf>,
    /// Routing configuration (default: the shipped deploy/routing.toml).
    #[arg(long)]
    routing: Option<PathBuf>,
    /// Log level (error, warn, info, debug).
    #[arg(long, default_value = "warn")]
    log_level: String,
}

pub fn run(args: &Args) -> i32 {
    let clock = match args.clock.as_deref() {
        None if args.events.is_some() => ClockMode::Event,
        None | Some("wall") => ClockMode::Wall,
        Some("event") => ClockMode::Event,
        Some(other) => {
            eprintln!("escalator run: --clock {other:?}: wall or event");
            return 78;
        }
    };
    if !(args.speed >= 0.0 && args.speed.is_finite()) {
        eprintln!("escalator run: --speed must be 0 or positive");
        return 78;
    }
    let config = match Config::load(args.policy.as_deref(), args.routing.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("escalator run: {e}");
            return 78;
        }
    };
    let telemetry = TelemetrySettings {
        log_level: args.log_level.clone(),
        ..TelemetrySettings::default()
    };
    let _guard = match init_tracing("escalator", &telemetry) {
        Ok(g) => g,
        Err(e) => {
            eprintln!("escalator run: logging: {e}");
            return 78;
        }
    };
    let data_dir = args.data_dir.clone();
    let options = Options {
        data_dir: data_dir.clone(),
        listen: args.listen.clone(),
        events: args.events.clone(),
        speed: args.speed,
        clock,
        stdout: args.stdout,
        exit_at_end: args.exit_at_end,
        config,
    };
    let result = live::run(options, |addr| {
        let secret = if std::env::var_os("ESCALATOR_WEBHOOK_SECRET").is_some() {
            "$ESCALATOR_WEBHOOK_SECRET".to_owned()
        } else {
            data_dir.join("webhook.secret").display().to_string()
        };
        eprintln!("escalator run: serving http://{addr}");
        eprintln!("  reports      http://{addr}/reports/utilization?format=html&window=30d");
        eprintln!("               http://{addr}/reports/resolution?format=html&window=30d");
        eprintln!("               http://{addr}/reports/deflection?format=html&window=30d");
        eprintln!("  metrics      http://{addr}/metrics");
        eprintln!("  why not yet  http://{addr}/tickets/<ticket_id>/why");
        eprintln!(
            "  webhooks     http://{addr}/webhooks/<canonical|zendesk|jira> (secret: {secret})"
        );
        eprintln!("  routed       {}", data_dir.join("routed").display());
    });
    match result {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("escalator run: {e:#}");
            70
        }
    }
}
