//! `escalator run`: the pipeline on one thread that owns it, fed by an
//! events file (followed like `tail -f`, position committed with the state)
//! and by signed webhooks; HTTP (webhooks, `/metrics`, reports, "why not
//! yet") on a tokio runtime. A webhook is answered 202 only after the commit
//! that holds its record, so an acknowledged delivery survives a crash.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TryRecvError, sync_channel};
use std::time::{Duration, Instant};

use escalator_aggregator::http::Reports;
use escalator_aggregator::processor::AggState;
use escalator_evaluator::http::Why;
use escalator_evaluator::state::TicketState;
use escalator_ingestor::webhook::{RawSink, Webhooks};
use escalator_runtime::embedded::Pipeline;
use escalator_runtime::query;
use escalator_runtime::{Clock, Header, Health, ManualClock, Secret, SystemClock};
use tokio::sync::oneshot;

use crate::config::Config;
use crate::events::{Line, Reader, event_time};
use crate::replay::advance;
use crate::sink::{Drained, FileSink};
use crate::wiring;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClockMode {
    /// Deadlines fire on the wall clock (live operation).
    Wall,
    /// The clock follows the newest event time seen (history fed at an
    /// accelerated pace, as in the demo).
    Event,
}

pub struct Options {
    pub data_dir: PathBuf,
    /// `host:port`; port 0 picks a free one.
    pub listen: String,
    pub events: Option<PathBuf>,
    /// Event time per wall time when feeding `events` (3600: an hour of
    /// history per second); 0 feeds as fast as possible.
    pub speed: f64,
    pub clock: ClockMode,
    /// Print routed escalations to stdout as JSON lines.
    pub stdout: bool,
    /// Stop once the events file is fully processed (instead of following it).
    pub exit_at_end: bool,
    pub config: Config,
}

/// Where the events file stands: byte offset and the event clock, stored
/// with every commit.
const SOURCE: &str = "events-file";
const BATCH: usize = 500;

struct Delivery {
    topic: String,
    key: Option<Vec<u8>>,
    value: Vec<u8>,
    headers: Vec<Header>,
    reply: oneshot::Sender<Result<(), String>>,
}

/// The webhook side of the pipeline thread's inbox.
struct ChannelSink(SyncSender<Delivery>);

impl RawSink for ChannelSink {
    fn publish<'a>(
        &'a self,
        topic: &'a str,
        key: Option<Vec<u8>>,
        value: Vec<u8>,
        headers: Vec<Header>,
    ) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>> {
        Box::pin(async move {
            let (reply, answer) = oneshot::channel();
            let delivery = Delivery {
                topic: topic.to_owned(),
                key,
                value,
                headers,
                reply,
            };
            self.0.try_send(delivery).map_err(|e| match e {
                std::sync::mpsc::TrySendError::Full(_) => "busy: try again".to_owned(),
                std::sync::mpsc::TrySendError::Disconnected(_) => "stopping".to_owned(),
            })?;
            answer.await.map_err(|_| "stopping".to_owned())?
        })
    }
}

/// The webhook secret: `ESCALATOR_WEBHOOK_SECRET`, else `webhook.secret` in
/// the data directory, created (random, owner-only) on first start.
pub fn webhook_secret(data_dir: &Path) -> anyhow::Result<(Secret, Option<PathBuf>)> {
    if let Ok(s) = std::env::var("ESCALATOR_WEBHOOK_SECRET") {
        if !s.is_empty() {
            return Ok((Secret::new(s), None));
        }
    }
    let path = data_dir.join("webhook.secret");
    if !path.exists() {
        use std::io::{Read, Write};
        use std::os::unix::fs::OpenOptionsExt;
        let mut bytes = [0u8; 32];
        std::fs::File::open("/dev/urandom")?.read_exact(&mut bytes)?;
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)?;
        writeln!(f, "{hex}")?;
    }
    Ok((Secret::from_file(&path)?, Some(path)))
}

