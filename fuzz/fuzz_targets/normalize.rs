//! Fuzzes the ingestor's normalization: every source adapter, and source
//! detection, on arbitrary bytes. Must never panic; allocation is bounded by
//! the limits checked before parsing (run with -rss_limit_mb).

#![no_main]

use escalator_ingestor::adapters::{self, Context, Source};
use escalator_ingestor::limits::Limits;
use escalator_ingestor::mapping::Mappings;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mappings = Mappings::default();
    let limits = Limits {
        max_body_bytes: 64 * 1024,
        ..Limits::default()
    };
    let ctx = Context {
        mappings: &mappings,
        limits: &limits,
        now_ms: 1_796_000_000_000,
        delivery_id: None,
    };
    let _ = adapters::detect(data, &[]);
    for source in Source::ALL {
        if let Ok(events) = adapters::normalize(source, data, &ctx) {
            for ev in &events {
                assert!(!ev.ticket_id.is_empty() && !ev.event_id.is_empty());
            }
        }
    }
});
