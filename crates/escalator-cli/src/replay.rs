//! `escalator replay --events FILE [--source canonical|zendesk|jira]
//! [--mappings FILE] [--policy FILE [--policy FILE]] [--routing FILE]
//! [--until TIME] [--format text|json]`: recorded events through the four
//! processors on a simulated clock that follows event time. With two
//! policies it prints what the second changes. The events may be a help
//! desk's own webhook bodies, one per line (or `{"delivered_at", "body"}`
//! records of them), read through that help desk's adapter and the
//! organisation mapping, so a team can try Escalator on its own tickets.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;

/// Output is collected, then written once: a closed pipe (`| head`) ends
/// the command quietly instead of failing mid-line.
macro_rules! out {
    ($buf:expr) => {{ $buf.push('\n'); }};
    ($buf:expr, $($arg:tt)*) => {{ let _ = writeln!($buf, $($arg)*); }};
}

use escalator_calendar::rfc3339;
use escalator_standalone::diff::{self, PolicyDiff};
use escalator_standalone::replay::{self, Options, Outcome, routed_json};
use escalator_standalone::{Config, events};

#[derive(clap::Args)]
pub struct Args {
    /// Events, one per line: canonical JSON (as `escalator generate`
    /// writes), or Zendesk / Jira webhook bodies, each optionally wrapped
    /// as `{"delivered_at": TIME, "body": {...}}`.
    #[arg(long)]
    events: PathBuf,
    /// The source of every line (default: recognised per line).
    #[arg(long)]
    source: Option<String>,
    /// Ingestor settings with the organisation mapping (which groups or
    /// teams are L1/L2/L3 and of which domain, customers and their tiers).
    #[arg(long)]
    mappings: Option<PathBuf>,
    /// Escalation policy (default: the shipped deploy/policy.toml). Give it
    /// twice to compare two policies on the same history.
    #[arg(long, num_args = 1, action = clap::ArgAction::Append)]
    policy: Vec<PathBuf>,
    /// Routing configuration (default: the shipped deploy/routing.toml).
    #[arg(long)]
    routing: Option<PathBuf>,
    /// Keep the clock running to this instant (RFC 3339) after the last
    /// event, so later deadlines fire too.
    #[arg(long)]
    until: Option<String>,
    /// text, or json: one object per routed escalation (or the comparison).
    #[arg(long, default_value = "text")]
    format: String,
}

pub fn run(args: &Args) -> i32 {
    match execute(args) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("escalator replay: {e:#}");
            1
        }
    }
}