/// Runs until SIGINT/SIGTERM (or the end of the events file with
/// `exit_at_end`). `ready` receives the bound address once serving.
pub fn run(opts: Options, ready: impl FnOnce(SocketAddr) + Send) -> anyhow::Result<()> {
    std::fs::create_dir_all(&opts.data_dir)?;
    let metrics = escalator_service::telemetry::init_metrics("escalator")?;
    escalator_ingestor::metrics::describe();
    escalator_evaluator::metrics::describe();
    escalator_router::metrics::describe();
    escalator_aggregator::metrics::describe();

    let manual = ManualClock::new(0);
    let clock: Arc<dyn Clock> = match opts.clock {
        ClockMode::Wall => Arc::new(SystemClock),
        ClockMode::Event => Arc::new(manual.clone()),
    };
    let mut pipeline = wiring::open(&opts.data_dir, &opts.config, clock.clone())?;
    let (mut offset, stored_clock) = decode_position(pipeline.source_position(SOURCE));
    manual.advance_to(stored_clock);
    let mut sink = FileSink::new(&opts.data_dir, opts.stdout)?;
    // Whatever a crash left in the outbox goes out first.
    sink.drain(&mut pipeline)?;

    let (secret, _) = webhook_secret(&opts.data_dir)?;
    let (tx, rx) = sync_channel::<Delivery>(1024);
    let (why_handle, why_inbox) = query::channel::<TicketState>(64);
    let (agg_handle, agg_inbox) = query::channel::<AggState>(16);
    let health = Health::default();
    health.set_started();
    let webhooks = Arc::new(Webhooks {
        secrets: ["canonical", "zendesk", "jira"]
            .into_iter()
            .map(|s| (s.to_owned(), secret.clone()))
            .collect(),
        settings: opts.config.ingestor.webhooks.clone(),
        raw_topic: wiring::RAW.into(),
        dead_letters: escalator_runtime::DeadLetterSettings {
            topic: wiring::DEAD_LETTERS.into(),
            ..Default::default()
        },
        mappings: opts.config.ingestor.mappings.clone(),
        limits: opts.config.ingestor.limits.clone(),
        sink: Arc::new(ChannelSink(tx)),
        // Signatures are checked against real time, whatever the pipeline's clock.
        clock: Arc::new(SystemClock),
    });
    let app = escalator_service::http::ops_router(health, Some(metrics))
        .merge(escalator_ingestor::webhook::router(webhooks))
        .merge(escalator_evaluator::http::router(Arc::new(Why {
            policy: opts.config.policy.clone(),
            queries: why_handle,
            clock: clock.clone(),
        })))
        .merge(escalator_aggregator::http::router(Arc::new(Reports {
            queries: agg_handle,
            queues: opts.config.queues(),
            clock: clock.clone(),
        })))
        .route("/", axum::routing::get(index));

    let shutdown = Arc::new(AtomicBool::new(false));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let stop = shutdown.clone();
    let (addr, server) = rt.block_on(async {
        tokio::spawn(escalator_service::shutdown::on_signal(stop.clone()));
        let wait = async move {
            while !stop.load(Ordering::SeqCst) {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        };
        escalator_service::http::serve(&opts.listen, app, wait).await
    })?;
    ready(addr);

    let mut reader = match &opts.events {
        Some(p) => Some(Reader::open(p, offset, false)?),
        None => None,
    };
    let mut loop_state = Feed {
        held: None,
        pace: None,
        speed: opts.speed,
    };
    let mut totals = Drained::default();
    let mut announced = false;
    let result = (|| -> anyhow::Result<()> {
        while !shutdown.load(Ordering::SeqCst) {
            pipeline.answer::<escalator_evaluator::Evaluator>(wiring::EVALUATOR, &why_inbox);
            pipeline.answer::<escalator_aggregator::Aggregator>(wiring::AGGREGATOR, &agg_inbox);
            let mut replies = Vec::new();
            let mut work = take_webhooks(&rx, &mut pipeline, &manual, opts.clock, &mut replies)?;
            let mut wait = None;
            if let Some(r) = reader.as_mut() {
                let fed = loop_state.feed(r, &mut pipeline, &manual, opts.clock, &mut offset)?;
                work += fed.records;
                wait = fed.wait;
                if fed.at_end && work == 0 {
                    if !announced {
                        announced = true;
                        eprintln!(
                            "escalator run: events file processed up to {}: {} escalations routed, {} KB suggestions, {} dead letters since start (files under {})",
                            escalator_calendar::rfc3339(clock.now_ms()),
                            totals.routed,
                            totals.kb_updates,
                            totals.dead_letters,
                            opts.data_dir.display()
                        );
                    }
                    if opts.exit_at_end {
                        shutdown.store(true, Ordering::SeqCst);
                    }
                }
            }
            // On the wall clock deadlines fire here; on event time `advance`
            // fired them already (this finds none due).
            let fired_before = pipeline.tick()?.timers_fired;
            if work > 0 || fired_before > 0 {
                pipeline.commit()?;
                tracing::debug!(offset, "batch committed");
                let drained = sink.drain(&mut pipeline)?;
                totals.routed += drained.routed;
                totals.kb_updates += drained.kb_updates;
                totals.dead_letters += drained.dead_letters;
            }
            for reply in replies {
                let _ = reply.send(Ok(()));
            }
            if work == 0 && fired_before == 0 {
                std::thread::sleep(
                    wait.unwrap_or(Duration::from_millis(20))
                        .min(Duration::from_millis(50)),
                );
            }
        }
        Ok(())
    })();
    if let Err(e) = &result {
        tracing::error!(error = %e, "pipeline stopped");
        pipeline.abort();
    }
    shutdown.store(true, Ordering::SeqCst);
    drop(rx);
    rt.block_on(async {
        let _ = server.await;
    });
    result
}

/// Webhook deliveries waiting, into the pipeline (replied after commit).
fn take_webhooks(
    rx: &Receiver<Delivery>,
    pipeline: &mut Pipeline,
    manual: &ManualClock,
    mode: ClockMode,
    replies: &mut Vec<oneshot::Sender<Result<(), String>>>,
) -> anyhow::Result<usize> {
    let mut n = 0;
    while n < BATCH {
        let d = match rx.try_recv() {
            Ok(d) => d,
            Err(TryRecvError::Empty | TryRecvError::Disconnected) => break,
        };
        if n == 0 {
            tracing::debug!("batch open");
        }
        if mode == ClockMode::Event {
            if let Some(t) = event_time(&d.value) {
                advance(pipeline, manual, t)?;
            }
        }
        pipeline.send(&d.topic, d.key.as_deref(), &d.value, &d.headers, None)?;
        replies.push(d.reply);
        n += 1;
    }
    Ok(n)
}

struct Feed {
    /// A line read but not due yet (pacing).
    held: Option<Line>,
    /// (wall instant, event time) the pace is measured from.
    pace: Option<(Instant, i64)>,
    speed: f64,
}

struct Fed {
    records: usize,
    at_end: bool,
    wait: Option<Duration>,
}

impl Feed {
    fn feed(
        &mut self,
        reader: &mut Reader,
        pipeline: &mut Pipeline,
        manual: &ManualClock,
        mode: ClockMode,
        offset: &mut u64,
    ) -> anyhow::Result<Fed> {
        let mut fed = Fed {
            records: 0,
            at_end: false,
            wait: None,
        };
        while fed.records < BATCH {
            let line = match self.held.take() {
                Some(l) => l,
                None => match reader.next_line()? {
                    Some(l) => l,
                    None => {
                        fed.at_end = true;
                        break;
                    }
                },
            };
            if let (Some(t), true) = (line.time_ms, self.speed > 0.0) {
                let (wall, base) = *self.pace.get_or_insert((Instant::now(), t));
                let due = wall
                    + Duration::from_secs_f64(((t - base).max(0) as f64 / 1000.0) / self.speed);
                let now = Instant::now();
                if due > now {
                    fed.wait = Some(due - now);
                    self.held = Some(line);
                    break;
                }
            }
            if fed.records == 0 {
                // Kill tests read this line and "batch committed" to tell
                // whether a kill landed inside an open batch.
                tracing::debug!(offset = *offset, "batch open");
            }
            if let (Some(t), ClockMode::Event) = (line.time_ms, mode) {
                advance(pipeline, manual, t)?;
            }
            *offset = line.end;
            let position = encode_position(*offset, manual.now_ms());
            pipeline.send(
                wiring::RAW,
                None,
                &line.bytes,
                &[],
                Some((SOURCE, &position)),
            )?;
            fed.records += 1;
        }
        Ok(fed)
    }
}

fn encode_position(offset: u64, clock: i64) -> Vec<u8> {
    let mut v = offset.to_le_bytes().to_vec();
    v.extend_from_slice(&clock.to_le_bytes());
    v
}

fn decode_position(bytes: Option<&[u8]>) -> (u64, i64) {
    let Some(b) = bytes else { return (0, 0) };
    let offset = b
        .get(..8)
        .and_then(|s| <[u8; 8]>::try_from(s).ok())
        .map_or(0, u64::from_le_bytes);
    let clock = b
        .get(8..16)
        .and_then(|s| <[u8; 8]>::try_from(s).ok())
        .map_or(0, i64::from_le_bytes);
    (offset, clock)
}

async fn index() -> axum::response::Html<&'static str> {
    axum::response::Html(INDEX)
}

