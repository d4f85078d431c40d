//! Shared test fixtures: a tiny PRNG and record builders.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used, dead_code)]

use escalator_reports::EscalationRecord;

pub const H: i64 = 3_600_000;
pub const M: i64 = 60_000;
pub const DAY: i64 = 24 * H;

/// xorshift64*: deterministic, no dependencies.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.max(1))
    }
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// A resolved escalation with sensible defaults; tests override what matters.
pub fn rec(id: &str, queue: &str, escalated_ms: i64) -> EscalationRecord {
    EscalationRecord {
        escalation_id: format!("esc-{id}"),
        ticket_id: format!("T-{id}"),
        domain: "db".into(),
        queue: queue.into(),
        tier: "l2".into(),
        customer_tier: "enterprise".into(),
        priority: "high".into(),
        queue_entered_ms: escalated_ms - 30 * M,
        escalated_ms,
        ..Default::default()
    }
}

/// Thirty days of realistic history across domains, tiers and specialists.
pub fn history(seed: u64, n: usize) -> Vec<EscalationRecord> {
    let mut rng = Rng::new(seed);
    let domains = ["db", "network", "auth", "billing"];
    let problems: [(&str, &str, &str, &str, &str); 6] = [
        (
            "ORA-00942 table ACME_{n} missing",
            "grant-select",
            "known_issue",
            "Cannot see table {n}",
            "Grant SELECT on the schema; Re-run the sync job",
        ),
        (
            "",
            "reset-mfa",
            "how_to",
            "How to reset MFA for user{n}@acme.com",
            "1. Open admin console\n2. Reset MFA\n3. Ask user to re-enroll",
        ),
        (
            "ECONNRESET 10.0.{n}.4",
            "proxy-timeout",
            "configuration",
            "VPN drops every {n} minutes",
            "Raise proxy idle timeout to 600s. Restart the agent.",
        ),
        (
            "NullPointerException at Invoice.java:{n}",
            "hotfix-{n}",
            "bug_fix",
            "Invoice {n} fails to render",
            "Deployed hotfix",
        ),
        (
            "E{n} duplicate charge",
            "refund",
            "user_error",
            "Charged twice for order {n}",
            "Refund the duplicate; Explain the pending authorization",
        ),
        (
            "timeout after {n}ms",
            "nff",
            "no_fault_found",
            "Slow page load",
            "Could not reproduce",
        ),
    ];
    let specialists = ["ana", "bo", "chen", "dee", "eli"];
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let (err, code, cat, subject, notes) = *rng.pick(&problems);
        let num = (rng.below(9000) + 1000).to_string();
        let domain = *rng.pick(&domains);
        let t0 = rng.below(30 * DAY as u64) as i64;
        let esc = t0 + (rng.below(240) as i64 + 1) * M;
        let routed = esc + (rng.below(30) as i64) * M;
        let accepted = routed + (rng.below(600) as i64 + 1) * M;
        let handling = (rng.below(480) as i64 + 5) * M;
        let sent_back = rng.chance(8);
        let open = !sent_back && rng.chance(5);
        let kb = matches!(cat, "how_to" | "known_issue") && rng.chance(60);
        out.push(EscalationRecord {
            escalation_id: format!("esc-{i}"),
            ticket_id: format!("T-{i}"),
            domain: domain.into(),
            queue: format!("{domain}-{}", if rng.chance(70) { "l2" } else { "l3" }),
            tier: if rng.chance(70) {
                "l2".into()
            } else {
                "l3".into()
            },
            customer_tier: rng.pick(&["enterprise", "pro", "free"]).to_string(),
            priority: rng.pick(&["low", "normal", "high", "urgent"]).to_string(),
            specialist: Some(rng.pick(&specialists).to_string()),
            queue_entered_ms: t0,
            escalated_ms: esc,
            routed_ms: Some(routed),
            accepted_ms: Some(accepted),
            resolved_ms: (!sent_back && !open).then_some(accepted + handling),
            sent_back_ms: sent_back.then_some(accepted + 10 * M),
            superseded_ms: None,
            reroutes: u32::from(rng.chance(10)),
            reopened: rng.chance(5),
            sla_breached: rng.chance(12),
            resolution_code: code.replace("{n}", &num),
            resolution_category: cat.into(),
            resolution_notes: notes.into(),
            kb_articles: if kb {
                vec![format!("KB-{}", rng.below(3) + 1)]
            } else {
                vec![]
            },
            error_signature: err.replace("{n}", &num),
            subject: subject.replace("{n}", &num),
        });
    }
    out
}
