//! Reports over HTTP: `GET /reports/{utilization|resolution|deflection}
//! ?window=7d&format=json|md|html`, computed from the escalations this
//! instance holds (open ones and those ended within the kept window).

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

/// The states a report needs: ended and open escalations, and problem
/// signatures (for when a KB suggestion went out).
pub const REPORT_PREFIXES: [&[u8]; 3] = [b"r:", b"t:", b"s:"];

/// Splits aggregator states into escalation records and suggested problem
/// signatures (signature, suggested at).
pub fn split_states(states: Vec<AggState>) -> (Vec<EscalationRecord>, Vec<(String, i64)>) {
    let mut records = Vec::new();
    let mut suggested = Vec::new();
    for s in states {
        match s {
            AggState::Done(r) | AggState::Open(r) => records.push(*r),
            AggState::Signature(st) => {
                if let Some(at) = st.suggested_at_ms {
                    suggested.push((st.signature, at));
                }
            }
            AggState::Pending(_) => {}
        }
    }
    (records, suggested)
}

/// A report of `kind` over the window ending `now`, from aggregator states
/// (the service's, or those a replay of an events file leaves).
pub fn report_from_states(
    kind: &str,
    states: Vec<AggState>,
    queues: &[QueueCapacity],
    window_ms: i64,
    now: i64,
) -> Option<escalator_proto::v1::Report> {
    let (records, suggested) = split_states(states);
    let mut report = build(kind, &records, queues, window_ms, now)?;
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

/// Builds a report of `kind` over the window ending now.
pub fn build(
    kind: &str,
    records: &[EscalationRecord],
    queues: &[QueueCapacity],
    window_ms: i64,
    now: i64,
) -> Option<escalator_proto::v1::Report> {
    let window = Window {
        start_ms: now - window_ms,
        end_ms: now + 1,
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
    let window_text = q.get("window").map_or("7d", String::as_str);
    let window_ms = match escalator_calendar::parse_duration(window_text, 86_400_000) {
        Ok(ms) if ms > 0 => ms,
        Ok(_) => return bad("window must be positive".into()),
        Err(e) => return bad(format!("window: {e}")),
    };
    let format = q.get("format").map_or("json", String::as_str);
    let states = match report_states(&r.queries).await {
        Ok(x) => x,
        Err(e) => return (StatusCode::SERVICE_UNAVAILABLE, e).into_response(),
    };
    let now = r.clock.now_ms();
    let Some(report) = report_from_states(&kind, states, &r.queues, window_ms, now) else {
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
