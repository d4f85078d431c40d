//! The Markdown of a handoff packet: what a specialist sees.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)] // tests may fail loudly

mod common;

use escalator_diagnostics::{fill_packet, render_markdown};
use escalator_proto::v1::{
    ActorRole, Customer, CustomerTier, HandoffPacket, Priority, RedactionCount, RedactionKind,
    StackTrace, StackTraceLanguage, TimelineEntry,
};

fn rich_packet() -> HandoffPacket {
    let mut p = HandoffPacket {
        subject: "Invoice export broken".into(),
        summary: "Export fails with HTTP 500 since 4.18.2".into(),
        ticket_url: "https://acme.zendesk.com/agent/tickets/1042".into(),
        customer: Some(Customer {
            id: "C-1".into(),
            name: Some("Acme GmbH".into()),
            tier: CustomerTier::Enterprise as i32,
            tier_name: "Platinum".into(),
            ..Default::default()
        }),
        priority: Priority::Urgent as i32,
        product: "Billing".into(),
        timeline: vec![TimelineEntry {
            at_ms: 1_710_064_800_000,
            kind: "comment_added".into(),
            actor_role: ActorRole::L1Agent as i32,
            text: "cleared cache".into(),
            event_id: "e1".into(),
        }],
        ..Default::default()
    };
    fill_packet(&mut p, common::findings("01_java_spring_terse"));
    p
}

#[test]
fn header_sections_and_fences() {
    let p = rich_packet();
    let md = &p.markdown;
    assert_eq!(md, &render_markdown(&p), "fill_packet renders last");
    assert!(md.starts_with("# Invoice export broken\n\n"));
    assert!(md.contains(
        "**Customer:** Acme GmbH (`C-1`) · **Tier:** Enterprise (Platinum) · **Priority:** Urgent"
    ));
    assert!(md.contains(
        "**Product:** Billing · **Ticket:** <https://acme.zendesk.com/agent/tickets/1042>"
    ));
    assert!(md.contains("**Evidence completeness:** 70%"));
    assert!(md.contains("## Summary\n\nExport fails with HTTP 500 since 4.18.2\n"));
    assert!(
        md.contains(
            "## Missing evidence\n\n- reproduction steps\n- expected vs actual behaviour\n"
        )
    );
    assert!(md.contains(
        "**1. Java · `org.springframework.dao.DataIntegrityViolationException`**: could not execute statement"
    ));
    assert!(md.contains("Root cause: org.postgresql.util.PSQLException"));
    assert!(md.contains("```text\n\tat org.springframework.orm.jpa"));
    assert!(md.contains("## Error codes\n\n- HTTP status `500`: "));
    assert!(md.contains("## Logs\n\n**description** (6 lines)\n\n```text\n2024-03-10"));
    assert!(md.contains("## Versions\n\n- product 4.18.2\n- Chrome 120.0.6099.109\n"));
    assert!(md.contains("## What L1 tried\n\n- Cleared cache"));
    assert!(md.contains(
        "## Timeline\n\n- 2024-03-10 10:00 UTC · L1 agent · comment\\_added: cleared cache\n"
    ));
    assert!(md.ends_with("_Redaction: nothing was redacted._\n"));
    // Order: evidence before what L1 tried, timeline last.
    let at = |s: &str| md.find(s).unwrap_or(usize::MAX);
    assert!(at("## Stack traces") < at("## Logs") && at("## Logs") < at("## What L1 tried"));
    assert!(at("## What L1 tried") < at("## Timeline"));
    // Every fence is closed.
    assert_eq!(md.matches("```").count() % 2, 0);
}

#[test]
fn an_empty_packet_still_renders() {
    let md = render_markdown(&HandoffPacket::default());
    assert_eq!(
        md,
        "# Escalation handoff\n\n**Evidence completeness:** 0%\n\n---\n\n_Redaction: nothing was redacted._\n"
    );
}

#[test]
fn ticket_text_cannot_become_markup() {
    let p = HandoffPacket {
        subject: "<script>alert(1)</script> **urgent** [click](http://x)".into(),
        stack_traces: vec![StackTrace {
            language: StackTraceLanguage::Node as i32,
            exception_type: "Error".into(),
            message: "bad `input`".into(),
            frames: "    at f (/a.js:1:2)\n```\n# not a heading".into(),
            top_frame: "at f (/a.js:1:2)".into(),
            frame_count: 1,
        }],
        ..Default::default()
    };
    let md = render_markdown(&p);
    assert!(md.starts_with(
        "# \\<script\\>alert(1)\\</script\\> \\*\\*urgent\\*\\* \\[click\\](http://x)\n"
    ));
    // A fence longer than the backticks inside keeps the block closed.
    assert!(md.contains("````text\n    at f (/a.js:1:2)\n```\n# not a heading\n````\n"));
    assert!(md.contains(": bad \\`input\\`"));
}

#[test]
fn redaction_note_counts_only() {
    let p = HandoffPacket {
        redactions: vec![
            RedactionCount {
                kind: RedactionKind::Email as i32,
                count: 2,
            },
            RedactionCount {
                kind: RedactionKind::Secret as i32,
                count: 1,
            },
        ],
        ..Default::default()
    };
    assert!(render_markdown(&p).ends_with(
        "_Redacted before handoff: 2 email addresses, 1 secret. The values are never included._\n"
    ));
}

#[test]
fn non_ascii_survives() {
    let mut p = HandoffPacket::default();
    fill_packet(&mut p, common::findings("08_japanese"));
    assert!(p.markdown.contains("ユーザー設定が不正です"));
    assert!(p.markdown.contains("1. ブラウザでログイン画面を開く"));
    let mut p = HandoffPacket::default();
    fill_packet(&mut p, common::findings("07_german"));
    assert!(p.markdown.contains("- **mandant:** müller-gmbh"));
    assert!(p.markdown.contains("Auf „Per E-Mail senden“ klicken"));
}
