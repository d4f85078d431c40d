//! Per-ticket state, folded from `TicketEvent`s. Pure: `apply` takes the
//! event and the policy's pause statuses and returns nothing but the new
//! state. Snapshot fields (status, tier, queue, priority...) follow event
//! time and never go back on a late or out-of-order event; counters and
//! collected text take every event once.
//!
//! Two positions are kept apart. Where the help desk says the ticket is
//! (`source_*`: tier, queue, assignee, as it last sent them; help desks
//! repeat every field on every event, so only a different value is a move)
//! and where the escalation is (`tier`, `queue`, `queue_entered_ms`:
//! Escalator's own decisions, pickups and returns). A decision never makes
//! the help desk's next snapshot look like a move back to L1. Lifecycle
//! steps help desks never name (a pickup is an assignment inside an L2/L3
//! group, a resolution is a status, a reopen is a status going back) are
//! read from the snapshots and listed in `lifecycle` for the processor to
//! forward as the canonical events.
//!
//! Rules fire once per escalation episode (`stint`): a send-back or a
//! reopen starts a new one; a lateral move between L1 queues does not, and
//! keeps the L1 clock running.

use escalator_proto::v1::ticket_event::Kind;
use escalator_proto::v1::{
    ActorRole, CommentVisibility, CustomerTier, Priority, SupportTier, TicketEvent, TicketStatus,
};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// Text kept for the handoff packet, per ticket (newest kept when over).
pub const MAX_TEXT_BYTES: usize = 48 * 1024;
const MAX_TIMELINE: usize = 40;
const MAX_SEEN: usize = 64;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TicketState {
    pub ticket_id: String,
    /// Bumped by every applied event: part of escalation ids.
    pub version: u64,
    /// Latest event time applied to the snapshot fields.
    pub snapshot_ms: i64,
    pub created_ms: i64,

    /// The escalation's tier and queue (see the module note).
    pub tier: i32,
    pub queue: String,
    /// Event time the escalation's current tier clock started: entering L1
    /// (kept across lateral L1 moves), the escalation, a send-back.
    pub queue_entered_ms: i64,
    /// The escalation episode: one escalation per rule per episode.
    pub stint: u32,
    /// Where the help desk last said the ticket is.
    pub source_tier: i32,
    pub source_queue: String,
    pub source_assignee: String,
    /// The complexity score when the episode began (a send-back): a new
    /// complexity escalation needs the score to pass the threshold again
    /// with new evidence.
    pub episode_score_base: f64,
    /// Error codes seen in any text (`kind:code`): each counts once.
    pub error_code_keys: Vec<String>,
    /// Lifecycle steps read from the last applied event's snapshot.
    #[serde(skip)]
    pub lifecycle: Vec<Lifecycle>,
    pub status: i32,
    /// Waiting on the customer since (event time), while paused.
    pub paused_since_ms: Option<i64>,
    /// Pauses in the current stint, as wall-clock intervals.
    pub pauses: Vec<(i64, i64)>,

    pub customer_id: String,
    /// The customer organisation's name, when the source gives it.
    pub customer_name: String,
    /// The customer's IANA time zone, when known: picks its calendar.
    pub customer_time_zone: String,
    pub customer_tier: i32,
    pub customer_tier_name: String,
    pub priority: i32,
    /// The priority as the source named it (for an unmapped one).
    pub priority_raw: String,
    pub product: String,
    pub component: String,
    pub components_seen: Vec<String>,
    pub tags: Vec<String>,
    pub subject: String,
    pub ticket_url: String,

    pub l1_touches: u32,
    pub reassignments: u32,
    pub reopens: u32,
    pub comments: u32,
    pub attachments: u32,
    pub send_backs: u32,
    pub domain: String,
    pub specialist: String,
    pub picked_up_ms: Option<i64>,
    pub resolved: bool,

    /// Rules that fired, as (rule id, stint): never twice for the same reason.
    pub fired: Vec<(String, u32)>,
    /// Ping-pong flags raised, by number of send-backs.
    pub ping_pong_flagged: u32,
    pub last_escalation_id: String,

    /// Evidence counters, updated as text arrives (complexity signals).
    pub stack_traces: u32,
    pub error_codes: u32,
    pub severity_hits: Vec<String>,
    pub urgency_hits: Vec<String>,

    pub texts: Vec<Text>,
    pub text_bytes: usize,
    /// Lines shared by the state's clones (see `shared`).
    #[serde(with = "crate::shared::items")]
    pub timeline: Vec<Arc<Line>>,
    /// Recent event ids, to apply an event once even if it is delivered twice
    /// (shared by the state's clones, see `shared`).
    #[serde(with = "crate::shared::strs")]
    pub seen: Vec<Arc<str>>,
}

