//! The ingestor's processor: raw record in, normalized and deduplicated
//! `TicketEvent`s out (keyed by ticket id), or a rejection the runtime turns
//! into a dead letter.

use escalator_proto::v1::TicketEvent;
use escalator_runtime::headers::{CONTENT_TYPE, SCHEMA};
use escalator_runtime::{Ctx, Output, Processor, Record, Rejection, StateCodec, Timer};
use prost::Message;

use crate::adapters::{self, Context, DELIVERY_HEADER, SOURCE_HEADER, Source};
use crate::dedup::{self, Seen, SeenCodec, Verdict};
use crate::error::{ErrorKind, NormalizeError};
use crate::limits::Limits;
use crate::mapping::Mappings;
use crate::metrics as m;

pub struct Ingestor {
    pub mappings: Mappings,
    pub limits: Limits,
    pub events_topic: String,
    /// How long an event id is remembered for deduplication.
    pub dedup_window_ms: i64,
}

const EXPIRE: &str = "dedup-expire";

fn reject(e: NormalizeError) -> Rejection {
    Rejection::new(e.kind.as_str(), e.message)
}

impl Ingestor {
    /// The normalization step alone (no dedup), for the CLI and tests.
    pub fn normalize(
        &self,
        record: &Record<'_>,
        now_ms: i64,
    ) -> Result<(Source, Vec<TicketEvent>), NormalizeError> {
        let source = adapters::detect(record.value, record.headers)?;
        let delivery = record
            .header(DELIVERY_HEADER)
            .map(|d| String::from_utf8_lossy(d).into_owned());
        let ctx = Context {
            mappings: &self.mappings,
            limits: &self.limits,
            now_ms,
            delivery_id: delivery.as_deref(),
        };
        let events = adapters::normalize(source, record.value, &ctx)?;
        Ok((source, events))
    }
}

impl Processor for Ingestor {
    type State = Seen;

    fn name(&self) -> &str {
        "ingestor"
    }

    fn codec(&self) -> &dyn StateCodec<Seen> {
        &SeenCodec
    }

    fn process(&self, ctx: &mut Ctx<'_, Seen>, record: &Record<'_>) -> Result<(), Rejection> {
        let now = ctx.now();
        let source_label = record
            .header(SOURCE_HEADER)
            .and_then(|s| std::str::from_utf8(s).ok())
            .and_then(Source::parse)
            .map_or("detected", Source::as_str);
        metrics::counter!(m::CONSUMED, "source" => source_label).increment(1);
        let (source, events) = match self.normalize(record, now) {
            Ok(ok) => ok,
            Err(e) => {
                metrics::counter!(m::REJECTED, "source" => source_label, "error_kind" => e.kind.as_str())
                    .increment(1);
                return Err(reject(e));
            }
        };
        let mut fresh = Vec::with_capacity(events.len());
        for ev in events {
            let hash = dedup::content_hash(&ev);
            let key = dedup::key(&ev.event_id);
            match dedup::verdict(ctx.get(&key), hash) {
                Verdict::New => {
                    ctx.put(
                        &key,
                        Seen {
                            hash,
                            first_seen_ms: now,
                        },
                    );
                    ctx.set_timer(&key, EXPIRE, now + self.dedup_window_ms);
                    fresh.push(ev);
                }
                Verdict::Redelivery => {
                    metrics::counter!(m::DUPLICATES, "source" => source.as_str()).increment(1);
                }
                Verdict::Conflict => {
                    metrics::counter!(m::REJECTED, "source" => source.as_str(), "error_kind" => ErrorKind::ConflictingDuplicate.as_str())
                        .increment(1);
                    return Err(reject(NormalizeError::new(
                        ErrorKind::ConflictingDuplicate,
                        format!(
                            "event id {} was seen before with different content",
                            ev.event_id
                        ),
                    )));
                }
            }
        }
        let content_type = escalator_proto::content_type::<TicketEvent>();
        for ev in fresh {
            let kind = m::kind_label(&ev);
            metrics::counter!(m::NORMALIZED, "source" => source.as_str(), "kind" => kind)
                .increment(1);
            m::note_unmapped(source.as_str(), &ev);
            ctx.emit(
                Output::new(
                    &self.events_topic,
                    ev.ticket_id.as_bytes(),
                    ev.encode_to_vec(),
                )
                .with_header(CONTENT_TYPE, content_type.as_bytes())
                .with_header(SCHEMA, escalator_proto::SCHEMA)
                .with_header(SOURCE_HEADER, source.as_str()),
            );
        }
        Ok(())
    }

    fn on_timer(&self, ctx: &mut Ctx<'_, Seen>, timer: &Timer) -> Result<(), Rejection> {
        if timer.name == EXPIRE {
            ctx.delete(&timer.key);
        }
        Ok(())
    }
}
