use std::collections::{BTreeMap, BTreeSet};

use escalator_proto::v1::{QueueUtilization, SpecialistUtilization, UtilizationReport};

use crate::percentile::percentile_ms;
use crate::record::{EscalationRecord, QueueCapacity, Window, most_common, tier_enum};

/// Queue and specialist load.
///
/// Definitions (all instants are clipped to `now_ms`, the future is unknown):
/// - received: records of the window (by `escalated_ms`) in the queue;
/// - resolved / handling time: records with `resolved_ms` in the window;
///   handling = accepted -> resolved; median is the nearest-rank p50, mean is floored;
/// - open WIP: open at `min(window.end_ms, now_ms)`; a record is open in its queue from
///   `routed_ms` (else `escalated_ms`) until it is resolved or sent back to L1;
/// - utilization: open intervals integrated exactly over
///   `[window.start_ms, min(window.end_ms, now_ms))`, divided by the span and the capacity;
/// - reroutes_in: sum of `reroutes` of the queue's window records (the record
///   keeps only its final queue, so `reroutes_out` is always 0);
/// - reopened: window records whose ticket was reopened after they ended.
///
/// Specialists: `capacity`, `utilization` and `reassigned_out` are 0 because
/// the records carry no per-specialist capacity or reassignment history.
pub fn utilization_report(
    records: &[EscalationRecord],
    queues: &[QueueCapacity],
    window: Window,
    now_ms: i64,
) -> UtilizationReport {
    let at_ms = window.end_ms.min(now_ms);
    let mut names: BTreeSet<&str> = queues.iter().map(|q| q.queue.as_str()).collect();
    names.extend(
        records
            .iter()
            .filter(|r| window.includes(r) || open_at(r, queue_open_ms(r), at_ms))
            .map(|r| r.queue.as_str()),
    );
    let queues_out = names
        .into_iter()
        .map(|name| {
            let cap = queues.iter().find(|q| q.queue == name);
            let in_queue: Vec<&EscalationRecord> =
                records.iter().filter(|r| r.queue == name).collect();
            queue_row(name, cap, &in_queue, window, at_ms)
        })
        .collect();

    let mut by_specialist: BTreeMap<&str, Vec<&EscalationRecord>> = BTreeMap::new();
    for r in records {
        if let Some(s) = r.specialist.as_deref() {
            by_specialist.entry(s).or_default().push(r);
        }
    }
    let specialists = by_specialist
        .into_iter()
        .map(|(id, rs)| specialist_row(id, &rs, window, at_ms))
        .filter(|s| s.accepted + s.resolved + s.open_wip + s.sent_back_to_l1 > 0)
        .collect();

    UtilizationReport {
        window_start_ms: window.start_ms,
        window_end_ms: window.end_ms,
        queues: queues_out,
        specialists,
    }
}

fn queue_row(
    name: &str,
    cap: Option<&QueueCapacity>,
    rs: &[&EscalationRecord],
    window: Window,
    at_ms: i64,
) -> QueueUtilization {
    let in_window: Vec<&&EscalationRecord> = rs.iter().filter(|r| window.includes(r)).collect();
    let (resolved, handling) = resolved_and_handling(rs, window, at_ms);
    let capacity = cap.map_or(0, |c| c.capacity);
    let span = at_ms - window.start_ms;
    let open_ms: i64 = rs
        .iter()
        .map(|r| overlap(queue_open_ms(r), close_ms(r), window.start_ms, at_ms))
        .sum();
    let utilization = if capacity == 0 || span <= 0 {
        0.0
    } else {
        open_ms as f64 / span as f64 / f64::from(capacity)
    };
    QueueUtilization {
        queue_id: name.to_string(),
        domain: cap
            .map(|c| c.domain.clone())
            .or_else(|| most_common(rs.iter().map(|r| r.domain.as_str())))
            .unwrap_or_default(),
        tier: most_common(rs.iter().map(|r| r.tier.as_str())).map_or(0, |t| tier_enum(&t) as i32),
        received: in_window.len() as u32,
        resolved,
        open_wip: rs
            .iter()
            .filter(|r| open_at(r, queue_open_ms(r), at_ms))
            .count() as u32,
        mean_handling_ms: mean(&handling),
        median_handling_ms: percentile_ms(&handling, 50.0),
        capacity,
        utilization,
        breaches: in_window.iter().filter(|r| r.sla_breached).count() as u32,
        reroutes_in: in_window.iter().map(|r| r.reroutes).sum(),
        reroutes_out: 0,
        reopened: in_window.iter().filter(|r| r.reopened).count() as u32,
    }
}

