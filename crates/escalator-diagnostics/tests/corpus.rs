//! The ticket corpus: what must be found in each ticket, and what must not.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)] // tests may fail loudly

mod common;

use escalator_diagnostics::{Findings, completeness};
use escalator_proto::v1::{ErrorCodeKind as Kind, StackTraceLanguage as Lang};

fn codes(f: &Findings) -> Vec<(Kind, &str)> {
    f.error_codes
        .iter()
        .map(|c| {
            (
                Kind::try_from(c.kind).unwrap_or(Kind::Unspecified),
                c.code.as_str(),
            )
        })
        .collect()
}

fn versions(f: &Findings) -> Vec<(&str, &str)> {
    f.versions
        .iter()
        .map(|v| (v.name.as_str(), v.version.as_str()))
        .collect()
}

fn lang(f: &Findings, i: usize) -> Lang {
    Lang::try_from(f.stack_traces[i].language).unwrap_or(Lang::Unspecified)
}

fn everything(f: &Findings) -> String {
    common::strings(f).join("\n")
}

#[test]
fn java_spring_terse() {
    let f = common::findings("01_java_spring_terse");
    assert_eq!(f.stack_traces.len(), 1);
    let t = &f.stack_traces[0];
    assert_eq!(lang(&f, 0), Lang::Java);
    assert_eq!(
        t.exception_type,
        "org.springframework.dao.DataIntegrityViolationException"
    );
    assert_eq!(
        t.top_frame,
        "at com.acme.billing.export.InvoiceExporter.persistBatch(InvoiceExporter.java:142)"
    );
    assert!(
        t.frames
            .contains("Caused by: org.postgresql.util.PSQLException")
    );
    assert!(t.frames.contains("... 41 more") && t.frames.contains("... 52 common frames omitted"));
    assert_eq!(t.frame_count, 8);
    assert_eq!(
        codes(&f),
        vec![(Kind::HttpStatus, "500"), (Kind::Sqlstate, "23505")],
        "order 50213 is no code"
    );
    assert_eq!(
        versions(&f),
        vec![("product", "4.18.2"), ("Chrome", "120.0.6099.109")]
    );
    // One excerpt around the error, the trace folded into a marker.
    assert_eq!(f.log_excerpts.len(), 1);
    let log = &f.log_excerpts[0];
    assert_eq!(log.source, "description");
    assert!(log.text.contains("ERROR 4242") && log.text.contains("SQLState: 23505"));
    assert!(
        log.text
            .contains("[... stack trace, 14 lines, see Stack traces ...]")
    );
    assert!(!log.text.contains("\tat "));
    assert_eq!(
        f.l1_attempts,
        vec![
            "Cleared cache and reproduced on staging with Chrome 120.0.6099.109.",
            "Workaround: export as PDF works.",
        ]
    );
    assert!(f.reproduction_steps.is_empty());
}

#[test]
fn python_rambling_non_native() {
    let f = common::findings("02_python_rambling");
    assert_eq!(f.stack_traces.len(), 1, "a chained traceback is one trace");
    let t = &f.stack_traces[0];
    assert_eq!(lang(&f, 0), Lang::Python);
    assert_eq!(t.exception_type, "psycopg_pool.PoolTimeout");
    assert!(
        t.message
            .starts_with("couldn't get a connection after 30.00 sec")
    );
    assert_eq!(
        t.top_frame,
        "File \"/opt/acme-sync/sync/store.py\", line 97, in flush"
    );
    assert!(t.frames.contains("psycopg2.OperationalError"));
    assert_eq!(codes(&f), vec![(Kind::Errno, "111")]);
    assert_eq!(
        versions(&f),
        vec![
            ("Python", "3.11.4"),
            ("Ubuntu", "22.04"),
            ("product", "2.7.0")
        ]
    );
    assert_eq!(f.environment.os, "Ubuntu 22.04");
    assert_eq!(
        f.expected_behavior.as_deref(),
        Some("import all the contacts from the CRM")
    );
    assert_eq!(
        f.actual_behavior.as_deref(),
        Some("stops after 5 minutes and nothing is imported")
    );
    assert_eq!(
        f.l1_attempts,
        vec![
            "customer: I already tried to restart the server two times.",
            "customer: We also reinstalled the connector.",
        ]
    );
    let all = everything(&f);
    assert!(!all.contains("1234 5678"), "phone leaked");
    assert_eq!(f.redactions.get(escalator_redact::Kind::Phone), 1);
    assert!(!versions(&f).iter().any(|(_, v)| v.contains("10.0.3")));
    assert!(!versions(&f).iter().any(|(_, v)| v.contains("2024")));
}

