#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]
mod common;
#[test]
fn timing() {
    let text = "Hi team, since the update to 4.18.2 the export fails with HTTP 500.\n\
2024-03-10 10:00:01.456 ERROR [exec-3] c.a.b.ExportController : export failed\n\
java.lang.IllegalStateException: batch failed\n\tat com.acme.billing.Exporter.run(Exporter.java:88)\n\tat com.acme.billing.Job.exec(Job.java:12)\n\
2024-03-10 10:00:01.460  WARN [exec-3] o.h.SqlExceptionHelper : SQL Error: 0, SQLState: 23505\n\
We already tried clearing the cache. Browser is Chrome 120 on Windows 11. Tenant: acme. Thanks, Jane";
    let src = [escalator_diagnostics::Source {
        kind: escalator_diagnostics::SourceKind::Comment { public: true },
        at_ms: 0,
        author_role: escalator_diagnostics::Role::Customer,
        text,
    }];
    let f = escalator_diagnostics::extract(&src);
    let strings = common::strings(&f);
    let joined = strings
        .iter()
        .filter(|s| !s.is_empty())
        .cloned()
        .collect::<Vec<_>>()
        .join("\n\u{1}\n");
    for s in strings.iter().chain([&joined, &text.to_owned()]) {
        let t = std::time::Instant::now();
        for _ in 0..1000 {
            let _ = escalator_redact::redact(s);
        }
        println!("{:>10?} {:?}", t.elapsed() / 1000, &s[..s.len().min(60)]);
    }
}
