//! Evaluating the policy on a ticket's state at an injected time: which
//! rules fire now, how close the others are, and the next deadline. Pure.

use escalator_calendar::{Calendar, format_duration};
use escalator_proto::v1::{EscalationKind, SupportTier};

use crate::complexity;
use crate::custom::Fields;
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

fn time_rule(
    cal: &Calendar,
    s: &TicketState,
    now: i64,
    mut t: TimeRule<'_>,
    ev: &mut Evaluation,
    explain: bool,
) {
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
    if explain {
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
    }
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

/// The full evaluation, with where every rule stands (for explanations).
pub fn evaluate(policy: &Policy, s: &TicketState, now: i64) -> Evaluation {
    evaluate_with(policy, s, now, true)
}

/// What deciding needs: the same firings, deadline and complexity as
/// [`evaluate`], but statuses only for the custom rules that failed (the
/// error metric). Formatting every rule's status on every event was ~2% of
/// a replay, for text only explanations read.
pub fn evaluate_for_decision(policy: &Policy, s: &TicketState, now: i64) -> Evaluation {
    evaluate_with(policy, s, now, false)
}

fn evaluate_with(policy: &Policy, s: &TicketState, now: i64, explain: bool) -> Evaluation {
    let mut ev = Evaluation::default();
    let (score, signals) = complexity::score(policy, s);
    ev.complexity_score = score;
    ev.complexity_signals = signals;
    if !s.is_open() || s.queue_entered_ms == 0 {
        return ev;
    }
    let tier_name = s.customer_tier_name();
    let cal = policy.calendar_for_customer(&s.customer_id, &s.customer_time_zone, tier_name);
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
                explain,
            );
        }
        if let Some(c) = &policy.complexity {
            if let Some(threshold) = per_tier(&c.thresholds, tier_name) {
                let fired = s.already_fired(&c.rule.id);
                if explain {
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
                }
                // After a send-back, only new evidence escalates again.
                let risen = s.episode_score_base.is_nan()
                    || s.episode_score_base < *threshold
                    || score > s.episode_score_base;
                if score >= *threshold && !fired && risen {
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
        if explain {
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
        }
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
                    explain,
                );
            }
        }
    }
    if tier == SupportTier::L3 && s.picked_up_ms.is_none() {
        if let Some(u) = &policy.l3_unattended {
            if let Some((ms, text)) = per_tier(&u.pickup, tier_name) {
                time_rule(
                    cal,
                    s,
                    now,
                    TimeRule {
                        rule: &u.rule,
                        kind: EscalationKind::Unattended,
                        to_tier: SupportTier::L3,
                        from_ms: s.queue_entered_ms,
                        threshold_ms: *ms,
                        threshold_text: text,
                        note: "in the L3 queue without pickup",
                    },
                    &mut ev,
                    explain,
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
        // One binding for all the rules, with the fields any of them reads.
        let ctx = bound.get_or_insert_with(|| {
            let fields = policy
                .custom
                .iter()
                .fold(Fields::NONE, |f, c| f.union(c.fields()));
            crate::custom::bind(s, score, now, fields)
        });
        let result = c.eval_in(ctx);
        // A failure's status is kept even when not explaining: the processor
        // counts errors from it.
        if explain || result.is_err() {
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
        }
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
    ping_pong(policy, s, &mut ev, explain);
    ev
}

/// A ticket sent back to L1 `max_send_backs` times that would go to L2
/// again is not bounced: it is flagged with a named owner instead.
fn ping_pong(policy: &Policy, s: &TicketState, ev: &mut Evaluation, explain: bool) {
    let Some(p) = &policy.ping_pong else { return };
    let bouncing = s.send_backs >= p.max_send_backs && s.ping_pong_flagged < s.send_backs;
    let to_l2 = ev.firings.iter().any(|f| f.to_tier == SupportTier::L2)
        || (s.tier() == SupportTier::L2 && s.send_backs > 0 && !s.already_fired(&p.rule.id));
    if explain {
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
    }
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

/// The duty manager named for an L3 escalation nobody picked up.
pub fn unattended_owner(policy: &Policy, s: &TicketState) -> Option<String> {
    policy
        .l3_unattended
        .as_ref()
        .and_then(|u| per_tier(&u.owners, &s.domain).cloned())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;
    use escalator_proto::v1::{CustomerTier, Priority, TicketStatus};

    /// The shipped policy plus a custom rule that fails on some tickets
    /// (a status the error metric reads).
    fn policy() -> Policy {
        let text = format!(
            "{}\n[[custom]]\nid = \"fails-sometimes\"\nwhen = 'ticket.reopens > 0 ? ticket.tags[0] == \"x\" : false'\n",
            crate::policy::DEFAULT
        );
        Policy::parse("p.toml", &text).unwrap()
    }

    fn states(now: i64) -> Vec<TicketState> {
        let hour = 3_600_000;
        let mut out = Vec::new();
        let mut n: u32 = 0;
        for tier in [
            CustomerTier::Standard,
            CustomerTier::Enterprise,
            CustomerTier::Strategic,
        ] {
            for priority in [Priority::Low, Priority::Urgent] {
                for support in [SupportTier::L1, SupportTier::L2, SupportTier::L3] {
                    for age_h in [0, 1, 5, 30, 200] {
                        n += 1;
                        let fired = match n % 4 {
                            0 => vec![("tiq-default".to_owned(), 1), ("ping-pong".to_owned(), 1)],
                            1 => vec![("security-for-key-accounts".to_owned(), 1)],
                            _ => vec![],
                        };
                        out.push(TicketState {
                            customer_tier: tier as i32,
                            priority: priority as i32,
                            status: [TicketStatus::Open, TicketStatus::Pending, TicketStatus::New]
                                [n as usize % 3] as i32,
                            tier: support as i32,
                            created_ms: now - age_h * hour - hour,
                            queue_entered_ms: now - age_h * hour,
                            stint: 1,
                            paused_since_ms: (n % 5 == 0).then_some(now - hour),
                            pauses: if n % 3 == 0 {
                                vec![(now - 2 * hour, now - hour)]
                            } else {
                                vec![]
                            },
                            picked_up_ms: (n % 2 == 0).then_some(now - age_h * hour / 2),
                            tags: if n % 3 == 1 {
                                vec!["security".into()]
                            } else {
                                vec![]
                            },
                            severity_hits: if n % 7 == 0 {
                                vec!["outage".into()]
                            } else {
                                vec![]
                            },
                            reopens: n % 4,
                            send_backs: n % 3,
                            ping_pong_flagged: n % 2,
                            stack_traces: n % 3,
                            error_codes: n % 5,
                            l1_touches: n % 6,
                            fired,
                            ..TicketState::default()
                        });
                    }
                }
            }
        }
        out
    }

    #[test]
    fn deciding_skips_the_statuses_but_nothing_else() {
        let policy = policy();
        // A Sunday and a Wednesday morning (UTC): off and in business hours.
        for now in [1_796_547_600_000_i64, 1_796_810_400_000] {
            let mut errors = 0;
            let mut fired = std::collections::BTreeSet::new();
            let mut deadlines = 0;
            for s in states(now) {
                let full = evaluate(&policy, &s, now);
                let lean = evaluate_for_decision(&policy, &s, now);
                assert_eq!(lean.firings, full.firings, "{s:?}");
                assert_eq!(lean.next_deadline_ms, full.next_deadline_ms, "{s:?}");
                assert_eq!(lean.complexity_score, full.complexity_score);
                assert_eq!(lean.complexity_signals, full.complexity_signals);
                let failed: Vec<_> = full
                    .statuses
                    .iter()
                    .filter(|st| st.observed.starts_with("error:"))
                    .cloned()
                    .collect();
                assert_eq!(lean.statuses, failed, "{s:?}");
                errors += failed.len();
                fired.extend(full.firings.iter().map(|f| f.rule.id.clone()));
                deadlines += usize::from(full.next_deadline_ms.is_some());
            }
            assert!(errors > 0, "some states make the custom rule fail");
            assert!(deadlines > 0);
            for id in [
                "security-for-key-accounts",
                "repeated-reopens",
                "ping-pong",
                "l2-to-l3",
            ] {
                assert!(fired.contains(id), "{id} fires on some state: {fired:?}");
            }
            assert!(fired.iter().any(|id| id.starts_with("tiq-")), "{fired:?}");
        }
    }
}
