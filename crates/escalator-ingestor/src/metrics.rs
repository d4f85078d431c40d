//! The ingestor's metrics. Labels: source (a fixed set), event kind (the
//! contract's kinds), error kind (the fixed `ErrorKind` names), webhook
//! outcome (a fixed set).

use escalator_proto::v1::{TicketEvent, ticket_event::Kind};
use metrics::{Unit, describe_counter, describe_histogram};

pub const CONSUMED: &str = "escalator_ingestor_records_consumed_total";
pub const NORMALIZED: &str = "escalator_ingestor_events_normalized_total";
pub const REJECTED: &str = "escalator_ingestor_records_rejected_total";
pub const DUPLICATES: &str = "escalator_ingestor_duplicate_events_total";
pub const WEBHOOK_REQUESTS: &str = "escalator_ingestor_webhook_requests_total";
pub const WEBHOOK_SECONDS: &str = "escalator_ingestor_webhook_duration_seconds";
pub const UNMAPPED: &str = "escalator_ingestor_unmapped_values_total";

/// Distinct unmapped values already named in a warning (bounded).
static WARNED: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());
const MAX_WARNED: usize = 256;

/// Counts an event whose queue (Zendesk group, Jira team) or status word
/// the organisation mapping does not know, and names each such value once
/// in a warning: the ticket gets no tier from it (never a guessed one), and
/// its status stays raw. The label is the field, never the raw value.
pub fn note_unmapped(source: &'static str, ev: &TicketEvent) {
    use escalator_proto::v1::{SupportTier, TicketStatus};
    let mut fields: Vec<(&'static str, &str)> = Vec::new();
    if ev.support_tier == SupportTier::Unspecified as i32 && !ev.queue.is_empty() {
        fields.push(("queue", &ev.queue));
    }
    if ev.status == TicketStatus::Unknown as i32 {
        fields.push(("status", &ev.status_raw));
    }
    for (field, value) in fields {
        metrics::counter!(UNMAPPED, "source" => source, "field" => field).increment(1);
        let key = format!("{source}/{field}/{value}");
        let Ok(mut warned) = WARNED.lock() else {
            continue;
        };
        if warned.len() < MAX_WARNED && !warned.contains(&key) {
            warned.push(key);
            tracing::warn!(
                source,
                field,
                value,
                "value not in the organisation mapping: add it to the ingestor's mappings"
            );
        }
    }
}

pub fn describe() {
    describe_counter!(CONSUMED, Unit::Count, "Raw records consumed, by source.");
    describe_counter!(
        NORMALIZED,
        Unit::Count,
        "TicketEvents produced, by source and event kind."
    );
    describe_counter!(
        REJECTED,
        Unit::Count,
        "Raw records dead-lettered, by source and error kind."
    );
    describe_counter!(
        DUPLICATES,
        Unit::Count,
        "Redelivered events dropped by deduplication, by source."
    );
    describe_counter!(
        WEBHOOK_REQUESTS,
        Unit::Count,
        "Webhook requests, by source and outcome."
    );
    describe_counter!(
        UNMAPPED,
        Unit::Count,
        "Events whose queue or status the organisation mapping does not know, by source and field."
    );
    describe_histogram!(
        WEBHOOK_SECONDS,
        Unit::Seconds,
        "Webhook request handling time, including the broker write."
    );
}

pub fn kind_label(ev: &TicketEvent) -> &'static str {
    match &ev.kind {
        Some(Kind::Created(_)) => "created",
        Some(Kind::FieldsUpdated(_)) => "fields_updated",
        Some(Kind::CommentAdded(_)) => "comment_added",
        Some(Kind::AttachmentAdded(_)) => "attachment_added",
        Some(Kind::StatusChanged(_)) => "status_changed",
        Some(Kind::Assigned(_)) => "assigned",
        Some(Kind::PriorityChanged(_)) => "priority_changed",
        Some(Kind::TagsChanged(_)) => "tags_changed",
        Some(Kind::CustomerReplied(_)) => "customer_replied",
        Some(Kind::SpecialistAccepted(_)) => "specialist_accepted",
        Some(Kind::DomainReassigned(_)) => "domain_reassigned",
        Some(Kind::SentBackToL1(_)) => "sent_back_to_l1",
        Some(Kind::Resolved(_)) => "resolved",
        Some(Kind::Reopened(_)) => "reopened",
        None => "none",
    }
}
