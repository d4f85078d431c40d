mod common;

use std::collections::BTreeSet;

use common::{DAY, H, history, rec};
use escalator_proto::v1::{Report, report};
use escalator_reports::render::{render_html, render_json, render_markdown};
use escalator_reports::{
    QueueCapacity, Window, deflection_report, kb_suggestions, resolution_report,
    utilization_report, wrap_report,
};

const XSS: &str = "<img onerror=alert(1)>";

fn hostile_records() -> Vec<escalator_reports::EscalationRecord> {
    let mut records = history(5, 400);
    for i in 0..4 {
        let mut r = rec(&format!("x{i}"), XSS, i * H);
        (r.routed_ms, r.accepted_ms, r.resolved_ms) =
            (Some(i * H), Some(i * H + 60_000), Some(i * H + 120_000));
        (r.subject, r.error_signature, r.resolution_category) =
            (format!("{XSS} help"), XSS.into(), "how_to".into());
        r.specialist = Some(XSS.into());
        r.resolution_notes = format!("Run {XSS}");
        records.push(r);
    }
    records
}

fn reports() -> Vec<Report> {
    let records = hostile_records();
    let window = Window {
        start_ms: 0,
        end_ms: 30 * DAY,
    };
    let queues = [QueueCapacity {
        queue: "db-l2".into(),
        domain: "db".into(),
        specialists: 3,
        capacity: 4,
    }];
    vec![
        wrap_report(
            report::Report::Resolution(resolution_report(&records, window, 31 * DAY)),
            7,
        ),
        wrap_report(
            report::Report::Utilization(utilization_report(&records, &queues, window, 31 * DAY)),
            7,
        ),
        wrap_report(
            report::Report::Deflection(deflection_report(&records, window)),
            7,
        ),
    ]
}

#[test]
fn html_is_self_contained_and_escaped() {
    for r in reports() {
        let html = render_html(&r);
        assert!(html.starts_with("<!DOCTYPE html>"), "{}", &html[..40]);
        assert!(html.trim_end().ends_with("</html>"));
        assert!(html.contains("<svg"), "no chart in {}", r.report_id);
        assert!(!html.to_lowercase().contains("<script"));
        assert!(
            !html.contains("<img"),
            "unescaped payload in {}",
            r.report_id
        );
        assert!(!html.contains("src=\"http") && !html.contains("<link"));
        assert_eq!(html.matches("<svg").count(), html.matches("</svg>").count());
        assert_eq!(
            html.matches("<table").count(),
            html.matches("</table>").count()
        );
    }
    let deflection = render_html(&reports()[2]);
    assert!(deflection.contains("&lt;img onerror=alert(1)&gt;"));
}

#[test]
fn kb_draft_keeps_hostile_subject_as_data() {
    let records = hostile_records();
    let s = kb_suggestions(
        &records,
        Window {
            start_ms: 0,
            end_ms: DAY,
        },
        3,
        &BTreeSet::new(),
        0,
    );
    let draft = s.iter().find_map(|s| {
        s.draft
            .clone()
            .filter(|d| d.symptoms.iter().any(|x| x.contains(XSS)))
    });
    assert!(
        draft.is_some(),
        "hostile subject kept verbatim for the KB owner to see"
    );
}

#[test]
fn markdown_and_json_render_every_report() {
    for r in reports() {
        let md = render_markdown(&r);
        assert!(md.starts_with("# Report "));
        assert!(md.contains("|---"));
        let json = render_json(&r);
        let back: Report = serde_json::from_str(&json).unwrap();
        // serde_json's default float parsing may differ in the last ulp; compare structure.
        assert_eq!(back.report_id, r.report_id);
        assert_eq!(
            std::mem::discriminant(back.report.as_ref().unwrap()),
            std::mem::discriminant(r.report.as_ref().unwrap())
        );
        assert!(json.contains("\"reportId\""));
    }
    // Same type and window, same id.
    assert_eq!(reports()[0].report_id, reports()[0].report_id);
    assert_ne!(reports()[0].report_id, reports()[1].report_id);
}
