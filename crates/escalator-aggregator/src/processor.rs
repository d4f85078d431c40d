//! The aggregator's processor: one open escalation per ticket, folded from
//! decisions, routed escalations and ticket events; when it ends, its hops
//! go to the Prometheus histograms, the record is kept for the reports
//! window, and a recurring deflectable problem produces one
//! `KbUpdateSuggestion` on `kb.updates`.

use std::collections::BTreeSet;

use escalator_proto::v1::ticket_event::Kind;
use escalator_proto::v1::{EscalationDecision, KbUpdateSuggestion, RoutedEscalation, TicketEvent};
use escalator_reports::{EscalationRecord, Window};
use escalator_runtime::headers::{CONTENT_TYPE, SCHEMA};
use escalator_runtime::{Ctx, Output, Processor, Record, Rejection, StateCodec, Timer};
use prost::Message;
use serde::{Deserialize, Serialize};

use crate::lifecycle;
use crate::metrics as m;

pub struct Aggregator {
    pub decisions_topic: String,
    pub events_topic: String,
    /// Routed topics start with this prefix.
    pub routed_prefix: String,
    pub kb_topic: String,
    /// The window for recurrence and how long ended records are kept.
    pub window_ms: i64,
    /// Recurrences of a deflectable signature that trigger a suggestion.
    pub kb_min_count: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum AggState {
    /// Open escalation of a ticket (key `t:<ticket>`).
    Open(Box<EscalationRecord>),
    /// Routed escalations and specialist events that arrived before the
    /// decision they belong to (topics are not ordered against each other),
    /// as (topic kind, time, bytes); key `p:<ticket>`.
    Pending(Vec<(u8, i64, Vec<u8>)>),
    /// An ended escalation, kept for the window (key `r:<escalation id>`).
    Done(Box<EscalationRecord>),
    /// Ended, deflectable escalations of a problem signature in the window
    /// (key `s:<signature>`), and whether it was suggested already.
    Signature(SignatureState),
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SignatureState {
    /// The signature itself (`domain|error|code`).
    pub signature: String,
    pub records: Vec<String>,
    pub suggested_at_ms: Option<i64>,
}

pub struct Codec;

impl StateCodec<AggState> for Codec {
    fn encode(&self, s: &AggState) -> Vec<u8> {
        postcard::to_stdvec(s).unwrap_or_default()
    }

    fn decode(&self, bytes: &[u8]) -> Result<AggState, String> {
        postcard::from_bytes(bytes).map_err(|e| format!("aggregator state: {e}"))
    }
}

const EXPIRE: &str = "expire";

fn open_key(ticket: &str) -> Vec<u8> {
    format!("t:{ticket}").into_bytes()
}

fn done_key(id: &str) -> Vec<u8> {
    format!("r:{id}").into_bytes()
}

fn pending_key(ticket: &str) -> Vec<u8> {
    format!("p:{ticket}").into_bytes()
}

const ROUTED: u8 = 1;
const EVENT: u8 = 2;
/// Early arrivals kept per ticket.
const MAX_PENDING: usize = 32;

fn sig_key(sig: &str) -> Vec<u8> {
    format!("s:{sig}").into_bytes()
}

type C<'a> = Ctx<'a, AggState>;

impl Aggregator {
    fn open(ctx: &C<'_>, ticket: &str) -> Option<EscalationRecord> {
        match ctx.get(&open_key(ticket)) {
            Some(AggState::Open(r)) => Some((**r).clone()),
            _ => None,
        }
    }

    fn finish(&self, ctx: &mut C<'_>, r: EscalationRecord) {
        let labels = |hop: &'static str| {
            [
                ("hop", hop.to_owned()),
                ("domain", r.domain.clone()),
                ("tier", r.tier.clone()),
                ("customer_tier", r.customer_tier.clone()),
            ]
        };
        for (hop, secs) in lifecycle::hops(&r) {
            metrics::histogram!(m::HOP_SECONDS, &labels(hop)).record(secs);
        }
        if r.resolved_ms.is_some() {
            metrics::counter!(m::RESOLVED, "domain" => r.domain.clone(), "tier" => r.tier.clone())
                .increment(1);
        }
        if r.sla_breached {
            metrics::counter!(m::SLA_BREACHES, "domain" => r.domain.clone()).increment(1);
        }
        ctx.delete(&open_key(&r.ticket_id));
        let key = done_key(&r.escalation_id);
        ctx.set_timer(&key, EXPIRE, ctx.now() + self.window_ms);
        if escalator_reports::is_deflectable(&r) {
            metrics::counter!(m::DEFLECTABLE, "domain" => r.domain.clone()).increment(1);
            self.note_signature(ctx, &r);
        }
        ctx.put(&key, AggState::Done(Box::new(r)));
    }

    fn note_signature(&self, ctx: &mut C<'_>, r: &EscalationRecord) {
        let sig = escalator_reports::signature(&r.domain, &r.error_signature, &r.resolution_code);
        let key = sig_key(&sig);
        let mut st = match ctx.get(&key) {
            Some(AggState::Signature(s)) => s.clone(),
            _ => SignatureState::default(),
        };
        st.signature = sig.clone();
        st.records.push(r.escalation_id.clone());
        // Only records still in the window count.
        let mut records: Vec<EscalationRecord> = st
            .records
            .iter()
            .filter_map(|id| match ctx.get(&done_key(id)) {
                Some(AggState::Done(d)) => Some((**d).clone()),
                _ => None,
            })
            .collect();
        records.push(r.clone());
        st.records = records.iter().map(|x| x.escalation_id.clone()).collect();
        st.records.dedup();
        if st.suggested_at_ms.is_none() {
            let now = ctx.now();
            let window = Window {
                start_ms: now - self.window_ms,
                end_ms: now + 1,
            };
            let already = BTreeSet::new();
            let suggestions: Vec<KbUpdateSuggestion> = escalator_reports::kb_suggestions(
                &records,
                window,
                self.kb_min_count,
                &already,
                now,
            );
            if let Some(s) = suggestions.into_iter().next() {
                st.suggested_at_ms = Some(now);
                metrics::counter!(m::KB_SUGGESTIONS).increment(1);
                ctx.emit(
                    Output::new(
                        &self.kb_topic,
                        s.suggestion_id.clone().into_bytes(),
                        s.encode_to_vec(),
                    )
                    .with_header(
                        CONTENT_TYPE,
                        escalator_proto::content_type::<KbUpdateSuggestion>().as_bytes(),
                    )
                    .with_header(SCHEMA, escalator_proto::SCHEMA),
                );
            }
        }
        ctx.put(&key, AggState::Signature(st));
    }
}

impl Aggregator {
    /// Applies to the open escalation, or keeps it until its decision comes.
    fn apply_or_keep(
        &self,
        ctx: &mut C<'_>,
        kind: u8,
        at: i64,
        bytes: &[u8],
        ticket: &str,
    ) -> Result<(), Rejection> {
        if Self::open(ctx, ticket).is_some() {
            return self.apply(ctx, kind, bytes, ticket);
        }
        if kind == EVENT {
            if let Ok(ev) = TicketEvent::decode(bytes) {
                if matches!(ev.kind, Some(Kind::Reopened(_))) {
                    metrics::counter!(m::REOPENED_AFTER_ESCALATION).increment(1);
                    return Ok(());
                }
            }
        }
        let mut early = match ctx.get(&pending_key(ticket)) {
            Some(AggState::Pending(p)) => p.clone(),
            _ => Vec::new(),
        };
        early.push((kind, at, bytes.to_vec()));
        if early.len() > MAX_PENDING {
            early.remove(0);
        }
        ctx.put(&pending_key(ticket), AggState::Pending(early));
        Ok(())
    }

