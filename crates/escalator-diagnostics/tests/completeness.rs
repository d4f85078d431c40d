//! Completeness scoring: empty, partial and rich tickets.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)] // tests may fail loudly

mod common;

use escalator_diagnostics::{Findings, completeness, extract, missing_item_label};
use escalator_proto::v1::ErrorCode;

const ALL: [&str; 7] = [
    "stack_trace_or_error_code",
    "reproduction_steps",
    "versions",
    "l1_attempts",
    "environment",
    "expected_actual_behavior",
    "log_excerpts",
];

#[test]
fn nothing_scores_zero_and_misses_everything() {
    let (score, missing) = completeness(&Findings::default());
    assert_eq!(score, 0.0);
    assert_eq!(missing, ALL);
    assert_eq!(
        completeness(&extract(&[])),
        (0.0, ALL.map(String::from).to_vec())
    );
}

#[test]
fn a_rich_ticket_scores_high_and_names_only_what_is_missing() {
    let f = common::findings("07_german");
    assert_eq!(completeness(&f), (0.9, vec!["log_excerpts".to_owned()]));
    let f = common::findings("01_java_spring_terse");
    assert_eq!(
        completeness(&f),
        (
            0.7,
            vec![
                "reproduction_steps".to_owned(),
                "expected_actual_behavior".to_owned()
            ]
        )
    );
}

#[test]
fn richer_evidence_never_scores_lower() {
    let thin = common::findings("16_no_evidence");
    let terse = common::findings("13_mobile_terse");
    let rich = common::findings("07_german");
    let s = |f: &Findings| completeness(f).0;
    assert!(s(&thin) < s(&terse) && s(&terse) < s(&rich));
}

#[test]
fn half_items_get_half_credit() {
    let f = Findings {
        actual_behavior: Some("blank page".into()),
        l1_attempts: vec!["customer: I restarted it".into()],
        error_codes: vec![ErrorCode::default()],
        ..Default::default()
    };
    let (score, missing) = completeness(&f);
    assert!((score - 0.325).abs() < 1e-9, "{score}");
    assert!(missing.contains(&"expected_behavior".to_owned()));
    assert!(
        missing.contains(&"l1_attempts".to_owned()),
        "the customer's attempts are not L1's"
    );
    assert!(!missing.contains(&"stack_trace_or_error_code".to_owned()));
}

#[test]
fn labels_for_humans() {
    assert_eq!(
        missing_item_label("reproduction_steps"),
        "reproduction steps"
    );
    assert_eq!(
        missing_item_label("expected_behavior"),
        "expected behaviour"
    );
    assert_eq!(missing_item_label("l1_attempts"), "what L1 tried");
    assert_eq!(missing_item_label("something_else"), "something_else");
}
