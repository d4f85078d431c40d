//! `escalator check-config POLICY [--sample EVENTS.json]`: validates an
//! escalation policy (errors name file, line and rule; exit 1) and shows
//! what it would do: for built-in sample tickets (one per customer tier and
//! priority), or for the canonical events in `--sample`, it replays the
//! events on a simulated clock and prints every decision with its reason.

use std::path::PathBuf;
use std::sync::Arc;

use escalator_calendar::rfc3339 as iso;
use escalator_evaluator::state::TicketState;
use escalator_evaluator::{Evaluator, Policy};
use escalator_ingestor::adapters::{self, Context, Source};
use escalator_proto::v1::ticket_event::{Created, Kind};
use escalator_proto::v1::{
    Customer, CustomerTier, EscalationDecision, Priority, SupportTier, TicketEvent, TicketStatus,
};
use escalator_runtime::{Record, Task};
use prost::Message;

#[derive(clap::Args)]
pub struct Args {
    /// The policy file (TOML).
    policy: PathBuf,
    /// Canonical JSON events of one or more tickets to replay instead of the built-in samples.
    #[arg(long)]
    sample: Option<PathBuf>,
    /// How far past the last event to let deadlines fire.
    #[arg(long, default_value = "14d")]
    horizon: String,
}

pub fn run(args: &Args) -> i32 {
    let policy = match Policy::load(&args.policy) {
        Ok(p) => Arc::new(p),
        Err(e) => {
            eprintln!("escalator check-config: {e}");
            return 1;
        }
    };
    println!(
        "{}: ok (policy version {}, {} calendars, {} time-in-queue rules, {} custom rules)",
        args.policy.display(),
        policy.version,
        policy.calendars.len(),
        policy.time_in_queue.len(),
        policy.custom.len()
    );
    let horizon = match escalator_calendar::parse_duration(&args.horizon, 24 * 3_600_000) {
        Ok(h) => h,
        Err(e) => {
            eprintln!("escalator check-config: --horizon: {e}");
            return 1;
        }
    };
    let tickets = match &args.sample {
        Some(path) => match sample_events(path) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("escalator check-config: {}: {e}", path.display());
                return 1;
            }
        },
        None => built_in_samples(),
    };
    for events in tickets {
        replay(&policy, &events, horizon);
    }
    0
}

/// A Monday 09:00 UTC (2026-11-30): samples start in business hours.
const SAMPLE_START: i64 = 1_796_029_200_000;

fn built_in_samples() -> Vec<Vec<TicketEvent>> {
    let mut out = Vec::new();
    for (tier, tname) in [
        (CustomerTier::Strategic, "strategic"),
        (CustomerTier::Enterprise, "enterprise"),
        (CustomerTier::Standard, "standard"),
    ] {
        for (priority, pname) in [
            (Priority::Urgent, "urgent"),
            (Priority::Normal, "normal"),
            (Priority::Low, "low"),
        ] {
            out.push(vec![TicketEvent {
                ticket_id: format!("sample:{tname}:{pname}"),
                event_id: format!("sample:{tname}:{pname}:created"),
                event_time_ms: SAMPLE_START,
                customer: Some(Customer {
                    id: format!("{tname}-customer"),
                    tier: tier as i32,
                    ..Default::default()
                }),
                priority: priority as i32,
                status: TicketStatus::New as i32,
                support_tier: SupportTier::L1 as i32,
                queue: "l1".into(),
                subject: Some(format!(
                    "{tname} customer, {pname} priority, no reply from L1"
                )),
                kind: Some(Kind::Created(Created {
                    channel: "sample".into(),
                })),
                ..Default::default()
            }]);
        }
    }
    out
}

fn sample_events(path: &PathBuf) -> Result<Vec<Vec<TicketEvent>>, String> {
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    let mappings = Default::default();
    let limits = Default::default();
    let ctx = Context {
        mappings: &mappings,
        limits: &limits,
        now_ms: i64::MAX / 2,
        delivery_id: None,
    };
    let mut events =
        adapters::normalize(Source::Canonical, &bytes, &ctx).map_err(|e| e.to_string())?;
    events.sort_by_key(|e| e.event_time_ms);
    let mut by_ticket: Vec<Vec<TicketEvent>> = Vec::new();
    for ev in events {
        match by_ticket
            .iter_mut()
            .find(|t| t[0].ticket_id == ev.ticket_id)
        {
            Some(t) => t.push(ev),
            None => by_ticket.push(vec![ev]),
        }
    }
    Ok(by_ticket)
}

/// Replays one ticket's events on a clock that follows event time, then lets
/// deadlines fire up to `horizon` past the last event.
fn replay(policy: &Arc<Policy>, events: &[TicketEvent], horizon: i64) {
    let Some(first) = events.first() else { return };
    println!(
        "\nticket {} (from {})",
        first.ticket_id,
        iso(first.event_time_ms)
    );
    let evaluator = Evaluator {
        policy: policy.clone(),
        decisions_topic: "decisions".into(),
        retention_ms: 30 * 86_400_000,
    };
    let mut task: Task<TicketState> = Task::default();
    let mut decisions = Vec::new();
    let mut last = first.event_time_ms;
    for (i, ev) in events.iter().enumerate() {
        // Deadlines due before this event fire first.
        let mut out = Vec::new();
        task.fire_due(&evaluator, ev.event_time_ms, 1000, &mut out);
        let bytes = ev.encode_to_vec();
        let rec = Record {
            topic: "tickets.events",
            partition: 0,
            offset: i as i64,
            key: Some(ev.ticket_id.as_bytes()),
            value: &bytes,
            headers: &[],
            timestamp_ms: Some(ev.event_time_ms),
        };
        if let Err(e) = task.process(&evaluator, &rec, ev.event_time_ms, &mut out) {
            println!("  event {} refused: {e}", ev.event_id);
        }
        task.commit();
        decisions.extend(out);
        last = last.max(ev.event_time_ms);
    }
    while let Some(due) = task.next_due().filter(|d| *d <= last + horizon) {
        let mut out = Vec::new();
        task.fire_due(&evaluator, due, 1000, &mut out);
        task.commit();
        decisions.extend(out);
    }
    if decisions.is_empty() {
        println!("  no escalation within the horizon");
    }
    for o in decisions {
        let Ok(d) = EscalationDecision::decode(o.value.as_slice()) else {
            continue;
        };
        let kind = escalator_proto::v1::EscalationKind::try_from(d.kind)
            .map_or("?".to_owned(), |k| format!("{k:?}"));
        println!(
            "  {}  {kind} {} -> {}  ({})",
            iso(d.decided_at_ms),
            tier(d.from_tier),
            tier(d.to_tier),
            d.escalation_id
        );
        for f in &d.rule_firings {
            let cal = if f.calendar_id.is_empty() {
                String::new()
            } else {
                format!(" on {} ({})", f.calendar_id, f.time_zone)
            };
            println!(
                "      rule {} v{}: {} >= {}{cal}",
                f.rule_id, f.rule_version, f.observed_value, f.threshold
            );
        }
        if let Some(owner) = &d.owner {
            println!("      owner: {}", owner.id);
        }
    }
}

fn tier(t: i32) -> &'static str {
    match SupportTier::try_from(t).unwrap_or(SupportTier::Unspecified) {
        SupportTier::L1 => "L1",
        SupportTier::L2 => "L2",
        SupportTier::L3 => "L3",
        SupportTier::Unspecified => "?",
    }
}
