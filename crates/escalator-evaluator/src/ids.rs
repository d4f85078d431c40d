//! Deterministic escalation ids: the same ticket, rule and state version
//! always give the same id, so consumers can tell a replay from a new
//! decision even without exactly-once delivery.

use sha2::{Digest, Sha256};

pub fn escalation_id(ticket_id: &str, rule_id: &str, state_version: u64) -> String {
    let mut h = Sha256::new();
    h.update(ticket_id.as_bytes());
    h.update([0]);
    h.update(rule_id.as_bytes());
    h.update([0]);
    h.update(state_version.to_be_bytes());
    let digest = h.finalize();
    let hex: String = digest.iter().take(12).map(|b| format!("{b:02x}")).collect();
    format!("esc-{hex}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_and_distinct() {
        let a = escalation_id("zendesk:acme:1", "tiq-enterprise-urgent", 7);
        assert_eq!(
            a,
            escalation_id("zendesk:acme:1", "tiq-enterprise-urgent", 7)
        );
        assert_ne!(
            a,
            escalation_id("zendesk:acme:1", "tiq-enterprise-urgent", 8)
        );
        assert_ne!(a, escalation_id("zendesk:acme:1", "complexity", 7));
        assert!(a.starts_with("esc-") && a.len() == 28);
    }
}
