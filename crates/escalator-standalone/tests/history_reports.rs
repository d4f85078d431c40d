//! The aggregator on a realistic generated history (many domains, tiers,
//! specialists, resolutions), through the real processors: utilization
//! figures against a brute-force count from the routed escalations and the
//! ticket events, the deflection ranking, and when KB suggestions go out
//! (once per problem, and for every problem that recurred enough).

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};

use escalator_aggregator::http::{Span, report_from_states};
use escalator_generator::{Settings, generate};
use escalator_proto::v1::report;
use escalator_standalone::events::{event_time, lines_from_values};
use escalator_standalone::{Config, replay};
use serde_json::Value;

const START: i64 = 1_791_158_400_000; // 2026-10-05T00:00:00Z
const DAY: i64 = 86_400_000;

struct Run {
    events: Vec<Value>,
    outcome: replay::Outcome,
    cfg: Config,
}

fn run(seed: u64, tickets: usize) -> Run {
    let events = generate(&Settings::new(seed, tickets, START));
    let lines = lines_from_values(&events);
    let cfg = Config::load(None, None).unwrap();
    let outcome = replay::replay(&lines, &cfg, &replay::Options::default()).unwrap();
    Run {
        events,
        outcome,
        cfg,
    }
}

fn report(r: &Run, kind: &str, window_ms: i64) -> report::Report {
    let now = r.outcome.end_ms.unwrap();
    report_from_states(
        kind,
        r.outcome.aggregator.clone(),
        &r.cfg.queues(),
        Span {
            window_ms,
            end_ms: now,
        },
        now,
    )
    .unwrap()
    .report
    .unwrap()
}

#[test]
fn utilization_matches_a_brute_force_count() {
    let r = run(11, 800);
    let end = r.outcome.end_ms.unwrap();
    // Per escalation: when it was decided and the queue it ended in (a
    // re-route moves it; the last routing wins).
    let mut escalations: BTreeMap<&str, (i64, &str, &str)> = BTreeMap::new();
    for x in &r.outcome.routed {
        let at = x.decision.as_ref().unwrap().decided_at_ms;
        escalations.insert(
            &x.escalation_id,
            (at, x.queue_id.as_str(), x.ticket_id.as_str()),
        );
    }
    assert!(
        escalations.len() >= 150,
        "{} escalations",
        escalations.len()
    );
    // Per ticket, its escalations in time order, and its specialist events.
    let mut by_ticket: BTreeMap<&str, Vec<(i64, &str)>> = BTreeMap::new();
    for (id, (at, _, ticket)) in &escalations {
        by_ticket.entry(ticket).or_default().push((*at, id));
    }
    let mut ticket_events: BTreeMap<&str, Vec<(i64, &str)>> = BTreeMap::new();
    for e in &r.events {
        let t = event_time(e.to_string().as_bytes()).unwrap();
        ticket_events
            .entry(e["ticket_id"].as_str().unwrap())
            .or_default()
            .push((t, e["type"].as_str().unwrap()));
    }
    // An escalation ends at the first resolution or send-back of its ticket
    // after it was decided, up to the ticket's next escalation (an event at
    // the very instant of a decision caused it, and belongs to the one
    // before: a send-back that triggers a ping-pong flag ends the previous
    // escalation).
    let mut resolved_at: BTreeMap<&str, i64> = BTreeMap::new();
    for (ticket, list) in &mut by_ticket {
        list.sort();
        for (i, (at, id)) in list.iter().enumerate() {
            let next = list.get(i + 1).map_or(i64::MAX, |n| n.0);
            let ending = ticket_events[ticket].iter().find(|(t, kind)| {
                *t > *at && *t <= next && matches!(*kind, "resolved" | "sent_back_to_l1")
            });
            if let Some((t, "resolved")) = ending {
                resolved_at.insert(id, *t);
            }
        }
    }

    for window_days in [7, 30] {
        let start = end - window_days * DAY;
        let Some(report::Report::Utilization(u)) =
            Some(report(&r, "utilization", window_days * DAY))
        else {
            panic!("not a utilization report");
        };
        let mut want_received: BTreeMap<&str, u32> = BTreeMap::new();
        let mut want_resolved: BTreeMap<&str, u32> = BTreeMap::new();
        for (id, (at, queue, _)) in &escalations {
            if *at >= start && *at <= end {
                *want_received.entry(queue).or_default() += 1;
            }
            // Reports end at "now" (the last event here), exclusive.
            if resolved_at.get(id).is_some_and(|t| *t >= start && *t < end) {
                *want_resolved.entry(queue).or_default() += 1;
            }
        }
        for q in &u.queues {
            assert_eq!(
                q.received,
                want_received.get(q.queue_id.as_str()).copied().unwrap_or(0),
                "received by {} over {window_days} days",
                q.queue_id
            );
            assert_eq!(
                q.resolved,
                want_resolved.get(q.queue_id.as_str()).copied().unwrap_or(0),
                "resolved by {} over {window_days} days",
                q.queue_id
            );
            assert!(q.capacity > 0, "{} has a capacity", q.queue_id);
            assert!(
                (0.0..=10.0).contains(&q.utilization),
                "{}: {}",
                q.queue_id,
                q.utilization
            );
        }
        let total: u32 = u.queues.iter().map(|q| q.received).sum();
        assert_eq!(
            total as usize,
            want_received.values().map(|v| *v as usize).sum::<usize>()
        );
        assert!(
            u.specialists.len() >= 10,
            "specialists: {}",
            u.specialists.len()
        );
    }
}

