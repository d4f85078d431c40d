//! `POST /webhooks/{source}`: for ticketing systems that can only call
//! webhooks. The handler authenticates the sender (HMAC over the raw body,
//! constant-time, fresh timestamp), then writes the raw body with its source
//! and delivery headers to `tickets.raw` and answers 202 once the broker has
//! it. Parsing, validation and dedup happen in the processor, so a webhook
//! delivery and a record published straight to Kafka take the same path
//! (same dead letters, same exactly-once processing). Requests that fail
//! authentication are answered 401 and dead-lettered with a redacted body.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use escalator_runtime::headers::{TRACEPARENT, TraceParent};
#[cfg(feature = "kafka")]
use escalator_runtime::kafka::Publisher;
use escalator_runtime::processor::{Header, Record};
use escalator_runtime::{Clock, DeadLetterSettings, Rejection, Secret};
use serde::{Deserialize, Serialize};

use crate::adapters::{self, Context, DELIVERY_HEADER, SOURCE_HEADER, Source};
use crate::limits::Limits;
use crate::mapping::Mappings;
use crate::metrics as m;
use crate::signature::{self, Failure};

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct WebhookSettings {
    /// Shared secret per source (`zendesk`, `jira`, `canonical`). A source
    /// without a secret refuses every request: there is no unsigned mode.
    pub secrets: BTreeMap<String, Secret>,
    /// Files holding the secrets, per source (preferred over inline values).
    pub secret_files: BTreeMap<String, String>,
    /// Allowed clock difference for signed timestamps.
    pub tolerance_ms: i64,
    /// Jira signs the body only; its freshness comes from the payload's own
    /// timestamp, which retries keep. A replay inside this window is dropped
    /// by deduplication, so it matches the dedup window by default.
    pub jira_tolerance_ms: i64,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        WebhookSettings {
            secrets: BTreeMap::new(),
            secret_files: BTreeMap::new(),
            tolerance_ms: 5 * 60 * 1000,
            jira_tolerance_ms: 24 * 60 * 60 * 1000,
        }
    }
}

impl WebhookSettings {
    /// Resolves the secrets, reading secret files.
    pub fn resolve(&self) -> Result<BTreeMap<String, Secret>, String> {
        let mut out = self.secrets.clone();
        for (source, path) in &self.secret_files {
            let s = Secret::from_file(std::path::Path::new(path))
                .map_err(|e| format!("webhooks.secret_files.{source}: cannot read {path}: {e}"))?;
            out.insert(source.clone(), s);
        }
        out.retain(|_, s| !s.is_empty());
        Ok(out)
    }
}

/// Where accepted deliveries go: Kafka in a service, the embedded pipeline in
/// `escalator run`.
pub trait RawSink: Send + Sync + 'static {
    fn publish<'a>(
        &'a self,
        topic: &'a str,
        key: Option<Vec<u8>>,
        value: Vec<u8>,
        headers: Vec<Header>,
    ) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>>;
}

#[cfg(feature = "kafka")]
impl RawSink for Publisher {
    fn publish<'a>(
        &'a self,
        topic: &'a str,
        key: Option<Vec<u8>>,
        value: Vec<u8>,
        headers: Vec<Header>,
    ) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>> {
        Box::pin(
            async move { Publisher::publish(self, topic, key.as_deref(), &value, &headers).await },
        )
    }
}

pub struct Webhooks {
    pub secrets: BTreeMap<String, Secret>,
    pub settings: WebhookSettings,
    pub raw_topic: String,
    pub dead_letters: DeadLetterSettings,
    pub mappings: Mappings,
    pub limits: Limits,
    pub sink: Arc<dyn RawSink>,
    pub clock: Arc<dyn Clock>,
}

pub fn router(webhooks: Arc<Webhooks>) -> Router {
    let limit = webhooks.limits.max_body_bytes;
    Router::new()
        .route("/webhooks/{source}", post(handle))
        .layer(DefaultBodyLimit::max(limit))
        .with_state(webhooks)
}

fn header_str<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name).and_then(|v| v.to_str().ok())
}

async fn handle(
    State(w): State<Arc<Webhooks>>,
    Path(source): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let started = Instant::now();
    let (label, response) = w.accept(&source, &headers, body).await;
    metrics::counter!(m::WEBHOOK_REQUESTS, "source" => label.0, "outcome" => label.1).increment(1);
    metrics::histogram!(m::WEBHOOK_SECONDS).record(started.elapsed().as_secs_f64());
    response
}

type Label = (&'static str, &'static str);

