//! Bounded work: huge or hostile input is capped and scanned in linear time.
//! (No timing assertions here; the regex crate guarantees linear matching.)
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)] // tests may fail loudly

use escalator_diagnostics::{Role, Source, SourceKind, evidence_counts, extract};

fn source(kind: SourceKind<'_>, text: &str) -> Findings {
    extract(&[Source {
        kind,
        at_ms: 0,
        author_role: Role::Customer,
        text,
    }])
}

use escalator_diagnostics::Findings;

#[test]
fn a_ten_megabyte_log_is_capped_and_its_tail_still_read() {
    let mut text = String::from(
        "2024-03-10 09:00:00.000 ERROR [main] first failure: HTTP 502 from upstream\n",
    );
    let mut n = 0;
    while text.len() < 10 * 1024 * 1024 {
        text.push_str(&format!(
            "2024-03-10 10:00:{:02}.123 INFO [worker-{}] processed batch {n} in 12 ms for user{n}@example.com\n",
            n % 60,
            n % 8
        ));
        n += 1;
    }
    text.push_str("2024-03-10 10:59:59.999 FATAL [worker-1] last failure: ORA-00060 deadlock\n");
    let f = source(
        SourceKind::Attachment {
            file_name: "big.log",
            content_type: "text/plain",
        },
        &text,
    );
    let codes: Vec<&str> = f.error_codes.iter().map(|c| c.code.as_str()).collect();
    assert_eq!(
        codes,
        vec!["502", "ORA-00060"],
        "head and tail are both read"
    );
    assert_eq!(f.log_excerpts.len(), 2);
    assert!(f.log_excerpts.iter().all(|l| l.line_count <= 40));
    assert!(f.log_excerpts[1].text.contains("FATAL"));
    assert_eq!(f.attachments[0].size_bytes, text.len() as u64);
    assert!(
        !f.log_excerpts
            .iter()
            .any(|l| l.text.contains("@example.com"))
    );
}

#[test]
fn hostile_shapes_finish() {
    // Long lines, deep nesting, endless frames without a header.
    let mut text = "a".repeat(1 << 20);
    text.push_str(&" at x(".repeat(50_000));
    text.push_str(&"((((".repeat(50_000));
    text.push('\n');
    for i in 0..20_000 {
        text.push_str(&format!("    at com.acme.A.m{i}(A.java:{i})\n"));
    }
    let f = source(SourceKind::Description, &text);
    assert!(f.stack_traces.len() <= 10);
    for t in &f.stack_traces {
        assert!(t.frames.lines().count() <= 41);
    }
}

#[test]
fn evidence_counts_agree_with_extract() {
    for text in [
        "java.lang.IllegalStateException: x\n\tat a.B.c(B.java:1)\n\tat a.B.d(B.java:2)\nHTTP 502 and ORA-00942",
        "nothing here, order 50213",
        "Traceback (most recent call last):\n  File \"a.py\", line 1, in <module>\nValueError: x\n[Errno 111]",
    ] {
        let f = source(SourceKind::Description, text);
        let c = evidence_counts(text);
        assert_eq!(c.stack_traces as usize, f.stack_traces.len(), "{text}");
        assert_eq!(c.error_codes as usize, f.error_codes.len(), "{text}");
    }
}

#[test]
fn thousands_of_distinct_items_stay_capped() {
    let mut text = String::new();
    for i in 0..5_000 {
        text.push_str(&format!(
            "ORA-{i:05} cluster=prod-{i} https://help.acme.io/kb/{i} KB-{i:04} version {i}.1.0\n"
        ));
    }
    let f = source(SourceKind::Description, &text);
    assert_eq!(f.error_codes.len(), 30);
    assert_eq!(f.related_kb.len(), 20);
    assert_eq!(f.versions.len(), 20);
    assert_eq!(f.environment.cluster.split(", ").count(), 3);
}