#[test]
fn go_panic_pasted_without_explanation() {
    let f = common::findings("03_go_panic_pasted");
    assert_eq!(f.stack_traces.len(), 1);
    let t = &f.stack_traces[0];
    assert_eq!(lang(&f, 0), Lang::Go);
    assert_eq!(t.exception_type, "runtime error");
    assert_eq!(
        t.message,
        "invalid memory address or nil pointer dereference"
    );
    assert_eq!(t.frame_count, 3);
    assert!(
        t.top_frame
            .ends_with("at /src/internal/settle/worker.go:212")
    );
    assert!(!t.frames.contains("stderr F"), "log prefixes are stripped");
    assert!(codes(&f).is_empty(), "{:?}", codes(&f));
    let e = &f.environment;
    assert_eq!(e.cluster, "prod-eu-3");
    assert_eq!(e.region, "eu-central-1");
    assert_eq!(e.deployment, "saas");
    assert_eq!(
        e.attributes.get("namespace").map(String::as_str),
        Some("payments")
    );
    assert_eq!(
        e.attributes.get("pod").map(String::as_str),
        Some("ledger-worker-7c9d5b-x2kqp")
    );
    assert_eq!(versions(&f), vec![("release", "2024.03")]);
    assert!(
        f.l1_attempts
            .iter()
            .any(|a| a.starts_with("Restarted the pod twice"))
    );
}

#[test]
fn rust_panic_self_hosted() {
    let f = common::findings("04_rust_panic_selfhosted");
    let t = &f.stack_traces[0];
    assert_eq!(lang(&f, 0), Lang::Rust);
    assert_eq!(t.exception_type, "panic");
    assert!(t.message.contains("No space left on device"));
    assert_eq!(
        t.top_frame,
        "acme_agent::spool::Spool::open at ./src/spool/mod.rs:118:14"
    );
    assert_eq!(t.frame_count, 5);
    assert_eq!(codes(&f), vec![(Kind::Errno, "28")], "100% is no code");
    assert_eq!(
        versions(&f),
        vec![("Debian", "12"), ("acme-agent", "2.3.1")]
    );
    assert_eq!(f.environment.deployment, "self-hosted");
    assert_eq!(f.environment.os, "Debian 12");
}

#[test]
fn node_with_steps_expected_and_actual() {
    let f = common::findings("05_node_steps");
    assert_eq!(f.stack_traces.len(), 2);
    let t = &f.stack_traces[0];
    assert_eq!(lang(&f, 0), Lang::Node);
    assert_eq!(t.exception_type, "TypeError");
    assert_eq!(
        t.message,
        "Cannot read properties of undefined (reading 'headers')"
    );
    assert_eq!(t.top_frame, "at forward (/srv/relay/src/forward.js:41:27)");
    assert_eq!(f.stack_traces[1].exception_type, "Error");
    assert_eq!(
        codes(&f),
        vec![(Kind::HttpStatus, "502"), (Kind::Errno, "ECONNREFUSED")]
    );
    assert_eq!(
        f.reproduction_steps,
        vec![
            "Send a test event from the dashboard",
            "Open the relay logs",
            "Wait ~5 seconds"
        ]
    );
    assert_eq!(
        f.expected_behavior.as_deref(),
        Some("event is forwarded to our endpoint")
    );
    assert!(
        f.actual_behavior
            .as_deref()
            .is_some_and(|a| a.starts_with("502"))
    );
    assert_eq!(
        versions(&f),
        vec![("Node.js", "20.11.0"), ("relay", "1.8.3")]
    );
}

#[test]
fn dotnet_on_windows_with_crlf_line_endings() {
    let f = common::findings("06_dotnet_windows_crlf");
    assert!(
        !everything(&f).contains('\r'),
        "no carriage return survives"
    );
    assert_eq!(
        f.stack_traces.len(),
        1,
        "the same trace in the log is deduplicated"
    );
    let t = &f.stack_traces[0];
    assert_eq!(lang(&f, 0), Lang::Dotnet);
    assert_eq!(t.exception_type, "System.NullReferenceException");
    assert!(t.top_frame.ends_with("ReportViewModel.cs:line 42"));
    assert!(
        t.frames
            .contains("--- End of stack trace from previous location ---")
    );
    assert_eq!(codes(&f), vec![(Kind::Vendor, "0x80070005")]);
    assert_eq!(f.environment.os, "Windows 11 23H2");
    assert_eq!(f.environment.browser, "Edge 121.0.2277.83");
    assert_eq!(f.log_excerpts.len(), 1);
    assert_eq!(f.log_excerpts[0].source, "attachment client.log");
    assert!(f.log_excerpts[0].text.contains("[ERR] Unhandled exception"));
    assert_eq!(f.attachments.len(), 1);
    assert_eq!(f.attachments[0].file_name, "client.log");
    assert_eq!(
        f.attachments[0].note,
        "log, 6 lines, 1 stack trace, 1 log excerpt"
    );
    assert!(!versions(&f).iter().any(|(_, v)| *v == "7781"));
}

