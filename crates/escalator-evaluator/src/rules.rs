//! Evaluating the policy on a ticket's state at an injected time: which
//! rules fire now, how close the others are, and the next deadline. Pure.

use escalator_calendar::{Calendar, format_duration};
use escalator_proto::v1::{EscalationKind, SupportTier};

use crate::complexity;
use crate::policy::{Policy, RuleRef, per_tier};
use crate::state::TicketState;

/// A rule that fired, with its evidence.
#[derive(Debug, Clone, PartialEq)]
pub struct Firing {
    pub rule: RuleRef,
    pub kind: EscalationKind,
    pub to_tier: SupportTier,
    pub observed: String,
    pub observed_numeric: Option<f64>,
    pub threshold: String,
    pub threshold_numeric: Option<f64>,
    pub unit: &'static str,
    pub calendar: Option<(String, String)>,
    pub business_elapsed_ms: i64,
    pub wall_elapsed_ms: i64,
}

/// Where a rule stands for this ticket: for "why not yet".
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RuleStatus {
    pub rule_id: String,
    pub rule_version: String,
    pub description: String,
    pub observed: String,
    pub threshold: String,
    /// observed / threshold, capped at 1.
    pub progress: f64,
    /// When it fires if nothing changes (time rules only).
    pub fires_at_ms: Option<i64>,
    pub note: String,
}

#[derive(Debug, Clone, Default)]
pub struct Evaluation {
    pub firings: Vec<Firing>,
    pub statuses: Vec<RuleStatus>,
    pub next_deadline_ms: Option<i64>,
    pub complexity_score: f64,
    pub complexity_signals: Vec<complexity::Signal>,
}

/// Business time in the current stint since `from`, minus the pauses.
pub fn business_elapsed(cal: &Calendar, s: &TicketState, from: i64, now: i64) -> i64 {
    let total = cal.business_ms_between(from, now);
    let mut paused: i64 = s
        .pauses
        .iter()
        .map(|(a, b)| cal.business_ms_between((*a).max(from), (*b).min(now)))
        .sum();
    if let Some(since) = s.paused_since_ms {
        paused += cal.business_ms_between(since.max(from), now);
    }
    (total - paused).max(0)
}

struct TimeRule<'a> {
    rule: &'a RuleRef,
    kind: EscalationKind,
    to_tier: SupportTier,
    from_ms: i64,
    threshold_ms: i64,
    threshold_text: &'a str,
    note: &'a str,
}

fn time_rule(cal: &Calendar, s: &TicketState, now: i64, mut t: TimeRule<'_>, ev: &mut Evaluation) {
    // Days and weeks are business days of the customer's own calendar.
    if let Ok(ms) = escalator_calendar::parse_duration(t.threshold_text, cal.business_day_ms()) {
        t.threshold_ms = ms;
    }
    let elapsed = business_elapsed(cal, s, t.from_ms, now);
    let fired_already = s.already_fired(&t.rule.id);
    let fires_at = if s.paused_since_ms.is_some() || fired_already {
        None
    } else if elapsed >= t.threshold_ms {
        Some(now)
    } else {
        Some(cal.add_business_ms(now, t.threshold_ms - elapsed))
    };
    let note = if fired_already {
        "fired already in this queue stint".to_owned()
    } else if s.paused_since_ms.is_some() {
        "clock paused: waiting on the customer".to_owned()
    } else {
        t.note.to_owned()
    };
    ev.statuses.push(RuleStatus {
        rule_id: t.rule.id.clone(),
        rule_version: t.rule.version.clone(),
        description: t.rule.description.clone(),
        observed: format_duration(elapsed),
        threshold: t.threshold_text.to_owned(),
        progress: (elapsed as f64 / t.threshold_ms.max(1) as f64).min(1.0),
        fires_at_ms: fires_at,
        note,
    });
    if fired_already || s.paused_since_ms.is_some() {
        return;
    }
    if elapsed >= t.threshold_ms {
        ev.firings.push(Firing {
            rule: t.rule.clone(),
            kind: t.kind,
            to_tier: t.to_tier,
            observed: format_duration(elapsed),
            observed_numeric: Some(elapsed as f64 / 60_000.0),
            threshold: t.threshold_text.to_owned(),
            threshold_numeric: Some(t.threshold_ms as f64 / 60_000.0),
            unit: "business_minutes",
            calendar: Some((cal.id().to_owned(), cal.time_zone().to_owned())),
            business_elapsed_ms: elapsed,
            wall_elapsed_ms: (now - t.from_ms).max(0),
        });
    } else if let Some(at) = fires_at {
        ev.next_deadline_ms = Some(ev.next_deadline_ms.map_or(at, |d| d.min(at)));
    }
}

