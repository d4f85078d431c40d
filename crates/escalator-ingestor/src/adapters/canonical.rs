//! The project's own JSON format (`docs/canonical-event.schema.json`): one
//! object per event, with the ticket snapshot at the top and the
//! event-specific part in `data`. Specialist tooling uses it for accepted,
//! reassigned, sent-back and resolved events.
//!
//! Events are read straight into typed structs in one pass. Whatever that
//! pass cannot vouch for (a serde error, or text the scan flagged) is read
//! again through a `Value`, the way it always was, so that errors keep
//! their exact messages and precedence.

mod schema;

#[cfg(test)]
mod equivalence;
#[cfg(test)]
mod oracle;

use escalator_proto::v1::ticket_event::{
    self as te, Assigned, AttachmentAdded, CommentAdded, Created, CustomerReplied,
    DomainReassigned, FieldChange, FieldsUpdated, PriorityChanged, Reopened, Resolved,
    SentBackToL1, SpecialistAccepted, StatusChanged, TagsChanged,
};
use escalator_proto::v1::{
    Actor, BodyFormat, CommentVisibility, Customer, KbArticleRef, SourceSystem, SupportTier,
    TicketEvent,
};
use serde::Deserialize;
use serde_json::Value;

use self::schema::{
    CActor, DAccepted, DAssigned, DAttachment, DComment, DCreated, DFields, DFromTo, DReassigned,
    DReopened, DReply, DResolved, DSentBack, DTags, Data, DataUnion, Event,
};
use super::Context;
use crate::error::{ErrorKind, NormalizeError, Result};
use crate::limits::JsonScan;
use crate::mapping::{Mappings, actor_role};
use crate::time::{from_epoch_number, parse_rfc3339};

/// Parses one canonical payload: an event object or an array of them (the
/// text has passed the limits already; `scan` is what that pass found).
pub fn normalize(text: &str, scan: &JsonScan, ctx: &Context<'_>) -> Result<Vec<TicketEvent>> {
    if !scan.needs_full_parse {
        if let Some(events) = typed(text) {
            return events.into_iter().map(|ev| one(ev, ctx)).collect();
        }
    }
    via_value(text, ctx)
}

/// The single typed pass; `None` when it fails for any reason. Its success
/// implies that of the `Value` route with the same fields: the scan rules
/// out what serde_json checks only when it builds a `Value` (number range,
/// lone surrogates, its depth limit), duplicate keys, which a `Value`
/// collapses, are an error here, and `data` reads into `DAll` only where the
/// type's own struct would read the same.
fn typed(text: &str) -> Option<Vec<Event<DataUnion>>> {
    let first = text
        .trim_start_matches([' ', '\t', '\n', '\r'])
        .as_bytes()
        .first();
    match first {
        Some(b'{') => serde_json::from_str(text).ok().map(|ev| vec![ev]),
        Some(b'[') => serde_json::from_str(text).ok(),
        _ => None,
    }
}

/// The original route: text to `Value`, then each event from it, with
/// `data` read only once the type is known.
fn via_value(text: &str, ctx: &Context<'_>) -> Result<Vec<TicketEvent>> {
    let value: Value = serde_json::from_str(text).map_err(|e| NormalizeError::from_json(&e))?;
    let events: Vec<Value> = match value {
        Value::Array(items) => items,
        v @ Value::Object(_) => vec![v],
        _ => {
            return Err(NormalizeError::new(
                ErrorKind::WrongType,
                "a canonical payload is an event object or an array of them",
            ));
        }
    };
    events
        .iter()
        .map(|v| {
            let ev = Event::<Value>::deserialize(v).map_err(|e| NormalizeError::from_json(&e))?;
            one(ev, ctx)
        })
        .collect()
}

fn tier(m: &Mappings, raw: &str, field: &str) -> Result<SupportTier> {
    m.support_tier(raw).ok_or_else(|| {
        NormalizeError::new(
            ErrorKind::UnknownEnum,
            format!("{field}: unknown support tier {raw:?}"),
        )
    })
}

fn actor(m: &Mappings, a: CActor) -> Result<Actor> {
    Ok(Actor {
        role: actor_role(a.role.as_deref().unwrap_or("")) as i32,
        tier: tier(m, a.tier.as_deref().unwrap_or(""), "actor.tier")? as i32,
        id: a.id.unwrap_or_default(),
        name: a.name,
    })
}

fn value_text(v: Option<Value>) -> Option<String> {
    match v {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s),
        Some(other) => Some(other.to_string()),
    }
}

