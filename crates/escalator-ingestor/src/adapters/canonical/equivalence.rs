//! The typed canonical adapter against the old one (`oracle`), run side by
//! side through the whole of `adapters::normalize`: the same events byte
//! for byte and the same errors (kind and message), for every event of
//! generated histories and for malformed variants of them.

use escalator_proto::v1::TicketEvent;
use escalator_proto::v1::ticket_event::Kind;
use prost::Message;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::Value;

use super::oracle;
use crate::adapters::{self, Context, Source};
use crate::error::NormalizeError;
use crate::limits::{Limits, check_depth, check_size, check_utf8, scan_json};
use crate::mapping::Mappings;

/// 2026-10-05T00:00:00Z, as the benchmarks use.
const START_MS: i64 = 1_791_158_400_000;
/// After every generated event.
const NOW_MS: i64 = START_MS + 400 * 86_400_000;

type Outcome = Result<Vec<TicketEvent>, NormalizeError>;

/// `adapters::normalize` for canonical JSON as it was.
fn old(bytes: &[u8], ctx: &Context<'_>) -> Outcome {
    check_size(bytes, ctx.limits)?;
    let text = check_utf8(bytes)?;
    oracle::check_depth(text, ctx.limits)?;
    let events = oracle::normalize(text, ctx)?;
    for ev in &events {
        adapters::validate(ev, ctx)?;
    }
    Ok(events)
}

/// An event's protobuf bytes without its one map (a `HashMap` encodes in
/// no fixed order), and that map's entries sorted.
fn encoded(ev: &TicketEvent) -> (Vec<u8>, Vec<(String, String)>) {
    let mut ev = ev.clone();
    let mut map = Vec::new();
    if let Some(Kind::FieldsUpdated(f)) = &mut ev.kind {
        map = std::mem::take(&mut f.custom_fields).into_iter().collect();
        map.sort();
    }
    (ev.encode_to_vec(), map)
}

struct Harness {
    mappings: Mappings,
    limits: Limits,
    now_ms: i64,
    compared: usize,
    ok: usize,
    /// Payloads the typed pass read (the rest went through a `Value`).
    typed: usize,
}

impl Harness {
    fn new(limits: Limits) -> Self {
        Harness {
            mappings: Mappings::default(),
            limits,
            now_ms: NOW_MS,
            compared: 0,
            ok: 0,
            typed: 0,
        }
    }

    fn ctx(&self) -> Context<'_> {
        Context {
            mappings: &self.mappings,
            limits: &self.limits,
            now_ms: self.now_ms,
            delivery_id: None,
        }
    }

    /// Both implementations on `bytes`: same outcome, and the same nesting
    /// verdict from the old and new scans at a few limits.
    fn check(&mut self, bytes: &[u8]) {
        let ctx = self.ctx();
        let want = old(bytes, &ctx);
        let got = adapters::normalize(Source::Canonical, bytes, &ctx);
        let shown = || String::from_utf8_lossy(&bytes[..bytes.len().min(600)]).into_owned();
        match (&want, &got) {
            (Ok(w), Ok(g)) => {
                assert_eq!(w.len(), g.len(), "{}", shown());
                for (a, b) in w.iter().zip(g) {
                    assert_eq!(encoded(a), encoded(b), "{}", shown());
                    assert_eq!(a, b, "{}", shown());
                }
                self.ok += 1;
            }
            (Err(w), Err(g)) => assert_eq!(w, g, "{}", shown()),
            _ => panic!("outcomes differ for {}:\n{want:?}\n{got:?}", shown()),
        }
        if let Ok(text) = std::str::from_utf8(bytes) {
            let scan = scan_json(text, &self.limits);
            if scan.is_ok_and(|s| !s.needs_full_parse) && super::typed(text).is_some() {
                self.typed += 1;
            }
            for max_depth in [0, 1, 2, 3, 4, 8, 64] {
                let l = Limits {
                    max_depth,
                    ..Limits::default()
                };
                assert_eq!(
                    oracle::check_depth(text, &l),
                    check_depth(text, &l),
                    "{}",
                    shown()
                );
            }
        }
        self.compared += 1;
    }

    fn check_text(&mut self, text: &str) {
        self.check(text.as_bytes());
    }

    fn report(&self, what: &str) {
        println!(
            "{what}: {} payloads compared, {} normalized, {} read by the typed pass",
            self.compared, self.ok, self.typed
        );
    }
}