pub fn evaluate(policy: &Policy, s: &TicketState, now: i64) -> Evaluation {
    let mut ev = Evaluation::default();
    let (score, signals) = complexity::score(policy, s);
    ev.complexity_score = score;
    ev.complexity_signals = signals;
    if !s.is_open() || s.queue_entered_ms == 0 {
        return ev;
    }
    let tier_name = s.customer_tier_name();
    let cal = policy.calendar_for(tier_name);
    let tier = s.tier();
    let l1 = matches!(tier, SupportTier::L1 | SupportTier::Unspecified);

    if l1 {
        if let Some(r) = policy.time_in_queue_for(tier_name, s.priority_name()) {
            time_rule(
                cal,
                s,
                now,
                TimeRule {
                    rule: &r.rule,
                    kind: EscalationKind::Escalate,
                    to_tier: SupportTier::L2,
                    from_ms: s.queue_entered_ms,
                    threshold_ms: r.threshold_ms,
                    threshold_text: &r.threshold_text,
                    note: "time in the L1 queue",
                },
                &mut ev,
            );
        }
        if let Some(c) = &policy.complexity {
            if let Some(threshold) = per_tier(&c.thresholds, tier_name) {
                let fired = s.already_fired(&c.rule.id);
                ev.statuses.push(RuleStatus {
                    rule_id: c.rule.id.clone(),
                    rule_version: c.rule.version.clone(),
                    description: c.rule.description.clone(),
                    observed: format!("{score:.1}"),
                    threshold: format!("{threshold:.1}"),
                    progress: (score / threshold).min(1.0),
                    fires_at_ms: None,
                    note: if fired {
                        "fired already in this queue stint".into()
                    } else {
                        "event-driven".into()
                    },
                });
                if score >= *threshold && !fired {
                    ev.firings.push(Firing {
                        rule: c.rule.clone(),
                        kind: EscalationKind::Escalate,
                        to_tier: SupportTier::L2,
                        observed: format!("{score:.1}"),
                        observed_numeric: Some(score),
                        threshold: format!("{threshold:.1}"),
                        threshold_numeric: Some(*threshold),
                        unit: "score",
                        calendar: None,
                        business_elapsed_ms: 0,
                        wall_elapsed_ms: 0,
                    });
                }
            }
        }
    }
    if let Some((rule, max)) = &policy.reopen {
        let fired = s.already_fired(&rule.id);
        ev.statuses.push(RuleStatus {
            rule_id: rule.id.clone(),
            rule_version: rule.version.clone(),
            description: rule.description.clone(),
            observed: format!("{} reopen(s)", s.reopens),
            threshold: format!("{max} reopen(s)"),
            progress: (f64::from(s.reopens) / f64::from(*max)).min(1.0),
            fires_at_ms: None,
            note: String::new(),
        });
        if s.reopens >= *max && !fired && l1 {
            ev.firings.push(Firing {
                rule: rule.clone(),
                kind: EscalationKind::Reopen,
                to_tier: SupportTier::L2,
                observed: format!("{} reopen(s)", s.reopens),
                observed_numeric: Some(f64::from(s.reopens)),
                threshold: format!("{max} reopen(s)"),
                threshold_numeric: Some(f64::from(*max)),
                unit: "count",
                calendar: None,
                business_elapsed_ms: 0,
                wall_elapsed_ms: 0,
            });
        }
    }
    if tier == SupportTier::L2 {
        if let Some(r) = &policy.reescalation {
            let (from, table, note) = match s.picked_up_ms {
                None => (
                    s.queue_entered_ms,
                    &r.pickup,
                    "in the L2 queue without pickup",
                ),
                Some(p) => (p, &r.resolution, "picked up, not resolved"),
            };
            if let Some((ms, text)) = per_tier(table, tier_name) {
                time_rule(
                    cal,
                    s,
                    now,
                    TimeRule {
                        rule: &r.rule,
                        kind: EscalationKind::Reescalate,
                        to_tier: SupportTier::L3,
                        from_ms: from,
                        threshold_ms: *ms,
                        threshold_text: text,
                        note,
                    },
                    &mut ev,
                );
            }
        }
    }
    let mut bound = None;
    for c in &policy.custom {
        let to = c.to_tier();
        if (to as i32) <= (tier as i32) && tier != SupportTier::Unspecified {
            continue;
        }
        let fired = s.already_fired(&c.rule.id);
        let ctx = bound.get_or_insert_with(|| crate::custom::bind(s, score, now));
        let result = match ctx {
            Ok(ctx) => c.eval_in(ctx),
            Err(e) => Err(e.clone()),
        };
        ev.statuses.push(RuleStatus {
            rule_id: c.rule.id.clone(),
            rule_version: c.rule.version.clone(),
            description: c.rule.description.clone(),
            observed: match &result {
                Ok(v) => v.to_string(),
                Err(e) => format!("error: {e}"),
            },
            threshold: "true".into(),
            progress: if result == Ok(true) { 1.0 } else { 0.0 },
            fires_at_ms: None,
            note: c.expression().to_owned(),
        });
        if result == Ok(true) && !fired {
            ev.firings.push(Firing {
                rule: c.rule.clone(),
                kind: if to == SupportTier::L3 {
                    EscalationKind::Reescalate
                } else {
                    EscalationKind::Escalate
                },
                to_tier: to,
                observed: "true".into(),
                observed_numeric: None,
                threshold: c.expression().to_owned(),
                threshold_numeric: None,
                unit: "condition",
                calendar: None,
                business_elapsed_ms: 0,
                wall_elapsed_ms: 0,
            });
        }
    }
    ping_pong(policy, s, &mut ev);
    ev
}