fn specialist_row(
    id: &str,
    rs: &[&EscalationRecord],
    window: Window,
    at_ms: i64,
) -> SpecialistUtilization {
    let (resolved, handling) = resolved_and_handling(rs, window, at_ms);
    let in_scope = || {
        rs.iter()
            .filter(|r| r.accepted_ms.is_some_and(|a| window.contains(a)))
    };
    SpecialistUtilization {
        specialist_id: id.to_string(),
        queue_id: most_common(in_scope().map(|r| r.queue.as_str()))
            .or_else(|| most_common(rs.iter().map(|r| r.queue.as_str())))
            .unwrap_or_default(),
        domain: most_common(in_scope().map(|r| r.domain.as_str()))
            .or_else(|| most_common(rs.iter().map(|r| r.domain.as_str())))
            .unwrap_or_default(),
        accepted: in_scope()
            .filter(|r| r.accepted_ms.is_some_and(|a| a < at_ms))
            .count() as u32,
        resolved,
        open_wip: rs
            .iter()
            .filter(|r| r.accepted_ms.is_some_and(|a| open_at(r, a, at_ms)))
            .count() as u32,
        mean_handling_ms: mean(&handling),
        median_handling_ms: percentile_ms(&handling, 50.0),
        capacity: 0,
        utilization: 0.0,
        sent_back_to_l1: rs
            .iter()
            .filter(|r| {
                r.sent_back_ms
                    .is_some_and(|t| window.contains(t) && t < at_ms)
            })
            .count() as u32,
        reassigned_out: 0,
    }
}

/// Count resolved in the window (before `at_ms`) and their sorted handling times.
fn resolved_and_handling(rs: &[&EscalationRecord], window: Window, at_ms: i64) -> (u32, Vec<i64>) {
    let done: Vec<&&EscalationRecord> = rs
        .iter()
        .filter(|r| {
            r.resolved_ms
                .is_some_and(|t| window.contains(t) && t < at_ms)
        })
        .collect();
    let mut handling: Vec<i64> = done
        .iter()
        .filter_map(|r| Some(r.resolved_ms? - r.accepted_ms?))
        .filter(|d| *d >= 0)
        .collect();
    handling.sort_unstable();
    (done.len() as u32, handling)
}

fn queue_open_ms(r: &EscalationRecord) -> i64 {
    r.routed_ms.unwrap_or(r.escalated_ms)
}

/// Leaves the specialist queue: resolved, sent back or superseded by the
/// ticket's next escalation, whichever came first.
fn close_ms(r: &EscalationRecord) -> Option<i64> {
    [r.resolved_ms, r.sent_back_ms, r.superseded_ms]
        .into_iter()
        .flatten()
        .min()
}

/// Open at instant `t` when opened at or before `t` and not closed by `t`.
fn open_at(r: &EscalationRecord, open_ms: i64, t: i64) -> bool {
    open_ms <= t && close_ms(r).is_none_or(|c| c > t)
}

fn overlap(open_ms: i64, close: Option<i64>, from: i64, to: i64) -> i64 {
    let end = close.map_or(to, |c| c.min(to));
    (end - open_ms.max(from)).max(0)
}

fn mean(v: &[i64]) -> i64 {
    if v.is_empty() {
        return 0;
    }
    v.iter().sum::<i64>() / v.len() as i64
}
