//! `escalator tail <domain> [--json] [--from-beginning] [--count N]`:
//! follows `escalations.routed.<domain>` on Kafka and prints each routed
//! escalation readably (or as one JSON object per line), for specialists and
//! SREs. Kafka settings come from `ESCALATOR__KAFKA__...` like the services
//! (default bootstrap 127.0.0.1:9092).

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use escalator_calendar::rfc3339 as iso;
use escalator_proto::v1::{EscalationKind, RoutedEscalation, SupportTier};
use escalator_runtime::kafka::{KafkaSettings, tail};
use escalator_service::load_settings;
use prost::Message;
use serde::{Deserialize, Serialize};

#[derive(clap::Args)]
pub struct Args {
    /// The domain, e.g. database (or a full topic name with --topic).
    domain: String,
    /// Print JSON lines (proto3 JSON mapping) instead of text.
    #[arg(long)]
    json: bool,
    #[arg(long)]
    from_beginning: bool,
    /// Stop after this many escalations.
    #[arg(long)]
    count: Option<usize>,
    /// Topic prefix of routed escalations.
    #[arg(long, default_value = "escalations.routed.")]
    prefix: String,
}

#[derive(Default, Deserialize, Serialize)]
#[serde(default)]
struct Settings {
    kafka: KafkaSettings,
}

pub fn run(args: &Args) -> i32 {
    let env = escalator_service::settings::process_env();
    let settings: Settings = match load_settings(None, &env) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("escalator tail: {e}");
            return 1;
        }
    };
    let topic = format!("{}{}", args.prefix, args.domain);
    let stop = Arc::new(AtomicBool::new(false));
    let mut seen = 0usize;
    let result = tail(&settings.kafka, &topic, args.from_beginning, stop, |rec| {
        match RoutedEscalation::decode(rec.value) {
            Ok(r) if args.json => match serde_json::to_string(&r) {
                Ok(line) => println!("{line}"),
                Err(e) => eprintln!("escalator tail: {e}"),
            },
            Ok(r) => print!("{}", render(&r)),
            Err(e) => eprintln!(
                "escalator tail: offset {}: not a RoutedEscalation: {e}",
                rec.offset
            ),
        }
        seen += 1;
        args.count.is_none_or(|n| seen < n)
    });
    match result {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("escalator tail: {e}");
            1
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

/// One escalation as a specialist wants to read it first.
pub fn render(r: &RoutedEscalation) -> String {
    let d = r.decision.clone().unwrap_or_default();
    let p = d.handoff.clone().unwrap_or_default();
    let kind = EscalationKind::try_from(d.kind).map_or("?".to_owned(), |k| format!("{k:?}"));
    let mut out = format!(
        "{}  {}  {} -> {} {} (queue {}, rank {}{})\n",
        iso(r.routed_at_ms),
        r.ticket_id,
        kind,
        r.domain,
        tier(r.tier),
        r.queue_id,
        r.priority_rank,
        if r.sla_critical { ", SLA-critical" } else { "" }
    );
    out.push_str(&format!(
        "  {}\n",
        if p.summary.is_empty() {
            &p.subject
        } else {
            &p.summary
        }
    ));
    for f in &d.rule_firings {
        out.push_str(&format!(
            "  why: {} {} >= {}\n",
            f.rule_id, f.observed_value, f.threshold
        ));
    }
    if let Some(c) = &r.classification {
        let signals: Vec<String> = c
            .signals
            .iter()
            .take(4)
            .map(|s| format!("{} ({:.1})", s.name, s.weight))
            .collect();
        out.push_str(&format!(
            "  domain confidence {:.2}: {}\n",
            c.confidence,
            signals.join(", ")
        ));
    }
    if r.triage_fallback {
        out.push_str("  low confidence: sent to triage\n");
    }
    if r.overflow {
        out.push_str(&format!(
            "  overflow from {}: {}\n",
            r.original_queue_id, r.overflow_reason
        ));
    }
    if let Some(rr) = &r.reroute {
        out.push_str(&format!(
            "  re-routed from {}: {}\n",
            rr.previous_domain, rr.reason
        ));
    }
    if let Some(q) = &r.queue_load {
        out.push_str(&format!(
            "  queue load {}/{} ({:.0}%)\n",
            q.open,
            q.capacity,
            q.utilization * 100.0
        ));
    }
    out.push_str(&format!(
        "  packet completeness {:.0}%, missing: {}\n",
        p.completeness_score * 100.0,
        p.missing_items.join(", ")
    ));
    out.push_str(&format!("  {}\n\n", r.escalation_id));
    out
}