/// A ticket sent back to L1 `max_send_backs` times that would go to L2
/// again is not bounced: it is flagged with a named owner instead.
fn ping_pong(policy: &Policy, s: &TicketState, ev: &mut Evaluation) {
    let Some(p) = &policy.ping_pong else { return };
    let bouncing = s.send_backs >= p.max_send_backs && s.ping_pong_flagged < s.send_backs;
    let to_l2 = ev.firings.iter().any(|f| f.to_tier == SupportTier::L2)
        || (s.tier() == SupportTier::L2 && s.send_backs > 0 && !s.already_fired(&p.rule.id));
    ev.statuses.push(RuleStatus {
        rule_id: p.rule.id.clone(),
        rule_version: p.rule.version.clone(),
        description: p.rule.description.clone(),
        observed: format!("{} send-back(s) to L1", s.send_backs),
        threshold: format!("{} send-back(s)", p.max_send_backs),
        progress: (f64::from(s.send_backs) / f64::from(p.max_send_backs)).min(1.0),
        fires_at_ms: None,
        note: String::new(),
    });
    if !(bouncing && to_l2) {
        return;
    }
    let owner = per_tier(&p.owners, &s.domain).cloned().unwrap_or_default();
    let evidence = Firing {
        rule: p.rule.clone(),
        kind: EscalationKind::PingPong,
        to_tier: SupportTier::L2,
        observed: format!("{} send-back(s) to L1", s.send_backs),
        observed_numeric: Some(f64::from(s.send_backs)),
        threshold: format!("{} send-back(s); owner {owner}", p.max_send_backs),
        threshold_numeric: Some(f64::from(p.max_send_backs)),
        unit: "count",
        calendar: None,
        business_elapsed_ms: 0,
        wall_elapsed_ms: 0,
    };
    ev.firings.insert(0, evidence);
}

/// The owner named for a ping-pong flag.
pub fn ping_pong_owner(policy: &Policy, s: &TicketState) -> Option<String> {
    policy
        .ping_pong
        .as_ref()
        .and_then(|p| per_tier(&p.owners, &s.domain).cloned())
}
