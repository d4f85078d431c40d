use std::collections::{BTreeMap, BTreeSet};

use escalator_proto::v1::{KbAction, KbArticleDraft, KbUpdateSuggestion};
use sha2::{Digest, Sha256};

use crate::deflection::{Group, article_ref, groups};
use crate::record::{DAY_MS, EscalationRecord, Window};
use crate::signature::{normalize, signature};

const MAX_STEPS: usize = 8;
const MAX_SYMPTOMS: usize = 5;
const TITLE_WORDS: usize = 6;
const STOPWORDS: [&str; 24] = [
    "the", "and", "for", "with", "not", "can", "cannot", "can't", "when", "from", "this", "that",
    "after", "our", "are", "was", "does", "doesn't", "into", "how", "what", "why", "help",
    "please",
];

/// Deterministic suggestion id: hex sha256 of the signature, so the same
/// problem always maps to the same Kafka key and dedup entry.
pub fn suggestion_id(signature: &str) -> String {
    let digest = Sha256::digest(signature.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// One suggestion per deflectable signature recurring at least `min_count`
/// times in the window, skipping those whose suggestion id or signature is in
/// `already`. Improve the most linked article when the group has KB links,
/// else create one. Ordered like the deflection report (most hours first).
pub fn kb_suggestions(
    records: &[EscalationRecord],
    window: Window,
    min_count: usize,
    already: &BTreeSet<String>,
    now_ms: i64,
) -> Vec<KbUpdateSuggestion> {
    groups(records, window)
        .iter()
        .filter(|g| g.records.len() >= min_count.max(1))
        .filter_map(|g| {
            let id = suggestion_id(&g.key);
            if already.contains(&id) || already.contains(&g.key) {
                return None;
            }
            let top = g.top_article();
            let action = if top.is_some() {
                KbAction::ImproveArticle
            } else {
                KbAction::CreateArticle
            };
            Some(KbUpdateSuggestion {
                suggestion_id: id,
                action: action as i32,
                signature: Some(g.kb_signature()),
                recurrence_count: g.records.len() as u32,
                window_start_ms: window.start_ms,
                window_end_ms: window.end_ms,
                existing_article: top.as_deref().map(article_ref),
                draft: Some(draft(g)),
                specialist_hours_saved: g.hours(),
                created_at_ms: now_ms,
            })
        })
        .collect()
}

fn draft(g: &Group<'_>) -> KbArticleDraft {
    let sig = g.kb_signature();
    let mut symptoms = dedup(
        g.records.iter().map(|r| r.subject.trim().to_string()),
        MAX_SYMPTOMS,
    );
    if !sig.error_signature.is_empty() {
        symptoms.push(format!("Error: {}", sig.error_signature));
    }
    let tiers = dedup(
        g.records.iter().map(|r| r.tier.trim().to_lowercase()),
        usize::MAX,
    );
    let customers = dedup(
        g.records
            .iter()
            .map(|r| r.customer_tier.trim().to_lowercase()),
        usize::MAX,
    );
    KbArticleDraft {
        title: title(g, &sig.error_signature, &sig.domain),
        symptoms,
        environment: format!(
            "domain: {}; escalation tiers: {}; customer tiers: {}",
            sig.domain,
            tiers.join(", "),
            customers.join(", ")
        ),
        resolution_steps: dedup(
            g.records.iter().flat_map(|r| steps(&r.resolution_notes)),
            MAX_STEPS,
        ),
        example_ticket_ids: g.examples(),
    }
}

/// Most common subject words (ties alphabetical), then the error signature.
fn title(g: &Group<'_>, error: &str, domain: &str) -> String {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for r in &g.records {
        // One vote per ticket so a repeated word in one subject does not dominate.
        let words: BTreeSet<String> = normalize(&r.subject)
            .split(|c: char| !(c.is_alphanumeric() || c == '-' || c == '_'))
            .filter(|w| w.len() >= 3 && !STOPWORDS.contains(w) && !w.contains('<'))
            .map(str::to_string)
            .collect();
        for w in words {
            *counts.entry(w).or_default() += 1;
        }
    }
    // Only words shared by at least half the tickets; the rest are per-ticket detail.
    let quorum = g.records.len().div_ceil(2);
    let mut ranked: Vec<(String, usize)> =
        counts.into_iter().filter(|(_, c)| *c >= quorum).collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let words: Vec<String> = ranked
        .into_iter()
        .take(TITLE_WORDS)
        .map(|(w, _)| w)
        .collect();
    match (words.is_empty(), error.is_empty()) {
        (false, false) => format!("{} ({error})", words.join(" ")),
        (false, true) => words.join(" "),
        (true, false) => format!("{domain}: {error}"),
        (true, true) => format!("{domain}: recurring escalation"),
    }
}

/// Splits notes into steps on lines, semicolons and sentence ends, dropping bullets and numbering.
fn steps(notes: &str) -> Vec<String> {
    notes
        .split(['\n', ';'])
        .flat_map(|line| line.split(". "))
        .map(|s| {
            s.trim()
                .trim_start_matches(|c: char| c.is_ascii_digit() || "-*•).".contains(c))
                .trim()
                .trim_end_matches('.')
                .to_string()
        })
        .filter(|s| s.len() >= 3)
        .collect()
}

/// First occurrences, compared case-insensitively, at most `max`, empty ones dropped.
fn dedup<I: IntoIterator<Item = String>>(items: I, max: usize) -> Vec<String> {
    let mut seen = BTreeSet::new();
    items
        .into_iter()
        .filter(|s| !s.is_empty() && seen.insert(s.to_lowercase()))
        .take(max)
        .collect()
}

/// When a problem first recurred `min_count` times: the earliest end of one
/// of `records` (ended escalations of one signature) by which at least
/// `min_count` of them had ended, escalated within `window_ms` before it.
/// A function of the set alone, so the answer does not depend on the order
/// the records were learnt in.
pub fn first_recurrence(
    records: &[EscalationRecord],
    min_count: usize,
    window_ms: i64,
) -> Option<i64> {
    let mut ends: Vec<i64> = records
        .iter()
        .filter_map(EscalationRecord::ended_ms)
        .collect();
    ends.sort_unstable();
    ends.dedup();
    ends.into_iter().find(|&t| {
        records
            .iter()
            .filter(|r| {
                r.ended_ms().is_some_and(|e| e <= t)
                    && r.escalated_ms >= t - window_ms
                    && r.escalated_ms <= t
            })
            .count()
            >= min_count.max(1)
    })
}

/// Escalations per day with `signature` (as built by [`signature`]) in
/// `[suggested_at_ms - window_ms, suggested_at_ms)` versus
/// `[suggested_at_ms, suggested_at_ms + window_ms)`, by `escalated_ms`.
/// All escalations count, deflectable or not. Pass an elapsed `window_ms`:
/// an after-window reaching past now under-counts. `(0, 0)` when `window_ms <= 0`.
pub fn rate_before_after(
    records: &[EscalationRecord],
    signature_key: &str,
    suggested_at_ms: i64,
    window_ms: i64,
) -> (f64, f64) {
    if window_ms <= 0 {
        return (0.0, 0.0);
    }
    let days = window_ms as f64 / DAY_MS as f64;
    let (mut before, mut after) = (0u64, 0u64);
    for r in records {
        if signature(&r.domain, &r.error_signature, &r.resolution_code) != signature_key {
            continue;
        }
        let t = r.escalated_ms;
        if t >= suggested_at_ms - window_ms && t < suggested_at_ms {
            before += 1;
        } else if t >= suggested_at_ms && t < suggested_at_ms + window_ms {
            after += 1;
        }
    }
    (before as f64 / days, after as f64 / days)
}
