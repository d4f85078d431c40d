//! Config files for the four service binaries run as processes against a
//! broker: the end-to-end test and the load driver (escalator-bench) write
//! them the same way, differing only in the `[kafka]` settings.

use std::path::Path;

pub const SERVICES: [&str; 4] = ["ingestor", "evaluator", "router", "aggregator"];

/// The topic names of one deployment.
pub struct Topics {
    pub raw: String,
    pub events: String,
    pub decisions: String,
    /// Routed topics are this plus the domain name.
    pub routed_prefix: String,
    pub kb_updates: String,
    /// The aggregator's own problems topic.
    pub problems: String,
    pub dead_letters: String,
    pub domains: Vec<String>,
}

impl Topics {
    /// Every name starts with `prefix`.
    pub fn named(prefix: &str, domains: Vec<String>) -> Topics {
        Topics {
            raw: format!("{prefix}.raw"),
            events: format!("{prefix}.events"),
            decisions: format!("{prefix}.decisions"),
            routed_prefix: format!("{prefix}.routed."),
            kb_updates: format!("{prefix}.kb"),
            problems: format!("{prefix}.problems"),
            dead_letters: format!("{prefix}.dlq"),
            domains,
        }
    }

    pub fn routed(&self) -> Vec<String> {
        self.domains
            .iter()
            .map(|d| format!("{}{d}", self.routed_prefix))
            .collect()
    }
}

/// One service's config file. `kafka` holds the `[kafka]` keys beyond the
/// bootstrap, group and instance (`group` is the consumer group); `extra`
/// is appended as is (further tables).
#[allow(clippy::too_many_arguments)]
pub fn config(
    service: &str,
    topics: &Topics,
    policy: &Path,
    routing: &Path,
    bootstrap: &str,
    group: &str,
    kafka: &str,
    listen: &str,
    extra: &str,
) -> String {
    let t = topics;
    let specific = match service {
        "ingestor" => format!("[topics]\nraw = \"{}\"\nevents = \"{}\"\n", t.raw, t.events),
        "evaluator" => format!(
            "policy_file = \"{}\"\n[topics]\nevents = \"{}\"\ndecisions = \"{}\"\n",
            policy.display(),
            t.events,
            t.decisions
        ),
        "router" => format!(
            "routing_file = \"{}\"\n[topics]\ndecisions = \"{}\"\nrouted_prefix = \"{}\"\n",
            routing.display(),
            t.decisions,
            t.routed_prefix
        ),
        _ => format!(
            "routing_file = \"{}\"\n[topics]\ndecisions = \"{}\"\nrouted_prefix = \"{}\"\ndomains = [{}]\nkb_updates = \"{}\"\nproblems = \"{}\"\n",
            routing.display(),
            t.decisions,
            t.routed_prefix,
            t.domains
                .iter()
                .map(|d| format!("\"{d}\""))
                .collect::<Vec<_>>()
                .join(", "),
            t.kb_updates,
            t.problems
        ),
    };
    format!(
        "{specific}[kafka]\nbootstrap_servers = \"{bootstrap}\"\ngroup_id = \"{group}\"\ninstance_id = \"{service}-0\"\n{kafka}[dead_letters]\ntopic = \"{}\"\n[http]\nlisten = \"{listen}\"\n[telemetry]\nlog_level = \"warn\"\n{extra}",
        t.dead_letters
    )
}
