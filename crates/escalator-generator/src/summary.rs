//! Counts over a generated history (or any canonical events with the
//! generator's `x_generator` ground truth; without it the domain is the
//! component's and escalation-prone means "a specialist accepted it").

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::Value;

use crate::catalog;

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Summary {
    pub tickets: usize,
    pub events: usize,
    pub customers: usize,
    pub first_event_at: Option<String>,
    pub last_event_at: Option<String>,
    pub events_by_type: BTreeMap<String, usize>,
    pub tickets_by_customer_tier: BTreeMap<String, usize>,
    /// Priority at creation.
    pub tickets_by_priority: BTreeMap<String, usize>,
    /// The domain that owns the problem (ground truth).
    pub tickets_by_domain: BTreeMap<String, usize>,
    pub tickets_by_pattern: BTreeMap<String, usize>,
    /// Tickets planned to need a specialist.
    pub escalation_prone: usize,
    /// Tickets a specialist accepted.
    pub with_specialist: usize,
    pub domain_reassigned: usize,
    pub sent_back_to_l1: usize,
    /// Component or tags of another domain than the problem's.
    pub mislabelled: usize,
    /// Vague tickets without component or tags.
    pub ambiguous: usize,
    /// Tickets solved or closed at the end of the history.
    pub resolved: usize,
    /// Tickets still open at the end (work in progress).
    pub open: usize,
    pub reopened: usize,
    /// Final resolutions by who resolved them (`l1`, `specialist`, `system`).
    pub resolved_by: BTreeMap<String, usize>,
    /// Every `resolved` event, by category.
    pub resolutions_by_category: BTreeMap<String, usize>,
    /// `resolved` events citing a knowledge-base article.
    pub resolutions_with_kb: usize,
}

#[derive(Default)]
struct PerTicket<'a> {
    tier: &'a str,
    priority: &'a str,
    domain: Option<&'a str>,
    component: Option<&'a str>,
    pattern: Option<&'a str>,
    prone: bool,
    mislabelled: bool,
    ambiguous: bool,
    accepted: bool,
    reassigned: bool,
    sent_back: bool,
    reopened: bool,
    status: &'a str,
    last_resolver: Option<&'a str>,
}

pub fn summarize(events: &[Value]) -> Summary {
    let mut s = Summary {
        events: events.len(),
        ..Summary::default()
    };
    let mut tickets: BTreeMap<&str, PerTicket<'_>> = BTreeMap::new();
    let mut customers: BTreeSet<&str> = BTreeSet::new();
    let mut first: Option<&str> = None;
    let mut last: Option<&str> = None;
    for e in events {
        let kind = e["type"].as_str().unwrap_or("");
        *s.events_by_type.entry(kind.to_owned()).or_default() += 1;
        if let Some(at) = e["occurred_at"].as_str() {
            // RFC 3339 in UTC with whole seconds sorts as text.
            if first.is_none_or(|f| at < f) {
                first = Some(at);
            }
            if last.is_none_or(|l| at > l) {
                last = Some(at);
            }
        }
        let Some(id) = e["ticket_id"].as_str() else {
            continue;
        };
        if let Some(c) = e["customer"]["id"].as_str() {
            customers.insert(c);
        }
        let t = tickets.entry(id).or_default();
        if let Some(st) = e["status"].as_str() {
            t.status = st;
        }
        if let Some(c) = e["component"].as_str() {
            t.component.get_or_insert(c);
        }
        match kind {
            "created" => {
                t.tier = e["customer"]["tier"].as_str().unwrap_or("");
                t.priority = e["priority"].as_str().unwrap_or("");
                let x = &e["x_generator"];
                t.domain = x["domain"].as_str();
                t.pattern = x["pattern"].as_str();
                t.prone = x["plan"] == "l2";
                t.mislabelled = x["mislabelled"] == true;
                t.ambiguous = x["ambiguous"] == true;
            }
            "specialist_accepted" => t.accepted = true,
            "domain_reassigned" => t.reassigned = true,
            "sent_back_to_l1" => t.sent_back = true,
            "reopened" => t.reopened = true,
            "resolved" => {
                let d = &e["data"];
                let cat = d["category"]
                    .as_str()
                    .or_else(|| d["resolution_code"].as_str())
                    .unwrap_or("");
                *s.resolutions_by_category.entry(cat.to_owned()).or_default() += 1;
                if d["kb_articles"].as_array().is_some_and(|a| !a.is_empty()) {
                    s.resolutions_with_kb += 1;
                }
                t.last_resolver = match d["resolved_by"]["role"].as_str() {
                    Some("specialist") => Some("specialist"),
                    Some("system") => Some("system"),
                    Some(_) => Some("l1"),
                    None => Some("unknown"),
                };
            }
            _ => {}
        }
    }
    s.customers = customers.len();
    s.first_event_at = first.map(str::to_owned);
    s.last_event_at = last.map(str::to_owned);
    s.tickets = tickets.len();
    for t in tickets.values() {
        let bump =
            |m: &mut BTreeMap<String, usize>, k: &str| *m.entry(k.to_owned()).or_default() += 1;
        bump(&mut s.tickets_by_customer_tier, t.tier);
        bump(&mut s.tickets_by_priority, t.priority);
        let domain = t
            .domain
            .or_else(|| {
                t.component
                    .and_then(catalog::domain_of_component)
                    .map(|d| d.name)
            })
            .unwrap_or("unknown");
        bump(&mut s.tickets_by_domain, domain);
        if let Some(p) = t.pattern {
            bump(&mut s.tickets_by_pattern, p);
        }
        s.escalation_prone += usize::from(t.prone || (t.domain.is_none() && t.accepted));
        s.with_specialist += usize::from(t.accepted);
        s.domain_reassigned += usize::from(t.reassigned);
        s.sent_back_to_l1 += usize::from(t.sent_back);
        s.mislabelled += usize::from(t.mislabelled);
        s.ambiguous += usize::from(t.ambiguous);
        s.reopened += usize::from(t.reopened);
        if matches!(t.status, "solved" | "closed") {
            s.resolved += 1;
            bump(&mut s.resolved_by, t.last_resolver.unwrap_or("unknown"));
        } else {
            s.open += 1;
        }
    }
    s
}