#[test]
fn deflection_ranking_and_kb_suggestions() {
    let r = run(12, 800);
    let Some(report::Report::Deflection(d)) = Some(report(&r, "deflection", 60 * DAY)) else {
        panic!("not a deflection report");
    };
    assert!(d.rows.len() >= 5, "{} problem signatures", d.rows.len());
    // Ranked by specialist hours that would have been saved.
    for pair in d.rows.windows(2) {
        assert!(
            pair[0].specialist_hours >= pair[1].specialist_hours,
            "ranking: {} then {}",
            pair[0].specialist_hours,
            pair[1].specialist_hours
        );
    }
    // Every example ticket was escalated, to the row's domain.
    let domains: BTreeMap<&str, BTreeSet<&str>> =
        r.outcome.routed.iter().fold(BTreeMap::new(), |mut m, x| {
            m.entry(x.ticket_id.as_str())
                .or_default()
                .insert(x.domain.as_str());
            m
        });
    for row in &d.rows {
        let sig = row.signature.as_ref().unwrap();
        for t in &row.example_ticket_ids {
            assert!(
                domains[t.as_str()].contains(sig.domain.as_str()),
                "{t} in {}",
                sig.domain
            );
        }
        assert!(row.count as usize >= row.example_ticket_ids.len());
    }

    // KB suggestions: once per problem signature, never twice.
    let kb = &r.outcome.kb_updates;
    assert!(
        !kb.is_empty(),
        "recurring deflectable problems produce suggestions"
    );
    let ids: BTreeSet<&str> = kb.iter().map(|k| k.suggestion_id.as_str()).collect();
    assert_eq!(ids.len(), kb.len(), "no suggestion twice");
    let min = r.cfg.kb_min_count as u32;
    for k in kb {
        assert!(
            k.recurrence_count >= min,
            "suggested after {} recurrences",
            k.recurrence_count
        );
        let draft = k.draft.as_ref();
        assert!(
            k.existing_article.is_some() || draft.is_some_and(|x| !x.title.is_empty()),
            "a new article comes with a draft"
        );
        // Its row in the report says when it was suggested, with the rates
        // before and after.
        let row = d.rows.iter().find(|x| x.suggestion_id == k.suggestion_id);
        let row =
            row.unwrap_or_else(|| panic!("suggested problem {} in the report", k.suggestion_id));
        assert_eq!(row.suggested_at_ms, k.created_at_ms);
        assert!(row.rate_before_per_day.is_some() && row.rate_after_per_day.is_some());
    }
    // And every problem that recurred enough within the (30-day) recurrence
    // window of this (shorter) history was suggested.
    for row in &d.rows {
        if row.count >= min {
            assert!(
                ids.contains(row.suggestion_id.as_str()),
                "{:?} recurred {} times and was not suggested",
                row.signature,
                row.count
            );
        }
    }
}
