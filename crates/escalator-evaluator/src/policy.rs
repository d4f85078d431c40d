//! The escalation policy: a TOML file of calendars and rules, validated at
//! load with errors that name the file, the line and the rule.
//!
//! ```toml
//! version = "2026-11-30.1"
//! [[calendars]]                       # business-hours calendars
//! [calendar_by_tier]                  # customer tier -> calendar id
//! [calendar_by_time_zone]             # customer time zone (or `Region/*`) -> calendar id
//! [calendar_by_customer]              # customer id -> calendar id
//! [pause]                             # statuses that stop the clock
//! l1_clock = "tier"                   # or "queue": an L1 -> L1 move restarts the clock
//! [[time_in_queue]]                   # L1 thresholds per customer tier x priority
//! [complexity]                        # weighted signals, threshold per tier
//! [reescalation]                      # L2 -> L3 without pickup / resolution
//! [reopen]                            # repeated reopens escalate
//! [ping_pong]                         # L1 -> L2 -> L1 -> L2: name an owner
//! [l3_unattended]                     # at L3 without pickup: name a duty manager
//! [[custom]]                          # CEL conditions
//! ```

use std::collections::BTreeMap;
use std::path::Path;

use escalator_calendar::{Calendar, CalendarConfig, parse_duration};
use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::custom::CustomRule;

