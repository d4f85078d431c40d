//! The evaluator's processor: folds each `TicketEvent` into the ticket's
//! state, evaluates the policy at the injected time, emits an
//! `EscalationDecision` (with its handoff packet) when rules fire, and keeps
//! one durable deadline per ticket for the next time-based rule.

use std::sync::Arc;

use escalator_proto::v1::ticket_event::Kind;
use escalator_proto::v1::{
    Actor, ActorRole, ComplexitySignal, EscalationDecision, EscalationKind, RuleFiring,
    SupportTier, TicketEvent,
};
use escalator_runtime::headers::{CONTENT_TYPE, FORWARDED_FROM, SCHEMA};
use escalator_runtime::{Ctx, Output, Processor, Record, Rejection, StateCodec, Timer};
use prost::Message;

use crate::complexity::keyword_hits;
use crate::ids::escalation_id;
use crate::metrics as m;
use crate::policy::Policy;
use crate::rules::{Evaluation, evaluate_for_decision, ping_pong_owner, unattended_owner};
use crate::state::{self, Lifecycle, TicketState};

const DEADLINE: &str = "deadline";
const EXPIRE: &str = "expire";
/// The escalation id's rule part for escalations the help desk made.
const HELP_DESK_RULE: &str = "help_desk";

pub struct Evaluator {
    pub policy: Arc<Policy>,
    pub decisions_topic: String,
    /// How long a resolved ticket's state is kept (reopens within it count).
    pub retention_ms: i64,
}

impl Evaluator {
    /// Counts the evidence the event brings (complexity signals). Codes
    /// count once per ticket; severity and urgency words count only in
    /// prose (not in traces, logs, code or quoted mail) that the customer
    /// wrote or that states the problem (subject, description).
    fn note_evidence(&self, s: &mut TicketState, ev: &TicketEvent) {
        let (text, customer): (&str, bool) = match &ev.kind {
            Some(Kind::CommentAdded(c)) => (
                &c.body,
                c.author
                    .as_ref()
                    .is_some_and(|a| a.role == ActorRole::Customer as i32),
            ),
            Some(Kind::CustomerReplied(r)) => (&r.body, true),
            Some(Kind::AttachmentAdded(a)) => (&a.text_excerpt, false),
            Some(Kind::Created(_)) => (ev.description.as_deref().unwrap_or(""), true),
            _ => ("", false),
        };
        let subject = if matches!(ev.kind, Some(Kind::Created(_))) {
            ev.subject.as_deref().unwrap_or("")
        } else {
            ""
        };
        for t in [subject, text] {
            if t.is_empty() {
                continue;
            }
            // Counting is cheap; full extraction waits for a decision.
            let counts = escalator_diagnostics::evidence_counts(t);
            s.stack_traces += counts.stack_traces;
            s.note_codes(&counts.codes);
            if let (Some(c), true) = (&self.policy.complexity, customer) {
                keyword_hits(&c.severity_keywords, &counts.prose, &mut s.severity_hits);
                keyword_hits(&c.urgency_keywords, &counts.prose, &mut s.urgency_hits);
            }
        }
    }

