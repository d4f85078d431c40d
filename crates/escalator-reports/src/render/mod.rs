//! Report rendering: JSON for machines, Markdown for chat/PRs, HTML for people.

mod html;
mod json;
mod markdown;

pub use html::render_html;
pub use json::render_json;
pub use markdown::render_markdown;

use escalator_proto::v1::{KbSignature, ResolutionHop, SupportTier};

pub(crate) fn hop_label(hop: i32) -> &'static str {
    match ResolutionHop::try_from(hop) {
        Ok(ResolutionHop::QueueEntryToEscalation) => "queue entry → escalation",
        Ok(ResolutionHop::EscalationToRouting) => "escalation → routing",
        Ok(ResolutionHop::RoutingToPickup) => "routing → pickup",
        Ok(ResolutionHop::PickupToResolution) => "pickup → resolution",
        Ok(ResolutionHop::Total) => "total",
        _ => "unspecified",
    }
}

pub(crate) fn tier_label(tier: i32) -> &'static str {
    match SupportTier::try_from(tier) {
        Ok(SupportTier::L1) => "L1",
        Ok(SupportTier::L2) => "L2",
        Ok(SupportTier::L3) => "L3",
        _ => "all",
    }
}

pub(crate) fn domain_label(domain: &str) -> &str {
    if domain.is_empty() { "all" } else { domain }
}

pub(crate) fn signature_label(sig: Option<&KbSignature>) -> String {
    sig.map_or_else(String::new, |s| {
        let mut parts = vec![s.domain.as_str()];
        if !s.error_signature.is_empty() {
            parts.push(&s.error_signature);
        }
        if !s.resolution_code.is_empty() {
            parts.push(&s.resolution_code);
        }
        parts.join(" / ")
    })
}

/// Milliseconds as a short human duration ("1h 05m", "42s").
pub(crate) fn duration(ms: i64) -> String {
    let s = ms / 1000;
    match s {
        s if s >= 3600 => format!("{}h {:02}m", s / 3600, (s % 3600) / 60),
        s if s >= 60 => format!("{}m {:02}s", s / 60, s % 60),
        s => format!("{s}s"),
    }
}
