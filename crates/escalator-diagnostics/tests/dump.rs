//! `cargo test -p escalator-diagnostics --test dump -- --ignored --nocapture`
//! prints what is found in each corpus ticket: a help when writing tests.

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
