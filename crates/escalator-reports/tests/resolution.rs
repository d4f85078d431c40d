mod common;

use common::{DAY, history};
use escalator_proto::v1::{ResolutionHop, SupportTier};
use escalator_reports::{Window, percentile, resolution_report};

#[test]
fn percentiles_per_slice_equal_brute_force() {
    let records = history(11, 2500);
    let window = Window {
        start_ms: 5 * DAY,
        end_ms: 25 * DAY,
    };
    let now = 40 * DAY;
    let report = resolution_report(&records, window, now);
    assert_eq!(report.trend_bucket_ms, DAY);
    // 4 domains + all, times (all + l2 + l3), times 5 hops.
    assert_eq!(report.rows.len(), 5 * 3 * 5);
    for row in &report.rows {
        let mut v: Vec<f64> = records
            .iter()
            .filter(|r| window.includes(r))
            .filter(|r| row.domain.is_empty() || r.domain == row.domain)
            .filter(|r| {
                row.tier == SupportTier::Unspecified as i32
                    || (r.tier == "l2") == (row.tier == SupportTier::L2 as i32)
            })
            .filter_map(|r| {
                let (a, b) = match ResolutionHop::try_from(row.hop).unwrap() {
                    ResolutionHop::QueueEntryToEscalation => {
                        (Some(r.queue_entered_ms), Some(r.escalated_ms))
                    }
                    ResolutionHop::EscalationToRouting => (Some(r.escalated_ms), r.routed_ms),
                    ResolutionHop::RoutingToPickup => (r.routed_ms, r.accepted_ms),
                    ResolutionHop::PickupToResolution => (r.accepted_ms, r.resolved_ms),
                    _ => (Some(r.queue_entered_ms), r.resolved_ms),
                };
                Some((b? - a?) as f64)
            })
            .collect();
        v.sort_by(f64::total_cmp);
        assert_eq!(row.count as usize, v.len());
        for (p, got) in [(50.0, row.p50_ms), (90.0, row.p90_ms), (99.0, row.p99_ms)] {
            assert_eq!(Some(got as f64), percentile(&v, p), "{row:?}");
        }
        assert_eq!(row.trend.len(), 20);
        assert_eq!(row.trend.iter().map(|b| b.count).sum::<u64>(), row.count);
        assert!(
            row.trend
                .windows(2)
                .all(|w| w[1].bucket_start_ms - w[0].bucket_start_ms == DAY)
        );
    }
}

#[test]
fn unfinished_hops_and_future_events_are_not_samples() {
    let records = history(3, 300);
    let window = Window {
        start_ms: 0,
        end_ms: 30 * DAY,
    };
    let early = resolution_report(&records, window, 0);
    assert!(
        early
            .rows
            .iter()
            .all(|r| r.count == 0 || r.hop == ResolutionHop::QueueEntryToEscalation as i32)
    );
}
