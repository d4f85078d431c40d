//! The router's processor. Decisions in: classify, place (capacity-aware),
//! publish a `RoutedEscalation` to `<prefix><domain>`. Ticket events in:
//! follow pickups, send-backs and resolutions (queue load), re-route on a
//! domain reassignment, and learn from both.

use std::sync::Arc;

use escalator_proto::v1::ticket_event::Kind;
use escalator_proto::v1::{
    Classification, ClassificationSignal, CustomerTier, DomainScore, EscalationDecision,
    EscalationKind, Priority, QueueLoad as PbQueueLoad, Reroute, RoutedEscalation, SupportTier,
    TicketEvent,
};
use escalator_runtime::headers::{CONTENT_TYPE, SCHEMA};
use escalator_runtime::{Ctx, Output, Processor, Record, Rejection, StateCodec};
use prost::Message;

use crate::capacity::{Placement, place};
use crate::classify::{Outcome, classify};
use crate::config::Routing;
use crate::features;
use crate::metrics as m;
use crate::model::TokenCounts;
use crate::state::{
    Codec, OpenEscalation, QueueLoad, RouterState, TicketRoute, queue_key, ticket_key, token_key,
};

pub struct Router {
    pub routing: Arc<Routing>,
    pub decisions_topic: String,
    /// Routed topics are `<prefix><domain>`.
    pub routed_prefix: String,
    /// Input partitions a queue's capacity is split across.
    pub capacity_partitions: u32,
}

type C<'a, 'b> = Ctx<'a, RouterState>;

fn ticket(ctx: &C<'_, '_>, id: &str) -> TicketRoute {
    match ctx.get(&ticket_key(id)) {
        Some(RouterState::Ticket(t)) => (**t).clone(),
        _ => TicketRoute::default(),
    }
}

fn queue_open(ctx: &C<'_, '_>, queue: &str) -> u32 {
    match ctx.get(&queue_key(queue)) {
        Some(RouterState::Queue(q)) => q.open,
        _ => 0,
    }
}

fn learned(ctx: &C<'_, '_>, token: &str) -> Option<TokenCounts> {
    match ctx.get(&token_key(token)) {
        Some(RouterState::Token(t)) => Some(t.clone()),
        _ => None,
    }
}

impl Router {
    fn adjust_queue(&self, ctx: &mut C<'_, '_>, queue: &str, delta: i32) {
        let open = queue_open(ctx, queue).saturating_add_signed(delta);
        ctx.put(&queue_key(queue), RouterState::Queue(QueueLoad { open }));
        let capacity = self
            .routing
            .domains
            .iter()
            .find(|d| d.queue == queue)
            .map_or(0, crate::config::Domain::capacity);
        metrics::gauge!(m::OPEN, "queue" => queue.to_owned()).set(f64::from(open));
        if capacity > 0 {
            metrics::gauge!(m::UTILIZATION, "queue" => queue.to_owned())
                .set(f64::from(open) / f64::from(capacity));
        }
    }

    fn label(&self, ctx: &mut C<'_, '_>, tokens: &[String], domain: &str) {
        if domain == self.routing.triage_domain || self.routing.domain(domain).is_none() {
            return;
        }
        for t in tokens {
            let mut counts = learned(ctx, t).unwrap_or_default();
            counts.label(domain);
            ctx.put(&token_key(t), RouterState::Token(counts));
        }
    }