/// One event, checked in a fixed order (the first failing check names the
/// error), whichever form its `data` is in.
fn one<D: Data>(ev: Event<D>, ctx: &Context<'_>) -> Result<TicketEvent> {
    if let Some(schema) = &ev.schema {
        if schema != "escalator.canonical.v1" {
            return Err(NormalizeError::new(
                ErrorKind::InvalidValue,
                format!("unsupported schema {schema:?}"),
            ));
        }
    }
    let m = ctx.mappings;
    let ticket_id = ev
        .ticket_id
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| {
            NormalizeError::new(ErrorKind::MissingTicketId, "ticket_id is missing or empty")
        })?;
    let event_id = ev
        .event_id
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| {
            NormalizeError::new(ErrorKind::MissingField, "event_id is missing or empty")
        })?;
    let kind_name = ev
        .kind
        .ok_or_else(|| NormalizeError::new(ErrorKind::MissingField, "type is missing"))?;
    let event_time_ms = match &ev.occurred_at {
        Some(Value::String(s)) => parse_rfc3339(s)?,
        Some(Value::Number(n)) => from_epoch_number(n.as_i64().ok_or_else(|| {
            NormalizeError::new(ErrorKind::WrongType, "occurred_at is not an integer")
        })?),
        Some(_) => {
            return Err(NormalizeError::new(
                ErrorKind::WrongType,
                "occurred_at is not a string or number",
            ));
        }
        None => {
            return Err(NormalizeError::new(
                ErrorKind::MissingField,
                "occurred_at is missing",
            ));
        }
    };

    let data = ev.data;
    let kind = match kind_name.as_str() {
        "created" => te::Kind::Created(Created {
            channel: data.get::<DCreated>()?.channel,
        }),
        "fields_updated" => {
            let d: DFields = data.get()?;
            te::Kind::FieldsUpdated(FieldsUpdated {
                changes: d
                    .changes
                    .into_iter()
                    .map(|c| FieldChange {
                        field: c.field,
                        old_value: value_text(c.old),
                        new_value: value_text(c.new).unwrap_or_default(),
                    })
                    .collect(),
                custom_fields: d
                    .custom_fields
                    .into_iter()
                    .map(|(k, v)| (k, value_text(Some(v)).unwrap_or_default()))
                    .collect(),
            })
        }
        "comment_added" => {
            let d: DComment = data.get()?;
            let format = match d.format.as_deref().unwrap_or("plain") {
                "plain" | "text" => BodyFormat::Plain,
                "html" => BodyFormat::Html,
                "markdown" => BodyFormat::Markdown,
                other => {
                    return Err(NormalizeError::new(
                        ErrorKind::UnknownEnum,
                        format!("data.format: unknown body format {other:?}"),
                    ));
                }
            };
            let plain = if format == BodyFormat::Html {
                crate::text::html_to_text(&d.body)
            } else {
                d.body
            };
            let (body, truncated) = ctx.text_owned(plain);
            te::Kind::CommentAdded(CommentAdded {
                comment_id: d.comment_id,
                author: d.author.map(|a| actor(m, a)).transpose()?,
                visibility: match d.public {
                    Some(true) => CommentVisibility::Public,
                    Some(false) => CommentVisibility::Internal,
                    None => CommentVisibility::Unspecified,
                } as i32,
                body,
                body_format: format as i32,
                body_truncated: truncated,
            })
        }
        "attachment_added" => {
            let d: DAttachment = data.get()?;
            te::Kind::AttachmentAdded(AttachmentAdded {
                attachment_id: d.attachment_id,
                file_name: d.file_name,
                content_type: d.content_type,
                size_bytes: d.size_bytes,
                text_excerpt: ctx.text_owned(d.text_excerpt).0,
                comment_id: d.comment_id,
            })
        }
        "status_changed" => {
            let d: DFromTo = data.get()?;
            te::Kind::StatusChanged(StatusChanged {
                from_status: m.status(&d.from) as i32,
                to_status: m.status(&d.to) as i32,
                from_raw: d.from,
                to_raw: d.to,
            })
        }
        "assigned" => {
            let d: DAssigned = data.get()?;
            te::Kind::Assigned(Assigned {
                queue: d.queue,
                agent: d.agent.map(|a| actor(m, a)).transpose()?,
                tier: tier(m, &d.tier, "data.tier")? as i32,
                previous_queue: d.previous_queue,
                previous_agent_id: d.previous_agent_id,
            })
        }
        "priority_changed" => {
            let d: DFromTo = data.get()?;
            te::Kind::PriorityChanged(PriorityChanged {
                from_priority: m.priority(&d.from) as i32,
                to_priority: m.priority(&d.to) as i32,
                from_raw: d.from,
                to_raw: d.to,
            })
        }
        "tags_changed" => {
            let d: DTags = data.get()?;
            te::Kind::TagsChanged(TagsChanged {
                added: d.added,
                removed: d.removed,
            })
        }
        "customer_replied" => {
            let d: DReply = data.get()?;
            te::Kind::CustomerReplied(CustomerReplied {
                comment_id: d.comment_id,
                channel: d.channel,
                body: ctx.text_owned(d.body).0,
            })
        }
        "specialist_accepted" => {
            let d: DAccepted = data.get()?;
            te::Kind::SpecialistAccepted(SpecialistAccepted {
                escalation_id: d.escalation_id,
                domain: d.domain,
                queue: d.queue,
                specialist_id: d.specialist_id,
                tier: tier(m, &d.tier, "data.tier")? as i32,
            })
        }
        "domain_reassigned" => {
            let d: DReassigned = data.get()?;
            if d.to_domain.is_empty() {
                return Err(NormalizeError::new(
                    ErrorKind::MissingField,
                    "data.to_domain is missing",
                ));
            }
            te::Kind::DomainReassigned(DomainReassigned {
                escalation_id: d.escalation_id,
                from_domain: d.from_domain,
                to_domain: d.to_domain,
                reason: ctx.text_owned(d.reason).0,
            })
        }
        "sent_back_to_l1" => {
            let d: DSentBack = data.get()?;
            te::Kind::SentBackToL1(SentBackToL1 {
                escalation_id: d.escalation_id,
                reason: ctx.text_owned(d.reason).0,
            })
        }
        "resolved" => {
            let d: DResolved = data.get()?;
            te::Kind::Resolved(Resolved {
                category: m.resolution_category(if d.category.is_empty() {
                    &d.resolution_code
                } else {
                    &d.category
                }) as i32,
                resolution_code: d.resolution_code,
                notes: ctx.text_owned(d.notes).0,
                kb_articles: d
                    .kb_articles
                    .into_iter()
                    .map(|k| KbArticleRef {
                        article_id: k.article_id,
                        url: k.url,
                        title: k.title,
                    })
                    .collect(),
                escalation_id: d.escalation_id,
                resolved_by: d.resolved_by.map(|a| actor(m, a)).transpose()?,
            })
        }
        "reopened" => te::Kind::Reopened(Reopened {
            reason: ctx.text_owned(data.get::<DReopened>()?.reason).0,
        }),
        other => {
            return Err(NormalizeError::new(
                ErrorKind::UnknownEventType,
                format!("unknown event type {other:?}"),
            ));
        }
    };

    let customer = ev.customer.map(|c| {
        let tier_name = c.tier.unwrap_or_default();
        Customer {
            id: c.id.unwrap_or_default(),
            name: c.name,
            tier: m.customer_tier(&tier_name) as i32,
            tier_name,
            time_zone: c.time_zone.unwrap_or_default(),
        }
    });
    let tags_known = ev.tags.is_some();
    let priority_raw = ev.priority.unwrap_or_default();
    let status_raw = ev.status.unwrap_or_default();
    Ok(TicketEvent {
        source_ticket_id: ev.source_ticket_id.unwrap_or_else(|| ticket_id.clone()),
        ticket_id,
        event_id,
        source: SourceSystem::Canonical as i32,
        source_name: ev.source.unwrap_or_else(|| "canonical".into()),
        ticket_url: ev.url.unwrap_or_default(),
        event_time_ms,
        ingest_time_ms: ctx.now_ms,
        source_sequence: ev.sequence,
        customer,
        product: ev.product.unwrap_or_default(),
        component: ev.component.unwrap_or_default(),
        components: Vec::new(),
        tags: ev.tags.unwrap_or_default(),
        tags_known,
        priority: ctx.mappings.priority(&priority_raw) as i32,
        priority_raw,
        status: ctx.mappings.status(&status_raw) as i32,
        status_raw,
        subject: ev.subject,
        description: ev.description.map(|d| ctx.text_owned(d).0),
        support_tier: tier(m, ev.support_tier.as_deref().unwrap_or(""), "support_tier")? as i32,
        queue: ev.queue.unwrap_or_default(),
        // Canonical events name the domain on their specialist events.
        queue_domain: String::new(),
        assignee: ev.assignee.map(|a| actor(m, a)).transpose()?,
        actor: ev.actor.map(|a| actor(m, a)).transpose()?,
        kind: Some(kind),
    })
}
