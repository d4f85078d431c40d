use std::collections::BTreeMap;

use escalator_proto::v1::{DeflectionReport, DeflectionRow, KbArticleRef, KbSignature};

use crate::record::{EscalationRecord, Window, category_enum, most_common};
use crate::signature::{normalize, signature};

/// Specialist time below this means L1 could have handled it with guidance.
const QUICK_FIX_MS: i64 = 15 * 60 * 1000;
const MAX_EXAMPLES: usize = 5;
const L1_CATEGORIES: [&str; 4] = ["how_to", "known_issue", "configuration", "user_error"];

/// Could L1 have solved this escalation? Never a bug fix; otherwise
/// resolved as an L1-level category or with an existing KB article, sent
/// back to L1, or resolved within 15 minutes of specialist time.
pub fn is_deflectable(r: &EscalationRecord) -> bool {
    let resolved = r.resolved_ms.is_some();
    let category = r.resolution_category.trim().to_ascii_lowercase();
    // A bug fix needed engineering, whatever article it links.
    if category == "bug_fix" {
        return false;
    }
    (resolved && (L1_CATEGORIES.contains(&category.as_str()) || !r.kb_articles.is_empty()))
        || r.sent_back_ms.is_some()
        || matches!((r.accepted_ms, r.resolved_ms), (Some(a), Some(z)) if z >= a && z - a < QUICK_FIX_MS)
}

/// Specialist time spent: from pickup (or escalation when never picked up)
/// until resolved (or sent back when never resolved); 0 when still open.
pub fn specialist_ms(r: &EscalationRecord) -> i64 {
    let Some(end) = r.resolved_ms.or(r.sent_back_ms) else {
        return 0;
    };
    (end - r.accepted_ms.unwrap_or(r.escalated_ms)).max(0)
}

/// Deflectable escalations of one signature in a window.
pub(crate) struct Group<'a> {
    pub key: String,
    pub records: Vec<&'a EscalationRecord>,
    pub specialist_ms: i64,
}

impl Group<'_> {
    pub fn hours(&self) -> f64 {
        self.specialist_ms as f64 / 3_600_000.0
    }

    pub fn kb_signature(&self) -> KbSignature {
        let first = self.records.first();
        KbSignature {
            domain: first
                .map(|r| r.domain.trim().to_lowercase())
                .unwrap_or_default(),
            error_signature: first
                .map(|r| normalize(&r.error_signature))
                .unwrap_or_default(),
            resolution_code: most_common(self.records.iter().map(|r| r.resolution_code.as_str()))
                .unwrap_or_default(),
            category: most_common(self.records.iter().map(|r| r.resolution_category.as_str()))
                .map_or(0, |c| category_enum(&c) as i32),
        }
    }

    /// The article the group's specialists linked most often.
    pub fn top_article(&self) -> Option<String> {
        most_common(
            self.records
                .iter()
                .flat_map(|r| r.kb_articles.iter().map(String::as_str)),
        )
    }

    /// First tickets by escalation time.
    pub fn examples(&self) -> Vec<String> {
        self.records
            .iter()
            .take(MAX_EXAMPLES)
            .map(|r| r.ticket_id.clone())
            .collect()
    }
}

/// Groups ranked by specialist time, then count, then key.
pub(crate) fn groups(records: &[EscalationRecord], window: Window) -> Vec<Group<'_>> {
    let mut by_key: BTreeMap<String, Vec<&EscalationRecord>> = BTreeMap::new();
    for r in records
        .iter()
        .filter(|r| window.includes(r) && is_deflectable(r))
    {
        by_key
            .entry(signature(&r.domain, &r.error_signature, &r.resolution_code))
            .or_default()
            .push(r);
    }
    let mut out: Vec<Group<'_>> = by_key
        .into_iter()
        .map(|(key, mut records)| {
            records.sort_by(|a, b| {
                (a.escalated_ms, &a.ticket_id).cmp(&(b.escalated_ms, &b.ticket_id))
            });
            let specialist_ms = records.iter().map(|r| specialist_ms(r)).sum();
            Group {
                key,
                records,
                specialist_ms,
            }
        })
        .collect();
    out.sort_by(|a, b| {
        b.specialist_ms
            .cmp(&a.specialist_ms)
            .then(b.records.len().cmp(&a.records.len()))
            .then(a.key.cmp(&b.key))
    });
    out
}

/// Article reference from a link as recorded: URLs go to `url`, anything else is an id.
pub(crate) fn article_ref(link: &str) -> KbArticleRef {
    if link.contains("://") {
        KbArticleRef {
            url: link.to_string(),
            ..Default::default()
        }
    } else {
        KbArticleRef {
            article_id: link.to_string(),
            ..Default::default()
        }
    }
}

/// Recurring deflectable escalations grouped by signature, most specialist hours first.
/// Suggestion fields stay empty; the aggregator fills them from its suggestion state.
pub fn deflection_report(records: &[EscalationRecord], window: Window) -> DeflectionReport {
    let rows = groups(records, window)
        .iter()
        .map(|g| {
            let top = g.top_article();
            DeflectionRow {
                signature: Some(g.kb_signature()),
                count: g.records.len() as u32,
                specialist_hours: g.hours(),
                kb_article_exists: top.is_some(),
                kb_article: top.as_deref().map(article_ref),
                example_ticket_ids: g.examples(),
                // The id a KB suggestion for this problem has (or would
                // have), so the aggregator can attach what it suggested.
                suggestion_id: crate::kb::suggestion_id(&g.key),
                ..Default::default()
            }
        })
        .collect();
    DeflectionReport {
        window_start_ms: window.start_ms,
        window_end_ms: window.end_ms,
        rows,
    }
}