#[test]
fn german_ticket() {
    let f = common::findings("07_german");
    assert_eq!(
        codes(&f),
        vec![(Kind::HttpStatus, "503"), (Kind::Oracle, "ORA-12514")],
        "order and customer numbers are no codes"
    );
    assert_eq!(
        f.reproduction_steps,
        vec![
            "Rechnung öffnen",
            "Auf „Per E-Mail senden“ klicken",
            "Empfänger bestätigen"
        ]
    );
    assert_eq!(
        f.expected_behavior.as_deref(),
        Some("Die Rechnung wird versendet.")
    );
    assert_eq!(
        f.actual_behavior.as_deref(),
        Some("Fehlermeldung „Dienst nicht verfügbar“ (Fehler 503).")
    );
    let e = &f.environment;
    assert_eq!(e.os, "Windows 10");
    assert_eq!(e.browser, "Firefox 123.0");
    assert_eq!(e.region, "EU");
    assert_eq!(
        e.attributes.get("mandant").map(String::as_str),
        Some("müller-gmbh")
    );
    assert_eq!(
        versions(&f),
        vec![
            ("Windows", "10"),
            ("Firefox", "123.0"),
            ("product", "8.4.1")
        ],
        "10.03.2024 is a date"
    );
    assert!(f.l1_attempts[0].starts_with("customer: Wir haben bereits den Browser-Cache geleert"));
    assert!(
        f.l1_attempts
            .contains(&"Problem reproduziert im Testmandanten.".to_owned())
    );
    assert_eq!(completeness(&f).1, vec!["log_excerpts"]);
}

#[test]
fn japanese_ticket_keeps_its_text() {
    let f = common::findings("08_japanese");
    let t = &f.stack_traces[0];
    assert_eq!(t.exception_type, "java.lang.IllegalArgumentException");
    assert_eq!(t.message, "ユーザー設定が不正です");
    assert_eq!(
        f.reproduction_steps,
        vec![
            "ブラウザでログイン画面を開く",
            "IDとパスワードを入力してログインをクリック",
            "ダッシュボードが表示されない"
        ]
    );
    assert_eq!(
        f.expected_behavior.as_deref(),
        Some("ダッシュボードが表示される")
    );
    assert!(
        f.actual_behavior
            .as_deref()
            .is_some_and(|a| a.starts_with("白い画面"))
    );
    assert_eq!(
        versions(&f),
        vec![("product", "3.2.1"), ("macOS", "14.2"), ("Safari", "17.2")]
    );
    assert!(
        f.environment.attributes.is_empty(),
        "labels are not attributes"
    );
    assert_eq!(
        f.l1_attempts,
        vec![
            "customer: すでにキャッシュをクリアして、再起動も試しました。",
            "社内で再現しました。"
        ]
    );
}

#[test]
fn spanish_sso_ticket() {
    let f = common::findings("09_spanish_sso");
    assert_eq!(codes(&f), vec![(Kind::Vendor, "AADSTS50126")]);
    let e = &f.environment;
    assert_eq!(
        e.attributes.get("idp").map(String::as_str),
        Some("Azure AD")
    );
    assert_eq!(
        e.attributes.get("tenant").map(String::as_str),
        Some("contoso-es")
    );
    assert_eq!(e.region, "EU");
    assert_eq!(e.browser, "Chrome, Firefox");
    assert_eq!(f.reproduction_steps.len(), 3);
    assert_eq!(f.expected_behavior.as_deref(), Some("redirigir al panel"));
    assert_eq!(
        f.actual_behavior.as_deref(),
        Some("muestra el error de arriba")
    );
    assert!(f.l1_attempts[0].starts_with("customer: Ya intenté borrar la caché"));
    assert!(
        f.l1_attempts
            .contains(&"Asked the customer to send a HAR file.".to_owned())
    );
    let kb: Vec<(&str, &str)> = f
        .related_kb
        .iter()
        .map(|k| (k.article_id.as_str(), k.title.as_str()))
        .collect();
    assert_eq!(
        kb,
        vec![
            ("360004567", "Configurar SSO con Azure AD"),
            ("KB-2291", "")
        ]
    );
    assert!(f.versions.is_empty(), "'valid until 2025' is no version");
}

#[test]
fn html_stripped_trace_on_one_line() {
    let f = common::findings("10_html_stripped");
    let t = &f.stack_traces[0];
    assert_eq!(t.exception_type, "java.util.concurrent.ExecutionException");
    assert_eq!(t.message, "java.lang.OutOfMemoryError: Java heap space");
    assert_eq!(
        t.top_frame,
        "at com.acme.scheduler.JobRunner.<init>(JobRunner.java:55)"
    );
    assert_eq!(t.frame_count, 4);
    assert_eq!(versions(&f), vec![("Java", "17"), ("RHEL", "8.9")]);
    assert_eq!(f.environment.deployment, "on-prem");
    let all = everything(&f);
    assert!(!all.contains("<p>") && !all.contains("&lt;") && !all.contains("&nbsp;"));
}

