//! The aggregator's processor: one open escalation per ticket, folded from
//! decisions, routed escalations and ticket events; when it ends, its hops
//! go to the Prometheus histograms, the record is kept for the reports
//! window, and a recurring deflectable problem produces one
//! `KbUpdateSuggestion` on `kb.updates`.

use std::collections::BTreeSet;

use escalator_proto::v1::ticket_event::Kind;
use escalator_proto::v1::{
    EscalationDecision, EscalationKind, KbUpdateSuggestion, RoutedEscalation, TicketEvent,
};
use escalator_reports::{EscalationRecord, Window};
use escalator_runtime::headers::{CONTENT_TYPE, SCHEMA};
use escalator_runtime::{Ctx, Output, Processor, Record, Rejection, StateCodec, Timer};
use prost::Message;
use serde::{Deserialize, Serialize};

use crate::lifecycle;
use crate::metrics as m;

pub struct Aggregator {
    pub decisions_topic: String,
    /// Routed topics start with this prefix.
    pub routed_prefix: String,
    pub kb_topic: String,
    /// Ended deflectable escalations, keyed by problem signature, written
    /// and read back by the aggregator itself: a problem recurs across
    /// tickets of every partition, so it is counted where its signature's
    /// key lands, not where each ticket's does. Same partition count as
    /// the other inputs.
    pub problems_topic: String,
    /// The window for recurrence and how long ended records are kept.
    pub window_ms: i64,
    /// Recurrences of a deflectable signature that trigger a suggestion.
    pub kb_min_count: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum AggState {
    /// Written by earlier versions for the open escalation (key
    /// `t:<ticket>`); read as a `Tracked` whose placements all arrived.
    Open(Box<EscalationRecord>),
    /// Routed escalations that arrived before the decision they belong to
    /// (topics are not ordered against each other), as (kind, time, bytes);
    /// key `p:<ticket>`. Earlier versions also kept specialist events here.
    Pending(Vec<(u8, i64, Vec<u8>)>),
    /// An ended escalation, kept for the window (key `r:<escalation id>`).
    Done(Box<EscalationRecord>),
    /// Written by earlier versions for a problem signature (key
    /// `s:<signature>`, records counted per ticket partition); reports still
    /// read when it was suggested.
    Signature(SignatureState),
    /// The ticket's open escalation (key `t:<ticket>`), or one that ended
    /// before all its placements arrived (key `w:<escalation id>`).
    Tracked(Box<Tracked>),
    /// A problem signature's recent occurrences, from every partition (key
    /// `q:<signature>`), and when it first recurred enough to suggest.
    Problem(Box<ProblemState>),
    /// The ticket's last ended escalation (key `l:<ticket>`), so a reopening
    /// of the ticket marks it.
    LastEnded(String),
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ProblemState {
    /// The signature itself (`domain|error|code`).
    pub signature: String,
    /// Its ended deflectable escalations, newest last by end; at most
    /// [`MAX_OCCURRENCES`], none ended more than two windows before the
    /// newest.
    pub occurrences: Vec<EscalationRecord>,
    /// When it first recurred `kb_min_count` times within the window (and a
    /// suggestion went out). Occurrences learnt late can only move it
    /// earlier; the suggestion is never sent twice.
    pub suggested_at_ms: Option<i64>,
}

/// Occurrences kept per problem: enough for a threshold of that many and
/// for a draft's examples, and with [`MAX_TEXT`] the whole state stays far
/// below Kafka's default 1 MB record limit (it is one changelog record).
pub const MAX_OCCURRENCES: usize = 64;

/// Characters of an occurrence's subject and resolution notes that travel
/// to the problems topic (a draft quotes the first steps of the notes).
pub const MAX_TEXT: usize = 2_000;

/// The first `max` characters of `s`.
fn clip(s: &mut String, max: usize) {
    if let Some((at, _)) = s.char_indices().nth(max) {
        s.truncate(at);
    }
}

/// An escalation while its life is still being folded: the record, and the
/// router's placements joined to it in whatever order they came.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Tracked {
    pub record: EscalationRecord,
    pub placements: Vec<lifecycle::Placement>,
    /// Reassignments seen in its lifecycle: the router places it once more
    /// for each.
    pub reassignments: u32,
}

impl Tracked {
    /// Every placement the router makes for it has arrived: one, plus one
    /// per reassignment.
    fn placed(&self) -> bool {
        self.placements.len() as u32 > self.reassignments
    }