fn history(seed: u64, tickets: usize) -> Vec<Value> {
    escalator_generator::generate(&escalator_generator::Settings::new(seed, tickets, START_MS))
}

fn json(v: &Value) -> String {
    serde_json::to_string(v).unwrap()
}

/// Up to `per_type` events of each type.
fn samples(events: &[Value], per_type: usize) -> Vec<Value> {
    let mut seen = std::collections::HashMap::<String, usize>::new();
    let mut out = Vec::new();
    for e in events {
        let kind = e["type"].as_str().unwrap_or_default().to_owned();
        let n = seen.entry(kind).or_default();
        if *n < per_type {
            *n += 1;
            out.push(e.clone());
        }
    }
    out
}

/// Raw JSON values that are wrong, odd or borderline for some field.
const SNIPPETS: &[&str] = &[
    "null",
    "true",
    "false",
    "0",
    "-1",
    "1.5",
    "-0",
    "1e400",
    "-1e400",
    "1e-400",
    "1E2",
    "18446744073709551615",
    "18446744073709551616",
    "9223372036854775808",
    "-9223372036854775809",
    "123456789012345678901234567890",
    "1743000000",
    "1743000000000",
    "1743000000000000",
    "\"\"",
    "\" \"",
    "\"x\"",
    "\"l2\"",
    "\"html\"",
    "\"markdown\"",
    "\"nonsense\"",
    "\"<p>a&amp;b<br>c</p>\"",
    "\"\\ud800\"",
    "\"\\udc00x\"",
    "\"\\ud83d\\ude00\"",
    "\"\\u00e9\\n\\t\\\"\"",
    "\"2025-03-14T11:00:00Z\"",
    "\"2031-01-01T00:00:00Z\"",
    "\"1999-01-01T00:00:00Z\"",
    "\"2025-03-14T11:00:00.000+0200\"",
    "[]",
    "[1]",
    "[\"x\"]",
    "[\"a\",\"b\"]",
    "[\"a\",2]",
    "[null]",
    "{}",
    "{\"a\":1}",
    "{\"id\":\"x\",\"tier\":\"l2\",\"role\":\"agent\"}",
    "{\"id\":\"x\",\"tier\":\"l9\"}",
    "{\"field\":\"f\",\"old\":1.50,\"new\":{\"b\":[1,2],\"a\":null}}",
    "[{\"field\":\"f\",\"old\":null,\"new\":true}]",
    "[{\"field\":\"f\"},{\"old\":1}]",
    "{\"k\":1.0,\"j\":\"s\",\"i\":[1e2]}",
    "[{\"article_id\":\"KB\",\"url\":\"u\",\"title\":\"t\"}]",
    "[[[[[[[[[[1]]]]]]]]]]",
];

/// `SNIPPETS` and long numbers: an f64 overflows past about 309 digits.
fn snippets() -> Vec<String> {
    let mut out: Vec<String> = SNIPPETS.iter().map(|s| (*s).to_owned()).collect();
    out.push(format!("1{}", "0".repeat(308)));
    out.push("1".repeat(310));
    out.push(format!("-{}", "9".repeat(400)));
    out.push(format!("0.{}1", "0".repeat(400)));
    out
}

const PLACEHOLDER: &str = "\"@@PLACEHOLDER@@\"";

/// Fields to vary: every top-level one, nested ones, absent ones, and every
/// field any type's `data` has.
const PATHS: &[&[&str]] = &[
    &["schema"],
    &["event_id"],
    &["ticket_id"],
    &["type"],
    &["occurred_at"],
    &["source"],
    &["source_ticket_id"],
    &["sequence"],
    &["url"],
    &["customer"],
    &["customer", "tier"],
    &["customer", "id"],
    &["product"],
    &["component"],
    &["tags"],
    &["priority"],
    &["status"],
    &["subject"],
    &["description"],
    &["support_tier"],
    &["queue"],
    &["assignee"],
    &["actor"],
    &["actor", "tier"],
    &["actor", "name"],
    &["data"],
    &["x_unknown"],
];

