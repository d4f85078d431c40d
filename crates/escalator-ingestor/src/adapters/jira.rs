//! Jira Cloud / Jira Service Management webhooks: `jira:issue_created`,
//! `jira:issue_updated` (one event per `changelog` item, with the issue's
//! fields after the change as the envelope), `comment_created` (and the
//! comment carried by an `issue_commented` update). Descriptions and comments
//! arrive as wiki-markup strings or as Atlassian Document Format.

use std::collections::HashMap;

use escalator_proto::v1::ticket_event::{
    self as te, Assigned, AttachmentAdded, CommentAdded, Created, FieldChange, FieldsUpdated,
    PriorityChanged, Resolved, StatusChanged, TagsChanged,
};
use escalator_proto::v1::{
    Actor, ActorRole, BodyFormat, CommentVisibility, Customer, CustomerTier, SourceSystem,
    SupportTier, TicketEvent,
};
use serde_json::Value;

use super::Context;
use crate::error::{ErrorKind, NormalizeError, Result};
use crate::text::adf_to_text;
use crate::time::{from_epoch_number, parse_rfc3339};

fn s<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// The text of a field value, whatever shape Jira gives it: a string, a
/// number, an option `{value}`, a named object `{name}`, or a list of those.
fn field_text(v: &Value) -> Option<String> {
    match v {
        Value::String(x) if !x.is_empty() => Some(x.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Object(o) => o
            .get("value")
            .or_else(|| o.get("name"))
            .or_else(|| o.get("displayName"))
            .and_then(field_text),
        Value::Array(items) => items.iter().find_map(field_text),
        _ => None,
    }
}

pub fn normalize(text: &str, ctx: &Context<'_>) -> Result<Vec<TicketEvent>> {
    let v: Value = serde_json::from_str(text).map_err(|e| NormalizeError::from_json(&e))?;
    let webhook = s(&v, "webhookEvent")
        .ok_or_else(|| NormalizeError::new(ErrorKind::MissingField, "webhookEvent is missing"))?;
    let issue = v
        .get("issue")
        .filter(|i| i.is_object())
        .ok_or_else(|| NormalizeError::new(ErrorKind::MissingTicketId, "issue is missing"))?;
    let issue_id = match issue.get("id") {
        Some(Value::String(x)) if !x.is_empty() => x.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => {
            return Err(NormalizeError::new(
                ErrorKind::MissingTicketId,
                "issue.id is missing",
            ));
        }
    };
    let empty = Value::Object(Default::default());
    let fields = issue.get("fields").unwrap_or(&empty);
    let m = ctx.mappings;
    let jm = &m.jira;
    let instance = &jm.instance;
    let comment = v.get("comment").filter(|c| c.is_object());
    let event_time_ms = match v.get("timestamp") {
        Some(Value::Number(n)) => from_epoch_number(n.as_i64().ok_or_else(|| {
            NormalizeError::new(ErrorKind::WrongType, "timestamp is not an integer")
        })?),
        Some(_) => {
            return Err(NormalizeError::new(
                ErrorKind::WrongType,
                "timestamp is not a number",
            ));
        }
        None => match comment.and_then(|c| s(c, "updated").or_else(|| s(c, "created"))) {
            Some(t) => parse_rfc3339(t)?,
            None => {
                return Err(NormalizeError::new(
                    ErrorKind::MissingField,
                    "timestamp is missing",
                ));
            }
        },
    };

    // Envelope: the issue as it is after the change.
    let key = s(issue, "key").unwrap_or(&issue_id).to_owned();
    let status = fields.get("status");
    let status_raw = status
        .and_then(|x| s(x, "name"))
        .unwrap_or_default()
        .to_owned();
    let mut status_enum = m.status(&status_raw);
    if status_enum == escalator_proto::v1::TicketStatus::Unknown {
        // An unmapped workflow status still has a category Jira guarantees.
        if let Some(cat) = status
            .and_then(|x| x.get("statusCategory"))
            .and_then(|c| s(c, "key"))
        {
            status_enum = match cat {
                "new" => escalator_proto::v1::TicketStatus::New,
                "indeterminate" => escalator_proto::v1::TicketStatus::Open,
                "done" => escalator_proto::v1::TicketStatus::Solved,
                _ => status_enum,
            };
        }
    }
    let priority_raw = fields
        .get("priority")
        .and_then(|p| s(p, "name"))
        .unwrap_or_default()
        .to_owned();
    let labels: Option<Vec<String>> = fields.get("labels").and_then(Value::as_array).map(|a| {
        a.iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect()
    });
    let field = |name: &str| -> Option<String> {
        if name.is_empty() {
            None
        } else {
            fields.get(name).and_then(field_text)
        }
    };
    let project = fields.get("project");
    let queue_raw =
        field(&jm.queue_field).or_else(|| project.and_then(|p| s(p, "key")).map(str::to_owned));
    let queue_map = queue_raw.as_ref().and_then(|q| jm.queues.get(q));
    let support_tier = queue_map
        .and_then(|q| m.support_tier(&q.tier))
        .unwrap_or(SupportTier::Unspecified);
    let customer_raw = field(&jm.customer_field);
    let customer_map = customer_raw.as_ref().and_then(|c| jm.customers.get(c));
    let tier_name = customer_map
        .map(|c| c.tier.clone())
        .filter(|t| !t.is_empty())
        .or_else(|| field(&jm.customer_tier_field))
        .unwrap_or_default();
    let customer = (customer_raw.is_some() || !tier_name.is_empty()).then(|| Customer {
        id: customer_map
            .map(|c| c.customer_id.clone())
            .filter(|c| !c.is_empty())
            .or(customer_raw.clone())
            .unwrap_or_default(),
        name: customer_map
            .map(|c| c.name.clone())
            .filter(|n| !n.is_empty())
            .or(customer_raw.clone()),
        time_zone: customer_map
            .map(|c| c.time_zone.clone())
            .unwrap_or_default(),
        tier: if tier_name.is_empty() {
            CustomerTier::Unspecified as i32
        } else {
            m.customer_tier(&tier_name) as i32
        },
        tier_name: tier_name.clone(),
    });
    let reporter = fields
        .get("reporter")
        .and_then(|r| s(r, "accountId"))
        .map(str::to_owned);
    let person = |u: &Value| -> Actor {
        let account = s(u, "accountId").unwrap_or_default().to_owned();
        let role = if s(u, "accountType") == Some("customer")
            || reporter.as_deref() == Some(account.as_str())
        {
            ActorRole::Customer
        } else if s(u, "accountType") == Some("app") {
            ActorRole::System
        } else {
            ActorRole::L1Agent
        };
        Actor {
            id: account,
            name: s(u, "displayName").map(str::to_owned),
            role: role as i32,
            tier: if role == ActorRole::L1Agent {
                support_tier as i32
            } else {
                SupportTier::Unspecified as i32
            },
        }
    };
    let components: Vec<String> = match fields.get("components") {
        Some(Value::Array(items)) => items.iter().filter_map(field_text).collect(),
        Some(other) => field_text(other).into_iter().collect(),
        None => Vec::new(),
    };
    // The issue's attachments by id: a changelog item names only the id and
    // file name; type, size and uploader are here.
    let attachments: HashMap<String, &Value> = fields
        .get("attachment")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|a| a.get("id").and_then(field_text).map(|id| (id, a)))
        .collect();
    let base = TicketEvent {
        ticket_id: format!("jira:{instance}:{issue_id}"),
        event_id: String::new(),
        source: SourceSystem::Jira as i32,
        source_name: format!("jira:{instance}"),
        source_ticket_id: key.clone(),
        ticket_url: if jm.base_url.is_empty() {
            String::new()
        } else {
            format!("{}/browse/{key}", jm.base_url.trim_end_matches('/'))
        },
        event_time_ms,
        ingest_time_ms: ctx.now_ms,
        source_sequence: None,
        customer,
        product: field(&jm.product_field)
            .or_else(|| project.and_then(|p| s(p, "name")).map(str::to_owned))
            .unwrap_or_default(),
        component: components.first().cloned().unwrap_or_default(),
        components: components.clone(),
        tags: labels.clone().unwrap_or_default(),
        tags_known: labels.is_some(),
        priority: m.priority(&priority_raw) as i32,
        priority_raw,
        status: status_enum as i32,
        status_raw,
        subject: s(fields, "summary").map(|x| ctx.text(x).0),
        description: fields
            .get("description")
            .filter(|d| !d.is_null())
            .map(|d| ctx.text(&adf_to_text(d)).0),
        support_tier: support_tier as i32,
        queue_domain: queue_map.map(|q| q.domain.clone()).unwrap_or_default(),
        queue: queue_map
            .map(|q| q.queue.clone())
            .or(queue_raw.clone())
            .unwrap_or_default(),
        assignee: fields
            .get("assignee")
            .filter(|a| a.is_object())
            .map(&person),
        actor: v.get("user").filter(|u| u.is_object()).map(&person),
        kind: None,
    };
    let event = |suffix: &str, kind: te::Kind| TicketEvent {
        event_id: format!("jira:{instance}:{issue_id}:{suffix}"),
        kind: Some(kind),
        ..base.clone()
    };

    let comment_event = |c: &Value| -> Result<TicketEvent> {
        let body = c.get("body").unwrap_or(&Value::Null);
        let (format, plain) = match body {
            Value::String(x) => (BodyFormat::Jira, x.clone()),
            Value::Object(_) => (BodyFormat::Jira, adf_to_text(body)),
            Value::Null => (BodyFormat::Plain, String::new()),
            _ => {
                return Err(NormalizeError::new(
                    ErrorKind::WrongType,
                    "comment.body is not text or a document",
                ));
            }
        };
        let (text, truncated) = ctx.text(&plain);
        let comment_id = match c.get("id") {
            Some(Value::String(x)) => x.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => {
                return Err(NormalizeError::new(
                    ErrorKind::MissingField,
                    "comment.id is missing",
                ));
            }
        };
        let author = c.get("author").filter(|a| a.is_object()).map(&person);
        let mut ev = event(
            &format!("comment:{comment_id}"),
            te::Kind::CommentAdded(CommentAdded {
                comment_id: comment_id.clone(),
                author: author.clone(),
                // JSM marks internal notes with jsdPublic=false; elsewhere a
                // comment restricted to a role or group is internal too.
                visibility: match (
                    c.get("jsdPublic").and_then(Value::as_bool),
                    c.get("visibility"),
                ) {
                    (Some(true), _) => CommentVisibility::Public,
                    (Some(false), _) => CommentVisibility::Internal,
                    (None, Some(v)) if v.is_object() => CommentVisibility::Internal,
                    (None, _) => CommentVisibility::Unspecified,
                } as i32,
                body: text,
                body_format: format as i32,
                body_truncated: truncated,
            }),
        );
        if author.is_some() {
            ev.actor = author;
        }
        Ok(ev)
    };

    // An attachment's own event: its uploader is the actor.
    let attachment_event = |id: &str, name: &str| -> TicketEvent {
        let a = attachments.get(id).copied();
        let mut ev = event(
            &format!("attachment:{id}"),
            te::Kind::AttachmentAdded(AttachmentAdded {
                attachment_id: id.to_owned(),
                file_name: a.and_then(|a| s(a, "filename")).unwrap_or(name).to_owned(),
                content_type: a
                    .and_then(|a| s(a, "mimeType"))
                    .unwrap_or_default()
                    .to_owned(),
                size_bytes: a
                    .and_then(|a| a.get("size"))
                    .and_then(Value::as_u64)
                    .unwrap_or(0),
                text_excerpt: String::new(),
                comment_id: String::new(),
            }),
        );
        if let Some(author) = a.and_then(|a| a.get("author")).filter(|x| x.is_object()) {
            ev.actor = Some(person(author));
        }
        ev
    };

    let mut out = Vec::new();
    match webhook {
        "jira:issue_created" => {
            out.push(event(
                "created",
                te::Kind::Created(Created {
                    channel: fields
                        .get("customfield_10010")
                        .and_then(|r| r.get("requestType"))
                        .and_then(|rt| s(rt, "name"))
                        .map(|_| "portal".to_owned())
                        .unwrap_or_else(|| "jira".to_owned()),
                }),
            ));
            // Files attached on the create screen come with the issue.
            let mut ids: Vec<&String> = attachments.keys().collect();
            ids.sort();
            for id in ids {
                out.push(attachment_event(id, ""));
            }
        }
        "jira:issue_updated" => {
            let changelog = v.get("changelog");
            let change_id = changelog
                .and_then(|c| c.get("id"))
                .and_then(field_text)
                .unwrap_or_else(|| event_time_ms.to_string());
            let items = changelog
                .and_then(|c| c.get("items"))
                .and_then(Value::as_array);
            let mut generic: Vec<FieldChange> = Vec::new();
            let mut custom: HashMap<String, String> = HashMap::new();
            for (i, item) in items.into_iter().flatten().enumerate() {
                let name = s(item, "field").unwrap_or_default();
                let field_id = s(item, "fieldId").unwrap_or(name);
                let from_s = s(item, "fromString").unwrap_or_default().to_owned();
                let to_s = s(item, "toString").unwrap_or_default().to_owned();
                let suffix = format!("change:{change_id}:{i}");
                let kind = match field_id {
                    "status" => Some(te::Kind::StatusChanged(StatusChanged {
                        from_status: m.status(&from_s) as i32,
                        to_status: m.status(&to_s) as i32,
                        from_raw: from_s,
                        to_raw: to_s,
                    })),
                    "priority" => Some(te::Kind::PriorityChanged(PriorityChanged {
                        from_priority: m.priority(&from_s) as i32,
                        to_priority: m.priority(&to_s) as i32,
                        from_raw: from_s,
                        to_raw: to_s,
                    })),
                    "assignee" => Some(te::Kind::Assigned(Assigned {
                        queue: base.queue.clone(),
                        agent: s(item, "to").map(|a| Actor {
                            id: a.to_owned(),
                            name: (!to_s.is_empty()).then(|| to_s.clone()),
                            role: ActorRole::L1Agent as i32,
                            tier: support_tier as i32,
                        }),
                        tier: support_tier as i32,
                        previous_queue: String::new(),
                        previous_agent_id: s(item, "from").unwrap_or_default().to_owned(),
                    })),
                    "labels" => {
                        let before: Vec<&str> = from_s.split_whitespace().collect();
                        let after: Vec<&str> = to_s.split_whitespace().collect();
                        Some(te::Kind::TagsChanged(TagsChanged {
                            added: after
                                .iter()
                                .filter(|t| !before.contains(t))
                                .map(|t| (*t).to_owned())
                                .collect(),
                            removed: before
                                .iter()
                                .filter(|t| !after.contains(t))
                                .map(|t| (*t).to_owned())
                                .collect(),
                        }))
                    }
                    "attachment" => {
                        // Removing one (to = null) is not evidence.
                        if let Some(id) = s(item, "to").filter(|t| !t.is_empty()) {
                            out.push(attachment_event(id, &to_s));
                        }
                        None
                    }
                    "resolution" if !to_s.is_empty() => Some(te::Kind::Resolved(Resolved {
                        category: m.resolution_category(&to_s) as i32,
                        resolution_code: to_s,
                        notes: String::new(),
                        kb_articles: Vec::new(),
                        escalation_id: String::new(),
                        resolved_by: base.actor.clone(),
                    })),
                    f if !jm.queue_field.is_empty() && f == jm.queue_field => {
                        let mapped = jm.queues.get(&to_s);
                        Some(te::Kind::Assigned(Assigned {
                            queue: mapped
                                .map(|q| q.queue.clone())
                                .unwrap_or_else(|| to_s.clone()),
                            agent: None,
                            tier: mapped
                                .and_then(|q| m.support_tier(&q.tier))
                                .unwrap_or(SupportTier::Unspecified)
                                as i32,
                            previous_queue: jm
                                .queues
                                .get(&from_s)
                                .map(|q| q.queue.clone())
                                .unwrap_or(from_s),
                            previous_agent_id: String::new(),
                        }))
                    }
                    _ => {
                        if s(item, "fieldtype") == Some("custom") {
                            custom.insert(name.to_owned(), to_s.clone());
                        }
                        generic.push(FieldChange {
                            field: field_id.to_owned(),
                            old_value: (!from_s.is_empty()).then_some(from_s),
                            new_value: to_s,
                        });
                        None
                    }
                };
                if let Some(kind) = kind {
                    out.push(event(&suffix, kind));
                }
            }
            if !generic.is_empty() {
                out.push(event(
                    &format!("change:{change_id}:fields"),
                    te::Kind::FieldsUpdated(FieldsUpdated {
                        changes: generic,
                        custom_fields: custom,
                    }),
                ));
            }
            if let Some(c) = comment {
                out.push(comment_event(c)?);
            }
        }
        "comment_created" => {
            let c = comment.ok_or_else(|| {
                NormalizeError::new(ErrorKind::MissingField, "comment is missing")
            })?;
            out.push(comment_event(c)?);
        }
        // Deletions and other notifications are not ticket history we use.
        "jira:issue_deleted" | "comment_updated" | "comment_deleted" | "worklog_updated" => {}
        other => {
            return Err(NormalizeError::new(
                ErrorKind::UnknownEventType,
                format!("unsupported Jira webhook event {other:?}"),
            ));
        }
    }
    Ok(out)
}
