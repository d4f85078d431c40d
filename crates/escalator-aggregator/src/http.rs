//! Reports over HTTP: `GET /reports/{utilization|resolution|deflection}
//! ?window=7d&format=json|md|html[&end=INSTANT]`, computed from the
//! escalations this instance holds (open ones and those ended within the
//! kept window). The window ends now, or at `end` (RFC 3339 or epoch ms):
//! a fixed end gives the same figures whenever it is asked, so reports of
//! past periods can be compared and archived.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use escalator_proto::v1::report;
use escalator_reports::{EscalationRecord, QueueCapacity, Window};
use escalator_runtime::Clock;
use escalator_runtime::query::QueryHandle;

use crate::processor::AggState;

pub struct Reports {
    pub queries: QueryHandle<AggState>,
    pub queues: Vec<QueueCapacity>,
    pub clock: Arc<dyn Clock>,
}

pub fn router(r: Arc<Reports>) -> Router {
    Router::new()
        .route("/reports/{kind}", get(handle))
        .with_state(r)
}

fn bad(message: String) -> Response {
    (StatusCode::BAD_REQUEST, message).into_response()
}

/// The states a report needs: ended, open and ended-but-not-yet-placed
/// escalations, and problems (for when a KB suggestion went out; `s:` as
/// earlier versions kept them).
pub const REPORT_PREFIXES: [&[u8]; 5] = [b"r:", b"t:", b"w:", b"q:", b"s:"];

/// Splits aggregator states into escalation records and suggested problem
/// signatures (signature, suggested at).
pub fn split_states(states: Vec<AggState>) -> (Vec<EscalationRecord>, Vec<(String, i64)>) {
    let mut records = Vec::new();
    let mut suggested = Vec::new();
    for s in states {
        match s {
            AggState::Done(r) | AggState::Open(r) => records.push(*r),
            AggState::Tracked(t) => records.push(t.record),
            AggState::Signature(st) => {
                if let Some(at) = st.suggested_at_ms {
                    suggested.push((st.signature, at));
                }
            }
            AggState::Problem(p) => {
                if let Some(at) = p.suggested_at_ms {
                    suggested.push((p.signature, at));
                }
            }
            AggState::Pending(_) | AggState::LastEnded(_) => {}
        }
    }
    (records, suggested)
}

/// The period a report covers: `window_ms` back from `end_ms` (inclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub window_ms: i64,
    pub end_ms: i64,
}

impl Span {
    /// From the user's `window` (e.g. `7d`) and optional `end` (RFC 3339 or
    /// epoch ms; `now` when absent). Errors name the parameter.
    pub fn parse(window: &str, end: Option<&str>, now: i64) -> Result<Span, String> {
        let window_ms = match escalator_calendar::parse_duration(window, 86_400_000) {
            Ok(ms) if ms > 0 => ms,
            Ok(_) => return Err("window must be positive".into()),
            Err(e) => return Err(format!("window: {e}")),
        };
        let end_ms = match end {
            Some(text) => {
                escalator_calendar::parse_instant(text).map_err(|e| format!("end: {e}"))?
            }
            None => now,
        };
        Ok(Span { window_ms, end_ms })
    }
}

/// A report of `kind` over `span`, from aggregator states (the service's, or
/// those a replay of an events file leaves), as known at `now`.
pub fn report_from_states(
    kind: &str,
    states: Vec<AggState>,
    queues: &[QueueCapacity],
    span: Span,
    now: i64,
) -> Option<escalator_proto::v1::Report> {
    let (records, suggested) = split_states(states);
    let mut report = build(kind, &records, queues, span, now)?;
    attach_suggestions(&mut report, &records, &suggested);
    Some(report)
}

/// Marks the deflection rows whose problem was suggested, with its
/// escalation rate per day before and after the suggestion (windows of the
/// report's length on each side).
pub fn attach_suggestions(
    report: &mut escalator_proto::v1::Report,
    records: &[EscalationRecord],
    suggested: &[(String, i64)],
) {
    let Some(report::Report::Deflection(d)) = report.report.as_mut() else {
        return;
    };
    let span = d.window_end_ms - d.window_start_ms;
    for row in &mut d.rows {
        if let Some((sig, at)) = suggested
            .iter()
            .find(|(sig, _)| escalator_reports::suggestion_id(sig) == row.suggestion_id)
        {
            let (before, after) = escalator_reports::rate_before_after(records, sig, *at, span);
            row.suggested_at_ms = *at;
            row.rate_before_per_day = Some(before);
            row.rate_after_per_day = Some(after);
        }
    }
}

