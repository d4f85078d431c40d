//! Per-ticket state, folded from `TicketEvent`s. Pure: `apply` takes the
//! event and the policy's pause statuses and returns nothing but the new
//! state. Snapshot fields (status, tier, queue, priority...) follow event
//! time and never go back on a late or out-of-order event; counters and
//! collected text take every event once.

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

    pub tier: i32,
    pub queue: String,
    /// Event time the ticket entered its current queue/tier.
    pub queue_entered_ms: i64,
    /// Counts queue/tier entries: one escalation per rule per stint.
    pub stint: u32,
    pub status: i32,
    /// Waiting on the customer since (event time), while paused.
    pub paused_since_ms: Option<i64>,
    /// Pauses in the current stint, as wall-clock intervals.
    pub pauses: Vec<(i64, i64)>,

    pub customer_id: String,
    pub customer_tier: i32,
    pub customer_tier_name: String,
    pub priority: i32,
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

    /// Moves the ticket into a queue at `at_ms`: a new stint, a fresh clock.
    pub fn enter_queue(&mut self, tier: SupportTier, queue: &str, at_ms: i64) {
        self.tier = tier as i32;
        self.queue = queue.to_owned();
        self.queue_entered_ms = at_ms;
        self.stint += 1;
        self.pauses.clear();
        if self.paused_since_ms.is_some() {
            self.paused_since_ms = Some(at_ms);
        }
        self.picked_up_ms = None;
    }

    fn push_text(&mut self, text: Text) {
        if text.body.trim().is_empty() {
            return;
        }
        self.text_bytes += text.body.len();
        self.texts.push(text);
        // Keep the description (first) and the newest texts.
        while self.text_bytes > MAX_TEXT_BYTES && self.texts.len() > 1 {
            let removed = self.texts.remove(1);
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
    pub fn apply(&mut self, ev: &TicketEvent, pause_statuses: &[String]) -> bool {
        if self.seen.iter().any(|id| **id == *ev.event_id) {
            return false;
        }
        self.seen.push(Arc::from(ev.event_id.as_str()));
        if self.seen.len() > MAX_SEEN {
            self.seen.remove(0);
        }
        self.version += 1;
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
            self.apply_snapshot(ev, pause_statuses);
        }
        let role = ev
            .actor
            .as_ref()
            .map_or(ActorRole::Unspecified as i32, |a| a.role);
        if role == ActorRole::L1Agent as i32 {
            self.l1_touches += 1;
        }
        let (kind, line) = self.apply_kind(ev, current, pause_statuses);
        self.push_line(Line {
            at_ms: at,
            kind: kind.to_owned(),
            role,
            text: line,
            event_id: ev.event_id.clone(),
        });
        true
    }

    fn apply_snapshot(&mut self, ev: &TicketEvent, pause_statuses: &[String]) {
        if let Some(c) = &ev.customer {
            if !c.id.is_empty() {
                self.customer_id = c.id.clone();
            }
            if c.tier != CustomerTier::Unspecified as i32 {
                self.customer_tier = c.tier;
                self.customer_tier_name = c.tier_name.clone();
            }
        }
        if ev.priority != Priority::Unspecified as i32 {
            self.priority = ev.priority;
        }
        if !ev.product.is_empty() {
            self.product = ev.product.clone();
        }
        if !ev.component.is_empty() {
            self.component = ev.component.clone();
            if !self.components_seen.contains(&ev.component) {
                self.components_seen.push(ev.component.clone());
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
        // The envelope's tier and queue: a move the event kind may not say.
        let tier = SupportTier::try_from(ev.support_tier).unwrap_or(SupportTier::Unspecified);
        if tier != SupportTier::Unspecified
            && (ev.support_tier != self.tier || (!ev.queue.is_empty() && ev.queue != self.queue))
        {
            self.move_to(tier, &ev.queue, ev.event_time_ms);
        } else if self.queue_entered_ms == 0 {
            self.queue_entered_ms = ev.event_time_ms;
            if !ev.queue.is_empty() {
                self.queue = ev.queue.clone();
            }
            if tier != SupportTier::Unspecified {
                self.tier = tier as i32;
            }
        }
        if ev.status != TicketStatus::Unspecified as i32 {
            self.set_status(ev.status, ev.event_time_ms, pause_statuses);
        }
    }

    fn move_to(&mut self, tier: SupportTier, queue: &str, at: i64) {
        let from = self.tier();
        if from == SupportTier::L2 && tier == SupportTier::L1 && self.queue_entered_ms != 0 {
            self.send_backs += 1;
        }
        if self.queue_entered_ms != 0 {
            self.reassignments += 1;
        }
        let queue = if queue.is_empty() {
            self.queue.clone()
        } else {
            queue.to_owned()
        };
        self.enter_queue(tier, &queue, at);
    }

    fn set_status(&mut self, status: i32, at: i64, pause_statuses: &[String]) {
        self.status = status;
        let pausing = pause_statuses.iter().any(|p| p == status_name(status));
        match (pausing, self.paused_since_ms) {
            (true, None) => self.paused_since_ms = Some(at),
            (false, Some(since)) => {
                self.pauses.push((since, at.max(since)));
                self.paused_since_ms = None;
            }
            _ => {}
        }
        if matches!(
            TicketStatus::try_from(status).unwrap_or(TicketStatus::Unspecified),
            TicketStatus::Solved | TicketStatus::Closed
        ) {
            self.resolved = true;
        }
    }

    fn apply_kind(
        &mut self,
        ev: &TicketEvent,
        current: bool,
        pause_statuses: &[String],
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
                    .map_or(ActorRole::Unspecified as i32, |a| a.role);
                let customer = role == ActorRole::Customer as i32;
                if role == ActorRole::L1Agent as i32
                    && ev.actor.as_ref().map(|a| a.role) != Some(role)
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
                // A public customer comment is a reply: it restarts the clock.
                if customer && current && self.paused_since_ms.is_some() {
                    self.resume(at);
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
                if current && self.paused_since_ms.is_some() {
                    self.resume(at);
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
                    self.set_status(s.to_status, at, pause_statuses);
                }
                ("status_changed", format!("{} -> {}", s.from_raw, s.to_raw))
            }
            Some(Kind::Assigned(a)) => {
                let tier = SupportTier::try_from(a.tier).unwrap_or(SupportTier::Unspecified);
                if current
                    && tier != SupportTier::Unspecified
                    && (a.tier != self.tier || (!a.queue.is_empty() && a.queue != self.queue))
                {
                    self.move_to(tier, &a.queue, at);
                }
                (
                    "assigned",
                    format!("to {}", if a.queue.is_empty() { "?" } else { &a.queue }),
                )
            }
            Some(Kind::PriorityChanged(p)) => {
                if current && p.to_priority != Priority::Unspecified as i32 {
                    self.priority = p.to_priority;
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
                        self.move_to(tier, &s.queue, at);
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
                    self.send_backs += 1;
                    self.reassignments += 1;
                    self.enter_queue(SupportTier::L1, "sent-back", at);
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
                self.reopens += 1;
                if current {
                    self.resolved = false;
                    self.status = TicketStatus::Open as i32;
                    self.paused_since_ms = None;
                    let queue = self.queue.clone();
                    self.enter_queue(SupportTier::L1, &queue, at);
                }
                ("reopened", r.reason.clone())
            }
            None => ("unknown", String::new()),
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