const DATA_FIELDS: &[&str] = &[
    "channel",
    "changes",
    "custom_fields",
    "comment_id",
    "author",
    "public",
    "body",
    "format",
    "attachment_id",
    "file_name",
    "content_type",
    "size_bytes",
    "text_excerpt",
    "from",
    "to",
    "queue",
    "agent",
    "tier",
    "previous_queue",
    "previous_agent_id",
    "added",
    "removed",
    "escalation_id",
    "domain",
    "specialist_id",
    "from_domain",
    "to_domain",
    "reason",
    "resolution_code",
    "category",
    "notes",
    "kb_articles",
    "resolved_by",
    "x_unknown",
];

/// `event` with `path` set to the placeholder (creating objects on the way),
/// or `None` where a parent is not an object.
fn with_placeholder(event: &Value, path: &[&str]) -> Option<String> {
    let mut v = event.clone();
    let mut at = &mut v;
    for (i, key) in path.iter().enumerate() {
        let map = at.as_object_mut()?;
        if i + 1 == path.len() {
            map.insert((*key).to_owned(), Value::String("@@PLACEHOLDER@@".into()));
            return Some(json(&v));
        }
        at = map
            .entry((*key).to_owned())
            .or_insert_with(|| Value::Object(Default::default()));
    }
    None
}

fn without(event: &Value, key: &str) -> String {
    let mut v = event.clone();
    if let Some(m) = v.as_object_mut() {
        m.remove(key);
    }
    json(&v)
}

#[test]
fn every_generated_event_is_the_same_and_takes_the_typed_path() {
    let mut h = Harness::new(Limits::default());
    let mut total = 0;
    for (seed, tickets) in [(3, 400), (11, 60)] {
        let events = history(seed, tickets);
        for e in &events {
            let text = json(e);
            h.check_text(&text);
            total += 1;
        }
        // Pretty-printed, and in batches (a payload may be an array).
        for e in events.iter().step_by(7) {
            h.check_text(&serde_json::to_string_pretty(e).unwrap());
        }
        for batch in events.chunks(5).step_by(5) {
            h.check_text(&json(&Value::Array(batch.to_vec())));
        }
    }
    // Every payload here is read by the typed pass, and normalizes.
    assert_eq!((h.typed, h.ok), (h.compared, h.compared));
    assert!(total > 2_000, "{total} generated events");
    h.report(&format!("{total} generated events"));
}

#[test]
fn wrong_types_missing_fields_and_odd_values_fail_alike() {
    let mut h = Harness::new(Limits::default());
    let snippets = snippets();
    for e in samples(&history(5, 60), 1) {
        for path in PATHS {
            if let Some(text) = with_placeholder(&e, path) {
                for s in &snippets {
                    h.check_text(&text.replace(PLACEHOLDER, s));
                }
            }
        }
        for field in DATA_FIELDS {
            if let Some(text) = with_placeholder(&e, &["data", field]) {
                for s in &snippets {
                    h.check_text(&text.replace(PLACEHOLDER, s));
                }
            }
        }
        if let Some(map) = e.as_object() {
            for key in map.keys() {
                h.check_text(&without(&e, key));
            }
        }
        // Unknown and missing event types, missing ids.
        for kind in ["\"teleported\"", "\"\"", "\"Created\"", "null"] {
            let text = with_placeholder(&e, &["type"]).unwrap();
            h.check_text(&text.replace(PLACEHOLDER, kind));
        }
    }
    h.report("wrong types");
}