impl Webhooks {
    async fn accept(&self, source: &str, headers: &HeaderMap, body: Bytes) -> (Label, Response) {
        let Some(src) = Source::parse(source).filter(|s| *s != Source::Protobuf) else {
            return (
                ("unknown", "unknown_source"),
                (StatusCode::NOT_FOUND, "unknown webhook source\n").into_response(),
            );
        };
        let name = src.as_str();
        let Some(secret) = self.secrets.get(name) else {
            tracing::warn!(
                source = name,
                "webhook refused: no secret configured for this source"
            );
            return (
                (name, "unconfigured"),
                (StatusCode::UNAUTHORIZED, "webhook not configured\n").into_response(),
            );
        };
        let now = self.clock.now_ms();
        let verdict = match src {
            Source::Zendesk => match (
                header_str(headers, "x-zendesk-webhook-signature"),
                header_str(headers, "x-zendesk-webhook-signature-timestamp"),
            ) {
                (Some(sig), Some(ts)) => signature::zendesk(
                    secret.expose().as_bytes(),
                    sig,
                    ts,
                    &body,
                    now,
                    self.settings.tolerance_ms,
                ),
                _ => Err(Failure::BadSignature),
            },
            Source::Jira => match header_str(headers, "x-hub-signature") {
                Some(sig) => signature::jira(
                    secret.expose().as_bytes(),
                    sig,
                    &body,
                    jira_timestamp(&body, &self.limits),
                    now,
                    self.settings.jira_tolerance_ms,
                ),
                None => Err(Failure::BadSignature),
            },
            _ => match header_str(headers, "x-escalator-signature") {
                Some(sig) => signature::escalator(
                    secret.expose().as_bytes(),
                    sig,
                    &body,
                    now,
                    self.settings.tolerance_ms,
                ),
                None => Err(Failure::BadSignature),
            },
        };
        let delivery = delivery_id(src, headers);
        if let Err(failure) = verdict {
            tracing::warn!(source = name, outcome = failure.as_str(), "webhook refused");
            self.dead_letter(name, &body, delivery.as_deref(), failure)
                .await;
            return (
                (name, failure.as_str()),
                (StatusCode::UNAUTHORIZED, "signature check failed\n").into_response(),
            );
        }

        // Key the raw record by ticket so a ticket's deliveries stay in
        // order; a payload that does not parse is keyed by its delivery and
        // dead-lettered by the processor with its coordinates.
        let ctx = Context {
            mappings: &self.mappings,
            limits: &self.limits,
            now_ms: now,
            delivery_id: delivery.as_deref(),
        };
        let key = adapters::normalize(src, &body, &ctx)
            .ok()
            .and_then(|evs| evs.first().map(|e| e.ticket_id.clone().into_bytes()))
            .or_else(|| delivery.clone().map(String::into_bytes));
        let trace = header_str(headers, TRACEPARENT)
            .and_then(|t| TraceParent::parse(t.as_bytes()))
            .unwrap_or_else(TraceParent::new_root);
        let mut out_headers = vec![
            Header::new(SOURCE_HEADER, name),
            Header::new("escalator-received-at", now.to_string()),
            Header::new("content-type", "application/json"),
            trace.child().header(),
        ];
        if let Some(d) = &delivery {
            out_headers.push(Header::new(DELIVERY_HEADER, d.as_str()));
        }
        match self
            .sink
            .publish(&self.raw_topic, key, body.to_vec(), out_headers)
            .await
        {
            Ok(()) => (
                (name, "accepted"),
                (
                    StatusCode::ACCEPTED,
                    [("content-type", "application/json")],
                    "{\"accepted\":true}\n",
                )
                    .into_response(),
            ),
            Err(e) => {
                tracing::error!(source = name, error = %e, "webhook delivery not stored");
                (
                    (name, "publish_failed"),
                    (StatusCode::SERVICE_UNAVAILABLE, "try again later\n").into_response(),
                )
            }
        }
    }

    async fn dead_letter(
        &self,
        source: &str,
        body: &[u8],
        delivery: Option<&str>,
        failure: Failure,
    ) {
        let topic = format!("webhook:/webhooks/{source}");
        let hs = delivery
            .map(|d| vec![Header::new(DELIVERY_HEADER, d)])
            .unwrap_or_default();
        let record = Record {
            topic: &topic,
            partition: -1,
            offset: -1,
            key: None,
            value: body,
            headers: &hs,
            timestamp_ms: Some(self.clock.now_ms()),
        };
        let rejection = Rejection::new(
            failure.as_str(),
            format!("webhook from {source} refused: {}", failure.as_str()),
        );
        let letter = escalator_runtime::dlq::dead_letter(
            &self.dead_letters,
            "ingestor-webhook",
            &record,
            &rejection,
        );
        if let Err(e) = self
            .sink
            .publish(&letter.topic, letter.key, letter.value, letter.headers)
            .await
        {
            tracing::error!(error = %e, "could not dead-letter a refused webhook");
        }
    }
}

fn delivery_id(src: Source, headers: &HeaderMap) -> Option<String> {
    let name = match src {
        Source::Zendesk => "x-zendesk-webhook-invocation-id",
        Source::Jira => "x-atlassian-webhook-identifier",
        _ => "x-escalator-delivery-id",
    };
    header_str(headers, name).map(str::to_owned)
}

/// The `timestamp` (epoch ms) of a Jira payload, if it parses within limits.
fn jira_timestamp(body: &[u8], limits: &Limits) -> Option<i64> {
    if body.len() > limits.max_body_bytes {
        return None;
    }
    let text = std::str::from_utf8(body).ok()?;
    crate::limits::check_depth(text, limits).ok()?;
    let v: serde_json::Value = serde_json::from_str(text).ok()?;
    v.get("timestamp").and_then(serde_json::Value::as_i64)
}
