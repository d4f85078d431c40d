//! Replay: recorded events through the four processors on a simulated clock
//! that follows event time. Before each event the clock moves to its
//! `occurred_at` (never back) and every deadline due by then fires, so a
//! threshold that passed between two events fires between them, as it would
//! have live. The run happens in a throwaway data directory.

use std::sync::Arc;

use escalator_aggregator::Aggregator;
use escalator_aggregator::processor::AggState;
use escalator_proto::v1::{KbUpdateSuggestion, RoutedEscalation};
use escalator_runtime::embedded::Pipeline;
use escalator_runtime::processor::header;
use escalator_runtime::{ManualClock, Output};
use prost::Message;

use crate::config::Config;
use crate::events::Line;
use crate::wiring;

#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Keep the clock running after the last event until this instant, so
    /// deadlines that fall after it fire too (default: stop at the last event).
    pub until_ms: Option<i64>,
    /// The source every record comes from (`escalator-source` header);
    /// `None` lets the ingestor recognise each payload.
    pub source: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DeadLetter {
    pub error_kind: String,
    pub message: String,
    pub service: String,
}

#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// Routed escalations in the order they were routed.
    pub routed: Vec<RoutedEscalation>,
    pub kb_updates: Vec<KbUpdateSuggestion>,
    pub dead_letters: Vec<DeadLetter>,
    pub events: usize,
    pub first_ms: Option<i64>,
    /// Where the simulated clock stopped.
    pub end_ms: Option<i64>,
    /// The aggregator's state at the end (escalation records, signatures),
    /// for reports over the replayed history.
    pub aggregator: Vec<AggState>,
}

/// Records per commit: bounds memory, and exercises the same commit path
/// as a live run.
const COMMIT_EVERY: usize = 2_000;

pub fn replay(lines: &[Line], cfg: &Config, opts: &Options) -> anyhow::Result<Outcome> {
    let dir = tempfile::tempdir()?;
    let first = lines.iter().find_map(|l| l.time_ms);
    let clock = ManualClock::new(first.unwrap_or(0));
    let mut pipeline = wiring::open(dir.path(), cfg, Arc::new(clock.clone()))?;
    let mut outcome = Outcome {
        first_ms: first,
        ..Outcome::default()
    };
    let headers: Vec<escalator_runtime::Header> = opts
        .source
        .iter()
        .map(|s| escalator_runtime::Header {
            name: escalator_ingestor::adapters::SOURCE_HEADER.into(),
            value: s.as_bytes().to_vec(),
        })
        .collect();
    for (i, line) in lines.iter().enumerate() {
        if let Some(t) = line.time_ms {
            advance(&mut pipeline, &clock, t)?;
        }
        pipeline.send(wiring::RAW, None, &line.bytes, &headers, None)?;
        outcome.events += 1;
        if (i + 1) % COMMIT_EVERY == 0 {
            collect(&mut outcome, pipeline.commit()?);
        }
    }
    if let Some(until) = opts.until_ms {
        advance(&mut pipeline, &clock, until)?;
        pipeline.tick()?;
    }
    collect(&mut outcome, pipeline.commit()?);
    outcome.end_ms = Some(escalator_runtime::Clock::now_ms(&clock));
    for prefix in escalator_aggregator::http::REPORT_PREFIXES {
        outcome
            .aggregator
            .extend(pipeline.scan::<Aggregator>(wiring::AGGREGATOR, prefix));
    }
    Ok(outcome)
}

/// Moves a simulated clock forward to `t` before a record of that time,
/// stopping at every deadline due before it so each fires at its own time (a
/// decision made by a deadline carries the time it was due, not the time of
/// the next event). A deadline due exactly at `t` fires after the record,
/// as on the Kafka driver's event time.
pub fn advance(pipeline: &mut Pipeline, clock: &ManualClock, t: i64) -> anyhow::Result<()> {
    let mut steps = 0u32;
    while let Some(due) = pipeline.next_due().filter(|d| *d < t) {
        clock.advance_to(due);
        pipeline.tick()?;
        steps += 1;
        if steps > 1_000_000 {
            anyhow::bail!(
                "timers keep coming due at the same instant: is a processor re-arming its own deadline?"
            );
        }
    }
    clock.advance_to(t);
    Ok(())
}

fn collect(outcome: &mut Outcome, committed: Vec<(u64, Output)>) {
    for (_, out) in committed {
        match decode(&out) {
            Some(Decoded::Routed(r)) => outcome.routed.push(*r),
            Some(Decoded::Kb(k)) => outcome.kb_updates.push(*k),
            Some(Decoded::DeadLetter(d)) => outcome.dead_letters.push(d),
            None => {}
        }
    }
}

/// What an outbox record is, by topic.
pub enum Decoded {
    Routed(Box<RoutedEscalation>),
    Kb(Box<KbUpdateSuggestion>),
    DeadLetter(DeadLetter),
}

pub fn decode(out: &Output) -> Option<Decoded> {
    use escalator_runtime::headers as h;
    let text = |name| {
        header(&out.headers, name)
            .map(|v| String::from_utf8_lossy(v).into_owned())
            .unwrap_or_default()
    };
    if out.topic.starts_with(wiring::ROUTED_PREFIX) {
        RoutedEscalation::decode(out.value.as_slice())
            .ok()
            .map(|r| Decoded::Routed(Box::new(r)))
    } else if out.topic == wiring::KB_UPDATES {
        KbUpdateSuggestion::decode(out.value.as_slice())
            .ok()
            .map(|k| Decoded::Kb(Box::new(k)))
    } else if out.topic == wiring::DEAD_LETTERS {
        Some(Decoded::DeadLetter(DeadLetter {
            error_kind: text(h::DLQ_ERROR_KIND),
            message: text(h::DLQ_ERROR_MESSAGE),
            service: text(h::DLQ_SERVICE),
        }))
    } else {
        None
    }
}

/// One routed escalation as `escalator replay --format json` prints it: its
/// id, ticket, domain, queue, tier, kind, when it was decided, the reasons
/// (rule firings), the re-route it is (if any) and the handoff packet.
pub fn routed_json(r: &RoutedEscalation) -> serde_json::Value {
    use escalator_proto::v1::{EscalationKind, SupportTier};
    let d = r.decision.clone().unwrap_or_default();
    serde_json::json!({
        "escalation_id": r.escalation_id,
        "ticket_id": r.ticket_id,
        "domain": r.domain,
        "queue": r.queue_id,
        "tier": SupportTier::try_from(r.tier).map_or("SUPPORT_TIER_UNSPECIFIED", |t| t.as_str_name()),
        "decided_at": escalator_calendar::rfc3339(d.decided_at_ms),
        "kind": EscalationKind::try_from(d.kind).map_or("ESCALATION_KIND_UNSPECIFIED", |k| k.as_str_name()),
        "reasons": d.rule_firings.iter().map(|f| serde_json::json!({
            "rule_id": f.rule_id,
            "observed": f.observed_value,
            "threshold": f.threshold,
            "unit": f.unit,
            "description": f.description,
        })).collect::<Vec<_>>(),
        "rerouted_from": r.reroute.as_ref().map(|x| x.previous_domain.clone()),
        "packet": d.handoff,
    })
}