/// What folding an event needs from the policy.
#[derive(Debug, Clone, Copy)]
pub struct Folding<'a> {
    /// Statuses that stop the clock.
    pub pause_statuses: &'a [String],
    /// A move between two L1 queues restarts the clock (`l1_clock =
    /// "queue"`); by default it keeps running, so shuffling a ticket
    /// between L1 queues never postpones its escalation.
    pub l1_clock_per_queue: bool,
}

/// A lifecycle step read from what the help desk sent.
#[derive(Debug, Clone, PartialEq)]
pub enum Lifecycle {
    /// An agent was assigned while the ticket sits in an L2/L3 group.
    PickedUp {
        specialist: String,
        queue: String,
        tier: SupportTier,
    },
    /// The help desk moved the ticket from an L2/L3 group back to L1.
    SentBack { queue: String },
    /// The help desk put the ticket in an L2/L3 group itself, ahead of
    /// (or without) Escalator's decision: an agent's manual escalation.
    HandEscalated {
        from_tier: SupportTier,
        tier: SupportTier,
        queue: String,
        /// When the clock of the tier it left had started.
        waited_since_ms: i64,
    },
    /// Solved or closed.
    Resolved,
    /// Solved or closed, then open again (or a customer's reply to it).
    Reopened,
}

/// Error codes kept per ticket for counting.
const MAX_CODE_KEYS: usize = 32;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Text {
    pub at_ms: i64,
    /// subject, description, comment, internal_comment, customer_reply, attachment
    pub kind: String,
    pub role: i32,
    pub name: String,
    /// Shared by the state's clones (see `shared`); encoded as a string.
    #[serde(with = "crate::shared::text")]
    pub body: Arc<str>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Line {
    pub at_ms: i64,
    pub kind: String,
    pub role: i32,
    pub text: String,
    pub event_id: String,
}

impl TicketState {
    pub fn tier(&self) -> SupportTier {
        SupportTier::try_from(self.tier).unwrap_or(SupportTier::Unspecified)
    }

    pub fn customer_tier_name(&self) -> &'static str {
        match CustomerTier::try_from(self.customer_tier).unwrap_or(CustomerTier::Unspecified) {
            CustomerTier::Standard => "standard",
            CustomerTier::Business => "business",
            CustomerTier::Enterprise => "enterprise",
            CustomerTier::Strategic => "strategic",
            _ => "unknown",
        }
    }

    pub fn priority_name(&self) -> &'static str {
        match Priority::try_from(self.priority).unwrap_or(Priority::Unspecified) {
            Priority::Low => "low",
            Priority::Normal => "normal",
            Priority::High => "high",
            Priority::Urgent => "urgent",
            _ => "unknown",
        }
    }

    pub fn status_name(&self) -> &'static str {
        status_name(self.status)
    }

    /// The role an actor plays on this ticket. Help desks call every staff
    /// member an agent; one who works the ticket in a specialist group (its
    /// specialist or assignee there, or an agent the source places at
    /// L2/L3) is a specialist in the timeline and not L1 effort.
    pub fn role_of(&self, a: &escalator_proto::v1::Actor) -> i32 {
        if a.role != ActorRole::L1Agent as i32 {
            return a.role;
        }
        // The help desk's own position: after Escalator's decision the
        // ticket may still sit in L1 with its L1 agent assigned.
        let specialist_group = self.source_tier >= SupportTier::L2 as i32;
        let works_it = !a.id.is_empty()
            && (a.id == self.specialist || (specialist_group && a.id == self.source_assignee));
        if works_it || a.tier >= SupportTier::L2 as i32 {
            ActorRole::Specialist as i32
        } else {
            a.role
        }
    }

    /// Inputs of the policy's tables that no mapping recognised, as
    /// (field, value as the source sent it): their tickets get the
    /// catch-all rows, and the decision says so.
    pub fn unknown_inputs(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if self.customer_tier == CustomerTier::Unknown as i32 {
            out.push(("customer_tier", self.customer_tier_name.clone()));
        }
        if self.priority == Priority::Unknown as i32 {
            out.push(("priority", self.priority_raw.clone()));
        }
        out
    }

    pub fn is_open(&self) -> bool {
        !self.resolved
            && !matches!(
                TicketStatus::try_from(self.status).unwrap_or(TicketStatus::Unspecified),
                TicketStatus::Solved | TicketStatus::Closed
            )
    }

    pub fn already_fired(&self, rule: &str) -> bool {
        self.fired
            .iter()
            .any(|(r, s)| r == rule && *s == self.stint)
    }

    /// Puts the escalation in a tier and queue at `at_ms`, with a fresh
    /// clock (the episode goes on).
    pub fn enter_queue(&mut self, tier: SupportTier, queue: &str, at_ms: i64) {
        self.tier = tier as i32;
        self.queue = queue.to_owned();
        self.queue_entered_ms = at_ms;
        self.pauses.clear();
        if self.paused_since_ms.is_some() {
            self.paused_since_ms = Some(at_ms);
        }
        self.picked_up_ms = None;
    }

    /// Error codes seen in a text; each distinct one counts once.
    pub fn note_codes(&mut self, codes: &[String]) {
        for c in codes {
            if self.error_code_keys.len() >= MAX_CODE_KEYS {
                break;
            }
            if !self.error_code_keys.contains(c) {
                self.error_code_keys.push(c.clone());
            }
        }
        self.error_codes = self.error_code_keys.len() as u32;
    }

    fn push_text(&mut self, text: Text) {
        if text.body.trim().is_empty() {
            return;
        }
        self.text_bytes += text.body.len();
        self.texts.push(text);
        // The problem statement (subject, description) always stays; the
        // oldest comments and attachments go first.
        while self.text_bytes > MAX_TEXT_BYTES {
            let Some(i) = self
                .texts
                .iter()
                .position(|t| t.kind != "subject" && t.kind != "description")
            else {
                break;
            };
            let removed = self.texts.remove(i);
            self.text_bytes -= removed.body.len();
        }
    }

    fn push_line(&mut self, line: Line) {
        self.timeline.push(Arc::new(line));
        if self.timeline.len() > MAX_TIMELINE {
            self.timeline.remove(0);
        }
    }

    /// Folds one event into the state. Returns false when the event was
    /// already applied (same event id seen recently).
    pub fn apply(&mut self, ev: &TicketEvent, rules: Folding<'_>) -> bool {
        if self.seen.iter().any(|id| **id == *ev.event_id) {
            return false;
        }
        self.seen.push(Arc::from(ev.event_id.as_str()));
        if self.seen.len() > MAX_SEEN {
            self.seen.remove(0);
        }
        self.version += 1;
        self.lifecycle.clear();
        if self.ticket_id.is_empty() {
            self.ticket_id = ev.ticket_id.clone();
        }
        let at = ev.event_time_ms;
        if self.created_ms == 0 || at < self.created_ms {
            self.created_ms = at;
        }
        let current = at >= self.snapshot_ms;
        if current {
            self.snapshot_ms = at;
            self.apply_snapshot(ev, rules);
        }
        let (kind, line) = self.apply_kind(ev, current, rules);
        let role = ev
            .actor
            .as_ref()
            .map_or(ActorRole::Unspecified as i32, |a| self.role_of(a));
        self.push_line(Line {
            at_ms: at,
            kind: kind.to_owned(),
            role,
            text: line,
            event_id: ev.event_id.clone(),
        });
        true
    }

    fn apply_snapshot(&mut self, ev: &TicketEvent, rules: Folding<'_>) {
        if let Some(c) = &ev.customer {
            if !c.id.is_empty() {
                self.customer_id = c.id.clone();
            }
            if let Some(name) = c.name.as_ref().filter(|n| !n.is_empty()) {
                self.customer_name = name.clone();
            }
            if !c.time_zone.is_empty() {
                self.customer_time_zone = c.time_zone.clone();
            }
            if c.tier != CustomerTier::Unspecified as i32 {
                self.customer_tier = c.tier;
                self.customer_tier_name = c.tier_name.clone();
            }
        }
        if ev.priority != Priority::Unspecified as i32 {
            self.priority = ev.priority;
            self.priority_raw = ev.priority_raw.clone();
        }
        if !ev.product.is_empty() {
            self.product = ev.product.clone();
        }
        if !ev.component.is_empty() {
            self.component = ev.component.clone();
        }
        for c in std::iter::once(&ev.component).chain(&ev.components) {
            if !c.is_empty() && !self.components_seen.contains(c) && self.components_seen.len() < 16
            {
                self.components_seen.push(c.clone());
            }
        }
        if ev.tags_known {
            self.tags = ev.tags.clone();
        }
        if !ev.ticket_url.is_empty() {
            self.ticket_url = ev.ticket_url.clone();
        }
        if let Some(s) = &ev.subject {
            if self.subject.is_empty() {
                self.push_text(Text {
                    at_ms: ev.event_time_ms,
                    kind: "subject".into(),
                    role: ActorRole::Customer as i32,
                    name: String::new(),
                    body: Arc::from(s.as_str()),
                });
            }
            self.subject = s.clone();
        }
        if let Some(d) = &ev.description {
            if !self.texts.iter().any(|t| t.kind == "description") {
                self.push_text(Text {
                    at_ms: ev.event_time_ms,
                    kind: "description".into(),
                    role: ActorRole::Customer as i32,
                    name: String::new(),
                    body: Arc::from(d.as_str()),
                });
            }
        }
        // The envelope's tier, queue and assignee: moves and pickups the
        // event kind may not say, compared with what the help desk last said.
        let tier = SupportTier::try_from(ev.support_tier).unwrap_or(SupportTier::Unspecified);
        self.observe_source(tier, &ev.queue, &ev.queue_domain, ev.event_time_ms, rules);
        if self.queue_entered_ms == 0 {
            self.queue_entered_ms = ev.event_time_ms;
            if !ev.queue.is_empty() {
                self.queue = ev.queue.clone();
            }
        }
        if let Some(a) = &ev.assignee {
            self.observe_assignee(&a.id, ev.event_time_ms);
        }
        if ev.status != TicketStatus::Unspecified as i32 {
            self.set_status(ev.status, ev.event_time_ms, rules.pause_statuses);
        }
    }

    /// The help desk says the ticket is in `tier`/`queue`. A repeat is not
    /// a move; a first sight places the escalation there too.
    fn observe_source(
        &mut self,
        tier: SupportTier,
        queue: &str,
        domain: &str,
        at: i64,
        rules: Folding<'_>,
    ) {
        if tier == SupportTier::Unspecified {
            return;
        }
        let queue = if queue.is_empty() {
            self.source_queue.clone()
        } else {
            queue.to_owned()
        };
        let before = SupportTier::try_from(self.source_tier).unwrap_or(SupportTier::Unspecified);
        if before == tier && queue == self.source_queue {
            return;
        }
        self.source_tier = tier as i32;
        self.source_queue = queue.clone();
        if !domain.is_empty() && tier != SupportTier::L1 {
            self.domain = domain.to_owned();
        }
        let first = before == SupportTier::Unspecified;
        if first && self.queue_entered_ms == 0 {
            self.tier = tier as i32;
            self.queue = queue.clone();
            self.queue_entered_ms = at;
            if tier != SupportTier::L1 {
                // Created straight in a specialist group.
                self.lifecycle.push(Lifecycle::HandEscalated {
                    from_tier: SupportTier::Unspecified,
                    tier,
                    queue,
                    waited_since_ms: at,
                });
            }
            return;
        }
        if !first {
            self.reassignments += 1;
        }
        let higher = |t: SupportTier| t == SupportTier::L2 || t == SupportTier::L3;
        if tier == SupportTier::L1 && higher(before) {
            self.send_back(&queue, at);
            self.lifecycle.push(Lifecycle::SentBack { queue });
        } else if tier == SupportTier::L1 {
            // Lateral: the L1 clock keeps running, unless the policy times
            // each L1 queue on its own.
            if self.tier() == SupportTier::L1 || self.tier() == SupportTier::Unspecified {
                if rules.l1_clock_per_queue {
                    self.enter_queue(SupportTier::L1, &queue, at);
                } else {
                    self.queue = queue;
                }
            }
        } else if (tier as i32) > self.tier {
            // The help desk escalated it by hand (or further than Escalator).
            let from_tier = self.tier();
            let waited_since_ms = self.queue_entered_ms;
            self.enter_queue(tier, &queue, at);
            self.lifecycle.push(Lifecycle::HandEscalated {
                from_tier,
                tier,
                queue,
                waited_since_ms,
            });
        } else if tier == SupportTier::L2
            && self.tier() == SupportTier::L3
            && before == SupportTier::L3
        {
            self.enter_queue(tier, &queue, at);
        }
        // Otherwise the help desk caught up with Escalator's escalation:
        // the ticket reached the queue; the clock runs from the decision.
    }

    /// An agent assigned while the ticket sits in an L2/L3 group picks it up.
    fn observe_assignee(&mut self, agent: &str, at: i64) {
        if agent == self.source_assignee {
            return;
        }
        self.source_assignee = agent.to_owned();
        let specialist_group = self.source_tier == SupportTier::L2 as i32
            || self.source_tier == SupportTier::L3 as i32;
        if agent.is_empty() || !specialist_group || self.picked_up_ms.is_some() {
            return;
        }
        if self.tier < SupportTier::L2 as i32 {
            return;
        }
        self.picked_up_ms = Some(at);
        self.specialist = agent.to_owned();
        self.lifecycle.push(Lifecycle::PickedUp {
            specialist: agent.to_owned(),
            queue: self.source_queue.clone(),
            tier: SupportTier::try_from(self.source_tier).unwrap_or(SupportTier::L2),
        });
    }

    /// A return to L1: the episode ends and is honoured; the L1 clock
    /// starts again from here.
    fn send_back(&mut self, queue: &str, at: i64) {
        self.send_backs += 1;
        self.new_episode();
        self.enter_queue(SupportTier::L1, queue, at);
        self.specialist.clear();
    }

    /// A send-back or a reopen: rules may fire again.
    fn new_episode(&mut self) {
        self.stint += 1;
        // The processor sets the score base once it has scored the state.
        self.episode_score_base = f64::NAN;
    }

    /// Solved or closed, then open again.
    fn reopen(&mut self, at: i64) {
        self.reopens += 1;
        self.resolved = false;
        self.paused_since_ms = None;
        self.new_episode();
        let tier = SupportTier::try_from(self.source_tier).unwrap_or(SupportTier::Unspecified);
        let tier = if tier == SupportTier::Unspecified {
            SupportTier::L1
        } else {
            tier
        };
        let queue = if self.source_queue.is_empty() {
            self.queue.clone()
        } else {
            self.source_queue.clone()
        };
        self.enter_queue(tier, &queue, at);
        // Reopened in a specialist group with its specialist still on it
        // (help desks keep the assignee): still picked up.
        if tier != SupportTier::L1
            && !(self.source_assignee.is_empty() && self.specialist.is_empty())
        {
            self.picked_up_ms = Some(at);
        }
        self.lifecycle.push(Lifecycle::Reopened);
    }

    fn set_status(&mut self, status: i32, at: i64, pause_statuses: &[String]) {
        let done = |s: i32| {
            matches!(
                TicketStatus::try_from(s).unwrap_or(TicketStatus::Unspecified),
                TicketStatus::Solved | TicketStatus::Closed
            )
        };
        let was_done = done(self.status);
        let unknown = status == TicketStatus::Unknown as i32;
        if was_done && !done(status) && !unknown && self.status != 0 {
            self.status = status;
            self.reopen(at);
        } else {
            self.status = status;
        }
        let pausing = pause_statuses.iter().any(|p| p == status_name(status));
        match (pausing, self.paused_since_ms) {
            (true, None) => self.paused_since_ms = Some(at),
            (false, Some(since)) => {
                self.pauses.push((since, at.max(since)));
                self.paused_since_ms = None;
            }
            _ => {}
        }
        if done(status) && !self.resolved {
            self.resolved = true;
            self.lifecycle.push(Lifecycle::Resolved);
        }
    }

    fn apply_kind(
        &mut self,
        ev: &TicketEvent,
        current: bool,
        rules: Folding<'_>,
    ) -> (&'static str, String) {
        let at = ev.event_time_ms;
        match &ev.kind {
            Some(Kind::Created(c)) => (
                "created",
                format!(
                    "created via {}",
                    if c.channel.is_empty() {
                        "?"
                    } else {
                        &c.channel
                    }
                ),
            ),
            Some(Kind::FieldsUpdated(f)) => (
                "fields_updated",
                f.changes
                    .iter()
                    .map(|c| c.field.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
            Some(Kind::CommentAdded(c)) => {
                self.comments += 1;
                let role = c
                    .author
                    .as_ref()
                    .map_or(ActorRole::Unspecified as i32, |a| self.role_of(a));
                let customer = role == ActorRole::Customer as i32;
                // L1 effort: an L1 agent's reply or note while the ticket is
                // at L1 (edits of status, tags or assignment are not).
                if role == ActorRole::L1Agent as i32
                    && matches!(self.tier(), SupportTier::L1 | SupportTier::Unspecified)
                {
                    self.l1_touches += 1;
                }
                let public = c.visibility != CommentVisibility::Internal as i32;
                self.push_text(Text {
                    at_ms: at,
                    kind: if customer {
                        "customer_reply".into()
                    } else if public {
                        "comment".into()
                    } else {
                        "internal_comment".into()
                    },
                    role,
                    name: c.comment_id.clone(),
                    body: Arc::from(c.body.as_str()),
                });
                // A public customer comment is a reply: it restarts the
                // clock, and reopens a solved ticket.
                if customer && current {
                    self.customer_reply(at, ev.status != TicketStatus::Unspecified as i32);
                }
                ("comment_added", first_line(&c.body))
            }
            Some(Kind::CustomerReplied(r)) => {
                self.comments += 1;
                self.push_text(Text {
                    at_ms: at,
                    kind: "customer_reply".into(),
                    role: ActorRole::Customer as i32,
                    name: r.comment_id.clone(),
                    body: Arc::from(r.body.as_str()),
                });
                if current {
                    self.customer_reply(at, ev.status != TicketStatus::Unspecified as i32);
                }
                ("customer_replied", first_line(&r.body))
            }
            Some(Kind::AttachmentAdded(a)) => {
                self.attachments += 1;
                self.push_text(Text {
                    at_ms: at,
                    kind: "attachment".into(),
                    role: ActorRole::Unspecified as i32,
                    name: format!("{}|{}|{}", a.file_name, a.content_type, a.size_bytes),
                    body: Arc::from(a.text_excerpt.as_str()),
                });
                ("attachment_added", a.file_name.clone())
            }
            Some(Kind::StatusChanged(s)) => {
                if current {
                    self.set_status(s.to_status, at, rules.pause_statuses);
                }
                ("status_changed", format!("{} -> {}", s.from_raw, s.to_raw))
            }
            Some(Kind::Assigned(a)) => {
                let tier = SupportTier::try_from(a.tier).unwrap_or(SupportTier::Unspecified);
                if current {
                    self.observe_source(tier, &a.queue, &ev.queue_domain, at, rules);
                    if let Some(agent) = &a.agent {
                        self.observe_assignee(&agent.id, at);
                    }
                }
                (
                    "assigned",
                    format!("to {}", if a.queue.is_empty() { "?" } else { &a.queue }),
                )
            }
            Some(Kind::PriorityChanged(p)) => {
                if current && p.to_priority != Priority::Unspecified as i32 {
                    self.priority = p.to_priority;
                    self.priority_raw = p.to_raw.clone();
                }
                (
                    "priority_changed",
                    format!("{} -> {}", p.from_raw, p.to_raw),
                )
            }
            Some(Kind::TagsChanged(t)) => {
                if current && !ev.tags_known {
                    self.tags.retain(|x| !t.removed.contains(x));
                    for a in &t.added {
                        if !self.tags.contains(a) {
                            self.tags.push(a.clone());
                        }
                    }
                }
                (
                    "tags_changed",
                    format!("+{} -{}", t.added.join(","), t.removed.join(",")),
                )
            }
            Some(Kind::SpecialistAccepted(s)) => {
                if current {
                    let tier = SupportTier::try_from(s.tier).unwrap_or(SupportTier::L2);
                    let tier = if tier == SupportTier::Unspecified {
                        SupportTier::L2
                    } else {
                        tier
                    };
                    if self.tier() != tier {
                        self.enter_queue(tier, &s.queue, at);
                    }
                    self.picked_up_ms = Some(at);
                    self.specialist = s.specialist_id.clone();
                    if !s.domain.is_empty() {
                        self.domain = s.domain.clone();
                    }
                }
                (
                    "specialist_accepted",
                    format!("{} ({})", s.specialist_id, s.domain),
                )
            }
            Some(Kind::DomainReassigned(d)) => {
                if current {
                    self.domain = d.to_domain.clone();
                    self.reassignments += 1;
                    self.picked_up_ms = None;
                    let tier = self.tier();
                    let queue = format!("domain:{}", d.to_domain);
                    self.enter_queue(tier, &queue, at);
                }
                (
                    "domain_reassigned",
                    format!("{} -> {}", d.from_domain, d.to_domain),
                )
            }
            Some(Kind::SentBackToL1(s)) => {
                if current {
                    self.reassignments += 1;
                    self.send_back("sent-back", at);
                }
                ("sent_back_to_l1", s.reason.clone())
            }
            Some(Kind::Resolved(r)) => {
                if current {
                    self.resolved = true;
                }
                ("resolved", r.resolution_code.clone())
            }
            Some(Kind::Reopened(r)) => {
                // A reopening is solved -> open: one that a customer's reply
                // already made (the source then also says "reopened") is
                // not a second one.
                if current && self.resolved {
                    self.status = TicketStatus::Open as i32;
                    self.reopen(at);
                } else if !current {
                    self.reopens += 1;
                }
                ("reopened", r.reason.clone())
            }
            None => ("unknown", String::new()),
        }
    }

    /// The customer wrote: a paused clock resumes. A solved ticket reopens
    /// when the event says no status of its own (a source that reports the
    /// status says whether the reply reopened it: Zendesk's says open, a
    /// "thanks, it works" on a canonical stream stays solved); a closed one
    /// stays closed (help desks open a follow-up instead).
    fn customer_reply(&mut self, at: i64, status_known: bool) {
        if self.status == TicketStatus::Solved as i32 && !status_known {
            self.status = TicketStatus::Open as i32;
            self.reopen(at);
        } else if self.paused_since_ms.is_some() {
            self.resume(at);
        }
    }

    fn resume(&mut self, at: i64) {
        if let Some(since) = self.paused_since_ms.take() {
            self.pauses.push((since, at.max(since)));
        }
    }
}

pub fn status_name(status: i32) -> &'static str {
    match TicketStatus::try_from(status).unwrap_or(TicketStatus::Unspecified) {
        TicketStatus::New => "new",
        TicketStatus::Open => "open",
        TicketStatus::Pending => "pending",
        TicketStatus::OnHold => "on_hold",
        TicketStatus::Solved => "solved",
        TicketStatus::Closed => "closed",
        TicketStatus::Unknown => "unknown",
        TicketStatus::Unspecified => "unspecified",
    }
}

