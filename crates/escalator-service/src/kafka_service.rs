//! Runs a processor as a Kafka service: settings, telemetry, HTTP endpoints,
//! the driver on its own thread, and a drain on SIGTERM. Returns the process
//! exit code: 0 after a clean drain, the driver's code after a failure.

#[cfg(feature = "kafka")]
use std::sync::Arc;

#[cfg(feature = "kafka")]
use axum::Router;
use escalator_runtime::DeadLetterSettings;
#[cfg(feature = "kafka")]
use escalator_runtime::kafka::KafkaDriver;
use escalator_runtime::kafka::KafkaSettings;
#[cfg(feature = "kafka")]
use escalator_runtime::{Processor, SystemClock};
use serde::{Deserialize, Serialize};

use crate::http::HttpSettings;
#[cfg(feature = "kafka")]
use crate::http::{ops_router, serve};
use crate::telemetry::TelemetrySettings;

/// The settings every Kafka service has; services embed it with
/// `#[serde(flatten)]` next to their own sections.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct ServiceSettings {
    pub kafka: KafkaSettings,
    pub dead_letters: DeadLetterSettings,
    pub http: HttpSettings,
    pub telemetry: TelemetrySettings,
}

/// Runs `processor` over `inputs` until SIGTERM or a fatal error.
/// `extra` routes (webhooks, queries) are served next to the ops endpoints;
/// `describe_metrics` declares the service's own metrics once the recorder
/// is installed.
#[cfg(feature = "kafka")]
pub fn run_kafka_service<P: Processor>(
    name: &str,
    settings: ServiceSettings,
    processor: P,
    inputs: Vec<String>,
    extra: Router,
    describe_metrics: fn(),
    queries: Option<escalator_runtime::query::QueryInbox<P::State>>,
) -> i32 {
    let _guard = match crate::telemetry::init_tracing(name, &settings.telemetry) {
        Ok(g) => g,
        Err(e) => {
            eprintln!("{name}: cannot initialise logging: {e}");
            return 78;
        }
    };
    let metrics = match crate::telemetry::init_metrics(name) {
        Ok(h) => Some(h),
        Err(e) => {
            tracing::warn!(error = %e, "metrics recorder not installed");
            None
        }
    };
    describe_metrics();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(error = %e, "cannot start the async runtime");
            return 71;
        }
    };
    let driver = KafkaDriver::new(
        processor,
        settings.kafka.clone(),
        inputs,
        settings.dead_letters.clone(),
        Arc::new(SystemClock),
    );
    let driver = match queries {
        Some(inbox) => driver.with_queries(inbox),
        None => driver,
    };
    let health = driver.health();
    let flag = driver.shutdown_flag();

    runtime.block_on(async move {
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let router = ops_router(health, metrics).merge(extra);
        let server = match serve(&settings.http.listen, router, async {
            let _ = stop_rx.await;
        })
        .await
        {
            Ok((addr, handle)) => {
                tracing::info!(listen = %addr, "http endpoints up: /metrics /healthz /readyz");
                handle
            }
            Err(e) => {
                tracing::error!(listen = %settings.http.listen, error = %e, "cannot bind http listener");
                return 78;
            }
        };
        tokio::spawn(crate::shutdown::on_signal(flag));
        let code = match tokio::task::spawn_blocking(move || driver.run()).await {
            Ok(Ok(())) => {
                tracing::info!("drained, exiting");
                0
            }
            Ok(Err(e)) => {
                tracing::error!(error = %e, exit_code = e.exit_code(), "driver stopped");
                e.exit_code()
            }
            Err(e) => {
                tracing::error!(error = %e, "driver thread panicked");
                70
            }
        };
        let _ = stop_tx.send(());
        let _ = server.await;
        code
    })
}
