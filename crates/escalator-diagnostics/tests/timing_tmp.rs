#[test]
fn timing() {
    let mut text = String::new();
    let mut n = 0;
    while text.len() < 256 * 1024 {
        text.push_str(&format!("2024-03-10 10:00:{:02}.123 INFO [worker-{}] processed batch {} in 12 ms user=x@y.com\n", n % 60, n % 8, n));
        n += 1;
    }
    for _ in 0..3 {
        let t = std::time::Instant::now();
        let r = escalator_redact::redact(&text);
        println!("redact: {:?} {}", t.elapsed(), r.counts.total());
        let t = std::time::Instant::now();
        let f = escalator_diagnostics::extract(&[escalator_diagnostics::Source {
            kind: escalator_diagnostics::SourceKind::Description,
            at_ms: 0,
            author_role: escalator_diagnostics::Role::Customer,
            text: &r.text,
        }]);
        println!(
            "extract (no redactions left): {:?} {}",
            t.elapsed(),
            f.log_excerpts.len()
        );
    }
}
