use escalator_reports::{normalize, signature};

#[test]
fn normalizes_volatile_tokens() {
    let cases = [
        (
            "ORA-00942 table ACME_7781 missing",
            "ora-<n> table <id> missing",
        ),
        (
            "ORA-00942:   table  acme_12 missing",
            "ora-<n>: table <id> missing",
        ),
        (
            "request 550e8400-e29b-41d4-a716-446655440000 failed",
            "request <uuid> failed",
        ),
        (
            "mail to Jane.Doe@Example.com bounced",
            "mail to <email> bounced",
        ),
        ("cannot open /var/lib/app/data.db", "cannot open <path>"),
        (r"C:\Users\bob\app.log locked", "<path> locked"),
        (
            "segfault at 0x7ffd5e8c addr 7ffd5e8c9a10",
            "segfault at <hex> addr <hex>",
        ),
        (
            "timeout after 3000ms on port 5432",
            "timeout after <id> on port <n>",
        ),
        (
            "NullPointerException at Invoice.java:117",
            "nullpointerexception at invoice.java:<n>",
        ),
        ("HTTP 503 from s3 utf8", "http <n> from s3 utf8"),
        ("", ""),
    ];
    for (input, want) in cases {
        assert_eq!(normalize(input), want, "input {input:?}");
    }
}

#[test]
fn signature_is_stable_across_tickets() {
    let a = signature("DB ", "ORA-00942 table ACME_7781 missing", "grant-select");
    let b = signature("db", "ora-00942 table ACME_1234 missing", "GRANT-SELECT");
    assert_eq!(a, b);
    assert_eq!(a, "db|ora-<n> table <id> missing|grant-select");
    assert_ne!(
        a,
        signature(
            "network",
            "ORA-00942 table ACME_7781 missing",
            "grant-select"
        )
    );
}
