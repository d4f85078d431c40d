//! Zendesk event webhooks (`zen:event-type:ticket.*`): `detail` carries the
//! ticket as it is after the event, `event` what changed. Ids may be JSON
//! strings or numbers; statuses and priorities are upper case.
//!
//! Mapped: created, status/priority/tags changes, group and agent
//! assignment, comments (staff authors are agents, others the customer),
//! subject/description/custom-field changes. Other `ticket.*` events become
//! a generic field update; events about other objects (users, orgs) yield
//! nothing.

use escalator_proto::v1::ticket_event::{
    self as te, Assigned, CommentAdded, Created, FieldChange, FieldsUpdated, PriorityChanged,
    StatusChanged, TagsChanged,
};
use escalator_proto::v1::{
    Actor, ActorRole, BodyFormat, CommentVisibility, Customer, CustomerTier, SourceSystem,
    SupportTier, TicketEvent,
};
use serde_json::Value;

use super::Context;
use crate::error::{ErrorKind, NormalizeError, Result};
use crate::text::html_to_text;
use crate::time::parse_rfc3339;

/// A JSON string or number as text; None for null, absent, "" or "0"
/// (Zendesk writes "none" all three ways).
fn id(v: Option<&Value>) -> Option<String> {
    let text = match v? {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    (!text.is_empty() && text != "0").then_some(text)
}

fn s<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

fn wrong(field: &str, want: &str) -> NormalizeError {
    NormalizeError::new(ErrorKind::WrongType, format!("{field} is not {want}"))
}

pub fn normalize(text: &str, ctx: &Context<'_>) -> Result<Vec<TicketEvent>> {
    let v: Value = serde_json::from_str(text).map_err(|e| NormalizeError::from_json(&e))?;
    if !v.is_object() {
        return Err(wrong("the payload", "an object"));
    }
    let kind_name = s(&v, "type")
        .ok_or_else(|| NormalizeError::new(ErrorKind::MissingField, "type is missing"))?;
    let Some(kind_name) = kind_name.strip_prefix("zen:event-type:ticket.") else {
        // Users, organizations...: not ticket history.
        return Ok(Vec::new());
    };
    let m = ctx.mappings;
    let zm = &m.zendesk;
    let empty = Value::Object(Default::default());
    let detail = v.get("detail").unwrap_or(&empty);
    if !detail.is_object() {
        return Err(wrong("detail", "an object"));
    }
    let event = v.get("event").unwrap_or(&empty);
    let source_ticket_id = id(detail.get("id"))
        .or_else(|| {
            s(&v, "subject")
                .and_then(|x| x.strip_prefix("zen:ticket:"))
                .map(str::to_owned)
        })
        .ok_or_else(|| {
            NormalizeError::new(
                ErrorKind::MissingTicketId,
                "neither detail.id nor subject names the ticket",
            )
        })?;
    let event_uuid =
        s(&v, "id").ok_or_else(|| NormalizeError::new(ErrorKind::MissingField, "id is missing"))?;
    let time = s(&v, "time")
        .ok_or_else(|| NormalizeError::new(ErrorKind::MissingField, "time is missing"))?;
    let event_time_ms = parse_rfc3339(time)?;

    // Envelope: the ticket after the event.
    let tags: Option<Vec<String>> = match detail.get("tags") {
        Some(Value::Array(items)) => Some(
            items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
        ),
        Some(Value::Null) | None => None,
        Some(_) => return Err(wrong("detail.tags", "an array")),
    };
    let tag_list = tags.clone().unwrap_or_default();
    let tagged = |prefix: &str| {
        if prefix.is_empty() {
            return String::new();
        }
        tag_list
            .iter()
            .find_map(|t| t.strip_prefix(prefix).map(str::to_owned))
            .unwrap_or_default()
    };
    let group = id(detail.get("group_id"));
    let queue_map = group.as_ref().and_then(|g| zm.groups.get(g));
    let support_tier = queue_map
        .and_then(|q| m.support_tier(&q.tier))
        .unwrap_or(SupportTier::Unspecified);
    let org = id(detail.get("organization_id"));
    let org_map = org.as_ref().and_then(|o| zm.organizations.get(o));
    let tier_from_tag = tag_list
        .iter()
        .find_map(|t| zm.customer_tier_tags.get(t).cloned());
    let tier_name = org_map
        .map(|o| o.tier.clone())
        .filter(|t| !t.is_empty())
        .or(tier_from_tag)
        .unwrap_or_default();
    let customer = if org.is_some() || !tier_name.is_empty() {
        Some(Customer {
            id: org_map
                .map(|o| o.customer_id.clone())
                .filter(|c| !c.is_empty())
                .or(org.clone())
                .unwrap_or_default(),
            name: org_map.map(|o| o.name.clone()).filter(|n| !n.is_empty()),
            time_zone: org_map.map(|o| o.time_zone.clone()).unwrap_or_default(),
            tier: if tier_name.is_empty() {
                CustomerTier::Unspecified as i32
            } else {
                m.customer_tier(&tier_name) as i32
            },
            tier_name,
        })
    } else {
        None
    };
    let priority_raw = s(detail, "priority").unwrap_or_default().to_owned();
    let status_raw = s(detail, "status").unwrap_or_default().to_owned();
    let actor_id = id(detail.get("actor_id"));
    let requester = id(detail.get("requester_id"));
    let assignee = id(detail.get("assignee_id")).map(|a| Actor {
        id: a,
        name: None,
        role: ActorRole::L1Agent as i32,
        tier: support_tier as i32,
    });
    let actor_role = |who: &Option<String>| match who {
        Some(w) if requester.as_ref() == Some(w) => ActorRole::Customer,
        Some(w) if w == "-1" || !w.bytes().all(|b| b.is_ascii_digit()) => ActorRole::System,
        Some(_) => ActorRole::L1Agent,
        None => ActorRole::Unspecified,
    };
    let actor = actor_id.as_ref().map(|a| Actor {
        id: a.clone(),
        name: None,
        role: actor_role(&actor_id) as i32,
        tier: SupportTier::Unspecified as i32,
    });

    let kind = match kind_name {
        "created" => te::Kind::Created(Created {
            channel: detail
                .get("via")
                .and_then(|via| s(via, "channel"))
                .unwrap_or_default()
                .to_owned(),
        }),
        "status_changed" => {
            let from = s(event, "previous").unwrap_or_default().to_owned();
            let to = s(event, "current").unwrap_or(&status_raw).to_owned();
            te::Kind::StatusChanged(StatusChanged {
                from_status: m.status(&from) as i32,
                to_status: m.status(&to) as i32,
                from_raw: from,
                to_raw: to,
            })
        }
        "priority_changed" => {
            let from = s(event, "previous").unwrap_or_default().to_owned();
            let to = s(event, "current").unwrap_or(&priority_raw).to_owned();
            te::Kind::PriorityChanged(PriorityChanged {
                from_priority: m.priority(&from) as i32,
                to_priority: m.priority(&to) as i32,
                from_raw: from,
                to_raw: to,
            })
        }
        "tags_changed" => {
            let list = |k: &str| -> Vec<String> {
                event
                    .get(k)
                    .and_then(Value::as_array)
                    .map(|a| {
                        a.iter()
                            .filter_map(Value::as_str)
                            .map(str::to_owned)
                            .collect()
                    })
                    .unwrap_or_default()
            };
            te::Kind::TagsChanged(TagsChanged {
                added: list("tags_added"),
                removed: list("tags_removed"),
            })
        }
        "group_assignment_changed" => {
            let current = id(event.get("current"));
            let previous = id(event.get("previous"));
            let mapped = current.as_ref().and_then(|g| zm.groups.get(g));
            te::Kind::Assigned(Assigned {
                queue: mapped
                    .map(|q| q.queue.clone())
                    .or(current.clone())
                    .unwrap_or_default(),
                agent: None,
                tier: mapped
                    .and_then(|q| m.support_tier(&q.tier))
                    .unwrap_or(SupportTier::Unspecified) as i32,
                previous_queue: previous
                    .as_ref()
                    .map(|p| {
                        zm.groups
                            .get(p)
                            .map(|q| q.queue.clone())
                            .unwrap_or_else(|| p.clone())
                    })
                    .unwrap_or_default(),
                previous_agent_id: String::new(),
            })
        }
        "agent_assignment_changed" => te::Kind::Assigned(Assigned {
            queue: queue_map
                .map(|q| q.queue.clone())
                .or(group.clone())
                .unwrap_or_default(),
            agent: id(event.get("current")).map(|a| Actor {
                id: a,
                name: None,
                role: ActorRole::L1Agent as i32,
                tier: support_tier as i32,
            }),
            tier: support_tier as i32,
            previous_queue: String::new(),
            previous_agent_id: id(event.get("previous")).unwrap_or_default(),
        }),
        "comment_added" => {
            let c = event
                .get("comment")
                .filter(|c| c.is_object())
                .ok_or_else(|| {
                    NormalizeError::new(ErrorKind::MissingField, "event.comment is missing")
                })?;
            let raw_body = match c.get("body") {
                Some(Value::String(b)) => b.as_str(),
                Some(Value::Null) | None => "",
                Some(_) => return Err(wrong("event.comment.body", "a string")),
            };
            let html = looks_like_html(raw_body);
            let plain = if html {
                html_to_text(raw_body)
            } else {
                raw_body.to_owned()
            };
            let (body, truncated) = ctx.text(&plain);
            let author = c.get("author");
            let staff = author
                .and_then(|a| a.get("is_staff"))
                .and_then(Value::as_bool);
            let author_id = author.and_then(|a| id(a.get("id")));
            let role = match staff {
                Some(true) => ActorRole::L1Agent,
                Some(false) => ActorRole::Customer,
                None => actor_role(&author_id),
            };
            te::Kind::CommentAdded(CommentAdded {
                comment_id: id(c.get("id")).unwrap_or_default(),
                author: author_id.map(|a| Actor {
                    id: a,
                    name: author.and_then(|x| s(x, "name")).map(str::to_owned),
                    role: role as i32,
                    tier: if role == ActorRole::L1Agent {
                        support_tier as i32
                    } else {
                        SupportTier::Unspecified as i32
                    },
                }),
                visibility: match c.get("is_public").and_then(Value::as_bool) {
                    Some(true) => CommentVisibility::Public,
                    Some(false) => CommentVisibility::Internal,
                    None => CommentVisibility::Unspecified,
                } as i32,
                body,
                body_format: if html {
                    BodyFormat::Html
                } else {
                    BodyFormat::Plain
                } as i32,
                body_truncated: truncated,
            })
        }
        "custom_field_changed" => {
            let field = event.get("custom_field");
            let name = field
                .and_then(|f| id(f.get("id")))
                .map(|i| format!("custom_field:{i}"))
                .unwrap_or_else(|| "custom_field".into());
            let value_of = |k: &str| {
                event.get(k).and_then(|x| match x {
                    Value::Object(o) => o.get("value").and_then(scalar_text),
                    other => scalar_text(other),
                })
            };
            let new_value = value_of("current").unwrap_or_default();
            let mut custom = std::collections::HashMap::new();
            if let Some(title) = field.and_then(|f| s(f, "title")) {
                custom.insert(title.to_owned(), new_value.clone());
            }
            te::Kind::FieldsUpdated(FieldsUpdated {
                changes: vec![FieldChange {
                    field: name,
                    old_value: value_of("previous"),
                    new_value,
                }],
                custom_fields: custom,
            })
        }
        other => te::Kind::FieldsUpdated(FieldsUpdated {
            changes: vec![FieldChange {
                field: other.to_owned(),
                old_value: event.get("previous").and_then(scalar_text),
                new_value: event
                    .get("current")
                    .and_then(scalar_text)
                    .unwrap_or_default(),
            }],
            custom_fields: Default::default(),
        }),
    };

    let instance = &zm.instance;
    Ok(vec![TicketEvent {
        ticket_id: format!("zendesk:{instance}:{source_ticket_id}"),
        event_id: format!("zendesk:{instance}:{event_uuid}"),
        source: SourceSystem::Zendesk as i32,
        source_name: format!("zendesk:{instance}"),
        ticket_url: if zm.base_url.is_empty() {
            String::new()
        } else {
            format!(
                "{}/agent/tickets/{source_ticket_id}",
                zm.base_url.trim_end_matches('/')
            )
        },
        source_ticket_id,
        event_time_ms,
        ingest_time_ms: ctx.now_ms,
        source_sequence: None,
        customer,
        product: tagged(&zm.product_tag_prefix),
        component: tagged(&zm.component_tag_prefix),
        components: Vec::new(),
        tags: tags.clone().unwrap_or_default(),
        tags_known: tags.is_some(),
        priority: m.priority(&priority_raw) as i32,
        priority_raw,
        status: m.status(&status_raw) as i32,
        status_raw,
        subject: s(detail, "subject").map(|x| ctx.text(x).0),
        description: s(detail, "description").map(|x| ctx.text(x).0),
        support_tier: support_tier as i32,
        queue_domain: queue_map.map(|q| q.domain.clone()).unwrap_or_default(),
        queue: queue_map
            .map(|q| q.queue.clone())
            .or(group)
            .unwrap_or_default(),
        assignee,
        actor,
        kind: Some(kind),
    }])
}

fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

fn looks_like_html(body: &str) -> bool {
    let t = body.trim_start();
    t.starts_with('<')
        && ["<p", "<div", "<br", "<span", "<ul", "<table", "<pre"]
            .iter()
            .any(|tag| t.contains(tag))
}
