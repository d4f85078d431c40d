//! Redaction of secrets and personal data.
//!
//! Everything that leaves the pipeline as text (log lines, dead-letter
//! messages, handoff packets) goes through [`redact`] first. Each finding is
//! replaced by a marker naming its kind (`[REDACTED:email]`) so a reader still
//! sees that something was there; the counts per kind are returned so callers
//! can report them without ever keeping the values.

use std::borrow::Cow;
use std::fmt;
use std::sync::LazyLock;

use regex::{Captures, Regex};

/// The kinds of sensitive value the redactor recognises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    PrivateKey,
    UrlPassword,
    Jwt,
    CloudKey,
    ApiToken,
    Secret,
    Email,
    CardNumber,
    Phone,
}

impl Kind {
    pub const ALL: [Kind; 9] = [
        Kind::PrivateKey,
        Kind::UrlPassword,
        Kind::Jwt,
        Kind::CloudKey,
        Kind::ApiToken,
        Kind::Secret,
        Kind::Email,
        Kind::CardNumber,
        Kind::Phone,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::PrivateKey => "private_key",
            Kind::UrlPassword => "url_password",
            Kind::Jwt => "jwt",
            Kind::CloudKey => "cloud_key",
            Kind::ApiToken => "api_token",
            Kind::Secret => "secret",
            Kind::Email => "email",
            Kind::CardNumber => "card_number",
            Kind::Phone => "phone",
        }
    }

    fn marker(self) -> &'static str {
        match self {
            Kind::PrivateKey => "[REDACTED:private_key]",
            Kind::UrlPassword => "[REDACTED:url_password]",
            Kind::Jwt => "[REDACTED:jwt]",
            Kind::CloudKey => "[REDACTED:cloud_key]",
            Kind::ApiToken => "[REDACTED:api_token]",
            Kind::Secret => "[REDACTED:secret]",
            Kind::Email => "[REDACTED:email]",
            Kind::CardNumber => "[REDACTED:card_number]",
            Kind::Phone => "[REDACTED:phone]",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Counts of what was redacted, by kind. Never holds the values themselves.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts([u32; 9]);

impl Counts {
    pub fn get(&self, kind: Kind) -> u32 {
        self.0[kind as usize]
    }

    pub fn total(&self) -> u32 {
        self.0.iter().sum()
    }

    pub fn iter(&self) -> impl Iterator<Item = (Kind, u32)> + '_ {
        Kind::ALL
            .iter()
            .map(|k| (*k, self.0[*k as usize]))
            .filter(|(_, n)| *n > 0)
    }

    pub fn merge(&mut self, other: &Counts) {
        for (a, b) in self.0.iter_mut().zip(other.0.iter()) {
            *a += b;
        }
    }

    fn add(&mut self, kind: Kind) {
        self.0[kind as usize] += 1;
    }
}

/// The result of redacting one text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redacted<'a> {
    pub text: Cow<'a, str>,
    pub counts: Counts,
}

struct Rule {
    kind: Kind,
    re: Regex,
    /// Which capture group holds the sensitive part; 0 means the whole match.
    group: usize,
    /// Extra check on the sensitive part (Luhn for cards).
    check: Option<fn(&str) -> bool>,
}

#[allow(clippy::expect_used)] // the patterns are constants, checked by the tests
fn rule(kind: Kind, pattern: &str, group: usize, check: Option<fn(&str) -> bool>) -> Rule {
    Rule {
        kind,
        re: Regex::new(pattern).expect("redaction pattern compiles"),
        group,
        check,
    }
}