fn first_line(s: &str) -> String {
    let line = s
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim();
    let mut out: String = line.chars().take(120).collect();
    if line.chars().count() > 120 {
        out.push('…');
    }
    escalator_redact::redact_str(&out)
}

/// The state's changelog codec: compact binary (postcard).
pub struct StateCodec;

impl escalator_runtime::StateCodec<TicketState> for StateCodec {
    fn encode(&self, s: &TicketState) -> Vec<u8> {
        postcard::to_stdvec(s).unwrap_or_default()
    }

    fn decode(&self, bytes: &[u8]) -> Result<TicketState, String> {
        postcard::from_bytes(bytes).map_err(|e| format!("ticket state: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::sync::Arc;

    use escalator_proto::v1::ticket_event::{self as te, Kind};
    use escalator_proto::v1::{Actor, Customer, TicketEvent};
    use escalator_runtime::timers::TimerKey;
    use escalator_runtime::{Record, Task};
    use prost::Message;

    use super::*;
    use crate::{Evaluator, Policy};

    fn event(i: usize, step: usize, kind: Kind) -> TicketEvent {
        TicketEvent {
            event_id: format!("e-{i}-{step}"),
            ticket_id: format!("T-{i}"),
            kind: Some(kind),
            ..Default::default()
        }
    }

    /// The events of ticket `i`: opened, then paused, commented on, moved
    /// to L2, resolved and reopened depending on `i`.
    fn history(i: usize) -> Vec<TicketEvent> {
        let tiers = [
            CustomerTier::Standard,
            CustomerTier::Business,
            CustomerTier::Enterprise,
            CustomerTier::Strategic,
        ];
        let mut created = event(
            i,
            0,
            Kind::Created(te::Created {
                channel: "email".into(),
            }),
        );
        created.customer = Some(Customer {
            id: format!("c-{}", i % 7),
            tier: tiers[i % 4] as i32,
            ..Default::default()
        });
        created.priority = [
            Priority::Low,
            Priority::Normal,
            Priority::High,
            Priority::Urgent,
        ][i % 4] as i32;
        created.status = TicketStatus::New as i32;
        created.support_tier = SupportTier::L1 as i32;
        created.queue = "l1-general".into();
        created.subject = Some(format!("Export {i} fails"));
        created.description = Some("ERROR 1205: lock wait timeout since the upgrade".into());
        let mut events = vec![created];
        let mut step = 0;
        let mut push = |kind: Kind| {
            step += 1;
            events.push(event(i, step, kind));
        };
        if i % 3 == 0 {
            push(Kind::StatusChanged(te::StatusChanged {
                to_status: TicketStatus::Pending as i32,
                ..Default::default()
            }));
        }
        if i % 5 == 0 {
            push(Kind::CommentAdded(te::CommentAdded {
                author: Some(Actor {
                    role: ActorRole::Customer as i32,
                    ..Default::default()
                }),
                visibility: CommentVisibility::Public as i32,
                body: "Still failing, this is urgent".into(),
                ..Default::default()
            }));
        }
        if i % 2 == 0 {
            push(Kind::Assigned(te::Assigned {
                tier: SupportTier::L2 as i32,
                queue: "l2-data".into(),
                ..Default::default()
            }));
        }
        if i % 7 == 0 {
            push(Kind::Resolved(te::Resolved {
                resolution_code: "fixed".into(),
                ..Default::default()
            }));
        }
        if i % 14 == 0 {
            push(Kind::Reopened(te::Reopened {
                reason: "back again".into(),
            }));
        }
        events
    }

    type Committed = (Vec<(Vec<u8>, TicketState)>, Vec<(TimerKey, i64)>);

    fn committed(t: &Task<TicketState>) -> Committed {
        let mut state: Vec<_> = t
            .committed_state()
            .map(|(k, s)| (k.to_vec(), s.clone()))
            .collect();
        state.sort_by(|a, b| a.0.cmp(&b.0));
        let mut timers: Vec<_> = t.committed_timers().collect();
        timers.sort();
        (state, timers)
    }

    /// What a restart does: the evaluator's changelog, restored into a new
    /// task, gives the same tickets and deadlines (the real state codec,
    /// batches that update, escalate, resolve and reopen tickets).
    #[test]
    fn evaluator_tickets_and_deadlines_restore_from_the_changelog() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/policy.toml");
        let policy = match Policy::load(&path) {
            Ok(p) => Arc::new(p),
            Err(e) => panic!("{e}"),
        };
        let evaluator = Evaluator {
            policy,
            decisions_topic: "d".into(),
            retention_ms: 30 * 86_400_000,
        };
        // A Tuesday morning, UTC.
        let t0 = 1_796_112_000_000;
        let mut task: Task<TicketState> = Task::default();
        let mut log = Vec::new();
        let mut out = Vec::new();
        let mut records = 0;
        for i in 0..80 {
            for (j, mut ev) in history(i).into_iter().enumerate() {
                let at = t0 + i as i64 * 60_000 + j as i64 * 600_000;
                ev.event_time_ms = at;
                let bytes = ev.encode_to_vec();
                let rec = Record {
                    topic: "tickets.events",
                    partition: 0,
                    offset: records,
                    key: Some(ev.ticket_id.as_bytes()),
                    value: &bytes,
                    headers: &[],
                    timestamp_ms: None,
                };
                assert!(task.process(&evaluator, &rec, at, &mut out).is_ok());
                records += 1;
                if records % 25 == 0 {
                    log.extend(task.changelog(&evaluator));
                    task.commit();
                }
            }
        }
        // Deadlines come due: escalations change state and re-arm timers.
        for hours in [2, 9, 30] {
            task.fire_due(&evaluator, t0 + hours * 3_600_000, 10_000, &mut out);
            log.extend(task.changelog(&evaluator));
            task.commit();
        }
        assert!(!out.is_empty(), "some tickets escalated");
        let (state, timers) = committed(&task);
        assert_eq!(state.len(), 80);
        for name in ["deadline", "expire"] {
            assert!(timers.iter().any(|(k, _)| k.name == name), "a {name} timer");
        }
        assert!(log.iter().any(|(k, _)| k.first() == Some(&b't')));

        let mut restored: Task<TicketState> = Task::default();
        for (k, v) in &log {
            assert!(restored.restore(&evaluator, k, v.as_deref()).is_ok());
        }
        assert_eq!(committed(&restored), (state, timers));
        assert_eq!(restored.next_due(), task.next_due());
    }
}
