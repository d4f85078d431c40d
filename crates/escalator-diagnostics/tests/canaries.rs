//! Planted secrets and personal data never reach any field of the findings,
//! the packet or its Markdown.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)] // tests may fail loudly

mod common;

use escalator_diagnostics::{extract, fill_packet, render_markdown};
use escalator_proto::v1::{Customer, HandoffPacket, TimelineEntry};
use escalator_redact::redact_str;

/// What must never be seen again, and the text that plants it.
const CANARIES: &[&str] = &[
    "jane.doe",
    "example.com",
    "4111 1111 1111 1111",
    "4111-1111-1111-1111",
    "5555555555554444",
    "AKIAIOSFODNN7EXAMPLE",
    "eyJhbGciOiJIUzI1NiJ9",
    "Sup3rS3cret",
    "hunter2secret",
    "415 555 0134",
];

const PLANT: &str = "contact jane.doe@example.com or +1 415 555 0134, card 4111 1111 1111 1111, \
    key AKIAIOSFODNN7EXAMPLE, password=Sup3rS3cret! \
    db postgres://app:hunter2secret@db.internal:5432/prod \
    jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJlX2hlcmU";

fn assert_clean(what: &str, text: &str) {
    for c in CANARIES {
        assert!(!text.contains(c), "{what}: {c} leaked in\n{text}");
    }
}

fn packet_for(owned: &[common::OwnedSource]) -> HandoffPacket {
    let f = extract(&common::sources(owned));
    let subject = owned
        .iter()
        .find(|s| s.kind == "subject")
        .map(|s| s.text.as_str())
        .unwrap_or_default();
    let mut packet = HandoffPacket {
        summary: redact_str(&format!("{subject}: summary")),
        subject: redact_str(subject),
        ..Default::default()
    };
    fill_packet(&mut packet, f);
    packet
}

#[test]
fn the_canary_ticket_leaks_nothing_but_keeps_its_evidence() {
    let owned = common::load("11_canaries");
    let f = extract(&common::sources(&owned));
    for s in common::strings(&f) {
        assert_clean("findings", &s);
    }
    // The evidence is still there, with markers where the values were.
    assert_eq!(f.stack_traces.len(), 1);
    assert_eq!(
        f.stack_traces[0].message,
        "login failed for [REDACTED:email] using [REDACTED:cloud_key]"
    );
    assert_eq!(f.reproduction_steps.len(), 3);
    assert_eq!(f.log_excerpts.len(), 1);
    assert_eq!(f.attachments[0].file_name, "[REDACTED:email]");
    assert!(f.related_kb[0].url.ends_with("token=[REDACTED:secret]"));
    assert!(f.redactions.get(escalator_redact::Kind::Email) >= 8);
    assert!(f.redactions.get(escalator_redact::Kind::CardNumber) >= 3);

    let packet = packet_for(&owned);
    assert_clean("packet", &format!("{packet:?}"));
    assert_clean("markdown", &packet.markdown);
    assert!(packet.markdown.contains("_Redacted before handoff: "));
    assert!(!packet.redactions.is_empty());
}

/// Every corpus ticket, with canaries added to each of its sources (and to
/// attachment names): nothing leaks anywhere.
#[test]
fn canaries_planted_in_every_source_of_every_ticket() {
    for name in common::all_names() {
        let mut owned = common::load(&name);
        for s in &mut owned {
            s.text = format!("{PLANT}\n{}\n2024-03-10 10:00:00 ERROR {PLANT}", s.text);
            if s.kind == "attachment" {
                s.file = format!("{} for jane.doe@example.com", s.file);
            }
        }
        let f = extract(&common::sources(&owned));
        for s in common::strings(&f) {
            assert_clean(&name, &s);
        }
        let packet = packet_for(&owned);
        assert_clean(&name, &format!("{packet:?}"));
        assert_clean(&name, &packet.markdown);
    }
}

/// A packet filled by hand with raw values: the Markdown is still clean and
/// says that it redacted something while rendering.
#[test]
fn markdown_redacts_what_the_caller_forgot() {
    let packet = HandoffPacket {
        subject: PLANT.to_owned(),
        summary: PLANT.to_owned(),
        customer: Some(Customer {
            id: "C-1".into(),
            name: Some("jane.doe@example.com".into()),
            ..Default::default()
        }),
        reproduction_steps: vec![PLANT.to_owned()],
        timeline: vec![TimelineEntry {
            at_ms: 1_710_064_800_000,
            text: PLANT.to_owned(),
            ..Default::default()
        }],
        ..Default::default()
    };
    let md = render_markdown(&packet);
    assert_clean("markdown", &md);
    assert!(md.contains("more while rendering"), "{md}");
}
