//! Logs, metrics recorder and optional trace export.
//!
//! Log lines are JSON by default and pass through the redactor on their way
//! out, so a secret that slips into a message or a field never reaches the
//! log sink. Traces go to an OTLP/HTTP collector only when an endpoint is
//! configured.

use std::io::Write;

use serde::{Deserialize, Serialize};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct TelemetrySettings {
    /// An EnvFilter directive, e.g. `info` or `info,escalator_runtime=debug`.
    pub log_level: String,
    /// `json` or `text`.
    pub log_format: String,
    /// OTLP/HTTP traces endpoint (e.g. `http://127.0.0.1:4318/v1/traces`);
    /// empty disables export.
    pub otlp_endpoint: String,
}

impl Default for TelemetrySettings {
    fn default() -> Self {
        TelemetrySettings {
            log_level: "info".into(),
            log_format: "json".into(),
            otlp_endpoint: String::new(),
        }
    }
}

/// A writer that redacts each formatted log line before it reaches stderr.
#[derive(Clone, Copy, Default)]
pub struct RedactingStderr;

/// Redacts what passes through it on the way to `inner` (stderr in
/// services; a buffer in tests).
pub struct RedactingWriter<W: Write = std::io::Stderr>(pub W);

impl<W: Write> Write for RedactingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        let redacted = escalator_redact::redact(&text);
        self.0.write_all(redacted.text.as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

impl<'a> MakeWriter<'a> for RedactingStderr {
    type Writer = RedactingWriter;

    fn make_writer(&'a self) -> Self::Writer {
        RedactingWriter(std::io::stderr())
    }
}

/// Keeps the trace exporter alive; dropping it flushes pending spans.
pub struct TelemetryGuard {
    provider: Option<opentelemetry_sdk::trace::SdkTracerProvider>,
}

impl Drop for TelemetryGuard {
    fn drop(&mut self) {
        if let Some(p) = self.provider.take() {
            let _ = p.shutdown();
        }
    }
}

/// Installs the global subscriber. Call once, early in `main`.
pub fn init_tracing(service: &str, settings: &TelemetrySettings) -> anyhow::Result<TelemetryGuard> {
    let filter = EnvFilter::try_new(&settings.log_level).unwrap_or_else(|_| EnvFilter::new("info"));
    let fmt_layer = if settings.log_format == "text" {
        tracing_subscriber::fmt::layer()
            .with_writer(RedactingStderr)
            .with_target(false)
            .boxed()
    } else {
        tracing_subscriber::fmt::layer()
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .with_writer(RedactingStderr)
            .boxed()
    };
    let mut provider = None;
    let otel_layer = if settings.otlp_endpoint.is_empty() {
        None
    } else {
        use opentelemetry::trace::TracerProvider as _;
        use opentelemetry_otlp::WithExportConfig;
        let exporter = opentelemetry_otlp::SpanExporter::builder()
            .with_http()
            .with_endpoint(&settings.otlp_endpoint)
            .build()?;
        let p = opentelemetry_sdk::trace::SdkTracerProvider::builder()
            .with_batch_exporter(exporter)
            .with_resource(
                opentelemetry_sdk::Resource::builder()
                    .with_service_name(service.to_owned())
                    .build(),
            )
            .build();
        let tracer = p.tracer(service.to_owned());
        provider = Some(p);
        Some(tracing_opentelemetry::layer().with_tracer(tracer))
    };
    tracing_subscriber::registry()
        .with(filter)
        .with(fmt_layer)
        .with(otel_layer)
        .try_init()?;
    Ok(TelemetryGuard { provider })
}

/// The bucket bounds of every service histogram, in seconds: half a
/// millisecond (a processing step) to a day (an escalation's hops).
pub const HISTOGRAM_BUCKETS: [f64; 21] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
    60.0, 300.0, 900.0, 3600.0, 14400.0, 86400.0,
];

/// The metrics recorder of a service: a `service` label on every series and
/// [`HISTOGRAM_BUCKETS`]. [`init_metrics`] installs it; benchmarks and tests
/// build it as a local recorder.
pub fn metrics_builder(
    service: &str,
) -> Result<escalator_metrics::Builder, escalator_metrics::BuildError> {
    escalator_metrics::Builder::new()
        .global_label("service", service)
        .buckets(&HISTOGRAM_BUCKETS)
}

/// Installs the service's metrics recorder as the global one; the handle
/// renders `/metrics`.
pub fn init_metrics(service: &str) -> anyhow::Result<escalator_metrics::Handle> {
    Ok(metrics_builder(service)?.install()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_lines_are_redacted_on_the_way_out() {
        let line = b"{\"msg\":\"login failed for jane@example.com password=hunter22\"}\n";
        let mut w = RedactingWriter(Vec::new());
        assert_eq!(w.write(line).ok(), Some(line.len()));
        let out = String::from_utf8(w.0).unwrap_or_default();
        assert!(
            !out.contains("jane@example.com") && !out.contains("hunter22"),
            "{out}"
        );
        assert!(
            out.contains("[REDACTED:email]") && out.contains("[REDACTED:secret]"),
            "{out}"
        );
    }
}
