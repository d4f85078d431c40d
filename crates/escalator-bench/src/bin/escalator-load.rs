//! `escalator-load`: the load driver on its own. Starts the four release
//! service binaries against the broker, produces generated events to the raw
//! topic at `--rate` events/s (or `--rate max`), and prints throughput,
//! latency and whether the lag drained. `make bench` runs it as P3 and P4.

use clap::Parser;
use escalator_bench::load::args::LoadArgs;
use escalator_bench::load::{self, latency_windows};
use escalator_bench::table::percentile;

#[derive(Parser)]
#[command(
    name = "escalator-load",
    about = "Load the four services through a real broker"
)]
struct Args {
    /// Events per second, or `max` for flat out.
    #[arg(long, default_value = "max")]
    rate: String,
    /// Seconds of production.
    #[arg(long, default_value_t = 60.0)]
    secs: f64,
    /// Tickets in the generated history that is replayed round after round
    /// (each round with its own ticket ids).
    #[arg(long, default_value_t = 2_000)]
    tickets: usize,
    #[arg(long, default_value_t = 11)]
    seed: u64,
    /// Record the latency of every escalation an event triggers.
    #[arg(long)]
    latency: bool,
    #[command(flatten)]
    load: LoadArgs,
}

fn main() {
    if let Err(e) = run(&Args::parse()) {
        eprintln!("escalator-load: {e:#}");
        std::process::exit(1);
    }
}

fn run(args: &Args) -> anyhow::Result<()> {
    let bootstrap = args.load.bootstrap.clone().ok_or_else(|| {
        anyhow::anyhow!(
            "no broker: pass --bootstrap or set ESCALATOR_KAFKA_BOOTSTRAP (`make kafka-up`)"
        )
    })?;
    let rate = match args.rate.as_str() {
        "max" => None,
        r => Some(
            r.parse::<f64>()
                .map_err(|e| anyhow::anyhow!("--rate {r}: {e}"))?,
        ),
    };
    let history = escalator_bench::fixture::history_values(args.seed, args.tickets);
    let settings = args
        .load
        .settings(&bootstrap, rate, args.secs, args.latency)?;
    let report = load::run(&settings, &history)?;
    let mut rates = report.window_rates.clone();
    println!(
        "produced {} events (mean {:.0} bytes) in {:.1} s; {} routed escalations",
        report.produced, report.mean_event_bytes, report.producing_s, report.routed
    );
    println!(
        "processed end to end, events/s per {:.0} s window: median {:.0}, min {:.0}, max {:.0} ({} windows)",
        args.load.window_secs,
        percentile(&mut rates, 50.0).unwrap_or(f64::NAN),
        rates.first().copied().unwrap_or(f64::NAN),
        rates.last().copied().unwrap_or(f64::NAN),
        rates.len()
    );
    match report.drained_after_s {
        Some(s) => println!("lag drained {s:.1} s after production stopped"),
        None => println!("lag did NOT drain: {:?}", report.final_lag),
    }
    if args.latency {
        let mut all: Vec<f64> = report.latencies_ms.iter().map(|l| l.1).collect();
        println!(
            "latency over {} escalations: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            all.len(),
            percentile(&mut all, 50.0).unwrap_or(f64::NAN),
            percentile(&mut all, 99.0).unwrap_or(f64::NAN),
            all.last().copied().unwrap_or(f64::NAN)
        );
        let windows = latency_windows(
            &report.latencies_ms,
            settings.warmup.as_secs_f64(),
            args.load.window_secs,
        );
        for (p50, p99) in windows {
            println!("  window p50 {p50:.1} ms, p99 {p99:.1} ms");
        }
    }
    Ok(())
}