    fn apply(
        &self,
        ctx: &mut C<'_>,
        kind: u8,
        bytes: &[u8],
        ticket: &str,
    ) -> Result<(), Rejection> {
        let Some(mut r) = Self::open(ctx, ticket) else {
            return Ok(());
        };
        if kind == ROUTED {
            let routed = RoutedEscalation::decode(bytes)
                .map_err(|e| Rejection::new("malformed_routed", e.to_string()))?;
            if r.escalation_id == routed.escalation_id {
                lifecycle::routed(&mut r, &routed);
                ctx.put(&open_key(ticket), AggState::Open(Box::new(r)));
            }
            return Ok(());
        }
        let ev = TicketEvent::decode(bytes)
            .map_err(|e| Rejection::new("malformed_event", e.to_string()))?;
        if lifecycle::event(&mut r, &ev) {
            self.finish(ctx, r);
        } else {
            ctx.put(&open_key(ticket), AggState::Open(Box::new(r)));
        }
        Ok(())
    }
}

impl Processor for Aggregator {
    type State = AggState;

    fn name(&self) -> &str {
        "aggregator"
    }

    fn codec(&self) -> &dyn StateCodec<AggState> {
        &Codec
    }

    fn process(&self, ctx: &mut C<'_>, record: &Record<'_>) -> Result<(), Rejection> {
        if record.topic == self.decisions_topic {
            if record
                .headers
                .iter()
                .any(|h| h.name == escalator_runtime::headers::FORWARDED_FROM)
            {
                // A lifecycle event forwarded for the router: this processor
                // reads it on the events topic itself.
                return Ok(());
            }
            let d = EscalationDecision::decode(record.value).map_err(|e| {
                Rejection::new(
                    "malformed_decision",
                    format!("not an EscalationDecision: {e}"),
                )
            })?;
            if let Some(mut previous) = Self::open(ctx, &d.ticket_id) {
                if previous.escalation_id == d.escalation_id {
                    return Ok(());
                }
                // Re-escalated (L2 -> L3) or flagged while still open: the
                // earlier escalation ends here and stays in the reports.
                previous.superseded_ms = Some(d.decided_at_ms.max(previous.escalated_ms));
                self.finish(ctx, previous);
            }
            metrics::counter!(m::ESCALATIONS, "tier" => if d.to_tier == 3 { "l3" } else { "l2" })
                .increment(1);
            let r = lifecycle::from_decision(&d);
            ctx.put(&open_key(&d.ticket_id), AggState::Open(Box::new(r)));
            // What arrived early for this escalation applies now, in time order.
            if let Some(AggState::Pending(mut early)) = ctx.get(&pending_key(&d.ticket_id)).cloned()
            {
                ctx.delete(&pending_key(&d.ticket_id));
                early.sort_by_key(|(_, at, _)| *at);
                for (kind, at, bytes) in early {
                    if at >= d.decided_at_ms {
                        self.apply(ctx, kind, &bytes, &d.ticket_id)?;
                    }
                }
            }
            Ok(())
        } else if record.topic.starts_with(&self.routed_prefix) {
            let routed = RoutedEscalation::decode(record.value).map_err(|e| {
                Rejection::new("malformed_routed", format!("not a RoutedEscalation: {e}"))
            })?;
            let ticket = routed.ticket_id.clone();
            self.apply_or_keep(ctx, ROUTED, routed.routed_at_ms, record.value, &ticket)
        } else {
            let ev = TicketEvent::decode(record.value).map_err(|e| {
                Rejection::new("malformed_event", format!("not a TicketEvent: {e}"))
            })?;
            if !matches!(
                ev.kind,
                Some(
                    Kind::SpecialistAccepted(_)
                        | Kind::DomainReassigned(_)
                        | Kind::SentBackToL1(_)
                        | Kind::Resolved(_)
                        | Kind::Reopened(_)
                )
            ) {
                return Ok(());
            }
            let ticket = ev.ticket_id.clone();
            self.apply_or_keep(ctx, EVENT, ev.event_time_ms, record.value, &ticket)
        }
    }

    fn on_timer(&self, ctx: &mut C<'_>, timer: &Timer) -> Result<(), Rejection> {
        if timer.name == EXPIRE {
            ctx.delete(&timer.key);
        }
        Ok(())
    }
}
