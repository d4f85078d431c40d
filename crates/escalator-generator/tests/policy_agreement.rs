#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]
//! The generator's plans agree with the escalation policy as the real
//! processors apply it (a replay of the history through the ingestor,
//! evaluator and router on event time): tickets L1 resolves do not escalate
//! before L1 resolves them, and tickets a specialist takes have escalated
//! before the specialist accepts.

use std::collections::BTreeMap;

use escalator_generator::{Settings, generate};
use escalator_standalone::events::{event_time, lines_from_values};
use escalator_standalone::{Config, replay};
use serde_json::Value;

const START: i64 = 1_795_996_800_000;

fn check(seed: u64) {
    let events = generate(&Settings::new(seed, 1000, START));
    let lines = lines_from_values(&events);
    let cfg = Config::load(None, None).unwrap();
    let outcome = replay::replay(&lines, &cfg, &replay::Options::default()).unwrap();
    assert!(
        outcome.dead_letters.is_empty(),
        "{:?}",
        outcome.dead_letters.first()
    );
    let mut first_escalation: BTreeMap<&str, i64> = BTreeMap::new();
    for r in &outcome.routed {
        let at = r.decision.as_ref().unwrap().decided_at_ms;
        let e = first_escalation.entry(r.ticket_id.as_str()).or_insert(at);
        *e = (*e).min(at);
    }
    let mut by_ticket: BTreeMap<&str, Vec<&Value>> = BTreeMap::new();
    for e in &events {
        by_ticket
            .entry(e["ticket_id"].as_str().unwrap())
            .or_default()
            .push(e);
    }
    let time = |e: &Value| event_time(e.to_string().as_bytes()).unwrap();
    let (mut l1, mut l1_early, mut l2, mut l2_ok) = (0, 0, 0, 0);
    let mut examples = Vec::new();
    for (id, evs) in &by_ticket {
        let plan = evs[0]["x_generator"]["plan"].as_str().unwrap();
        let escalated = first_escalation.get(id).copied();
        if plan == "l1" {
            l1 += 1;
            let resolved = evs
                .iter()
                .rev()
                .find(|e| e["type"] == "resolved")
                .map(|e| time(e));
            let early = match (escalated, resolved) {
                (Some(f), Some(r)) => f < r,
                (Some(_), None) => true,
                _ => false,
            };
            if early {
                l1_early += 1;
                if examples.len() < 8 {
                    examples.push(format!("{id}: escalated before L1 resolved it"));
                }
            }
        } else if let Some(accepted) = evs
            .iter()
            .find(|e| e["type"] == "specialist_accepted")
            .map(|e| time(e))
        {
            l2 += 1;
            if escalated.is_some_and(|f| f <= accepted) {
                l2_ok += 1;
            } else if examples.len() < 8 {
                examples.push(format!(
                    "{id}: accepted by a specialist without an escalation before"
                ));
            }
        }
    }
    eprintln!(
        "seed {seed}: L1 plan {l1} tickets, {l1_early} escalated before L1 resolved them; specialist plan {l2} accepted, {l2_ok} escalated before"
    );
    // A few may differ (the generator estimates the policy); most must agree.
    assert!(
        l1 > 500 && l2 > 100,
        "a realistic mix: {l1} L1, {l2} specialist"
    );
    assert!((l1_early as f64) <= 0.02 * l1 as f64, "{examples:#?}");
    assert!((l2_ok as f64) >= 0.97 * l2 as f64, "{examples:#?}");
}

#[test]
fn plans_agree_with_the_shipped_policy_seed_2026() {
    check(2026);
}

#[test]
fn plans_agree_with_the_shipped_policy_seed_7() {
    check(7);
}
