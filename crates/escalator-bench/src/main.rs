//! `escalator-bench` (what `make bench` runs after the microbenchmarks):
//! measures the goals of the performance brief on generated histories and
//! prints one table in the brief's shape (median, min, max over runs, the
//! goal, whether it holds); writes the same as JSON.

use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use escalator_bench::load::args::LoadArgs;
use escalator_bench::load::{self, latency_windows};
use escalator_bench::table::{Better, Row, render};
use escalator_bench::{fixture, goals};
use escalator_standalone::Config;

#[derive(Parser)]
#[command(
    name = "escalator-bench",
    about = "Measure Escalator against its performance goals"
)]
struct Args {
    /// Runs per measurement (median, min and max are over these).
    #[arg(long, default_value_t = 5)]
    runs: usize,
    /// Tickets in the generated history for the pipeline goals.
    #[arg(long, default_value_t = 2_000)]
    tickets: usize,
    /// Pending deadlines for P5 (the brief: 1M).
    #[arg(long, default_value_t = 1_000_000)]
    timers: usize,
    /// Open tickets for P6.
    #[arg(long, default_value_t = 200_000)]
    memory_tickets: usize,
    /// Tickets restored for P7 (the brief: 1M).
    #[arg(long, default_value_t = 1_000_000)]
    restore_tickets: usize,
    #[arg(long, default_value_t = 11)]
    seed: u64,
    /// Where the JSON goes.
    #[arg(long, default_value = "bench-results/latest.json")]
    json: PathBuf,
    /// P3: seconds of flat-out load through the broker (the brief: 10 min).
    #[arg(long, default_value_t = 600.0)]
    load_secs: f64,
    /// P4: events per second while latency is measured (the brief: 10k).
    #[arg(long, default_value_t = 10_000.0)]
    latency_rate: f64,
    /// P4: seconds of load at that rate.
    #[arg(long, default_value_t = 60.0)]
    latency_secs: f64,
    /// Skip P3 and P4 (no broker needed).
    #[arg(long)]
    no_broker: bool,
    #[command(flatten)]
    load: LoadArgs,
    /// Only these goals (comma-separated ids, e.g. `P3,P7`); all by default.
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
    /// Internal: measure P6 once in this (fresh) process and print it.
    #[arg(long, hide = true)]
    p6_once: bool,
}

impl Args {
    fn wants(&self, id: &str) -> bool {
        self.only.is_empty() || self.only.iter().any(|o| o.eq_ignore_ascii_case(id))
    }
}

fn main() {
    let args = Args::parse();
    if let Err(e) = run(&args) {
        eprintln!("escalator-bench: {e:#}");
        std::process::exit(1);
    }
}

