#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]
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
    let med = |f: &dyn Fn()| {
        let mut v = Vec::new();
        for _ in 0..7 {
            let t = std::time::Instant::now();
            for _ in 0..500 {
                f();
            }
            v.push(t.elapsed() / 500);
        }
        v.sort();
        v[3]
    };
    let e = med(&|| {
        let _ = escalator_diagnostics::extract(&src);
    });
    let c = med(&|| {
        let _ = escalator_diagnostics::evidence_counts(text);
    });
    let r = med(&|| {
        let _ = escalator_redact::redact(text);
    });
    println!(
        "{} bytes: extract {:?}, evidence_counts {:?}, redact alone {:?}",
        text.len(),
        e,
        c,
        r
    );
}
