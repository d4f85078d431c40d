mod common;

use common::{H, rec};
use escalator_reports::{EscalationRecord, QueueCapacity, Window, utilization_report};

/// Two queues (qa: capacity 2, qb: capacity 1), three specialists, window [0, 10h).
fn small_history() -> (Vec<EscalationRecord>, Vec<QueueCapacity>) {
    let mut a = rec("A", "qa", H / 2);
    (a.specialist, a.routed_ms, a.accepted_ms, a.resolved_ms) =
        (Some("s1".into()), Some(H), Some(2 * H), Some(4 * H));
    let mut b = rec("B", "qa", 3 * H / 2);
    (b.specialist, b.routed_ms, b.accepted_ms, b.resolved_ms) =
        (Some("s2".into()), Some(2 * H), Some(3 * H), Some(7 * H));
    (b.sla_breached, b.reroutes) = (true, 1);
    let mut c = rec("C", "qa", 5 * H);
    (c.specialist, c.routed_ms, c.accepted_ms) = (Some("s1".into()), Some(5 * H), Some(6 * H));
    let mut d = rec("D", "qb", 2 * H);
    (d.specialist, d.routed_ms, d.accepted_ms, d.resolved_ms) = (
        Some("s3".into()),
        Some(2 * H),
        Some(5 * H / 2),
        Some(7 * H / 2),
    );
    let mut e = rec("E", "qb", 4 * H);
    (e.specialist, e.routed_ms, e.accepted_ms, e.sent_back_ms) =
        (Some("s3".into()), Some(4 * H), Some(4 * H), Some(9 * H / 2));
    // Escalated before the window and still open: load, but not received.
    let mut f = rec("F", "qb", -2 * H);
    f.routed_ms = Some(-2 * H);
    // After the window: ignored.
    let mut g = rec("G", "qa", 11 * H);
    g.routed_ms = Some(11 * H);
    for r in [&mut d, &mut e, &mut f] {
        (r.domain, r.tier) = ("net".into(), "l3".into());
    }
    let queues = vec![
        QueueCapacity {
            queue: "qa".into(),
            domain: "db".into(),
            specialists: 2,
            capacity: 2,
        },
        QueueCapacity {
            queue: "qb".into(),
            domain: "net".into(),
            specialists: 1,
            capacity: 1,
        },
    ];
    (vec![a, b, c, d, e, f, g], queues)
}

#[test]
fn hand_checked_queue_and_specialist_figures() {
    let (records, queues) = small_history();
    let r = utilization_report(
        &records,
        &queues,
        Window {
            start_ms: 0,
            end_ms: 10 * H,
        },
        12 * H,
    );
    assert_eq!(r.queues.len(), 2);
    let qa = &r.queues[0];
    assert_eq!(qa.queue_id, "qa");
    assert_eq!((qa.received, qa.resolved, qa.open_wip), (3, 2, 1));
    assert_eq!((qa.mean_handling_ms, qa.median_handling_ms), (3 * H, 2 * H));
    // Open: A [1h,4h) 3h + B [2h,7h) 5h + C [5h,10h) 5h = 13h over 10h, capacity 2.
    assert!((qa.utilization - 0.65).abs() < 1e-12, "{}", qa.utilization);
    assert_eq!(
        (qa.capacity, qa.breaches, qa.reroutes_in, qa.tier),
        (2, 1, 1, 2)
    );

    let qb = &r.queues[1];
    assert_eq!((qb.received, qb.resolved, qb.open_wip), (2, 1, 1));
    assert_eq!((qb.mean_handling_ms, qb.median_handling_ms), (H, H));
    // D 1.5h + E 0.5h + F 10h = 12h over 10h, capacity 1: overloaded.
    assert!((qb.utilization - 1.2).abs() < 1e-12, "{}", qb.utilization);
    assert_eq!((qb.domain.as_str(), qb.breaches, qb.tier), ("net", 0, 3));

    let s: Vec<_> = r
        .specialists
        .iter()
        .map(|s| {
            (
                s.specialist_id.as_str(),
                s.queue_id.as_str(),
                s.accepted,
                s.resolved,
                s.open_wip,
                s.median_handling_ms,
                s.sent_back_to_l1,
            )
        })
        .collect();
    assert_eq!(
        s,
        vec![
            ("s1", "qa", 2, 1, 1, 2 * H, 0),
            ("s2", "qa", 1, 1, 0, 4 * H, 0),
            ("s3", "qb", 2, 1, 0, H, 1),
        ]
    );
}

#[test]
fn now_inside_the_window_clips_integration_and_counts() {
    let (records, queues) = small_history();
    let r = utilization_report(
        &records,
        &queues,
        Window {
            start_ms: 0,
            end_ms: 10 * H,
        },
        8 * H,
    );
    let qa = &r.queues[0];
    // A 3h + B 5h + C [5h,8h) 3h = 11h over 8h elapsed, capacity 2.
    assert!(
        (qa.utilization - 11.0 / 16.0).abs() < 1e-12,
        "{}",
        qa.utilization
    );
    assert_eq!((qa.resolved, qa.open_wip), (2, 1));
    let r = utilization_report(
        &records,
        &queues,
        Window {
            start_ms: 0,
            end_ms: 10 * H,
        },
        3 * H,
    );
    // At 3h A and B are open in qa and nothing is resolved yet (A resolves at 4h).
    assert_eq!((r.queues[0].resolved, r.queues[0].open_wip), (0, 2));
}