/// P6 in fresh processes: memory a process freed is not given back to the
/// system, so a second measurement in the same process reads too low.
fn p6_in_children(args: &Args, runs: usize) -> anyhow::Result<Vec<f64>> {
    let exe = std::env::current_exe()?;
    let mut samples = Vec::new();
    for _ in 0..runs {
        let out = std::process::Command::new(&exe)
            .args(["--p6-once", "--tickets", &args.tickets.to_string()])
            .args(["--memory-tickets", &args.memory_tickets.to_string()])
            .args(["--seed", &args.seed.to_string()])
            .output()?;
        anyhow::ensure!(
            out.status.success(),
            "P6 child: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout);
        samples.push(text.trim().parse()?);
    }
    Ok(samples)
}

/// P3 and P4: the load driver against the broker, four services as
/// processes (each run on fresh topics).
fn broker_goals(args: &Args) -> anyhow::Result<Vec<Row>> {
    let p3 = Row::new(
        "P3",
        "end to end through a local Kafka broker, four services as processes, exactly-once",
        "events/s",
        ">= 50k events/s sustained 10 min, lag drains",
        50_000.0,
        Better::Higher,
    );
    let commit = args.load.commit_ms as f64;
    let p4a = Row::new(
        "P4a",
        "latency, raw event produced -> routed escalation consumed, p50",
        "ms",
        "p50 <= 5 ms",
        5.0,
        Better::Lower,
    );
    let p4b = Row::new(
        "P4b",
        "latency, raw event produced -> routed escalation consumed, p99",
        "ms",
        "p99 <= 15 ms; with transactions 2 x commit interval + 15 ms",
        2.0 * commit + 15.0,
        Better::Lower,
    );
    let bootstrap = match (&args.load.bootstrap, args.no_broker) {
        (Some(b), false) => b.clone(),
        _ => {
            let why = "no broker (make bench starts one; or set ESCALATOR_KAFKA_BOOTSTRAP)";
            return Ok(vec![
                p3.not_measured(why),
                p4a.not_measured(why),
                p4b.not_measured(why),
            ]);
        }
    };
    let history = fixture::history_values(args.seed, args.tickets);
    let mut rows = Vec::new();
    if args.wants("P3") {
        rows.push(p3_throughput(args, &bootstrap, &history, p3)?);
    }
    if !args.wants("P4") {
        return Ok(rows);
    }
    eprintln!(
        "P4: {} events/s for {} s...",
        args.latency_rate, args.latency_secs
    );
    let s = args
        .load
        .settings(&bootstrap, Some(args.latency_rate), args.latency_secs, true)?;
    let r = load::run(&s, &history)?;
    let windows = latency_windows(
        &r.latencies_ms,
        s.warmup.as_secs_f64(),
        s.window.as_secs_f64(),
    );
    let p50: Vec<f64> = windows.iter().map(|w| w.0).collect();
    let p99: Vec<f64> = windows.iter().map(|w| w.1).collect();
    let mut rates = r.window_rates.clone();
    let note = format!(
        "per {:.0} s window after {:.0} s warm-up; {} events/s offered for {:.0} s, {:.0} processed (median window); {} escalations timed; services commit every {} ms",
        s.window.as_secs_f64(),
        s.warmup.as_secs_f64(),
        args.latency_rate,
        r.producing_s,
        escalator_bench::table::percentile(&mut rates, 50.0).unwrap_or(f64::NAN),
        r.latencies_ms.len(),
        args.load.commit_ms
    );
    rows.push(p4a.with_samples(&p50, note.clone()));
    rows.push(p4b.with_samples(&p99, note));
    Ok(rows)
}

fn p3_throughput(
    args: &Args,
    bootstrap: &str,
    history: &[serde_json::Value],
    p3: Row,
) -> anyhow::Result<Row> {
    eprintln!("P3: flat out for {} s...", args.load_secs);
    let s = args.load.settings(bootstrap, None, args.load_secs, false)?;
    let r = load::run(&s, history)?;
    let drained = match r.drained_after_s {
        Some(d) => format!("lag drained {d:.1} s after production stopped"),
        None => format!(
            "lag did NOT drain within {:.0} s: {:?}",
            s.drain_timeout.as_secs_f64(),
            r.final_lag
        ),
    };
    let mut p3 = p3.with_samples(
        &r.window_rates,
        format!(
            "events/s processed per {:.0} s window, flat out for {:.0} s (brief: 600 s) after {:.0} s warm-up, at most {} records behind per stage; mean event {:.0} bytes; {drained}",
            s.window.as_secs_f64(),
            r.producing_s,
            s.warmup.as_secs_f64(),
            s.max_in_flight,
            r.mean_event_bytes
        ),
    );
    if r.drained_after_s.is_none() {
        p3.holds = Some(false);
    }
    Ok(p3)
}

/// P7 through the broker: the evaluator binary restoring 1M tickets from its
/// changelog.
fn p7_broker(args: &Args, encoded: &[fixture::Encoded], cfg: &Config) -> anyhow::Result<Row> {
    let row = Row::new(
        "P7",
        "restore of tickets' state from the changelog on partition assignment (evaluator process, broker)",
        "s",
        "<= 5 s for 1M",
        5.0,
        Better::Lower,
    );
    let bootstrap = match (&args.load.bootstrap, args.no_broker) {
        (Some(b), false) => b.clone(),
        _ => {
            return Ok(row.not_measured(
                "no broker (make bench starts one; or set ESCALATOR_KAFKA_BOOTSTRAP)",
            ));
        }
    };
    let changelog = goals::evaluator_changelog(encoded, cfg, args.restore_tickets);
    let s = args.load.settings(&bootstrap, None, 0.0, false)?;
    let r = load::restore::run(&s, &changelog, args.runs.clamp(1, 3))?;
    let mut ready = r.ready_s.clone();
    Ok(row.with_samples(
        &r.restore_s,
        format!(
            "{} tickets, {} changelog records over {} partitions, fetched, decoded and indexed by the evaluator's Kafka driver (its restore histogram); process start to ready: median {:.1} s",
            args.restore_tickets,
            r.records,
            s.partitions,
            escalator_bench::table::percentile(&mut ready, 50.0).unwrap_or(f64::NAN)
        ),
    ))
}

fn run(args: &Args) -> anyhow::Result<()> {
    let cfg = Config::load(None, None).map_err(|e| anyhow::anyhow!(e))?;
    if args.p6_once {
        let lines = fixture::history(args.seed, args.tickets);
        let encoded = fixture::protobuf(&lines);
        let v = goals::p6_memory(&encoded, &cfg, args.memory_tickets, 1);
        println!("{}", v.first().copied().unwrap_or(f64::NAN));
        return Ok(());
    }
    let runs = args.runs.max(1);
    eprintln!(
        "generating {} tickets (seed {})...",
        args.tickets, args.seed
    );
    let lines = fixture::history(args.seed, args.tickets);
    let encoded = fixture::protobuf(&lines);
    let size = fixture::mean_size(&lines);
    eprintln!(
        "{} JSON events (mean {size:.0} bytes), {} protobuf events",
        lines.len(),
        encoded.len()
    );
    let mut rows = Vec::new();

    if args.wants("P1") {
        eprintln!("P1...");
        let p1 = goals::p1_pipeline(&lines, &cfg, runs)?;
        rows.push(
        Row::new(
            "P1",
            "whole pipeline, one process, embedded driver (JSON in, all four processors, commits)",
            "events/s",
            ">= 300k events/s per core",
            300_000.0,
            Better::Higher,
        )
        .with_samples(
            &p1,
            format!(
                "{} events of {} tickets (brief: 1M tickets); single-threaded, so per core",
                lines.len(),
                args.tickets
            ),
        ),
    );
    }

    if args.wants("P2") {
        eprintln!("P2...");
        let p2 = goals::p2_evaluator_router(&encoded, &cfg, runs)?;
        rows.push(
            Row::new(
                "P2",
                "evaluator + router alone, protobuf input, embedded driver",
                "events/s",
                ">= 400k events/s per core",
                400_000.0,
                Better::Higher,
            )
            .with_samples(&p2, format!("{} events", encoded.len())),
        );
    }

    if args.wants("P3") || args.wants("P4") {
        rows.extend(broker_goals(args)?);
    }

    if args.wants("P5") {
        eprintln!("P5...");
        let tick = Duration::from_millis(10);
        let p5 = goals::p5_timers(args.timers, runs, tick);
        rows.push(
            Row::new(
                "P5a",
                "deadline arm with 1M pending",
                "ns/op",
                "arm/reset <= 1 us",
                1_000.0,
                Better::Lower,
            )
            .with_samples(&p5.arm_ns, format!("{} pending, B-tree index", args.timers)),
        );
        rows.push(
            Row::new(
                "P5b",
                "deadline reset with 1M pending",
                "ns/op",
                "arm/reset <= 1 us",
                1_000.0,
                Better::Lower,
            )
            .with_samples(&p5.reset_ns, ""),
        );
        rows.push(
        Row::new(
            "P5c",
            "deadline firing lateness, p99, 1M pending",
            "ms",
            "<= 20 ms after its deadline at p99",
            20.0,
            Better::Lower,
        )
        .with_samples(
            &p5.late_p99_ms,
            format!(
                "checked every {} ms (the drivers check after each batch or idle poll: kafka.poll_timeout_ms, 100 by default)",
                tick.as_millis()
            ),
        ),
    );
    }

    if args.wants("P6") {
        eprintln!("P6...");
        let p6 = p6_in_children(args, runs.min(3))?;
        rows.push(
            Row::new(
                "P6",
                "evaluator memory per open ticket beyond its handoff text",
                "bytes",
                "<= 256 bytes",
                256.0,
                Better::Lower,
            )
            .with_samples(
                &p6,
                format!(
                    "resident memory grown by {} tickets, minus their text",
                    args.memory_tickets
                ),
            ),
        );
    }

    if args.wants("P7") {
        eprintln!("P7...");
        rows.push(p7_broker(args, &encoded, &cfg)?);
        let p7 = goals::p7_restore_decode(&encoded, &cfg, args.restore_tickets, runs.min(3));
        rows.push(
            Row::new(
                "P7b",
                "restore, in process only: decode + index of the changelog entries (no broker)",
                "s",
                "<= 5 s for 1M",
                5.0,
                Better::Lower,
            )
            .with_samples(
                &p7,
                format!(
                    "{} evaluator tickets with their deadlines",
                    args.restore_tickets
                ),
            ),
        );
    }

    if args.wants("P8") {
        eprintln!("P8...");
        let (p8, series) = goals::p8_scrape(&lines, &cfg, 5 * runs)?;
        rows.push(
            Row::new(
                "P8",
                "/metrics scrape, all four processors, label sets of a generated history",
                "ms",
                "<= 10 ms",
                10.0,
                Better::Lower,
            )
            .with_samples(&p8, format!("{series} series")),
        );
    }

    let table = render(&rows);
    println!("{table}");
    if let Some(dir) = args.json.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&args.json, serde_json::to_string_pretty(&rows)?)?;
    eprintln!("written to {}", args.json.display());
    Ok(())
}