#[test]
fn malformed_text_fails_alike() {
    let mut h = Harness::new(Limits::default());
    let events = history(7, 40);
    let samples = samples(&events, 2);
    let mut rng = StdRng::seed_from_u64(42);

    // Truncated JSON: at every byte for a few events, at random for all.
    for e in samples.iter().take(4) {
        let text = json(e);
        for end in 0..text.len() {
            if text.is_char_boundary(end) {
                h.check_text(&text[..end]);
            }
        }
    }
    for e in &events {
        let text = json(e);
        for _ in 0..4 {
            let end = rng.random_range(0..text.len());
            h.check(&text.as_bytes()[..end]);
        }
    }

    for e in &samples {
        let text = json(e);
        let body = text.strip_prefix('{').unwrap();
        // Duplicate keys: first, last, in `data`, unknown ones.
        for key in e.as_object().unwrap().keys() {
            for s in ["\"dup\"", "null", "1", "{}"] {
                h.check_text(&format!("{{\"{key}\":{s},{body}"));
                let head = text.strip_suffix('}').unwrap();
                h.check_text(&format!("{head},\"{key}\":{s}}}"));
            }
        }
        h.check_text(&format!("{{\"zz\":1,\"zz\":2,{body}"));
        for field in DATA_FIELDS {
            let dup = text.replacen("\"data\":{", &format!("\"data\":{{\"{field}\":\"d\","), 1);
            h.check_text(&dup);
            let dup = text.replacen("\"data\":{", &format!("\"data\":{{\"{field}\":null,"), 1);
            h.check_text(&dup);
        }
        // Escaped keys, non-JSON whitespace, a byte-order mark, trailing text.
        h.check_text(&text.replacen("\"ticket_id\"", "\"ticket\\u005fid\"", 1));
        h.check_text(&text.replacen("\"type\"", "\"\\u0074ype\"", 1));
        h.check_text(&format!(" \t\r\n{text}\n "));
        h.check_text(&format!("\u{feff}{text}"));
        h.check_text(&format!("\u{a0}{text}"));
        h.check_text(&format!("{text}x"));
        h.check_text(&format!("{text}{text}"));
        h.check_text(&format!("[{text},{text}]"));
        h.check_text(&format!("[{text},5]"));
        h.check_text(&format!("[{text},\"x\"]"));
        h.check_text(&format!("[{text},[]]"));
        h.check_text(&format!("[{text},]"));
        // Raw control characters and lone surrogates in strings.
        h.check_text(&text.replacen("\"ticket_id\":\"", "\"ticket_id\":\"\u{1}", 1));
        h.check_text(&text.replacen("\"x_unknown", "\"x_\\ud800unknown", 1));
        // Non-UTF-8 bytes in a string, and an overlong encoding.
        for bad in [&b"\xff"[..], b"\xc3", b"\xc0\x80", b"\xed\xa0\x80"] {
            let at = text.find("\"subject\":\"").unwrap() + 11;
            let mut bytes = text.as_bytes().to_vec();
            bytes.splice(at..at, bad.iter().copied());
            h.check(&bytes);
        }
    }
    for top in [
        "",
        " ",
        "[]",
        "[[]]",
        "[{}]",
        "{}",
        "null",
        "1",
        "\"x\"",
        "[1]",
        "{",
        "[",
        "]",
        "}",
        "{\"a\":}",
        "[{\"a\":1,}]",
    ] {
        h.check_text(top);
    }

    // Events as arrays: derived structs take fields by position.
    let mut fields: Vec<String> = [
        "\"escalator.canonical.v1\"",
        "\"e1\"",
        "\"t1\"",
        "\"created\"",
        "\"2025-03-14T11:00:00Z\"",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    fields.extend(std::iter::repeat_n("null".to_owned(), 16));
    for kind in ["\"created\"", "\"priority_changed\""] {
        fields[3] = kind.to_owned();
        for data in [
            "",
            ",null",
            ",{\"channel\":\"web\"}",
            ",[\"web\"]",
            ",[]",
            ",{},1",
        ] {
            let seq = format!("[{}{data}]", fields.join(","));
            h.check_text(&seq);
            h.check_text(&format!("[{seq}]"));
        }
    }
    h.report("malformed");
}

#[test]
fn nesting_and_size_limits_fail_alike() {
    let events = history(9, 20);
    let samples = samples(&events, 2);
    let nest = |depth: usize, open: &str, close: &str| {
        format!("{}1{}", open.repeat(depth), close.repeat(depth))
    };
    for limits in [
        Limits::default(),
        Limits {
            max_depth: 3,
            ..Limits::default()
        },
        Limits {
            max_depth: 300,
            ..Limits::default()
        },
        Limits {
            max_text_bytes: 7,
            ..Limits::default()
        },
        Limits {
            max_body_bytes: 700,
            ..Limits::default()
        },
    ] {
        let mut h = Harness::new(limits);
        for e in &samples {
            for depth in [
                1, 2, 3, 10, 62, 63, 64, 65, 99, 100, 126, 127, 128, 129, 200,
            ] {
                for (open, close) in [("[", "]"), ("{\"k\":", "}")] {
                    let deep = nest(depth, open, close);
                    for path in [
                        &["x_unknown"][..],
                        &["data", "x_unknown"],
                        &["data", "body"],
                    ] {
                        if let Some(text) = with_placeholder(e, path) {
                            h.check_text(&text.replace(PLACEHOLDER, &deep));
                        }
                    }
                }
            }
            // Brackets inside strings do not count.
            let text = with_placeholder(e, &["x_unknown"]).unwrap();
            h.check_text(&text.replace(PLACEHOLDER, &format!("\"{}\\\"\\\\\"", "[{".repeat(90))));
        }
        // Huge strings, with multi-byte characters across the cut.
        for e in samples.iter().step_by(6) {
            for (path, s) in [
                (&["description"][..], "x".repeat(70_000)),
                (&["description"], "é".repeat(40_000)),
                (&["data", "body"], "ü€".repeat(30_000)),
                (&["data", "notes"], "a".repeat(65_535) + "€€"),
                (&["data", "reason"], "b".repeat(1024 * 1024)),
                (&["subject"], "\\\"".repeat(10_000)),
            ] {
                if let Some(text) = with_placeholder(e, path) {
                    h.check_text(&text.replace(PLACEHOLDER, &json(&Value::String(s))));
                }
            }
        }
        h.check_text(&"[".repeat(10_000));
        h.check_text(&format!("{}{}", "[".repeat(10_000), "]".repeat(10_000)));
        h.check_text(&"]".repeat(100));
        h.report(&format!("limits {:?}", h.limits));
    }
}

#[test]
fn random_mutations_fail_or_succeed_alike() {
    let mut h = Harness::new(Limits::default());
    let events = history(13, 30);
    let mut rng = StdRng::seed_from_u64(7);
    const BITS: &[&[u8]] = &[
        b"\"",
        b"\\",
        b"{",
        b"}",
        b"[",
        b"]",
        b",",
        b":",
        b"1",
        b"e",
        b"-",
        b".",
        b" ",
        b"null",
        b"\\u",
        b"\\ud800",
        b"\xff",
        b"\x01",
        b"\"type\":",
        b"\"data\":{",
        b"1e999",
    ];
    for _ in 0..20_000 {
        let e = &events[rng.random_range(0..events.len())];
        let mut bytes = json(e).into_bytes();
        for _ in 0..rng.random_range(1..=3) {
            let at = rng.random_range(0..=bytes.len());
            match rng.random_range(0..4) {
                0 => {
                    let end = (at + rng.random_range(1..8)).min(bytes.len());
                    bytes.drain(at..end);
                }
                1 => {
                    let bit = BITS[rng.random_range(0..BITS.len())];
                    bytes.splice(at..at, bit.iter().copied());
                }
                2 => {
                    if at < bytes.len() {
                        bytes[at] = rng.random();
                    }
                }
                _ => {
                    let end = (at + rng.random_range(1..40)).min(bytes.len());
                    let copy = bytes[at..end].to_vec();
                    bytes.splice(at..at, copy);
                }
            }
        }
        h.check(&bytes);
    }
    h.report("random mutations");
}
