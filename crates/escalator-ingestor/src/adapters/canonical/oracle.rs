//! The canonical adapter as it was before the typed fast path, kept
//! verbatim (test-only) as the oracle its replacement is compared with,
//! together with the old nesting scan.

use std::collections::HashMap;

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
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::adapters::Context;
use crate::error::{ErrorKind, NormalizeError, Result};
use crate::mapping::{Mappings, actor_role};
use crate::time::{from_epoch_number, parse_rfc3339};

#[derive(Debug, Deserialize)]
struct Event {
    schema: Option<String>,
    event_id: Option<String>,
    ticket_id: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    occurred_at: Option<Value>,
    source: Option<String>,
    source_ticket_id: Option<String>,
    sequence: Option<i64>,
    url: Option<String>,
    customer: Option<CCustomer>,
    product: Option<String>,
    component: Option<String>,
    tags: Option<Vec<String>>,
    priority: Option<String>,
    status: Option<String>,
    subject: Option<String>,
    description: Option<String>,
    support_tier: Option<String>,
    queue: Option<String>,
    assignee: Option<CActor>,
    actor: Option<CActor>,
    #[serde(default)]
    data: Value,
}

#[derive(Debug, Deserialize)]
struct CCustomer {
    id: Option<String>,
    name: Option<String>,
    tier: Option<String>,
    time_zone: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
struct CActor {
    id: Option<String>,
    name: Option<String>,
    role: Option<String>,
    tier: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct DCreated {
    channel: String,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct DFields {
    changes: Vec<DChange>,
    custom_fields: HashMap<String, Value>,
}

#[derive(Debug, Deserialize)]
struct DChange {
    field: String,
    old: Option<Value>,
    new: Option<Value>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct DComment {
    comment_id: String,
    author: Option<CActor>,
    public: Option<bool>,
    body: String,
    format: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct DAttachment {
    attachment_id: String,
    file_name: String,
    content_type: String,
    size_bytes: u64,
    text_excerpt: String,
    comment_id: String,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct DFromTo {
    from: String,
    to: String,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct DAssigned {
    queue: String,
    agent: Option<CActor>,
    tier: String,
    previous_queue: String,
    previous_agent_id: String,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct DTags {
    added: Vec<String>,
    removed: Vec<String>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct DReply {
    comment_id: String,
    channel: String,
    body: String,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct DAccepted {
    escalation_id: String,
    domain: String,
    queue: String,
    specialist_id: String,
    tier: String,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct DReassigned {
    escalation_id: String,
    from_domain: String,
    to_domain: String,
    reason: String,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct DSentBack {
    escalation_id: String,
    reason: String,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct DResolved {
    resolution_code: String,
    category: String,
    notes: String,
    kb_articles: Vec<DKb>,
    escalation_id: String,
    resolved_by: Option<CActor>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct DKb {
    article_id: String,
    url: String,
    title: String,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct DReopened {
    reason: String,
}

fn data<T: DeserializeOwned + Default>(v: &Value) -> Result<T> {
    if v.is_null() {
        return Ok(T::default());
    }
    T::deserialize(v).map_err(|e| {
        let mut err = NormalizeError::from_json(&e);
        err.message = format!("data: {}", err.message);
        err
    })
}

fn tier(m: &Mappings, raw: &str, field: &str) -> Result<SupportTier> {
    m.support_tier(raw).ok_or_else(|| {
        NormalizeError::new(
            ErrorKind::UnknownEnum,
            format!("{field}: unknown support tier {raw:?}"),
        )
    })
}

fn actor(m: &Mappings, a: &CActor) -> Result<Actor> {
    Ok(Actor {
        id: a.id.clone().unwrap_or_default(),
        name: a.name.clone(),
        role: actor_role(a.role.as_deref().unwrap_or("")) as i32,
        tier: tier(m, a.tier.as_deref().unwrap_or(""), "actor.tier")? as i32,
    })
}

fn value_text(v: &Option<Value>) -> Option<String> {
    match v {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(other) => Some(other.to_string()),
    }
}

/// Parses one canonical event (the text has passed the limits already).
pub fn normalize(text: &str, ctx: &Context<'_>) -> Result<Vec<TicketEvent>> {
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
    events.iter().map(|v| one(v, ctx)).collect()
}

fn one(value: &Value, ctx: &Context<'_>) -> Result<TicketEvent> {
    let ev = Event::deserialize(value).map_err(|e| NormalizeError::from_json(&e))?;
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
        .clone()
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| {
            NormalizeError::new(ErrorKind::MissingTicketId, "ticket_id is missing or empty")
        })?;
    let event_id = ev
        .event_id
        .clone()
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| {
            NormalizeError::new(ErrorKind::MissingField, "event_id is missing or empty")
        })?;
    let kind_name = ev
        .kind
        .clone()
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

    let text = |s: &str| ctx.text(s);
    let kind = match kind_name.as_str() {
        "created" => te::Kind::Created(Created {
            channel: data::<DCreated>(&ev.data)?.channel,
        }),
        "fields_updated" => {
            let d: DFields = data(&ev.data)?;
            te::Kind::FieldsUpdated(FieldsUpdated {
                changes: d
                    .changes
                    .iter()
                    .map(|c| FieldChange {
                        field: c.field.clone(),
                        old_value: value_text(&c.old),
                        new_value: value_text(&c.new).unwrap_or_default(),
                    })
                    .collect(),
                custom_fields: d
                    .custom_fields
                    .iter()
                    .map(|(k, v)| (k.clone(), value_text(&Some(v.clone())).unwrap_or_default()))
                    .collect(),
            })
        }
        "comment_added" => {
            let d: DComment = data(&ev.data)?;
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
                d.body.clone()
            };
            let (body, truncated) = text(&plain);
            te::Kind::CommentAdded(CommentAdded {
                comment_id: d.comment_id,
                author: d.author.as_ref().map(|a| actor(m, a)).transpose()?,
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
            let d: DAttachment = data(&ev.data)?;
            te::Kind::AttachmentAdded(AttachmentAdded {
                attachment_id: d.attachment_id,
                file_name: d.file_name,
                content_type: d.content_type,
                size_bytes: d.size_bytes,
                text_excerpt: text(&d.text_excerpt).0,
                comment_id: d.comment_id,
            })
        }
        "status_changed" => {
            let d: DFromTo = data(&ev.data)?;
            te::Kind::StatusChanged(StatusChanged {
                from_status: m.status(&d.from) as i32,
                to_status: m.status(&d.to) as i32,
                from_raw: d.from,
                to_raw: d.to,
            })
        }
        "assigned" => {
            let d: DAssigned = data(&ev.data)?;
            te::Kind::Assigned(Assigned {
                queue: d.queue,
                agent: d.agent.as_ref().map(|a| actor(m, a)).transpose()?,
                tier: tier(m, &d.tier, "data.tier")? as i32,
                previous_queue: d.previous_queue,
                previous_agent_id: d.previous_agent_id,
            })
        }
        "priority_changed" => {
            let d: DFromTo = data(&ev.data)?;
            te::Kind::PriorityChanged(PriorityChanged {
                from_priority: m.priority(&d.from) as i32,
                to_priority: m.priority(&d.to) as i32,
                from_raw: d.from,
                to_raw: d.to,
            })
        }
        "tags_changed" => {
            let d: DTags = data(&ev.data)?;
            te::Kind::TagsChanged(TagsChanged {
                added: d.added,
                removed: d.removed,
            })
        }
        "customer_replied" => {
            let d: DReply = data(&ev.data)?;
            te::Kind::CustomerReplied(CustomerReplied {
                comment_id: d.comment_id,
                channel: d.channel,
                body: text(&d.body).0,
            })
        }
        "specialist_accepted" => {
            let d: DAccepted = data(&ev.data)?;
            te::Kind::SpecialistAccepted(SpecialistAccepted {
                escalation_id: d.escalation_id,
                domain: d.domain,
                queue: d.queue,
                specialist_id: d.specialist_id,
                tier: tier(m, &d.tier, "data.tier")? as i32,
            })
        }
        "domain_reassigned" => {
            let d: DReassigned = data(&ev.data)?;
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
                reason: text(&d.reason).0,
            })
        }
        "sent_back_to_l1" => {
            let d: DSentBack = data(&ev.data)?;
            te::Kind::SentBackToL1(SentBackToL1 {
                escalation_id: d.escalation_id,
                reason: text(&d.reason).0,
            })
        }
        "resolved" => {
            let d: DResolved = data(&ev.data)?;
            te::Kind::Resolved(Resolved {
                category: m.resolution_category(if d.category.is_empty() {
                    &d.resolution_code
                } else {
                    &d.category
                }) as i32,
                resolution_code: d.resolution_code,
                notes: text(&d.notes).0,
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
                resolved_by: d.resolved_by.as_ref().map(|a| actor(m, a)).transpose()?,
            })
        }
        "reopened" => te::Kind::Reopened(Reopened {
            reason: text(&data::<DReopened>(&ev.data)?.reason).0,
        }),
        other => {
            return Err(NormalizeError::new(
                ErrorKind::UnknownEventType,
                format!("unknown event type {other:?}"),
            ));
        }
    };

    let customer = ev.customer.as_ref().map(|c| {
        let tier_name = c.tier.clone().unwrap_or_default();
        Customer {
            id: c.id.clone().unwrap_or_default(),
            name: c.name.clone(),
            tier: m.customer_tier(&tier_name) as i32,
            tier_name,
            time_zone: c.time_zone.clone().unwrap_or_default(),
        }
    });
    let tags_known = ev.tags.is_some();
    let priority_raw = ev.priority.clone().unwrap_or_default();
    let status_raw = ev.status.clone().unwrap_or_default();
    Ok(TicketEvent {
        source_ticket_id: ev
            .source_ticket_id
            .clone()
            .unwrap_or_else(|| ticket_id.clone()),
        ticket_id,
        event_id,
        source: SourceSystem::Canonical as i32,
        source_name: ev.source.clone().unwrap_or_else(|| "canonical".into()),
        ticket_url: ev.url.clone().unwrap_or_default(),
        event_time_ms,
        ingest_time_ms: ctx.now_ms,
        source_sequence: ev.sequence,
        customer,
        product: ev.product.clone().unwrap_or_default(),
        component: ev.component.clone().unwrap_or_default(),
        components: Vec::new(),
        tags: ev.tags.clone().unwrap_or_default(),
        tags_known,
        priority: ctx.mappings.priority(&priority_raw) as i32,
        priority_raw,
        status: ctx.mappings.status(&status_raw) as i32,
        status_raw,
        subject: ev.subject.clone(),
        description: ev.description.as_deref().map(|d| text(d).0),
        support_tier: tier(m, ev.support_tier.as_deref().unwrap_or(""), "support_tier")? as i32,
        queue: ev.queue.clone().unwrap_or_default(),
        assignee: ev.assignee.as_ref().map(|a| actor(m, a)).transpose()?,
        actor: ev.actor.as_ref().map(|a| actor(m, a)).transpose()?,
        queue_domain: String::new(),
        kind: Some(kind),
    })
}

/// The nesting scan as it was: one byte at a time.
pub fn check_depth(text: &str, limits: &crate::limits::Limits) -> Result<()> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for b in text.bytes() {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                if depth > limits.max_depth {
                    return Err(NormalizeError::new(
                        ErrorKind::NestingTooDeep,
                        format!("JSON nesting deeper than {}", limits.max_depth),
                    ));
                }
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}