#[derive(Debug, thiserror::Error, PartialEq)]
#[error("{file}:{line}: {rule}{message}")]
pub struct PolicyError {
    pub file: String,
    pub line: usize,
    /// `rule <id>: ` when the error belongs to a rule, else empty.
    pub rule: String,
    pub message: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyFile {
    pub version: String,
    #[serde(default)]
    pub default_calendar: Option<String>,
    #[serde(default)]
    pub calendars: Vec<Spanned<CalendarConfig>>,
    /// Customer tier name (or `*`) -> calendar id.
    #[serde(default)]
    pub calendar_by_tier: BTreeMap<String, String>,
    /// Customer IANA time zone, or a `Region/*` prefix -> calendar id.
    #[serde(default)]
    pub calendar_by_time_zone: BTreeMap<String, String>,
    /// Customer id -> calendar id.
    #[serde(default)]
    pub calendar_by_customer: BTreeMap<String, String>,
    #[serde(default)]
    pub pause: PauseConfig,
    /// What a move between two L1 queues does to the time-in-queue clock:
    /// "tier" (default: it keeps running) or "queue" (it restarts).
    #[serde(default)]
    pub l1_clock: L1Clock,
    #[serde(default)]
    pub time_in_queue: Vec<Spanned<TimeInQueueConfig>>,
    #[serde(default)]
    pub complexity: Option<Spanned<ComplexityConfig>>,
    #[serde(default)]
    pub reescalation: Option<Spanned<ReescalationConfig>>,
    #[serde(default)]
    pub reopen: Option<Spanned<ReopenConfig>>,
    #[serde(default)]
    pub ping_pong: Option<Spanned<PingPongConfig>>,
    #[serde(default)]
    pub l3_unattended: Option<Spanned<UnattendedConfig>>,
    #[serde(default)]
    pub custom: Vec<Spanned<CustomConfig>>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PauseConfig {
    /// Normalized statuses that mean "waiting on the customer".
    #[serde(default = "default_pause_statuses")]
    pub statuses: Vec<String>,
}

impl Default for PauseConfig {
    fn default() -> Self {
        PauseConfig {
            statuses: default_pause_statuses(),
        }
    }
}

fn default_pause_statuses() -> Vec<String> {
    vec!["pending".into()]
}

fn default_version() -> String {
    "1".into()
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TimeInQueueConfig {
    pub id: String,
    #[serde(default = "default_version")]
    pub version: String,
    #[serde(default)]
    pub description: String,
    /// standard | business | enterprise | strategic | `*`
    pub customer_tier: String,
    /// low | normal | high | urgent | `*`
    pub priority: String,
    /// Business time, e.g. "30m", "4h", "3d".
    pub threshold: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ComplexityConfig {
    pub id: String,
    #[serde(default = "default_version")]
    pub version: String,
    /// Signal name -> weight. Signals: stack_trace, error_code, components,
    /// reopens, l1_touches, severity_keyword, customer_urgency, attachments.
    pub weights: BTreeMap<String, f64>,
    #[serde(default)]
    pub severity_keywords: Vec<String>,
    #[serde(default)]
    pub urgency_keywords: Vec<String>,
    /// Customer tier (or `*`) -> score at or above which the case escalates.
    pub thresholds: BTreeMap<String, f64>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ReescalationConfig {
    pub id: String,
    #[serde(default = "default_version")]
    pub version: String,
    /// Customer tier (or `*`) -> business time in the L2 queue without pickup.
    pub pickup: BTreeMap<String, String>,
    /// Customer tier (or `*`) -> business time from pickup without resolution.
    #[serde(default)]
    pub resolution: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ReopenConfig {
    pub id: String,
    #[serde(default = "default_version")]
    pub version: String,
    /// Escalate when a ticket has been reopened this many times.
    pub max_reopens: u32,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PingPongConfig {
    pub id: String,
    #[serde(default = "default_version")]
    pub version: String,
    /// Flag when a ticket sent back to L1 this many times would go to L2 again.
    pub max_send_backs: u32,
    /// Domain (or `*`) -> the named owner who takes the case instead.
    pub owners: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum L1Clock {
    /// One clock for the whole time at L1.
    #[default]
    Tier,
    /// Each L1 queue has its own clock.
    Queue,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct UnattendedConfig {
    pub id: String,
    #[serde(default = "default_version")]
    pub version: String,
    /// Customer tier (or `*`) -> business time in the L3 queue without pickup.
    pub pickup: BTreeMap<String, String>,
    /// Domain (or `*`) -> the duty manager named as owner.
    pub owners: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CustomConfig {
    pub id: String,
    #[serde(default = "default_version")]
    pub version: String,
    #[serde(default)]
    pub description: String,
    /// A CEL expression over `ticket` (see custom.rs for the variables).
    pub when: String,
    /// l2 or l3.
    #[serde(default = "default_to_tier")]
    pub to_tier: String,
}

fn default_to_tier() -> String {
    "l2".into()
}

/// A rule's identity as decisions report it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleRef {
    pub id: String,
    pub version: String,
    pub description: String,
}

#[derive(Debug, Clone)]
pub struct TimeInQueue {
    pub rule: RuleRef,
    pub customer_tier: Option<String>,
    pub priority: Option<String>,
    pub threshold_ms: i64,
    pub threshold_text: String,
}

#[derive(Debug, Clone)]
pub struct Complexity {
    pub rule: RuleRef,
    pub weights: BTreeMap<String, f64>,
    pub severity_keywords: Vec<String>,
    pub urgency_keywords: Vec<String>,
    pub thresholds: BTreeMap<String, f64>,
}

#[derive(Debug, Clone)]
pub struct Reescalation {
    pub rule: RuleRef,
    pub pickup: BTreeMap<String, (i64, String)>,
    pub resolution: BTreeMap<String, (i64, String)>,
}

#[derive(Debug, Clone)]
pub struct PingPong {
    pub rule: RuleRef,
    pub max_send_backs: u32,
    pub owners: BTreeMap<String, String>,
}

/// Nobody picked up an L3 escalation in time: there is no tier above, so
/// a duty manager is named.
#[derive(Debug, Clone)]
pub struct Unattended {
    pub rule: RuleRef,
    pub pickup: BTreeMap<String, (i64, String)>,
    pub owners: BTreeMap<String, String>,
}

/// The validated policy the evaluator runs.
#[derive(Debug, Clone)]
pub struct Policy {
    pub version: String,
    pub calendars: BTreeMap<String, Calendar>,
    pub default_calendar: String,
    /// The default calendar itself: what every lookup falls back to.
    fallback: Calendar,
    pub calendar_by_tier: BTreeMap<String, String>,
    pub calendar_by_time_zone: BTreeMap<String, String>,
    pub calendar_by_customer: BTreeMap<String, String>,
    pub pause_statuses: Vec<String>,
    pub l1_clock: L1Clock,
    pub time_in_queue: Vec<TimeInQueue>,
    pub complexity: Option<Complexity>,
    pub reescalation: Option<Reescalation>,
    pub reopen: Option<(RuleRef, u32)>,
    pub ping_pong: Option<PingPong>,
    pub l3_unattended: Option<Unattended>,
    pub custom: Vec<CustomRule>,
}

pub const TIERS: [&str; 4] = ["standard", "business", "enterprise", "strategic"];
pub const PRIORITIES: [&str; 4] = ["low", "normal", "high", "urgent"];
const STATUSES: [&str; 6] = ["new", "open", "pending", "on_hold", "solved", "closed"];
const SIGNALS: [&str; 8] = [
    "stack_trace",
    "error_code",
    "components",
    "reopens",
    "l1_touches",
    "severity_keyword",
    "customer_urgency",
    "attachments",
];

struct Ctx<'a> {
    file: &'a str,
    text: &'a str,
}

impl Ctx<'_> {
    fn line(&self, offset: usize) -> usize {
        self.text[..offset.min(self.text.len())]
            .matches('\n')
            .count()
            + 1
    }

    fn err(&self, offset: usize, rule: &str, message: impl Into<String>) -> PolicyError {
        PolicyError {
            file: self.file.to_owned(),
            line: self.line(offset),
            rule: if rule.is_empty() {
                String::new()
            } else {
                format!("rule {rule}: ")
            },
            message: message.into(),
        }
    }
}

fn tier_key(key: &str) -> bool {
    key == "*" || TIERS.contains(&key)
}

/// The shipped default policy (deploy/policy.toml), compiled in so the
/// command line works from any directory.
pub const DEFAULT: &str = include_str!("../../../deploy/policy.toml");

impl Policy {
    pub fn default_config() -> Result<Policy, PolicyError> {
        Policy::parse("deploy/policy.toml", DEFAULT)
    }

    pub fn load(path: &Path) -> Result<Policy, PolicyError> {
        let text = std::fs::read_to_string(path).map_err(|e| PolicyError {
            file: path.display().to_string(),
            line: 0,
            rule: String::new(),
            message: e.to_string(),
        })?;
        Policy::parse(&path.display().to_string(), &text)
    }

    pub fn parse(file: &str, text: &str) -> Result<Policy, PolicyError> {
        let ctx = Ctx { file, text };
        let raw: PolicyFile = toml::from_str(text).map_err(|e| {
            let offset = e.span().map_or(0, |s| s.start);
            ctx.err(offset, "", e.message().to_owned())
        })?;
        Policy::validate(&ctx, raw)
    }

    fn validate(ctx: &Ctx<'_>, raw: PolicyFile) -> Result<Policy, PolicyError> {
        let mut calendars = BTreeMap::new();
        for c in &raw.calendars {
            let at = c.span().start;
            let cal = Calendar::new(c.get_ref())
                .map_err(|e| ctx.err(at, "", format!("calendar {}: {e}", c.get_ref().id)))?;
            if calendars.insert(c.get_ref().id.clone(), cal).is_some() {
                return Err(ctx.err(
                    at,
                    "",
                    format!("calendar {} is defined twice", c.get_ref().id),
                ));
            }
        }
        if !calendars.contains_key("24x7") {
            let always = CalendarConfig {
                id: "24x7".into(),
                time_zone: "UTC".into(),
                always_open: true,
                hours: BTreeMap::new(),
                holidays: Vec::new(),
                business_day_hours: 24.0,
            };
            let cal = Calendar::new(&always).map_err(|e| ctx.err(0, "", e.to_string()))?;
            calendars.insert("24x7".into(), cal);
        }
        let default_calendar = raw
            .default_calendar
            .clone()
            .unwrap_or_else(|| "24x7".into());
        if !calendars.contains_key(&default_calendar) {
            return Err(ctx.err(
                0,
                "",
                format!("default_calendar {default_calendar:?} is not defined"),
            ));
        }
        for (tier, cal) in &raw.calendar_by_tier {
            if !tier_key(tier) {
                return Err(ctx.err(
                    0,
                    "",
                    format!("calendar_by_tier: unknown customer tier {tier:?}"),
                ));
            }
            if !calendars.contains_key(cal) {
                return Err(ctx.err(
                    0,
                    "",
                    format!("calendar_by_tier.{tier}: calendar {cal:?} is not defined"),
                ));
            }
        }
        for (table, map) in [
            ("calendar_by_time_zone", &raw.calendar_by_time_zone),
            ("calendar_by_customer", &raw.calendar_by_customer),
        ] {
            for (key, cal) in map {
                if !calendars.contains_key(cal) {
                    return Err(ctx.err(
                        0,
                        "",
                        format!("{table}.{key}: calendar {cal:?} is not defined"),
                    ));
                }
            }
        }
        for s in &raw.pause.statuses {
            if !STATUSES.contains(&s.as_str()) {
                return Err(ctx.err(
                    0,
                    "",
                    format!(
                        "pause.statuses: unknown status {s:?} (use {})",
                        STATUSES.join(", ")
                    ),
                ));
            }
        }
        // Durations in days need a business-day length: take the default
        // calendar's (rules apply across calendars, days are a policy unit).
        let day_ms = calendars
            .get(&default_calendar)
            .map_or(8 * 3_600_000, Calendar::business_day_ms);

        let mut ids = std::collections::HashSet::new();
        let mut unique = |id: &str, at: usize| -> Result<(), PolicyError> {
            if id.trim().is_empty() {
                return Err(ctx.err(at, "", "a rule needs an id"));
            }
            if !ids.insert(id.to_owned()) {
                return Err(ctx.err(at, id, "rule id used twice"));
            }
            Ok(())
        };

        let mut time_in_queue = Vec::new();
        for r in &raw.time_in_queue {
            let at = r.span().start;
            let c = r.get_ref();
            unique(&c.id, at)?;
            if !tier_key(&c.customer_tier) {
                return Err(ctx.err(
                    at,
                    &c.id,
                    format!(
                        "unknown customer tier {:?} (use {} or *)",
                        c.customer_tier,
                        TIERS.join(", ")
                    ),
                ));
            }
            if c.priority != "*" && !PRIORITIES.contains(&c.priority.as_str()) {
                return Err(ctx.err(
                    at,
                    &c.id,
                    format!(
                        "unknown priority {:?} (use {} or *)",
                        c.priority,
                        PRIORITIES.join(", ")
                    ),
                ));
            }
            let threshold_ms = parse_duration(&c.threshold, day_ms)
                .map_err(|e| ctx.err(at, &c.id, format!("threshold: {e}")))?;
            if threshold_ms <= 0 {
                return Err(ctx.err(at, &c.id, "threshold must be positive"));
            }
            let duplicate = time_in_queue.iter().any(|t: &TimeInQueue| {
                t.customer_tier.as_deref().unwrap_or("*") == c.customer_tier
                    && t.priority.as_deref().unwrap_or("*") == c.priority
            });
            if duplicate {
                return Err(ctx.err(
                    at,
                    &c.id,
                    format!(
                        "another rule already covers {} x {}",
                        c.customer_tier, c.priority
                    ),
                ));
            }
            time_in_queue.push(TimeInQueue {
                rule: RuleRef {
                    id: c.id.clone(),
                    version: c.version.clone(),
                    description: if c.description.is_empty() {
                        format!(
                            "time in L1 queue for {} customers at {} priority",
                            c.customer_tier, c.priority
                        )
                    } else {
                        c.description.clone()
                    },
                },
                customer_tier: (c.customer_tier != "*").then(|| c.customer_tier.clone()),
                priority: (c.priority != "*").then(|| c.priority.clone()),
                threshold_ms,
                threshold_text: c.threshold.clone(),
            });
        }
        // A ticket of a tier or priority no row names (a new tier, an
        // unmapped priority) must still have a threshold, not none.
        if let Some(first) = raw.time_in_queue.first() {
            let catch_all = raw
                .time_in_queue
                .iter()
                .any(|r| r.get_ref().customer_tier == "*" && r.get_ref().priority == "*");
            if !catch_all {
                return Err(ctx.err(
                    first.span().start,
                    "time_in_queue",
                    "no catch-all row: add one with customer_tier = \"*\" and priority = \"*\", so a ticket of a tier or priority no other row names still has a threshold",
                ));
            }
        }

        let complexity = match &raw.complexity {
            None => None,
            Some(c) => {
                let at = c.span().start;
                let c = c.get_ref();
                unique(&c.id, at)?;
                for (name, w) in &c.weights {
                    if !SIGNALS.contains(&name.as_str()) {
                        return Err(ctx.err(
                            at,
                            &c.id,
                            format!("unknown signal {name:?} (use {})", SIGNALS.join(", ")),
                        ));
                    }
                    if !w.is_finite() || *w < 0.0 {
                        return Err(ctx.err(
                            at,
                            &c.id,
                            format!("weight of {name} must be a non-negative number"),
                        ));
                    }
                }
                for (tier, t) in &c.thresholds {
                    if !tier_key(tier) {
                        return Err(ctx.err(
                            at,
                            &c.id,
                            format!("thresholds: unknown customer tier {tier:?}"),
                        ));
                    }
                    if !t.is_finite() || *t <= 0.0 {
                        return Err(ctx.err(
                            at,
                            &c.id,
                            format!("thresholds.{tier} must be positive"),
                        ));
                    }
                }
                Some(Complexity {
                    rule: RuleRef {
                        id: c.id.clone(),
                        version: c.version.clone(),
                        description: "complexity score from weighted signals".into(),
                    },
                    weights: c.weights.clone(),
                    severity_keywords: c
                        .severity_keywords
                        .iter()
                        .map(|k| k.to_lowercase())
                        .collect(),
                    urgency_keywords: c
                        .urgency_keywords
                        .iter()
                        .map(|k| k.to_lowercase())
                        .collect(),
                    thresholds: c.thresholds.clone(),
                })
            }
        };

        let durations = |rule: &str,
                         at: usize,
                         what: &str,
                         m: &BTreeMap<String, String>|
         -> Result<BTreeMap<String, (i64, String)>, PolicyError> {
            let mut out = BTreeMap::new();
            for (tier, d) in m {
                if !tier_key(tier) {
                    return Err(ctx.err(
                        at,
                        rule,
                        format!("{what}: unknown customer tier {tier:?}"),
                    ));
                }
                let ms = parse_duration(d, day_ms)
                    .map_err(|e| ctx.err(at, rule, format!("{what}.{tier}: {e}")))?;
                out.insert(tier.clone(), (ms, d.clone()));
            }
            Ok(out)
        };
        let reescalation = match &raw.reescalation {
            None => None,
            Some(r) => {
                let at = r.span().start;
                let r = r.get_ref();
                unique(&r.id, at)?;
                Some(Reescalation {
                    rule: RuleRef {
                        id: r.id.clone(),
                        version: r.version.clone(),
                        description: "L2 -> L3 when the specialist queue threshold passes without pickup or resolution".into(),
                    },
                    pickup: durations(&r.id, at, "pickup", &r.pickup)?,
                    resolution: durations(&r.id, at, "resolution", &r.resolution)?,
                })
            }
        };
        let reopen = match &raw.reopen {
            None => None,
            Some(r) => {
                let at = r.span().start;
                let r = r.get_ref();
                unique(&r.id, at)?;
                if r.max_reopens == 0 {
                    return Err(ctx.err(at, &r.id, "max_reopens must be at least 1"));
                }
                Some((
                    RuleRef {
                        id: r.id.clone(),
                        version: r.version.clone(),
                        description: "repeated reopens escalate".into(),
                    },
                    r.max_reopens,
                ))
            }
        };
        let ping_pong = match &raw.ping_pong {
            None => None,
            Some(p) => {
                let at = p.span().start;
                let p = p.get_ref();
                unique(&p.id, at)?;
                if p.max_send_backs == 0 {
                    return Err(ctx.err(at, &p.id, "max_send_backs must be at least 1"));
                }
                if !p.owners.contains_key("*") {
                    return Err(ctx.err(
                        at,
                        &p.id,
                        "owners needs a \"*\" entry: every flagged case must have a named owner",
                    ));
                }
                Some(PingPong {
                    rule: RuleRef {
                        id: p.id.clone(),
                        version: p.version.clone(),
                        description: "ticket bounced between L1 and L2; a named owner takes it"
                            .into(),
                    },
                    max_send_backs: p.max_send_backs,
                    owners: p.owners.clone(),
                })
            }
        };
        let l3_unattended = match &raw.l3_unattended {
            None => None,
            Some(u) => {
                let at = u.span().start;
                let u = u.get_ref();
                unique(&u.id, at)?;
                if !u.owners.contains_key("*") {
                    return Err(ctx.err(
                        at,
                        &u.id,
                        "owners needs a \"*\" entry: every unattended case must have a named owner",
                    ));
                }
                Some(Unattended {
                    rule: RuleRef {
                        id: u.id.clone(),
                        version: u.version.clone(),
                        description:
                            "at L3 without pickup past the threshold: a named duty manager takes it"
                                .into(),
                    },
                    pickup: durations(&u.id, at, "pickup", &u.pickup)?,
                    owners: u.owners.clone(),
                })
            }
        };
        let mut custom = Vec::new();
        for c in &raw.custom {
            let at = c.span().start;
            let c = c.get_ref();
            unique(&c.id, at)?;
            if !matches!(c.to_tier.as_str(), "l2" | "l3") {
                return Err(ctx.err(
                    at,
                    &c.id,
                    format!("to_tier must be l2 or l3, not {:?}", c.to_tier),
                ));
            }
            custom.push(CustomRule::compile(c).map_err(|e| ctx.err(at, &c.id, e))?);
        }

        let fallback = calendars
            .get(&default_calendar)
            .cloned()
            .ok_or_else(|| ctx.err(0, "", "no default calendar"))?;
        Ok(Policy {
            version: raw.version,
            fallback,
            calendars,
            default_calendar,
            calendar_by_tier: raw.calendar_by_tier,
            calendar_by_time_zone: raw.calendar_by_time_zone,
            calendar_by_customer: raw.calendar_by_customer,
            pause_statuses: raw.pause.statuses,
            l1_clock: raw.l1_clock,
            time_in_queue,
            complexity,
            reescalation,
            reopen,
            ping_pong,
            l3_unattended,
            custom,
        })
    }

    /// What folding events into a ticket's state needs from the policy.
    pub fn folding(&self) -> crate::state::Folding<'_> {
        crate::state::Folding {
            pause_statuses: &self.pause_statuses,
            l1_clock_per_queue: self.l1_clock == L1Clock::Queue,
        }
    }

    /// The calendar of a customer tier (its own, `*`, or the default).
    pub fn calendar_for(&self, tier: &str) -> &Calendar {
        self.calendar_for_customer("", "", tier)
    }

    /// A customer's calendar: the customer's own entry; else its tier's own
    /// entry (a contract: strategic customers on 24x7 wherever they are);
    /// else its time zone's (exact, then `Region/*`), so a US business
    /// customer works on American hours and holidays; else the tier table's
    /// `*`; else the default.
    pub fn calendar_for_customer(&self, customer: &str, time_zone: &str, tier: &str) -> &Calendar {
        let by_zone = || {
            self.calendar_by_time_zone.get(time_zone).or_else(|| {
                let region = time_zone.split('/').next().unwrap_or("");
                (!region.is_empty() && time_zone.contains('/'))
                    .then(|| self.calendar_by_time_zone.get(&format!("{region}/*")))
                    .flatten()
            })
        };
        let id = self
            .calendar_by_customer
            .get(customer)
            .or_else(|| self.calendar_by_tier.get(tier))
            .or_else(by_zone)
            .or_else(|| self.calendar_by_tier.get("*"))
            .unwrap_or(&self.default_calendar);
        self.calendars.get(id).unwrap_or(&self.fallback)
    }

    /// The most specific time-in-queue rule for a tier and priority.
    pub fn time_in_queue_for(&self, tier: &str, priority: &str) -> Option<&TimeInQueue> {
        let score = |r: &TimeInQueue| match (r.customer_tier.as_deref(), r.priority.as_deref()) {
            (Some(t), Some(p)) if t == tier && p == priority => Some(3),
            (Some(t), None) if t == tier => Some(2),
            (None, Some(p)) if p == priority => Some(1),
            (None, None) => Some(0),
            _ => None,
        };
        self.time_in_queue
            .iter()
            .filter_map(|r| score(r).map(|s| (s, r)))
            .max_by_key(|(s, _)| *s)
            .map(|(_, r)| r)
    }
}

/// A value of a per-tier table: the tier's own, else `*`.
pub fn per_tier<'a, V>(table: &'a BTreeMap<String, V>, tier: &str) -> Option<&'a V> {
    table.get(tier).or_else(|| table.get("*"))
}
