//! Organisation-specific meaning of source fields, as configuration: which
//! Zendesk group or Jira field means which queue and tier, which tag or
//! organisation means which customer tier, product or component. The
//! vocabulary tables turn source words into the contract's enums; a word
//! nobody mapped becomes the explicit UNKNOWN value with the raw word kept.

use std::collections::BTreeMap;

use escalator_proto::v1::{
    ActorRole, CustomerTier, Priority, ResolutionCategory, SupportTier, TicketStatus,
};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct Mappings {
    /// Extra source words per enum, e.g. `priorities = { p1 = "urgent" }`.
    /// Keys are matched case-insensitively; values are contract names.
    pub priorities: BTreeMap<String, String>,
    pub statuses: BTreeMap<String, String>,
    pub customer_tiers: BTreeMap<String, String>,
    pub support_tiers: BTreeMap<String, String>,
    pub resolution_categories: BTreeMap<String, String>,
    pub zendesk: ZendeskMapping,
    pub jira: JiraMapping,
}

/// Where a queue (group, team) sits in the support organisation.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(default)]
pub struct QueueMapping {
    pub queue: String,
    /// `l1`, `l2` or `l3`.
    pub tier: String,
    /// The technology domain a specialist (L2/L3) group works on, as named
    /// in routing.toml; empty for L1 groups.
    pub domain: String,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(default)]
pub struct CustomerMapping {
    pub customer_id: String,
    pub name: String,
    pub tier: String,
    /// IANA time zone (e.g. `America/New_York`): picks the customer's
    /// business calendar in the policy.
    pub time_zone: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct ZendeskMapping {
    /// Instance name in ticket ids: `zendesk:<instance>:<ticket id>`.
    pub instance: String,
    /// `https://<subdomain>.zendesk.com`, for ticket links.
    pub base_url: String,
    /// Group id -> queue and tier.
    pub groups: BTreeMap<String, QueueMapping>,
    /// Organization id -> customer.
    pub organizations: BTreeMap<String, CustomerMapping>,
    /// Ticket tag -> customer tier name.
    pub customer_tier_tags: BTreeMap<String, String>,
    /// Tags `<prefix><value>` name the product and component.
    pub product_tag_prefix: String,
    pub component_tag_prefix: String,
}

impl Default for ZendeskMapping {
    fn default() -> Self {
        ZendeskMapping {
            instance: "default".into(),
            base_url: String::new(),
            groups: BTreeMap::new(),
            organizations: BTreeMap::new(),
            customer_tier_tags: BTreeMap::new(),
            product_tag_prefix: "product_".into(),
            component_tag_prefix: "component_".into(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct JiraMapping {
    /// Instance name in ticket ids: `jira:<instance>:<issue id>`.
    pub instance: String,
    /// `https://<site>.atlassian.net`, for ticket links.
    pub base_url: String,
    /// Field holding the customer (organization) id or name.
    pub customer_field: String,
    /// Field holding the customer's support tier.
    pub customer_tier_field: String,
    /// Field holding the product; empty uses the project name.
    pub product_field: String,
    /// Field naming the team/queue; empty uses the project key.
    pub queue_field: String,
    /// Queue (field value or project key) -> queue and tier.
    pub queues: BTreeMap<String, QueueMapping>,
    /// Customer (field value) -> customer.
    pub customers: BTreeMap<String, CustomerMapping>,
}

impl Default for JiraMapping {
    fn default() -> Self {
        JiraMapping {
            instance: "default".into(),
            base_url: String::new(),
            customer_field: String::new(),
            customer_tier_field: String::new(),
            product_field: String::new(),
            queue_field: String::new(),
            queues: BTreeMap::new(),
            customers: BTreeMap::new(),
        }
    }
}

fn lookup<'a>(table: &'a BTreeMap<String, String>, raw: &str) -> Option<&'a str> {
    table
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(raw.trim()))
        .map(|(_, v)| v.as_str())
}

fn norm(raw: &str) -> String {
    raw.trim().to_ascii_lowercase().replace([' ', '-'], "_")
}

impl Mappings {
    pub fn priority(&self, raw: &str) -> Priority {
        let word = lookup(&self.priorities, raw)
            .map(str::to_owned)
            .unwrap_or_else(|| norm(raw));
        match word.as_str() {
            "" => Priority::Unspecified,
            "low" | "lowest" | "minor" | "trivial" | "p4" | "p5" => Priority::Low,
            "normal" | "medium" | "p3" => Priority::Normal,
            "high" | "major" | "p2" => Priority::High,
            "urgent" | "highest" | "critical" | "blocker" | "p1" | "p0" => Priority::Urgent,
            _ => Priority::Unknown,
        }
    }

