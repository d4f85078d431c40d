//! `cargo test -p escalator-diagnostics --test dump -- --ignored --nocapture`
//! prints what is found in each corpus ticket: a help when writing tests.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)] // tests may fail loudly

mod common;

#[test]
#[ignore = "prints the corpus findings"]
fn dump() {
    let only = std::env::var("TICKET").unwrap_or_default();
    for name in common::all_names() {
        if !name.contains(&only) {
            continue;
        }
        let f = common::findings(&name);
        println!("===== {name}\n{f:#?}");
        let (score, missing) = escalator_diagnostics::completeness(&f);
        println!("score {score} missing {missing:?}");
    }
}

#[test]
#[ignore = "prints the Markdown of a corpus ticket"]
fn dump_markdown() {
    use escalator_proto::v1::{Customer, CustomerTier, HandoffPacket, Priority};
    let name = std::env::var("TICKET").unwrap_or_else(|_| "01_java_spring_terse".into());
    let f = common::findings(&name);
    let mut p = HandoffPacket {
        subject: "Invoice export broken".into(),
        summary: "Export fails with HTTP 500".into(),
        customer: Some(Customer {
            id: "C-1".into(),
            name: Some("Acme GmbH".into()),
            tier: CustomerTier::Enterprise as i32,
            tier_name: "Platinum".into(),
            ..Default::default()
        }),
        priority: Priority::Urgent as i32,
        ..Default::default()
    };
    escalator_diagnostics::fill_packet(&mut p, f);
    println!("{}", p.markdown);
}