// Order matters: wider findings (a private key block, a URL with a
// password) go first so narrower rules do not split them.
static RULES: LazyLock<Vec<Rule>> = LazyLock::new(|| {
    vec![
        rule(
            Kind::PrivateKey,
            r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----",
            0,
            None,
        ),
        rule(
            Kind::UrlPassword,
            r"(?-u:\b)[a-zA-Z][a-zA-Z0-9+.\-]*://[^/\s:@]+:([^@\s/]+)@",
            1,
            None,
        ),
        rule(
            Kind::Jwt,
            r"(?-u:\b)eyJ[A-Za-z0-9_\-]{5,}\.[A-Za-z0-9_\-]{5,}\.[A-Za-z0-9_\-]{5,}",
            0,
            None,
        ),
        rule(
            Kind::CloudKey,
            r"(?-u:\b)(?:AKIA|ASIA|AGPA|AIDA|AROA)[0-9A-Z]{16}(?-u:\b)|(?-u:\b)AIza[0-9A-Za-z_\-]{35}(?-u:\b)|(?i:aws_secret_access_key|AccountKey)\s*[=:]\s*[A-Za-z0-9/+=]{20,}",
            0,
            None,
        ),
        rule(
            Kind::ApiToken,
            r"(?-u:\b)gh[pousr]_[A-Za-z0-9]{30,}(?-u:\b)|(?-u:\b)xox[abprs]-[A-Za-z0-9\-]{10,}|(?-u:\b)[sr]k_(?:live|test)_[A-Za-z0-9]{16,}(?-u:\b)|(?-u:\b)glpat-[A-Za-z0-9_\-]{20,}|(?i:bearer)\s+[A-Za-z0-9._~+/=\-]{16,}",
            0,
            None,
        ),
        rule(
            Kind::Secret,
            r#"(?i)(?-u:\b)(?:api[_\-]?key|apikey|access[_\-]?token|auth[_\-]?token|client[_\-]?secret|secret|password|passwd|pwd|token)(?-u:\b)["']?\s*[=:]\s*["']?([^\s"',;&]{4,})"#,
            1,
            None,
        ),
        rule(
            Kind::Email,
            r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}",
            0,
            None,
        ),
        rule(
            Kind::CardNumber,
            r"(?-u:\b)(?:4\d{3}|5[1-5]\d{2}|2[2-7]\d{2}|3[47]\d{2}|6(?:011|5\d{2})|35\d{2})(?:[ \-]?\d){9,15}(?-u:\b)",
            0,
            Some(luhn_valid),
        ),
        rule(
            Kind::Phone,
            r"\+\d{1,3}[\s.\-]?\(?\d{1,4}\)?(?:[\s.\-]?\d{2,4}){2,4}(?-u:\b)|\(\d{3}\)\s?\d{3}[\s.\-]\d{4}(?-u:\b)|(?-u:\b)\d{3}[.\-]\d{3}[.\-]\d{4}(?-u:\b)",
            0,
            None,
        ),
    ]
});

/// Luhn checksum over the digits of `s` (separators ignored), 13-19 digits.
pub fn luhn_valid(s: &str) -> bool {
    let digits: Vec<u32> = s.chars().filter_map(|c| c.to_digit(10)).collect();
    if !(13..=19).contains(&digits.len()) {
        return false;
    }
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| {
            if i % 2 == 1 {
                let x = d * 2;
                if x > 9 { x - 9 } else { x }
            } else {
                *d
            }
        })
        .sum();
    sum % 10 == 0
}

/// Redacts every recognised secret or personal value in `text`.
pub fn redact(text: &str) -> Redacted<'_> {
    let mut counts = Counts::default();
    let mut current: Cow<'_, str> = Cow::Borrowed(text);
    for rule in RULES.iter() {
        if !rule.re.is_match(&current) {
            continue;
        }
        let replaced = rule.re.replace_all(&current, |caps: &Captures<'_>| {
            let whole = caps.get(0).map_or("", |m| m.as_str());
            let Some(part) = caps.get(rule.group) else {
                return whole.to_owned();
            };
            if let Some(check) = rule.check {
                if !check(part.as_str()) {
                    return whole.to_owned();
                }
            }
            counts.add(rule.kind);
            let start = part.start() - caps.get(0).map_or(0, |m| m.start());
            let end = start + part.as_str().len();
            format!("{}{}{}", &whole[..start], rule.kind.marker(), &whole[end..])
        });
        if let Cow::Owned(s) = replaced {
            current = Cow::Owned(s);
        }
    }
    Redacted {
        text: current,
        counts,
    }
}

