//! Snapshot mode: every event carries the ticket's full current envelope,
//! as Zendesk's and Jira's webhooks do, including where the help desk shows
//! the ticket (tier and queue) and its description. The help desk's
//! position follows what people do in it, not Escalator's decisions: the
//! ticket stays in its L1 queue until a specialist takes it (then the
//! specialist's queue), goes back to the L1 queue on a send-back, and to the
//! new domain's queue on a reassignment.

use std::collections::HashMap;

use serde_json::Value;

use crate::catalog::DOMAINS;

/// Where the help desk shows one ticket, and its problem statement.
struct Desk {
    l1_queue: Value,
    tier: Value,
    queue: Value,
    description: Value,
}

/// Adds the envelope to every event of `events` (a generated history, in
/// order), in place.
pub fn snapshots(events: &mut [Value]) {
    let mut desks: HashMap<String, Desk> = HashMap::new();
    for e in events.iter_mut() {
        let Some(ticket) = e["ticket_id"].as_str().map(str::to_owned) else {
            continue;
        };
        let kind = e["type"].as_str().unwrap_or_default().to_owned();
        if kind == "created" {
            desks.insert(
                ticket.clone(),
                Desk {
                    l1_queue: e["queue"].clone(),
                    tier: e["support_tier"].clone(),
                    queue: e["queue"].clone(),
                    description: e["description"].clone(),
                },
            );
        }
        let Some(desk) = desks.get_mut(&ticket) else {
            continue;
        };
        match kind.as_str() {
            "specialist_accepted" => {
                desk.tier = e["data"]["tier"].clone();
                desk.queue = e["data"]["queue"].clone();
            }
            "sent_back_to_l1" => {
                desk.tier = "l1".into();
                desk.queue = desk.l1_queue.clone();
            }
            "domain_reassigned" => {
                let to = e["data"]["to_domain"].as_str().unwrap_or_default();
                if let Some(d) = DOMAINS.iter().find(|d| d.name == to) {
                    desk.queue = d.queue.into();
                }
            }
            _ => {}
        }
        if let Some(m) = e.as_object_mut() {
            m.insert("support_tier".into(), desk.tier.clone());
            m.insert("queue".into(), desk.queue.clone());
            if !desk.description.is_null() {
                m.insert("description".into(), desk.description.clone());
            }
        }
    }
}