/// Every state a report needs, from this instance.
pub async fn report_states(q: &QueryHandle<AggState>) -> Result<Vec<AggState>, String> {
    let mut out = Vec::new();
    for prefix in REPORT_PREFIXES {
        out.extend(
            q.scan(prefix, Duration::from_secs(10))
                .await
                .map_err(|e| e.to_string())?,
        );
    }
    Ok(out)
}

/// Builds a report of `kind` over `span`; `now` clips what has not
/// happened yet (open escalations, hops not yet reached).
pub fn build(
    kind: &str,
    records: &[EscalationRecord],
    queues: &[QueueCapacity],
    span: Span,
    now: i64,
) -> Option<escalator_proto::v1::Report> {
    let window = Window {
        start_ms: span.end_ms - span.window_ms,
        end_ms: span.end_ms + 1,
    };
    let inner = match kind {
        "utilization" => report::Report::Utilization(escalator_reports::utilization_report(
            records, queues, window, now,
        )),
        "resolution" => {
            report::Report::Resolution(escalator_reports::resolution_report(records, window, now))
        }
        "deflection" => {
            report::Report::Deflection(escalator_reports::deflection_report(records, window))
        }
        _ => return None,
    };
    Some(escalator_reports::wrap_report(inner, now))
}

pub fn render(
    report: &escalator_proto::v1::Report,
    format: &str,
) -> Option<(&'static str, String)> {
    match format {
        "json" => Some((
            "application/json",
            escalator_reports::render::render_json(report),
        )),
        "md" | "markdown" => Some((
            "text/markdown; charset=utf-8",
            escalator_reports::render::render_markdown(report),
        )),
        "html" => Some((
            "text/html; charset=utf-8",
            escalator_reports::render::render_html(report),
        )),
        _ => None,
    }
}

async fn handle(
    State(r): State<Arc<Reports>>,
    Path(kind): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let now = r.clock.now_ms();
    let span = match Span::parse(
        q.get("window").map_or("7d", String::as_str),
        q.get("end").map(String::as_str),
        now,
    ) {
        Ok(span) => span,
        Err(e) => return bad(e),
    };
    let format = q.get("format").map_or("json", String::as_str);
    let states = match report_states(&r.queries).await {
        Ok(x) => x,
        Err(e) => return (StatusCode::SERVICE_UNAVAILABLE, e).into_response(),
    };
    let Some(report) = report_from_states(&kind, states, &r.queues, span, now) else {
        return (
            StatusCode::NOT_FOUND,
            "reports: utilization, resolution, deflection\n",
        )
            .into_response();
    };
    match render(&report, format) {
        Some((content_type, body)) => {
            ([(header::CONTENT_TYPE, content_type)], body).into_response()
        }
        None => bad("format: json, md or html".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_span_ends_now_or_at_the_given_instant() {
        let now = 1_774_623_600_000;
        assert_eq!(
            Span::parse("7d", None, now),
            Ok(Span {
                window_ms: 7 * 86_400_000,
                end_ms: now
            })
        );
        assert_eq!(
            Span::parse("24h", Some("2026-03-01T00:00:00Z"), now).map(|s| s.end_ms),
            Ok(1_772_323_200_000)
        );
        assert_eq!(
            Span::parse("24h", Some("1772323200000"), now).map(|s| s.end_ms),
            Ok(1_772_323_200_000)
        );
        let bad_end = Span::parse("7d", Some("yesterday"), now).unwrap_err();
        assert!(bad_end.starts_with("end: "), "{bad_end}");
        assert!(Span::parse("0d", None, now).is_err());
        assert!(
            Span::parse("soon", None, now)
                .unwrap_err()
                .starts_with("window")
        );
    }

    #[test]
    fn a_report_over_a_past_span_counts_only_that_span() {
        let day = 86_400_000;
        let end = 100 * day;
        let span = Span {
            window_ms: 7 * day,
            end_ms: end,
        };
        let Some(report::Report::Deflection(d)) =
            build("deflection", &[], &[], span, end + 30 * day).and_then(|r| r.report)
        else {
            panic!("a deflection report");
        };
        assert_eq!(
            (d.window_start_ms, d.window_end_ms),
            (end - 7 * day, end + 1)
        );
    }
}