/// Convenience: the redacted text only.
pub fn redact_str(text: &str) -> String {
    redact(text).text.into_owned()
}

/// Redacts bytes that may not be UTF-8 (dead-letter payloads): invalid
/// sequences become U+FFFD before redaction.
pub fn redact_bytes(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    redact(&text).text.into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn only(text: &str) -> (String, Counts) {
        let r = redact(text);
        (r.text.into_owned(), r.counts)
    }

    #[test]
    fn redacts_emails_and_keeps_the_rest() {
        let (t, c) = only("contact jane.doe+ops@example.co.uk about the outage");
        assert_eq!(t, "contact [REDACTED:email] about the outage");
        assert_eq!(c.get(Kind::Email), 1);
    }

    #[test]
    fn card_numbers_need_a_valid_luhn_and_a_card_prefix() {
        let (t, c) =
            only("card 4111 1111 1111 1111 failed, ts 1732915200000, order 4111111111111112");
        assert!(t.contains("[REDACTED:card_number]"));
        assert!(!t.contains("4111 1111 1111 1111"));
        assert!(
            t.contains("1732915200000"),
            "epoch millis are not cards: {t}"
        );
        assert!(t.contains("4111111111111112"), "Luhn-invalid stays: {t}");
        assert_eq!(c.get(Kind::CardNumber), 1);
    }

    #[test]
    fn keys_tokens_and_url_passwords() {
        let text = "AKIAIOSFODNN7EXAMPLE then postgres://app:hunter2secret@db.internal:5432/x \
                    Authorization: Bearer abcdefghijklmnop1234 ghp_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa \
                    jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJlX2hlcmU password=Sup3rS3cret!";
        let (t, c) = only(text);
        for canary in [
            "AKIAIOSFODNN7EXAMPLE",
            "hunter2secret",
            "abcdefghijklmnop1234",
            "ghp_aaaa",
            "eyJhbGciOiJIUzI1NiJ9",
            "Sup3rS3cret",
        ] {
            assert!(!t.contains(canary), "{canary} leaked: {t}");
        }
        assert!(t.contains("postgres://app:[REDACTED:url_password]@db.internal"));
        assert!(t.contains("password=[REDACTED:secret]"));
        assert!(c.total() >= 6);
    }

    #[test]
    fn phones_but_not_versions_dates_or_ips() {
        let (t, _) =
            only("call +1 415 555 0134 or (212) 555-0199; v2.14.3 on 2024-03-10 at 10.0.12.7");
        assert!(!t.contains("555 0134") && !t.contains("555-0199"), "{t}");
        assert!(
            t.contains("v2.14.3") && t.contains("2024-03-10") && t.contains("10.0.12.7"),
            "{t}"
        );
    }

    #[test]
    fn emails_next_to_punctuation_and_other_emails() {
        let (t, c) = only(
            "see jane.doe@example.com_export.log and a@x.com-b@y.com, grüße an jörg@example.de",
        );
        for leaked in ["jane.doe@", "a@x.com", "b@y.com", "@y.com", "example.de"] {
            assert!(!t.contains(leaked), "{leaked} leaked: {t}");
        }
        assert!(c.get(Kind::Email) >= 3, "{t}");
    }

    #[test]
    fn private_key_blocks() {
        let (t, c) =
            only("-----BEGIN RSA PRIVATE KEY-----\nMIIEow\nabc\n-----END RSA PRIVATE KEY-----");
        assert_eq!(t, "[REDACTED:private_key]");
        assert_eq!(c.get(Kind::PrivateKey), 1);
    }

    #[test]
    fn clean_text_is_borrowed() {
        let r = redact("NullPointerException at com.acme.Billing.charge(Billing.java:42)");
        assert!(matches!(r.text, Cow::Borrowed(_)));
        assert_eq!(r.counts.total(), 0);
    }

    #[test]
    fn invalid_utf8_is_handled() {
        let t = redact_bytes(b"mail bob@example.com \xff\xfe end");
        assert!(t.contains("[REDACTED:email]") && t.contains('\u{fffd}'));
    }
}