#[test]
fn nginx_log_attachments() {
    let f = common::findings("12_nginx_attachments");
    let sources: Vec<&str> = f.log_excerpts.iter().map(|l| l.source.as_str()).collect();
    assert_eq!(
        sources,
        vec!["attachment access.log", "attachment error.log"]
    );
    assert_eq!(
        codes(&f),
        vec![
            (Kind::HttpStatus, "502"),
            (Kind::HttpStatus, "504"),
            (Kind::Errno, "111"),
            (Kind::Errno, "110")
        ],
        "200 is no error code"
    );
    assert_eq!(
        versions(&f),
        vec![("nginx", "1.25.3")],
        "IP addresses are no versions"
    );
    assert_eq!(f.environment.cluster, "api-prod-2");
    assert_eq!(f.attachments.len(), 2);
}

#[test]
fn terse_mobile_ticket() {
    let f = common::findings("13_mobile_terse");
    assert_eq!(
        versions(&f),
        vec![("iOS", "17.2"), ("App", "5.4.0"), ("build", "1203")]
    );
    assert_eq!(f.environment.os, "iOS 17.2");
    assert!(codes(&f).is_empty());
    assert!(!everything(&f).contains("555-0199"));
}

#[test]
fn database_codes() {
    let f = common::findings("14_database");
    assert_eq!(
        codes(&f),
        vec![(Kind::Sqlstate, "40001"), (Kind::Sqlstate, "40P01")],
        "process ids and MySQL's 1213 are no SQLSTATEs"
    );
    assert_eq!(
        versions(&f),
        vec![("PostgreSQL", "15.4"), ("MySQL", "8.0.36")]
    );
    assert_eq!(f.environment.deployment, "on-prem");
}

#[test]
fn php_trace_is_other() {
    let f = common::findings("15_php_mongo");
    let t = &f.stack_traces[0];
    assert_eq!(lang(&f, 0), Lang::Other);
    assert_eq!(
        t.exception_type,
        "MongoDB\\Driver\\Exception\\BulkWriteException"
    );
    assert!(t.top_frame.contains("CartRepository.php(58)"));
    assert_eq!(codes(&f), vec![(Kind::Vendor, "E11000")]);
}

#[test]
fn numbers_dates_and_ips_are_no_evidence() {
    let f = common::findings("16_no_evidence");
    assert!(f.error_codes.is_empty(), "{:?}", f.error_codes);
    assert!(f.versions.is_empty(), "{:?}", f.versions);
    assert!(f.stack_traces.is_empty() && f.log_excerpts.is_empty());
    assert_eq!(completeness(&f).0, 0.0);
}

#[test]
fn agent_notes_specialists_and_automation() {
    let f = common::findings("17_agent_notes");
    assert_eq!(
        f.l1_attempts,
        vec![
            "Checked status page, no incident.",
            "Tried with a test user in the customer's tenant: same behaviour.",
            "Cleared the tenant cache via admin tool.",
            "Followed KB-1234 (slow reports) and https://acme.atlassian.net/wiki/spaces/SUP/pages/55120/Reports+timeout+runbook",
            "Asked the customer to send a HAR file.",
            "specialist: Looked at the query plan, missing index on report_runs.tenant_id.",
            "specialist: Rebuilt the index on a copy.",
        ],
        "questions and automation are not attempts"
    );
    let ids: Vec<&str> = f.related_kb.iter().map(|k| k.article_id.as_str()).collect();
    assert_eq!(ids, vec!["55120", "KB-1234"]);
    assert_eq!(f.related_kb[0].title, "Reports timeout runbook");
}

/// Properties every ticket of the corpus must have.
#[test]
fn corpus_invariants() {
    let names = common::all_names();
    assert!(names.len() >= 15, "{names:?}");
    for name in names {
        let f = common::findings(&name);
        let all = everything(&f);
        assert!(!all.contains('\r'), "{name}: carriage return");
        for l in &f.log_excerpts {
            assert_eq!(l.line_count as usize, l.text.lines().count(), "{name}");
            assert!(l.text.lines().count() <= 40, "{name}");
        }
        for t in &f.stack_traces {
            assert!(t.frames.lines().count() <= 41, "{name}");
            assert!(!t.top_frame.is_empty(), "{name}: no top frame");
        }
        let (score, missing) = completeness(&f);
        assert!((0.0..=1.0).contains(&score), "{name}");
        assert!(missing.len() <= 7, "{name}");
    }
}
