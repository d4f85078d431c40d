//! Builds the handoff packet from a ticket's state: the evidence extracted
//! from everything the ticket said (redacted), its timeline, a completeness
//! score with what is missing, and a Markdown rendering.

use escalator_diagnostics::{Role, Source, SourceKind};
use escalator_proto::v1::{ActorRole, Customer, HandoffPacket, TimelineEntry};
use escalator_redact::redact_str;

use crate::state::TicketState;

fn role(r: i32) -> Role {
    Role::from(ActorRole::try_from(r).unwrap_or(ActorRole::Unspecified))
}

/// The pieces of text of a ticket, as the extractor reads them.
pub fn sources(s: &TicketState) -> Vec<Source<'_>> {
    s.texts
        .iter()
        .map(|t| {
            let kind = match t.kind.as_str() {
                "subject" => SourceKind::Subject,
                "description" => SourceKind::Description,
                "customer_reply" => SourceKind::CustomerReply,
                "internal_comment" => SourceKind::Comment { public: false },
                "attachment" => {
                    let mut parts = t.name.split('|');
                    SourceKind::Attachment {
                        file_name: parts.next().unwrap_or(""),
                        content_type: parts.next().unwrap_or(""),
                    }
                }
                _ => SourceKind::Comment { public: true },
            };
            Source {
                kind,
                at_ms: t.at_ms,
                author_role: role(t.role),
                text: &t.body,
            }
        })
        .collect()
}

/// The problem statement is for reading, not an archive: 4,096 characters.
const MAX_DESCRIPTION: usize = 4096;

const MAX_COMMENTS: usize = 10;
/// Characters per comment.
const MAX_COMMENT: usize = 1024;

/// The newest comments and replies, oldest first, redacted.
fn recent_comments(s: &TicketState) -> Vec<String> {
    let mut out: Vec<String> = s
        .texts
        .iter()
        .rev()
        .filter(|t| {
            matches!(
                t.kind.as_str(),
                "comment" | "internal_comment" | "customer_reply"
            )
        })
        .take(MAX_COMMENTS)
        .map(|t| escalator_diagnostics::truncate(&redact_str(&t.body), MAX_COMMENT))
        .collect();
    out.reverse();
    out
}

/// The packet of a decision; `reasons` are its "Why escalated" lines.
pub fn build(s: &TicketState, reasons: Vec<String>) -> HandoffPacket {
    let srcs = sources(s);
    let f = escalator_diagnostics::extract(&srcs);
    let subject = redact_str(&s.subject);
    let summary = {
        let mut parts = vec![if subject.is_empty() {
            "(no subject)".to_owned()
        } else {
            subject.clone()
        }];
        parts.push(format!(
            "{} customer, {} priority, {} comment(s), {} reopen(s)",
            s.customer_tier_name(),
            s.priority_name(),
            s.comments,
            s.reopens
        ));
        let mut evidence = Vec::new();
        if !f.stack_traces.is_empty() {
            evidence.push(format!("{} stack trace(s)", f.stack_traces.len()));
        }
        if !f.error_codes.is_empty() {
            let codes: Vec<&str> = f
                .error_codes
                .iter()
                .take(4)
                .map(|c| c.code.as_str())
                .collect();
            evidence.push(format!("errors {}", codes.join(", ")));
        }
        if !f.log_excerpts.is_empty() {
            evidence.push(format!("{} log excerpt(s)", f.log_excerpts.len()));
        }
        if !evidence.is_empty() {
            parts.push(format!("evidence: {}", evidence.join("; ")));
        }
        parts.join(" — ")
    };
    let mut packet = HandoffPacket {
        summary,
        subject,
        ticket_url: s.ticket_url.clone(),
        customer: Some(Customer {
            id: s.customer_id.clone(),
            name: (!s.customer_name.is_empty()).then(|| redact_str(&s.customer_name)),
            tier: s.customer_tier,
            tier_name: s.customer_tier_name.clone(),
            time_zone: s.customer_time_zone.clone(),
        }),
        priority: s.priority,
        product: s.product.clone(),
        component: s.component.clone(),
        description: s
            .texts
            .iter()
            .find(|t| t.kind == "description")
            .map(|t| escalator_diagnostics::truncate(&redact_str(&t.body), MAX_DESCRIPTION))
            .unwrap_or_default(),
        tags: s.tags.clone(),
        recent_comments: recent_comments(s),
        reasons,
        timeline: s
            .timeline
            .iter()
            .map(|l| TimelineEntry {
                at_ms: l.at_ms,
                kind: l.kind.clone(),
                actor_role: l.role,
                text: redact_str(&l.text),
                event_id: l.event_id.clone(),
            })
            .collect(),
        ..Default::default()
    };
    // Evidence, completeness, redaction counts and the Markdown rendering.
    escalator_diagnostics::fill_packet(&mut packet, f);
    packet
}