fn execute(args: &Args) -> anyhow::Result<()> {
    if args.policy.len() > 2 {
        anyhow::bail!("--policy: at most two (the current one and the one to try)");
    }
    if !matches!(args.format.as_str(), "text" | "json") {
        anyhow::bail!("--format: text or json");
    }
    let until_ms = match &args.until {
        Some(t) => Some(
            t.parse::<jiff::Timestamp>()
                .map_err(|e| anyhow::anyhow!("--until {t:?}: {e}"))?
                .as_millisecond(),
        ),
        None => None,
    };
    let lines: Vec<events::Line> = events::read_all(&args.events)
        .map_err(|e| anyhow::anyhow!("{}: {e}", args.events.display()))?
        .into_iter()
        .map(events::unwrap_delivery)
        .collect();
    if let Some(s) = &args.source {
        if escalator_ingestor::adapters::Source::parse(s).is_none() {
            anyhow::bail!("--source {s:?}: canonical, zendesk or jira");
        }
    }
    let ingestor = match &args.mappings {
        Some(path) => {
            let s: escalator_ingestor::IngestorSettings =
                escalator_service::load_settings(Some(path), &std::collections::HashMap::new())
                    .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
            s.validate()
                .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
            Some(s)
        }
        None => None,
    };
    let options = Options {
        until_ms,
        source: args.source.clone(),
    };
    let mut outcomes = Vec::new();
    let policies: Vec<Option<&PathBuf>> = if args.policy.is_empty() {
        vec![None]
    } else {
        args.policy.iter().map(Some).collect()
    };
    for policy in &policies {
        let mut cfg = Config::load(policy.map(PathBuf::as_path), args.routing.as_deref())
            .map_err(|e| anyhow::anyhow!(e))?;
        if let Some(i) = &ingestor {
            cfg.ingestor = i.clone();
        }
        outcomes.push(replay::replay(&lines, &cfg, &options)?);
    }
    let json = args.format == "json";
    let mut o = String::new();
    match outcomes.as_slice() {
        [one] if json => {
            for r in &one.routed {
                out!(o, "{}", routed_json(r));
            }
        }
        [one] => print_outcome(&mut o, one),
        [before, after] => {
            let d = diff::compare(before, after);
            if json {
                out!(o, "{}", serde_json::to_string_pretty(&d)?);
            } else {
                print_diff(&mut o, &d, &policies);
            }
        }
        _ => {}
    }
    match std::io::stdout().lock().write_all(o.as_bytes()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}

fn print_outcome(o: &mut String, outcome: &Outcome) {
    out!(
        o,
        "{} events, {} .. {}: {} escalations routed, {} KB suggestions, {} dead letters",
        outcome.events,
        outcome.first_ms.map(rfc3339).unwrap_or_default(),
        outcome.end_ms.map(rfc3339).unwrap_or_default(),
        outcome.routed.len(),
        outcome.kb_updates.len(),
        outcome.dead_letters.len()
    );
    out!(o);
    for r in &outcome.routed {
        let d = r.decision.clone().unwrap_or_default();
        let reasons: Vec<String> = d
            .rule_firings
            .iter()
            .map(|f| format!("{} ({} >= {})", f.rule_id, f.observed_value, f.threshold))
            .collect();
        out!(
            o,
            "{}  {}  -> {} ({}){}  {}",
            rfc3339(d.decided_at_ms),
            r.ticket_id,
            r.domain,
            r.queue_id,
            if r.overflow { " overflow" } else { "" },
            reasons.join("; ")
        );
    }
    let mut per_queue = std::collections::BTreeMap::<&str, usize>::new();
    for r in &outcome.routed {
        *per_queue.entry(&r.queue_id).or_default() += 1;
    }
    out!(o);
    out!(o, "per queue:");
    for (q, n) in per_queue {
        out!(o, "  {q:<24} {n}");
    }
    let mut kinds = std::collections::BTreeMap::<&str, usize>::new();
    for d in &outcome.dead_letters {
        *kinds.entry(&d.error_kind).or_default() += 1;
    }
    for (k, n) in kinds {
        out!(o, "dead letters {k}: {n}");
    }
}

fn print_diff(o: &mut String, d: &PolicyDiff, policies: &[Option<&PathBuf>]) {
    let name = |i: usize| {
        policies
            .get(i)
            .copied()
            .flatten()
            .map_or("default".to_owned(), |p| p.display().to_string())
    };
    out!(o, "before: {}  after: {}", name(0), name(1));
    out!(
        o,
        "escalations: {} -> {}; tickets: {} sooner, {} later, {} newly escalated, {} no longer escalated, {} unchanged",
        d.escalations_before,
        d.escalations_after,
        d.sooner.len(),
        d.later.len(),
        d.newly_escalated.len(),
        d.no_longer_escalated.len(),
        d.unchanged
    );
    let hours = |c: &diff::TicketChange| match (c.before_ms, c.after_ms) {
        (Some(a), Some(b)) => format!("{:+.1} h", (b - a) as f64 / 3_600_000.0),
        _ => String::new(),
    };
    for (title, list) in [
        ("sooner", &d.sooner),
        ("later", &d.later),
        ("newly escalated", &d.newly_escalated),
        ("no longer escalated", &d.no_longer_escalated),
    ] {
        if list.is_empty() {
            continue;
        }
        out!(o);
        out!(o, "{title}:");
        for c in list {
            out!(
                o,
                "  {:<32} {} -> {}  {}",
                c.ticket_id,
                c.before_ms.map(rfc3339).unwrap_or_else(|| "-".into()),
                c.after_ms.map(rfc3339).unwrap_or_else(|| "-".into()),
                hours(c)
            );
        }
    }
    out!(o);
    out!(o, "load per queue (before -> after):");
    for q in &d.queues {
        out!(o, "  {:<24} {} -> {}", q.queue, q.before, q.after);
    }
}
