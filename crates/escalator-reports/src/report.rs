use escalator_proto::v1::{Report, report};
use sha2::{Digest, Sha256};

/// Wraps a report with its deterministic id: sha256 of (report type, window),
/// so re-running the same window overwrites instead of duplicating.
pub fn wrap_report(inner: report::Report, generated_at_ms: i64) -> Report {
    let (kind, start, end) = match &inner {
        report::Report::Utilization(r) => ("utilization", r.window_start_ms, r.window_end_ms),
        report::Report::Resolution(r) => ("resolution", r.window_start_ms, r.window_end_ms),
        report::Report::Deflection(r) => ("deflection", r.window_start_ms, r.window_end_ms),
    };
    let digest = Sha256::digest(format!("{kind}:{start}:{end}").as_bytes());
    let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    Report {
        report_id: format!("{kind}-{hex}"),
        generated_at_ms,
        report: Some(inner),
    }
}