    /// The canonical events for what the last applied event's snapshot
    /// showed (a pickup, a return to L1, a resolution, a reopening), for
    /// the router and the aggregator, which follow escalations by these.
    /// Nothing when the event is itself that canonical event.
    fn forward_lifecycle(
        &self,
        ctx: &mut Ctx<'_, TicketState>,
        key: &[u8],
        s: &mut TicketState,
        ev: &TicketEvent,
        from_topic: &str,
    ) {
        use escalator_proto::v1::ticket_event as te;
        let steps = std::mem::take(&mut s.lifecycle);
        for (i, step) in steps.iter().enumerate() {
            if let Lifecycle::HandEscalated {
                from_tier,
                tier,
                queue,
                waited_since_ms,
            } = step
            {
                let d =
                    self.help_desk_escalation(s, ev, *from_tier, *tier, queue, *waited_since_ms);
                ctx.emit(
                    Output::new(&self.decisions_topic, key.to_vec(), d.encode_to_vec())
                        .with_header(
                            CONTENT_TYPE,
                            escalator_proto::content_type::<EscalationDecision>().as_bytes(),
                        )
                        .with_header(SCHEMA, escalator_proto::SCHEMA),
                );
                continue;
            }
            if s.last_escalation_id.is_empty() {
                continue;
            }
            let kind = match step {
                Lifecycle::HandEscalated { .. } => continue,
                Lifecycle::PickedUp {
                    specialist,
                    queue,
                    tier,
                } => Kind::SpecialistAccepted(te::SpecialistAccepted {
                    escalation_id: s.last_escalation_id.clone(),
                    domain: s.domain.clone(),
                    queue: queue.clone(),
                    specialist_id: specialist.clone(),
                    tier: *tier as i32,
                }),
                Lifecycle::SentBack { queue } => Kind::SentBackToL1(te::SentBackToL1 {
                    escalation_id: s.last_escalation_id.clone(),
                    reason: format!("moved back to {queue} in the help desk"),
                }),
                Lifecycle::Resolved => {
                    let (code, category) = resolution_from_tags(&s.tags);
                    Kind::Resolved(te::Resolved {
                        resolution_code: code,
                        category: category as i32,
                        escalation_id: s.last_escalation_id.clone(),
                        resolved_by: ev.actor.clone(),
                        ..Default::default()
                    })
                }
                Lifecycle::Reopened => Kind::Reopened(te::Reopened {
                    reason: "solved, then open again in the help desk".into(),
                }),
            };
            let same = ev
                .kind
                .as_ref()
                .is_some_and(|k| std::mem::discriminant(k) == std::mem::discriminant(&kind));
            if same {
                continue;
            }
            let derived = TicketEvent {
                ticket_id: ev.ticket_id.clone(),
                event_id: format!("{}#lifecycle-{i}", ev.event_id),
                source: ev.source,
                source_name: ev.source_name.clone(),
                source_ticket_id: ev.source_ticket_id.clone(),
                ticket_url: ev.ticket_url.clone(),
                event_time_ms: ev.event_time_ms,
                ingest_time_ms: ev.ingest_time_ms,
                customer: ev.customer.clone(),
                product: s.product.clone(),
                component: s.component.clone(),
                status: s.status,
                support_tier: s.source_tier,
                queue: s.source_queue.clone(),
                actor: ev.actor.clone(),
                kind: Some(kind),
                ..Default::default()
            };
            ctx.emit(
                Output::new(&self.decisions_topic, key.to_vec(), derived.encode_to_vec())
                    .with_header(
                        CONTENT_TYPE,
                        escalator_proto::content_type::<TicketEvent>().as_bytes(),
                    )
                    .with_header(SCHEMA, escalator_proto::SCHEMA)
                    .with_header(FORWARDED_FROM, from_topic.as_bytes()),
            );
        }
    }

    /// The record of an escalation the help desk made itself: no rule
    /// fired, nothing is routed; the aggregator follows its pickup and
    /// resolution like any other.
    fn help_desk_escalation(
        &self,
        s: &mut TicketState,
        ev: &TicketEvent,
        from_tier: SupportTier,
        tier: SupportTier,
        queue: &str,
        waited_since_ms: i64,
    ) -> EscalationDecision {
        let id = escalation_id(&s.ticket_id, HELP_DESK_RULE, s.version);
        let by = ev
            .actor
            .as_ref()
            .and_then(|a| {
                a.name
                    .clone()
                    .filter(|n| !n.is_empty())
                    .or(Some(a.id.clone()))
            })
            .filter(|n| !n.is_empty())
            .map(|n| format!(" by {n}"))
            .unwrap_or_default();
        let packet =
            crate::packet::build(s, vec![format!("moved to {queue} in the help desk{by}")]);
        metrics::counter!(m::HELP_DESK_ESCALATIONS, "to_tier" => if tier == SupportTier::L3 { "l3" } else { "l2" })
            .increment(1);
        s.last_escalation_id = id.clone();
        EscalationDecision {
            escalation_id: id,
            ticket_id: s.ticket_id.clone(),
            decided_at_ms: ev.event_time_ms,
            basis_event_time_ms: ev.event_time_ms,
            trigger_event_id: ev.event_id.clone(),
            kind: EscalationKind::HelpDesk as i32,
            from_tier: from_tier as i32,
            to_tier: tier as i32,
            domain_hint: s.domain.clone(),
            complexity_score: crate::complexity::score(&self.policy, s).0,
            queue_entered_ms: waited_since_ms,
            policy_version: self.policy.version.clone(),
            state_version: s.version as i64,
            help_desk_queue: queue.to_owned(),
            handoff: Some(packet),
            ..Default::default()
        }
    }

