//! How complete the evidence is: a score in 0..=1 and the items missing.
//!
//! Item ids follow the packet's field names (`reproduction_steps`,
//! `versions`, ...) so other services can count them; [`missing_item_label`]
//! gives the words a human reads.

use crate::Findings;

/// (id, label, weight). Weights sum to 1: what a specialist most often has
/// to ask for again weighs most.
const ITEMS: &[(&str, &str, f64)] = &[
    (
        "stack_trace_or_error_code",
        "stack trace or error code",
        0.20,
    ),
    ("reproduction_steps", "reproduction steps", 0.20),
    ("versions", "product version", 0.15),
    ("l1_attempts", "what L1 tried", 0.15),
    ("environment", "environment", 0.10),
    (
        "expected_actual_behavior",
        "expected vs actual behaviour",
        0.10,
    ),
    ("log_excerpts", "logs", 0.10),
];

/// Labels of ids that stand for half an item.
const HALVES: &[(&str, &str)] = &[
    ("expected_behavior", "expected behaviour"),
    ("actual_behavior", "actual behaviour"),
];

/// The score (0..=1, three decimals) and the ids of what is missing.
pub fn completeness(f: &Findings) -> (f64, Vec<String>) {
    let mut score = 0.0;
    let mut missing = Vec::new();
    for &(id, _, weight) in ITEMS {
        let (credit, gap): (f64, Option<&str>) = match id {
            "stack_trace_or_error_code" => {
                whole(!f.stack_traces.is_empty() || !f.error_codes.is_empty(), id)
            }
            "reproduction_steps" => whole(!f.reproduction_steps.is_empty(), id),
            "versions" => whole(!f.versions.is_empty(), id),
            "l1_attempts" => {
                let agent = f.l1_attempts.iter().any(|a| !a.starts_with("customer: "));
                if agent {
                    (1.0, None)
                } else if f.l1_attempts.is_empty() {
                    (0.0, Some(id))
                } else {
                    // Only the customer's own attempts: better than nothing.
                    (0.5, Some(id))
                }
            }
            "environment" => {
                let e = &f.environment;
                whole(
                    !(e.os.is_empty()
                        && e.browser.is_empty()
                        && e.region.is_empty()
                        && e.deployment.is_empty()
                        && e.cluster.is_empty()
                        && e.attributes.is_empty()),
                    id,
                )
            }
            "expected_actual_behavior" => {
                match (f.expected_behavior.is_some(), f.actual_behavior.is_some()) {
                    (true, true) => (1.0, None),
                    (true, false) => (0.5, Some("actual_behavior")),
                    (false, true) => (0.5, Some("expected_behavior")),
                    (false, false) => (0.0, Some(id)),
                }
            }
            _ => whole(!f.log_excerpts.is_empty(), id),
        };
        score += weight * credit;
        if let Some(gap) = gap {
            missing.push(gap.to_owned());
        }
    }
    ((score * 1000.0).round() / 1000.0, missing)
}

fn whole(present: bool, id: &str) -> (f64, Option<&str>) {
    if present {
        (1.0, None)
    } else {
        (0.0, Some(id))
    }
}

/// Human words for a missing-item id; unknown ids are returned as they are.
pub fn missing_item_label(id: &str) -> &str {
    ITEMS
        .iter()
        .map(|&(i, l, _)| (i, l))
        .chain(HALVES.iter().copied())
        .find(|&(i, _)| i == id)
        .map_or(id, |(_, l)| l)
}