    fn add(&mut self, p: lifecycle::Placement) {
        if !self.placements.contains(&p) {
            self.placements.push(p);
        }
        lifecycle::place(&mut self.record, &self.placements);
    }
}

impl AggState {
    /// The escalation record this state holds, if any.
    pub fn record(&self) -> Option<&EscalationRecord> {
        match self {
            AggState::Open(r) | AggState::Done(r) => Some(r),
            AggState::Tracked(t) => Some(&t.record),
            AggState::Pending(_)
            | AggState::Signature(_)
            | AggState::Problem(_)
            | AggState::LastEnded(_) => None,
        }
    }
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

fn waiting_key(id: &str) -> Vec<u8> {
    format!("w:{id}").into_bytes()
}

fn last_key(ticket: &str) -> Vec<u8> {
    format!("l:{ticket}").into_bytes()
}

fn pending_key(ticket: &str) -> Vec<u8> {
    format!("p:{ticket}").into_bytes()
}

const ROUTED: u8 = 1;
/// Routed escalations kept per ticket until their decision comes.
const MAX_PENDING: usize = 32;

fn problem_key(sig: &str) -> Vec<u8> {
    format!("q:{sig}").into_bytes()
}

type C<'a> = Ctx<'a, AggState>;

/// The state under `key` as a tracked escalation (also the older `Open`).
fn tracked(ctx: &C<'_>, key: &[u8]) -> Option<Tracked> {
    match ctx.get(key) {
        Some(AggState::Tracked(t)) => Some((**t).clone()),
        Some(AggState::Open(r)) => {
            let mut t = Tracked {
                record: (**r).clone(),
                ..Tracked::default()
            };
            // Earlier versions applied placements as they came.
            if let Some(at) = r.routed_ms {
                t.placements.push(lifecycle::Placement {
                    routed_at_ms: at,
                    domain: r.domain.clone(),
                    queue: r.queue.clone(),
                    tier: r.tier.clone(),
                    reroute_count: r.reroutes,
                });
            }
            Some(t)
        }
        _ => None,
    }
}

impl Aggregator {
    /// The escalation's lifecycle ended: it finishes now if every placement
    /// arrived, or waits for them (kept until the window has passed).
    fn end(&self, ctx: &mut C<'_>, t: Tracked) {
        let id = t.record.escalation_id.clone();
        let ended = t.record.ended_ms().unwrap_or(t.record.escalated_ms);
        let last = last_key(&t.record.ticket_id);
        ctx.set_timer(&last, EXPIRE, ended + self.window_ms);
        ctx.put(&last, AggState::LastEnded(id.clone()));
        if t.placed() {
            self.finish(ctx, t.record);
            return;
        }
        ctx.set_timer(&waiting_key(&id), EXPIRE, ended + self.window_ms);
        ctx.put(&waiting_key(&id), AggState::Tracked(Box::new(t)));
    }

    /// Hops to the histograms, the record kept for the reports window, the
    /// problem counted for KB suggestions. Everything here follows the
    /// record's own times, not when its last input happened to arrive.
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
        let ended = r.ended_ms().unwrap_or(r.escalated_ms);
        let key = done_key(&r.escalation_id);
        ctx.set_timer(&key, EXPIRE, ended + self.window_ms);
        if escalator_reports::is_deflectable(&r) {
            metrics::counter!(m::DEFLECTABLE, "domain" => r.domain.clone()).increment(1);
            // To wherever its problem is counted.
            let sig =
                escalator_reports::signature(&r.domain, &r.error_signature, &r.resolution_code);
            let mut occurrence = r.clone();
            clip(&mut occurrence.subject, MAX_TEXT);
            clip(&mut occurrence.resolution_notes, MAX_TEXT);
            occurrence.kb_articles.truncate(16);
            let value = serde_json::to_vec(&occurrence).unwrap_or_default();
            ctx.emit(
                Output::new(&self.problems_topic, sig.into_bytes(), value)
                    .with_header(CONTENT_TYPE, b"application/json")
                    .with_header(SCHEMA, escalator_proto::SCHEMA),
            );
        }
        ctx.put(&key, AggState::Done(Box::new(r)));
    }