const INDEX: &str = r#"<!doctype html><html><head><meta charset="utf-8"><title>Escalator</title>
<style>body{font-family:system-ui,sans-serif;max-width:48rem;margin:2rem auto;line-height:1.5}code{background:#f3f3f3;padding:0 .2rem}</style></head>
<body><h1>Escalator</h1>
<p>Reports (HTML, also <code>format=md</code> and <code>format=json</code>; <code>window=</code> e.g. <code>7d</code>):</p>
<ul><li><a href="/reports/utilization?format=html&window=30d">Specialist utilization</a></li>
<li><a href="/reports/resolution?format=html&window=30d">Escalation to resolution</a></li>
<li><a href="/reports/deflection?format=html&window=30d">Deflection opportunities</a></li></ul>
<p>Operations: <a href="/metrics">/metrics</a> (Prometheus), <a href="/healthz">/healthz</a>, <a href="/readyz">/readyz</a>.</p>
<p>Why has a ticket not escalated yet: <code>GET /tickets/{ticket_id}/why</code>.</p>
<p>Webhooks: <code>POST /webhooks/{canonical|zendesk|jira}</code>, signed with the secret in the data directory's <code>webhook.secret</code>.</p>
</body></html>"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn position_round_trips() {
        assert_eq!(
            decode_position(Some(&encode_position(1234, -5))),
            (1234, -5)
        );
        assert_eq!(decode_position(None), (0, 0));
        assert_eq!(decode_position(Some(b"short")), (0, 0));
    }
}