    /// Evaluates, decides, and re-arms the deadline. Shared by events and
    /// timers.
    fn decide(
        &self,
        ctx: &mut Ctx<'_, TicketState>,
        key: &[u8],
        mut s: TicketState,
        basis_ms: i64,
        trigger_event_id: &str,
    ) {
        let now = ctx.now();
        let mut ev = evaluate_for_decision(&self.policy, &s, now);
        for st in ev
            .statuses
            .iter()
            .filter(|st| st.observed.starts_with("error:"))
        {
            metrics::counter!(m::CUSTOM_ERRORS, "rule" => st.rule_id.clone()).increment(1);
        }
        if !ev.firings.is_empty() {
            let decision = self.decision(&mut s, &ev, now, basis_ms, trigger_event_id);
            let content_type = escalator_proto::content_type::<EscalationDecision>();
            ctx.emit(
                Output::new(
                    &self.decisions_topic,
                    key.to_vec(),
                    decision.encode_to_vec(),
                )
                .with_header(CONTENT_TYPE, content_type.as_bytes())
                .with_header(SCHEMA, escalator_proto::SCHEMA),
            );
            // The next rule to watch belongs to the new stint.
            ev = evaluate_for_decision(&self.policy, &s, now);
        }
        match ev.next_deadline_ms {
            Some(due) if ctx.timer(key, DEADLINE) != Some(due) => ctx.set_timer(key, DEADLINE, due),
            None if ctx.timer(key, DEADLINE).is_some() => ctx.cancel_timer(key, DEADLINE),
            _ => {}
        }
        if !s.is_open() {
            if ctx.timer(key, EXPIRE).is_none() {
                ctx.set_timer(key, EXPIRE, now + self.retention_ms);
            }
        } else if ctx.timer(key, EXPIRE).is_some() {
            ctx.cancel_timer(key, EXPIRE);
        }
        // Forwarded already: not state.
        s.lifecycle.clear();
        ctx.put(key, s);
    }