    /// One more occurrence of a problem. The first time its occurrences
    /// recur `kb_min_count` times within the window, one suggestion goes out,
    /// drafted from the occurrences up to then.
    fn on_problem(&self, ctx: &mut C<'_>, sig: &str, r: EscalationRecord) {
        let key = problem_key(sig);
        let mut st = match ctx.get(&key) {
            Some(AggState::Problem(p)) => (**p).clone(),
            _ => ProblemState {
                signature: sig.to_owned(),
                ..ProblemState::default()
            },
        };
        if st
            .occurrences
            .iter()
            .any(|o| o.escalation_id == r.escalation_id)
        {
            return;
        }
        st.occurrences.push(r);
        st.occurrences.sort_by(|a, b| {
            (a.ended_ms(), &a.escalation_id).cmp(&(b.ended_ms(), &b.escalation_id))
        });
        let newest = st
            .occurrences
            .last()
            .and_then(EscalationRecord::ended_ms)
            .unwrap_or(0);
        let horizon = newest - 2 * self.window_ms;
        st.occurrences
            .retain(|o| o.ended_ms().is_some_and(|e| e >= horizon));
        if st.occurrences.len() > MAX_OCCURRENCES {
            let excess = st.occurrences.len() - MAX_OCCURRENCES;
            st.occurrences.drain(..excess);
        }
        let first =
            escalator_reports::first_recurrence(&st.occurrences, self.kb_min_count, self.window_ms);
        match (first, st.suggested_at_ms) {
            (Some(at), None) => {
                st.suggested_at_ms = Some(at);
                self.suggest(ctx, &st.occurrences, at);
            }
            (Some(at), Some(before)) if at < before => st.suggested_at_ms = Some(at),
            _ => {}
        }
        ctx.put(&key, AggState::Problem(Box::new(st)));
    }

