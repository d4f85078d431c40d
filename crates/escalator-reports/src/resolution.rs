use std::collections::BTreeMap;

use escalator_proto::v1::{
    ResolutionHop, ResolutionReport, ResolutionRow, SupportTier, TrendBucket,
};

use crate::percentile::percentile_ms;
use crate::record::{DAY_MS, EscalationRecord, Window, tier_enum};

const HOPS: [ResolutionHop; 5] = [
    ResolutionHop::QueueEntryToEscalation,
    ResolutionHop::EscalationToRouting,
    ResolutionHop::RoutingToPickup,
    ResolutionHop::PickupToResolution,
    ResolutionHop::Total,
];

/// Duration of `hop` for `r`, when both ends happened by `now_ms` and in order.
fn hop_ms(r: &EscalationRecord, hop: ResolutionHop, now_ms: i64) -> Option<i64> {
    let (from, to) = match hop {
        ResolutionHop::QueueEntryToEscalation => (Some(r.queue_entered_ms), Some(r.escalated_ms)),
        ResolutionHop::EscalationToRouting => (Some(r.escalated_ms), r.routed_ms),
        ResolutionHop::RoutingToPickup => (r.routed_ms, r.accepted_ms),
        ResolutionHop::PickupToResolution => (r.accepted_ms, r.resolved_ms),
        ResolutionHop::Total => (Some(r.queue_entered_ms), r.resolved_ms),
        ResolutionHop::Unspecified => (None, None),
    };
    let (from, to) = (from?, to?);
    // Negative spans are clock skew between sources; they would corrupt percentiles.
    (to <= now_ms && to >= from).then_some(to - from)
}

/// Latency percentiles per hop for every (domain, tier) slice of the window:
/// all/all, domain/all, all/tier and domain/tier. Trend buckets are one day
/// wide from `window.start_ms`; a sample goes to the bucket of its `escalated_ms`.
pub fn resolution_report(
    records: &[EscalationRecord],
    window: Window,
    now_ms: i64,
) -> ResolutionReport {
    // (domain, tier, hop) -> samples as (escalated_ms, duration_ms).
    let mut samples: BTreeMap<(String, i32, i32), Vec<(i64, i64)>> = BTreeMap::new();
    for r in records.iter().filter(|r| window.includes(r)) {
        let tier = tier_enum(&r.tier) as i32;
        let all = SupportTier::Unspecified as i32;
        let domain = r.domain.clone();
        // A set: with an unknown tier, domain/all and domain/tier coincide and must count once.
        let slices: std::collections::BTreeSet<(String, i32)> = [
            (String::new(), all),
            (domain.clone(), all),
            (String::new(), tier),
            (domain, tier),
        ]
        .into_iter()
        .collect();
        for hop in HOPS {
            let Some(d) = hop_ms(r, hop, now_ms) else {
                continue;
            };
            for (dom, t) in &slices {
                samples
                    .entry((dom.clone(), *t, hop as i32))
                    .or_default()
                    .push((r.escalated_ms, d));
            }
        }
    }
    let buckets = bucket_starts(window);
    let rows = samples
        .into_iter()
        .map(|((domain, tier, hop), s)| {
            let mut all: Vec<i64> = s.iter().map(|(_, d)| *d).collect();
            all.sort_unstable();
            let trend = buckets
                .iter()
                .map(|&start| {
                    let mut b: Vec<i64> = s
                        .iter()
                        .filter(|(t, _)| *t >= start && *t < start + DAY_MS)
                        .map(|(_, d)| *d)
                        .collect();
                    b.sort_unstable();
                    TrendBucket {
                        bucket_start_ms: start,
                        count: b.len() as u64,
                        p50_ms: percentile_ms(&b, 50.0),
                        p90_ms: percentile_ms(&b, 90.0),
                        p99_ms: percentile_ms(&b, 99.0),
                    }
                })
                .collect();
            ResolutionRow {
                domain,
                tier,
                hop,
                count: all.len() as u64,
                p50_ms: percentile_ms(&all, 50.0),
                p90_ms: percentile_ms(&all, 90.0),
                p99_ms: percentile_ms(&all, 99.0),
                trend,
            }
        })
        .collect();
    ResolutionReport {
        window_start_ms: window.start_ms,
        window_end_ms: window.end_ms,
        trend_bucket_ms: DAY_MS,
        rows,
    }
}

fn bucket_starts(window: Window) -> Vec<i64> {
    let mut out = Vec::new();
    let mut t = window.start_ms;
    while t < window.end_ms {
        out.push(t);
        t += DAY_MS;
    }
    out
}