    fn decision(
        &self,
        s: &mut TicketState,
        ev: &Evaluation,
        now: i64,
        basis_ms: i64,
        trigger: &str,
    ) -> EscalationDecision {
        let primary = &ev.firings[0];
        let kind = primary.kind;
        let from_tier = s.tier();
        let to_tier = primary.to_tier;
        let id = escalation_id(&s.ticket_id, &primary.rule.id, s.version);
        let owner = match kind {
            EscalationKind::PingPong => ping_pong_owner(&self.policy, s),
            EscalationKind::Unattended => unattended_owner(&self.policy, s),
            _ => None,
        };
        let mut reasons: Vec<String> = ev.firings.iter().map(reason_line).collect();
        for (field, value) in s.unknown_inputs() {
            // Bounded label: the field, never the raw value.
            metrics::counter!(m::UNKNOWN_INPUTS, "field" => field).increment(1);
            reasons.push(format!(
                "the {} {value:?} is not in the organisation's mapping: the policy's catch-all row applied",
                field.replace('_', " ")
            ));
        }
        let packet = crate::packet::build(s, reasons);
        let kind_label = kind_label(kind);
        for f in &ev.firings {
            metrics::counter!(m::DECISIONS, "rule" => f.rule.id.clone(), "kind" => kind_label, "customer_tier" => s.customer_tier_name())
                .increment(1);
        }
        metrics::histogram!(m::TIME_TO_ESCALATE, "kind" => kind_label)
            .record((now - s.queue_entered_ms).max(0) as f64 / 1000.0);
        metrics::histogram!(m::COMPLETENESS).record(packet.completeness_score);
        let decision = EscalationDecision {
            escalation_id: id.clone(),
            ticket_id: s.ticket_id.clone(),
            decided_at_ms: now,
            basis_event_time_ms: basis_ms,
            trigger_event_id: trigger.to_owned(),
            kind: kind as i32,
            from_tier: from_tier as i32,
            to_tier: to_tier as i32,
            domain_hint: s.domain.clone(),
            rule_firings: ev
                .firings
                .iter()
                .map(|f| RuleFiring {
                    rule_id: f.rule.id.clone(),
                    rule_version: f.rule.version.clone(),
                    description: f.rule.description.clone(),
                    observed_value: f.observed.clone(),
                    observed_numeric: f.observed_numeric,
                    threshold: f.threshold.clone(),
                    threshold_numeric: f.threshold_numeric,
                    unit: f.unit.to_owned(),
                    calendar_id: f.calendar.as_ref().map(|c| c.0.clone()).unwrap_or_default(),
                    time_zone: f.calendar.as_ref().map(|c| c.1.clone()).unwrap_or_default(),
                    business_elapsed_ms: f.business_elapsed_ms,
                    wall_elapsed_ms: f.wall_elapsed_ms,
                })
                .collect(),
            complexity_score: ev.complexity_score,
            complexity_signals: ev
                .complexity_signals
                .iter()
                .map(|c| ComplexitySignal {
                    name: c.name.clone(),
                    weight: c.weight,
                    value: c.value,
                    contribution: c.contribution,
                })
                .collect(),
            queue_entered_ms: s.queue_entered_ms,
            policy_version: self.policy.version.clone(),
            state_version: s.version as i64,
            owner: owner.as_ref().map(|o| Actor {
                id: o.clone(),
                name: Some(o.clone()),
                role: ActorRole::Specialist as i32,
                tier: SupportTier::L2 as i32,
            }),
            owner_queue: owner.map(|o| format!("owner:{o}")).unwrap_or_default(),
            help_desk_queue: String::new(),
            handoff: Some(packet),
        };
        // Never again for the same reason in this episode; and the
        // escalation is now with the next tier (the help desk's own
        // position is kept apart and may still say L1).
        let stint = s.stint;
        for f in &ev.firings {
            s.fired.push((f.rule.id.clone(), stint));
        }
        if s.fired.len() > 64 {
            s.fired.drain(..s.fired.len() - 64);
        }
        if kind == EscalationKind::PingPong {
            s.ping_pong_flagged = s.send_backs;
        }
        s.last_escalation_id = id;
        let queue = if decision.owner_queue.is_empty() {
            format!(
                "escalated:{}",
                if s.domain.is_empty() {
                    "triage"
                } else {
                    &s.domain
                }
            )
        } else {
            decision.owner_queue.clone()
        };
        s.enter_queue(to_tier, &queue, now);
        decision
    }
}

/// One "Why escalated" line: the rule, what was observed against which
/// threshold, and on which calendar.
fn reason_line(f: &crate::rules::Firing) -> String {
    let what = if f.rule.description.is_empty() {
        f.rule.id.clone()
    } else {
        format!("{} ({})", f.rule.id, f.rule.description)
    };
    let calendar = f
        .calendar
        .as_ref()
        .map(|(id, tz)| format!(", on the {id} calendar ({tz})"))
        .unwrap_or_default();
    format!(
        "{what}: {} against a threshold of {}{calendar}",
        f.observed, f.threshold
    )
}

