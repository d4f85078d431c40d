//! The complexity score: a weighted sum of signals that say a case is
//! beyond L1 (evidence of a defect, several components, reopens, many L1
//! touches, severity words, the customer's own urgency).

use serde::Serialize;

use crate::policy::Policy;
use crate::state::TicketState;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Signal {
    pub name: String,
    pub weight: f64,
    pub value: f64,
    pub contribution: f64,
}

/// The most each signal counts, so that no single kind of evidence (many
/// severity words, a long component list, a chatty L1 thread) escalates a
/// ticket on its own; a lead reads "3 severity words" as one strong hint,
/// not three.
pub const CAPS: [(&str, u32); 8] = [
    ("stack_trace", 1),
    ("error_code", 3),
    ("components", 3),
    ("reopens", 3),
    ("l1_touches", 20),
    ("severity_keyword", 2),
    ("customer_urgency", 1),
    ("attachments", 5),
];

fn cap(name: &str, n: usize) -> f64 {
    let max = CAPS
        .iter()
        .find(|(c, _)| *c == name)
        .map_or(u32::MAX, |(_, m)| *m);
    f64::from(u32::try_from(n).unwrap_or(u32::MAX).min(max))
}

/// The signal values of a ticket, before weights, each within its cap.
pub fn values(s: &TicketState) -> [(&'static str, f64); 8] {
    [
        ("stack_trace", cap("stack_trace", s.stack_traces as usize)),
        ("error_code", cap("error_code", s.error_codes as usize)),
        (
            "components",
            cap("components", s.components_seen.len().saturating_sub(1)),
        ),
        ("reopens", cap("reopens", s.reopens as usize)),
        ("l1_touches", cap("l1_touches", s.l1_touches as usize)),
        (
            "severity_keyword",
            cap("severity_keyword", s.severity_hits.len()),
        ),
        (
            "customer_urgency",
            f64::from(u8::from(!s.urgency_hits.is_empty())),
        ),
        ("attachments", cap("attachments", s.attachments as usize)),
    ]
}

pub fn score(policy: &Policy, s: &TicketState) -> (f64, Vec<Signal>) {
    let Some(c) = &policy.complexity else {
        return (0.0, Vec::new());
    };
    let mut total = 0.0;
    let mut signals = Vec::new();
    for (name, value) in values(s) {
        let weight = c.weights.get(name).copied().unwrap_or(0.0);
        if weight == 0.0 || value == 0.0 {
            continue;
        }
        let contribution = weight * value;
        total += contribution;
        signals.push(Signal {
            name: name.to_owned(),
            weight,
            value,
            contribution,
        });
    }
    (total, signals)
}

/// Keywords of `list` said in `prose` (see [`escalator_diagnostics::says`]:
/// whole words, case-insensitive, not negated), not yet in `hits`.
pub fn keyword_hits(list: &[String], prose: &str, hits: &mut Vec<String>) {
    for k in list {
        if !hits.contains(k) && escalator_diagnostics::says(prose, k) {
            hits.push(k.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hits(text: &str) -> Vec<String> {
        let list: Vec<String> = ["data loss", "outage", "security", "corrupt", "至急"]
            .map(String::from)
            .to_vec();
        let mut out = Vec::new();
        keyword_hits(&list, text, &mut out);
        out
    }

    #[test]
    fn whole_words_only() {
        assert!(hits("CorruptIndexException in the log").is_empty());
        // Frames never reach here (the prose leaves traces out); in prose a
        // dotted name still holds the word.
        assert_eq!(hits("see springframework.security docs"), ["security"]);
        assert_eq!(hits("the index is corrupt since Monday"), ["corrupt"]);
        assert!(hits("securityContext is null").is_empty());
    }

    #[test]
    fn negations_give_nothing() {
        assert!(hits("No data loss, not an outage, just slow.").is_empty());
        assert!(hits("There is no risk of data loss").is_empty());
        assert_eq!(hits("No idea why. We saw data loss today"), ["data loss"]);
        assert_eq!(hits("We had an outage this morning."), ["outage"]);
        assert!(hits("kein outage, nur langsam").is_empty());
    }

    #[test]
    fn only_what_a_person_wrote_counts() {
        let text = "Login fails since the upgrade, no data loss though.\n\
            org.springframework.security.authentication.BadCredentialsException: Bad credentials\n\
            \tat org.springframework.security.authentication.dao.AbstractUserDetailsAuthenticationProvider.authenticate(AbstractUserDetailsAuthenticationProvider.java:141)\n\
            \tat org.springframework.security.authentication.ProviderManager.authenticate(ProviderManager.java:182)\n\
            2026-11-02 09:00:01 ERROR index corrupt on node 3\n\
            \n\
            -- \n\
            This e-mail may contain confidential information; report any security breach.\n";
        let prose = escalator_diagnostics::evidence_counts(text).prose;
        assert!(hits(&prose).is_empty(), "{prose}");
        assert!(prose.contains("Login fails"));
    }

    #[test]
    fn scripts_without_spaces() {
        assert_eq!(hits("本番環境が停止、至急対応をお願いします"), ["至急"]);
    }
}