    fn topic(&self, domain: &str, tier: SupportTier) -> String {
        let l3 = tier == SupportTier::L3
            && self
                .routing
                .domain(domain)
                .is_some_and(|d| d.separate_l3_topic);
        format!(
            "{}{}{}",
            self.routed_prefix,
            domain,
            if l3 { ".l3" } else { "" }
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn emit(
        &self,
        ctx: &mut C<'_, '_>,
        decision: EscalationDecision,
        outcome: &Outcome,
        placement: &Placement,
        urgent: bool,
        sla_critical: bool,
        reroute: Option<Reroute>,
    ) {
        let tier = SupportTier::try_from(decision.to_tier).unwrap_or(SupportTier::L2);
        let priority = decision.handoff.as_ref().map_or(0, |h| h.priority);
        let rank = match (urgent, sla_critical) {
            (true, true) => 0,
            (true, false) | (false, true) => 1,
            _ if priority == Priority::High as i32 => 2,
            _ => 3,
        };
        let routed = RoutedEscalation {
            escalation_id: decision.escalation_id.clone(),
            ticket_id: decision.ticket_id.clone(),
            domain: placement.domain.clone(),
            queue_id: placement.queue.clone(),
            tier: tier as i32,
            routed_at_ms: ctx.now(),
            overflow: placement.original_queue.is_some(),
            original_queue_id: placement.original_queue.clone().unwrap_or_default(),
            overflow_reason: placement.reason.clone(),
            triage_fallback: outcome.triage_fallback,
            classification: Some(Classification {
                confidence: outcome.confidence,
                signals: outcome
                    .signals
                    .iter()
                    .take(20)
                    .map(|s| ClassificationSignal {
                        source: s.source as i32,
                        name: s.name.clone(),
                        weight: s.weight,
                        domain: s.domain.clone(),
                    })
                    .collect(),
                alternatives: outcome
                    .scores
                    .iter()
                    .take(5)
                    .map(|(d, v)| DomainScore {
                        domain: d.clone(),
                        score: *v,
                    })
                    .collect(),
            }),
            queue_load: Some(PbQueueLoad {
                open: placement.open,
                capacity: placement.capacity,
                utilization: if placement.capacity == 0 {
                    0.0
                } else {
                    f64::from(placement.open) / f64::from(placement.capacity)
                },
            }),
            priority_rank: rank,
            sla_critical,
            reroute,
            routing_policy_version: self.routing.version.clone(),
            decision: Some(decision),
        };
        let tier_label = if tier == SupportTier::L3 { "l3" } else { "l2" };
        metrics::counter!(m::ROUTED, "domain" => placement.domain.clone(), "tier" => tier_label)
            .increment(1);
        metrics::histogram!(m::CONFIDENCE).record(outcome.confidence);
        if routed.overflow {
            metrics::counter!(m::OVERFLOWS, "queue" => routed.original_queue_id.clone())
                .increment(1);
        }
        let topic = self.topic(&placement.domain, tier);
        let key = routed.ticket_id.clone();
        ctx.emit(
            Output::new(topic, key.into_bytes(), routed.encode_to_vec())
                .with_header(
                    CONTENT_TYPE,
                    escalator_proto::content_type::<RoutedEscalation>().as_bytes(),
                )
                .with_header(SCHEMA, escalator_proto::SCHEMA),
        );
    }

    fn on_decision(&self, ctx: &mut C<'_, '_>, d: EscalationDecision) -> Result<(), Rejection> {
        if d.ticket_id.is_empty() || d.escalation_id.is_empty() {
            return Err(Rejection::new(
                "missing_ids",
                "decision without ticket or escalation id",
            ));
        }
        let mut t = ticket(ctx, &d.ticket_id);
        if let Some(open) = &t.open {
            if open.escalation_id == d.escalation_id {
                return Ok(()); // the same decision again: already routed
            }
        }
        if d.kind == EscalationKind::HelpDesk as i32 {
            // The help desk placed the ticket itself: nothing to route, and
            // an escalation this router placed before is no longer waiting
            // in its queue.
            if let Some(old) = t.open.take() {
                self.adjust_queue(ctx, &old.queue, -1);
                ctx.put(&ticket_key(&d.ticket_id), RouterState::Ticket(Box::new(t)));
            }
            return Ok(());
        }
        let feats = features::from_decision(&d);
        let mut outcome = classify(&self.routing, &feats, &|tok| learned(ctx, tok));
        // A re-escalation or ping-pong stays with the domain that has the case.
        let kind = EscalationKind::try_from(d.kind).unwrap_or(EscalationKind::Unspecified);
        if let (
            Some(open),
            EscalationKind::Reescalate | EscalationKind::PingPong | EscalationKind::Unattended,
        ) = (&t.open, kind)
        {
            if self.routing.domain(&open.domain).is_some() {
                outcome.domain = open.domain.clone();
                outcome.triage_fallback = false;
            }
        }
        if let Some(old) = t.open.take() {
            self.adjust_queue(ctx, &old.queue, -1);
        }
        let packet = d.handoff.as_ref();
        let sla_critical = matches!(
            kind,
            EscalationKind::Reescalate | EscalationKind::PingPong | EscalationKind::Unattended
        ) || d.rule_firings.iter().any(|f| f.unit == "business_minutes");
        let urgent = packet.is_some_and(|p| p.priority == Priority::Urgent as i32)
            || packet
                .and_then(|p| p.customer.as_ref())
                .is_some_and(|c| c.tier == CustomerTier::Strategic as i32)
            || matches!(kind, EscalationKind::PingPong | EscalationKind::Unattended);
        let placement = place(
            &self.routing,
            &outcome.domain,
            urgent || sla_critical,
            self.capacity_partitions,
            &|q| queue_open(ctx, q),
        );
        self.adjust_queue(ctx, &placement.queue, 1);
        t.open = Some(OpenEscalation {
            escalation_id: d.escalation_id.clone(),
            domain: placement.domain.clone(),
            queue: placement.queue.clone(),
            routed_at_ms: ctx.now(),
            accepted: false,
            tokens: features::tokens(&feats),
            decision: d.encode_to_vec(),
        });
        let key = ticket_key(&d.ticket_id);
        ctx.put(&key, RouterState::Ticket(Box::new(t)));
        self.emit(ctx, d, &outcome, &placement, urgent, sla_critical, None);
        Ok(())
    }

    fn on_event(&self, ctx: &mut C<'_, '_>, ev: TicketEvent) -> Result<(), Rejection> {
        if ev.ticket_id.is_empty() {
            return Err(Rejection::new(
                "missing_ticket_id",
                "TicketEvent without ticket_id",
            ));
        }
        let key = ticket_key(&ev.ticket_id);
        let mut t = ticket(ctx, &ev.ticket_id);
        match &ev.kind {
            Some(Kind::SpecialistAccepted(_)) => {
                if let Some(open) = &mut t.open {
                    open.accepted = true;
                }
            }
            Some(Kind::DomainReassigned(r)) => {
                if let Some(mut open) = t.open.take() {
                    metrics::counter!(m::MISROUTES, "from" => open.domain.clone(), "to" => self.known(&r.to_domain)).increment(1);
                    self.label(ctx, &open.tokens, &r.to_domain);
                    self.adjust_queue(ctx, &open.queue, -1);
                    let target = self
                        .routing
                        .domain(&r.to_domain)
                        .or_else(|| self.routing.triage());
                    if let (Some(target), Ok(decision)) =
                        (target, EscalationDecision::decode(open.decision.as_slice()))
                    {
                        t.reroutes += 1;
                        let placement = Placement {
                            domain: target.name.clone(),
                            queue: target.queue.clone(),
                            original_queue: None,
                            reason: String::new(),
                            open: queue_open(ctx, &target.queue),
                            capacity: target.capacity(),
                        };
                        self.adjust_queue(ctx, &target.queue, 1);
                        let outcome = Outcome {
                            domain: target.name.clone(),
                            best: target.name.clone(),
                            confidence: 1.0,
                            signals: Vec::new(),
                            scores: Vec::new(),
                            triage_fallback: false,
                        };
                        let reroute = Reroute {
                            previous_domain: open.domain.clone(),
                            previous_queue_id: open.queue.clone(),
                            reason: if r.reason.is_empty() {
                                "reassigned by a specialist".into()
                            } else {
                                r.reason.clone()
                            },
                            reroute_count: t.reroutes,
                        };
                        open.domain = target.name.clone();
                        open.queue = target.queue.clone();
                        open.accepted = false;
                        open.routed_at_ms = ctx.now();
                        t.open = Some(open);
                        ctx.put(&key, RouterState::Ticket(Box::new(t)));
                        self.emit(
                            ctx,
                            decision,
                            &outcome,
                            &placement,
                            false,
                            false,
                            Some(reroute),
                        );
                        return Ok(());
                    }
                }
            }
            Some(Kind::SentBackToL1(_)) => {
                if let Some(open) = t.open.take() {
                    self.adjust_queue(ctx, &open.queue, -1);
                }
            }
            Some(Kind::Resolved(_)) => {
                if let Some(open) = t.open.take() {
                    self.label(ctx, &open.tokens, &open.domain);
                    self.adjust_queue(ctx, &open.queue, -1);
                }
            }
            _ => {}
        }
        ctx.put(&key, RouterState::Ticket(Box::new(t)));
        Ok(())
    }

    /// A domain name safe as a metric label.
    fn known(&self, domain: &str) -> String {
        if self.routing.domain(domain).is_some() {
            domain.to_owned()
        } else {
            "unknown".to_owned()
        }
    }
}

impl Processor for Router {
    type State = RouterState;

    fn name(&self) -> &str {
        "router"
    }

    fn codec(&self) -> &dyn StateCodec<RouterState> {
        &Codec
    }

    fn process(
        &self,
        ctx: &mut Ctx<'_, RouterState>,
        record: &Record<'_>,
    ) -> Result<(), Rejection> {
        // The decisions topic carries decisions and, in ticket order, the
        // specialist lifecycle events the evaluator forwards.
        let event = escalator_runtime::headers::has_content_type(
            record.headers,
            &escalator_proto::content_type::<TicketEvent>(),
        );
        if event {
            let ev = TicketEvent::decode(record.value).map_err(|e| {
                Rejection::new("malformed_event", format!("not a TicketEvent: {e}"))
            })?;
            self.on_event(ctx, ev)
        } else {
            let d = EscalationDecision::decode(record.value).map_err(|e| {
                Rejection::new(
                    "malformed_decision",
                    format!("not an EscalationDecision: {e}"),
                )
            })?;
            self.on_decision(ctx, d)
        }
    }
}