/// A Zendesk-style `resolution_<category>` tag (or `resolution:<code>`)
/// names how a solved ticket was resolved.
fn resolution_from_tags(tags: &[String]) -> (String, escalator_proto::v1::ResolutionCategory) {
    use escalator_proto::v1::ResolutionCategory as C;
    for t in tags {
        let Some(code) = t
            .strip_prefix("resolution_")
            .or_else(|| t.strip_prefix("resolution:"))
        else {
            continue;
        };
        let category = escalator_proto::resolution_category(code);
        return (code.to_owned(), category);
    }
    (String::new(), C::Unspecified)
}

fn kind_label(k: EscalationKind) -> &'static str {
    match k {
        EscalationKind::Escalate => "escalate",
        EscalationKind::Reescalate => "reescalate",
        EscalationKind::PingPong => "ping_pong",
        EscalationKind::Reopen => "reopen",
        EscalationKind::HelpDesk => "help_desk",
        EscalationKind::Unattended => "unattended",
        EscalationKind::Unspecified => "unspecified",
    }
}

impl Processor for Evaluator {
    type State = TicketState;

    fn name(&self) -> &str {
        "evaluator"
    }

    fn codec(&self) -> &dyn StateCodec<TicketState> {
        &state::StateCodec
    }

    fn process(
        &self,
        ctx: &mut Ctx<'_, TicketState>,
        record: &Record<'_>,
    ) -> Result<(), Rejection> {
        let ev = TicketEvent::decode(record.value)
            .map_err(|e| Rejection::new("malformed_event", format!("not a TicketEvent: {e}")))?;
        if ev.ticket_id.is_empty() {
            return Err(Rejection::new(
                "missing_ticket_id",
                "TicketEvent without ticket_id",
            ));
        }
        let key = ev.ticket_id.as_bytes().to_vec();
        let mut s = ctx.get(&key).cloned().unwrap_or_default();
        let late = ev.event_time_ms < s.snapshot_ms;
        if !s.apply(&ev, self.policy.folding()) {
            metrics::counter!(m::EVENTS, "outcome" => "duplicate").increment(1);
            return Ok(());
        }
        metrics::counter!(m::EVENTS, "outcome" => if late { "late" } else { "applied" })
            .increment(1);
        // The router and the aggregator follow escalations through the
        // decisions topic only, so they see pickups, moves, resolutions and
        // reopenings in the ticket's own order relative to the decisions (two
        // topics would interleave differently on every run).
        if escalator_proto::is_forwarded(&ev) && !s.last_escalation_id.is_empty() {
            ctx.emit(
                Output::new(&self.decisions_topic, key.clone(), record.value.to_vec())
                    .with_header(
                        CONTENT_TYPE,
                        escalator_proto::content_type::<TicketEvent>().as_bytes(),
                    )
                    .with_header(SCHEMA, escalator_proto::SCHEMA)
                    .with_header(FORWARDED_FROM, record.topic.as_bytes()),
            );
        }
        self.note_evidence(&mut s, &ev);
        if s.episode_score_base.is_nan() {
            // A new episode: complexity must rise past its threshold again.
            s.episode_score_base = crate::complexity::score(&self.policy, &s).0;
        }
        self.forward_lifecycle(ctx, &key, &mut s, &ev, record.topic);
        self.decide(ctx, &key, s, ev.event_time_ms, &ev.event_id);
        Ok(())
    }

    fn on_timer(&self, ctx: &mut Ctx<'_, TicketState>, timer: &Timer) -> Result<(), Rejection> {
        let Some(current) = ctx.get(&timer.key) else {
            return Ok(());
        };
        if timer.name == EXPIRE {
            // Only a read: no copy of the state.
            if !current.is_open() {
                ctx.delete(&timer.key);
                ctx.cancel_timer(&timer.key, DEADLINE);
            }
            return Ok(());
        }
        let s = current.clone();
        let key = timer.key.clone();
        self.decide(ctx, &key, s, timer.due_ms, "");
        Ok(())
    }
}