    /// Publishes the suggestion for the occurrences that had ended by `at`.
    fn suggest(&self, ctx: &mut C<'_>, occurrences: &[EscalationRecord], at: i64) {
        let known: Vec<EscalationRecord> = occurrences
            .iter()
            .filter(|o| o.ended_ms().is_some_and(|e| e <= at))
            .cloned()
            .collect();
        let window = Window {
            start_ms: at - self.window_ms,
            end_ms: at + 1,
        };
        let suggestions: Vec<KbUpdateSuggestion> = escalator_reports::kb_suggestions(
            &known,
            window,
            self.kb_min_count,
            &BTreeSet::new(),
            at,
        );
        if let Some(s) = suggestions.into_iter().next() {
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

    fn on_decision(&self, ctx: &mut C<'_>, d: EscalationDecision) {
        let key = open_key(&d.ticket_id);
        if let Some(mut previous) = tracked(ctx, &key) {
            if previous.record.escalation_id == d.escalation_id {
                return;
            }
            // Re-escalated (L2 -> L3) or flagged while still open: the
            // earlier escalation ends here and stays in the reports.
            previous.record.superseded_ms = Some(d.decided_at_ms.max(previous.record.escalated_ms));
            ctx.delete(&key);
            self.end(ctx, previous);
        }
        let by_help_desk = d.kind == EscalationKind::HelpDesk as i32;
        metrics::counter!(m::ESCALATIONS,
            "tier" => if d.to_tier == 3 { "l3" } else { "l2" },
            "origin" => if by_help_desk { "help_desk" } else { "escalator" })
        .increment(1);
        let mut t = Tracked {
            record: lifecycle::from_decision(&d),
            ..Tracked::default()
        };
        if by_help_desk {
            // Nothing is routed: the help desk's group is its placement.
            t.add(lifecycle::Placement::of_help_desk(&d));
        }
        // Its placements that came first.
        if let Some(AggState::Pending(early)) = ctx.get(&pending_key(&d.ticket_id)).cloned() {
            let mut rest = Vec::new();
            for (kind, at, bytes) in early {
                match RoutedEscalation::decode(bytes.as_slice()) {
                    Ok(r) if kind == ROUTED && r.escalation_id == d.escalation_id => {
                        t.add(lifecycle::Placement::of(&r));
                    }
                    // Earlier versions kept early specialist events here; the
                    // decisions topic now brings those in order.
                    _ if kind != ROUTED => {}
                    _ => rest.push((kind, at, bytes)),
                }
            }
            if rest.is_empty() {
                ctx.delete(&pending_key(&d.ticket_id));
            } else {
                ctx.put(&pending_key(&d.ticket_id), AggState::Pending(rest));
            }
        }
        ctx.put(&key, AggState::Tracked(Box::new(t)));
    }

    /// A specialist's action on the ticket, in the ticket's order relative
    /// to its decisions (as the evaluator forwards it on the decisions
    /// topic).
    fn on_lifecycle(&self, ctx: &mut C<'_>, ev: &TicketEvent) {
        if matches!(ev.kind, Some(Kind::Reopened(_))) {
            self.on_reopened(ctx, &ev.ticket_id);
            return;
        }
        let key = open_key(&ev.ticket_id);
        let Some(mut t) = tracked(ctx, &key) else {
            return;
        };
        if matches!(ev.kind, Some(Kind::DomainReassigned(_))) {
            t.reassignments += 1;
        }
        if lifecycle::event(&mut t.record, ev) {
            ctx.delete(&key);
            self.end(ctx, t);
        } else {
            // The placements say where it is once they are in.
            lifecycle::place(&mut t.record, &t.placements);
            ctx.put(&key, AggState::Tracked(Box::new(t)));
        }
    }

    /// The ticket came back after its escalation ended: that resolution did
    /// not hold. Marks the escalation, finished or still waiting for a
    /// placement. A reopening while an escalation is open changes nothing.
    fn on_reopened(&self, ctx: &mut C<'_>, ticket: &str) {
        if tracked(ctx, &open_key(ticket)).is_some() {
            return;
        }
        let Some(AggState::LastEnded(id)) = ctx.get(&last_key(ticket)).cloned() else {
            return;
        };
        metrics::counter!(m::REOPENED_AFTER_ESCALATION).increment(1);
        let done = done_key(&id);
        if let Some(AggState::Done(mut r)) = ctx.get(&done).cloned() {
            r.reopened = true;
            ctx.put(&done, AggState::Done(r));
            return;
        }
        let waiting = waiting_key(&id);
        if let Some(mut t) = tracked(ctx, &waiting) {
            t.record.reopened = true;
            ctx.put(&waiting, AggState::Tracked(Box::new(t)));
        }
    }

    /// A placement joins its escalation wherever that is: open, ended and
    /// waiting for it, or not decided yet (kept until the decision comes).
    fn on_routed(&self, ctx: &mut C<'_>, routed: &RoutedEscalation, bytes: &[u8]) {
        let placement = lifecycle::Placement::of(routed);
        let open = open_key(&routed.ticket_id);
        if let Some(mut t) = tracked(ctx, &open) {
            if t.record.escalation_id == routed.escalation_id {
                t.add(placement);
                ctx.put(&open, AggState::Tracked(Box::new(t)));
                return;
            }
        }
        let waiting = waiting_key(&routed.escalation_id);
        if let Some(mut t) = tracked(ctx, &waiting) {
            t.add(placement);
            if t.placed() {
                ctx.delete(&waiting);
                self.finish(ctx, t.record);
            } else {
                ctx.put(&waiting, AggState::Tracked(Box::new(t)));
            }
            return;
        }
        if ctx.get(&done_key(&routed.escalation_id)).is_some() {
            // More placements than its reassignments explain: it has
            // finished and its figures stand.
            metrics::counter!(m::UNEXPECTED_PLACEMENTS).increment(1);
            return;
        }
        let mut early = match ctx.get(&pending_key(&routed.ticket_id)) {
            Some(AggState::Pending(p)) => p.clone(),
            _ => Vec::new(),
        };
        early.push((ROUTED, routed.routed_at_ms, bytes.to_vec()));
        if early.len() > MAX_PENDING {
            early.remove(0);
        }
        ctx.put(&pending_key(&routed.ticket_id), AggState::Pending(early));
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
                // A specialist action the evaluator forwarded: here it is in
                // the ticket's order relative to the decisions, which the
                // events topic (read independently) cannot give.
                let ev = TicketEvent::decode(record.value).map_err(|e| {
                    Rejection::new("malformed_event", format!("not a TicketEvent: {e}"))
                })?;
                if escalator_proto::is_forwarded(&ev) {
                    self.on_lifecycle(ctx, &ev);
                }
                return Ok(());
            }
            let d = EscalationDecision::decode(record.value).map_err(|e| {
                Rejection::new(
                    "malformed_decision",
                    format!("not an EscalationDecision: {e}"),
                )
            })?;
            self.on_decision(ctx, d);
            Ok(())
        } else if record.topic == self.problems_topic {
            let sig = record
                .key
                .map(|k| String::from_utf8_lossy(k).into_owned())
                .unwrap_or_default();
            let r: EscalationRecord = serde_json::from_slice(record.value).map_err(|e| {
                Rejection::new(
                    "malformed_problem",
                    format!("not an escalation record: {e}"),
                )
            })?;
            self.on_problem(ctx, &sig, r);
            Ok(())
        } else if record.topic.starts_with(&self.routed_prefix) {
            let routed = RoutedEscalation::decode(record.value).map_err(|e| {
                Rejection::new("malformed_routed", format!("not a RoutedEscalation: {e}"))
            })?;
            self.on_routed(ctx, &routed, record.value);
            Ok(())
        } else {
            // Not an input of the aggregator.
            Ok(())
        }
    }

    fn on_timer(&self, ctx: &mut C<'_>, timer: &Timer) -> Result<(), Rejection> {
        if timer.name == EXPIRE {
            ctx.delete(&timer.key);
        }
        Ok(())
    }
}
