//! `escalator.v1.TicketEvent` in protobuf, from producers that already speak
//! the contract: decoded, checked, passed through.

use escalator_proto::v1::{SourceSystem, TicketEvent};
use prost::Message;

use super::Context;
use crate::error::{ErrorKind, NormalizeError, Result};

pub fn normalize(bytes: &[u8], ctx: &Context<'_>) -> Result<Vec<TicketEvent>> {
    let mut ev = TicketEvent::decode(bytes).map_err(|e| {
        NormalizeError::new(
            ErrorKind::MalformedProtobuf,
            format!("not a TicketEvent: {e}"),
        )
    })?;
    // Enum fields arrive as integers: one this version does not know is
    // rejected, since guessing would change routing.
    let checks: [(&str, i32, bool); 4] = [
        (
            "source",
            ev.source,
            SourceSystem::try_from(ev.source).is_ok(),
        ),
        (
            "priority",
            ev.priority,
            escalator_proto::v1::Priority::try_from(ev.priority).is_ok(),
        ),
        (
            "status",
            ev.status,
            escalator_proto::v1::TicketStatus::try_from(ev.status).is_ok(),
        ),
        (
            "support_tier",
            ev.support_tier,
            escalator_proto::v1::SupportTier::try_from(ev.support_tier).is_ok(),
        ),
    ];
    for (field, value, known) in checks {
        if !known {
            return Err(NormalizeError::new(
                ErrorKind::UnknownEnum,
                format!("{field} has unknown value {value}"),
            ));
        }
    }
    if let Some(c) = &ev.customer {
        if escalator_proto::v1::CustomerTier::try_from(c.tier).is_err() {
            return Err(NormalizeError::new(
                ErrorKind::UnknownEnum,
                format!("customer.tier has unknown value {}", c.tier),
            ));
        }
    }
    if ev.source == SourceSystem::Unspecified as i32 {
        ev.source = SourceSystem::Canonical as i32;
    }
    if ev.ingest_time_ms == 0 {
        ev.ingest_time_ms = ctx.now_ms;
    }
    Ok(vec![ev])
}