    pub fn status(&self, raw: &str) -> TicketStatus {
        let word = lookup(&self.statuses, raw)
            .map(str::to_owned)
            .unwrap_or_else(|| norm(raw));
        match word.as_str() {
            "" => TicketStatus::Unspecified,
            "new" | "open_new" => TicketStatus::New,
            "open"
            | "in_progress"
            | "to_do"
            | "todo"
            | "waiting_for_support"
            | "escalated"
            | "reopened" => TicketStatus::Open,
            "pending" | "waiting_for_customer" | "waiting_on_customer" | "awaiting_customer" => {
                TicketStatus::Pending
            }
            "hold" | "on_hold" | "waiting_for_third_party" | "blocked" => TicketStatus::OnHold,
            "solved" | "resolved" | "done" | "fixed" => TicketStatus::Solved,
            "closed" | "cancelled" | "canceled" => TicketStatus::Closed,
            _ => TicketStatus::Unknown,
        }
    }

    pub fn customer_tier(&self, raw: &str) -> CustomerTier {
        let word = lookup(&self.customer_tiers, raw)
            .map(str::to_owned)
            .unwrap_or_else(|| norm(raw));
        match word.as_str() {
            "" => CustomerTier::Unspecified,
            "standard" | "basic" | "free" | "starter" => CustomerTier::Standard,
            "business" | "professional" | "pro" | "premium" => CustomerTier::Business,
            "enterprise" => CustomerTier::Enterprise,
            "strategic" | "platinum" | "key_account" => CustomerTier::Strategic,
            _ => CustomerTier::Unknown,
        }
    }

    /// None for a word that names no tier: a tier decides routing, so an
    /// unknown one is an error rather than a guess.
    pub fn support_tier(&self, raw: &str) -> Option<SupportTier> {
        let word = lookup(&self.support_tiers, raw)
            .map(str::to_owned)
            .unwrap_or_else(|| norm(raw));
        match word.as_str() {
            "" => Some(SupportTier::Unspecified),
            "l1" | "tier1" | "tier_1" | "level_1" | "1" => Some(SupportTier::L1),
            "l2" | "tier2" | "tier_2" | "level_2" | "2" => Some(SupportTier::L2),
            "l3" | "tier3" | "tier_3" | "level_3" | "3" => Some(SupportTier::L3),
            _ => None,
        }
    }

    pub fn resolution_category(&self, raw: &str) -> ResolutionCategory {
        let word = lookup(&self.resolution_categories, raw)
            .map(str::to_owned)
            .unwrap_or_else(|| norm(raw));
        escalator_proto::resolution_category(&word)
    }
}

pub fn actor_role(raw: &str) -> ActorRole {
    match norm(raw).as_str() {
        "" => ActorRole::Unspecified,
        "customer" | "end_user" | "requester" => ActorRole::Customer,
        "agent" | "l1" | "l1_agent" => ActorRole::L1Agent,
        "specialist" | "l2" | "l3" | "engineer" => ActorRole::Specialist,
        "system" | "automation" | "bot" => ActorRole::System,
        _ => ActorRole::Unknown,
    }
}

/// Checks that every configured value names something the contract knows,
/// so a typo fails at startup with the key that holds it.
pub fn validate(m: &Mappings) -> Result<(), String> {
    let check = |what: &str, key: &str, ok: bool| {
        if ok {
            Ok(())
        } else {
            Err(format!("mappings.{what}.{key}: unknown value"))
        }
    };
    for (k, v) in &m.priorities {
        check("priorities", k, !matches!(m.priority(v), Priority::Unknown))?;
    }
    for (k, v) in &m.statuses {
        check("statuses", k, !matches!(m.status(v), TicketStatus::Unknown))?;
    }
    for (k, v) in &m.customer_tiers {
        check(
            "customer_tiers",
            k,
            !matches!(m.customer_tier(v), CustomerTier::Unknown),
        )?;
    }
    for (k, v) in &m.support_tiers {
        check("support_tiers", k, m.support_tier(v).is_some())?;
    }
    for (k, q) in m.zendesk.groups.iter().chain(m.jira.queues.iter()) {
        check("queues", k, m.support_tier(&q.tier).is_some())?;
    }
    for (k, t) in &m.zendesk.customer_tier_tags {
        check(
            "zendesk.customer_tier_tags",
            k,
            !matches!(m.customer_tier(t), CustomerTier::Unknown),
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vocabulary_and_overrides() {
        let mut m = Mappings::default();
        assert_eq!(m.priority("HIGH"), Priority::High);
        assert_eq!(m.priority("Highest"), Priority::Urgent);
        assert_eq!(m.priority("sev-1"), Priority::Unknown);
        m.priorities.insert("SEV-1".into(), "urgent".into());
        assert_eq!(m.priority("sev-1"), Priority::Urgent);
        assert_eq!(m.status("Waiting for customer"), TicketStatus::Pending);
        assert_eq!(m.status("hold"), TicketStatus::OnHold);
        assert_eq!(m.customer_tier("Gold"), CustomerTier::Unknown);
        assert_eq!(m.support_tier("L4"), None);
        assert!(validate(&m).is_ok());
        m.statuses.insert("Parked".into(), "parkd".into());
        assert_eq!(
            validate(&m).err().as_deref(),
            Some("mappings.statuses.Parked: unknown value")
        );
    }
}
