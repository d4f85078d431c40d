//! Error codes: HTTP statuses, SQLSTATEs, Oracle codes, errno names and
//! numbers, vendor codes.
//!
//! A bare number is never a code: an HTTP status needs a context that says
//! so ("HTTP 502", "502 Bad Gateway", "status=503", "returned 404"), which
//! keeps order numbers, dates, phone numbers and IP addresses out.

use std::sync::LazyLock;

use escalator_proto::v1::{ErrorCode, ErrorCodeKind as Kind};
use regex::{Captures, Regex, RegexSet, SetMatches};

use crate::text::snippet;

const CONTEXT_RADIUS: usize = 60;
const MAX_PER_SOURCE: usize = 100;
const MAX_LINE_BYTES: usize = 4096;

regex!(
    HTTP_WORD,
    r"(?i)\bHTTP(?:/[0-9.]+)?(?:\s+(?:status|error|code|response))?(?:\s+code)?\s*[:=]?\s*([1-5]\d{2})\b"
);
regex!(
    HTTP_REASON,
    r"(?i)\b([1-5]\d{2})[\s\-]+(bad request|unauthori[sz]ed|payment required|forbidden|not found|method not allowed|not acceptable|request time-?out|conflict|gone|length required|precondition failed|payload too large|request entity too large|uri too long|unsupported media type|misdirected request|unprocessable (?:entity|content)|locked|failed dependency|upgrade required|precondition required|too many requests|internal server error|not implemented|bad gateway|service unavailable|gateway time-?out|http version not supported|insufficient storage|network authentication required|(?:client|server) error)\b"
);
regex!(
    HTTP_STATUS_KEY,
    r#"(?i)\b(?:status|status[_ ]?code|statuscode|http[_ ]?status|http[_ ]?code|response[_ ]?code|status of|statuscode)\s*[:=]?\s*"?([1-5]\d{2})\b"#
);
regex!(
    HTTP_VERB,
    r"(?i)\b(?:returned|returns|returning|responded with|responds with|respond with|answered with|answers with|fails with|failed with|failing with|errors? out with|comes back with|came back with|devuelve|liefert|gibt)\s+(?:an?\s+|the\s+|einen?\s+|un\s+)?(?:http\s+)?(?:status\s+)?(?:code\s+)?(?:error\s+)?([1-5]\d{2})\b"
);
regex!(
    HTTP_SEEN,
    r"(?i)\b(?:got|get|gets|getting|seeing|see|sees|saw|receive|received|receiving|hit|hitting|throws?|throwing|threw|shows?|showing|showed)\s+(?:an?\s+|the\s+|lots of\s+|many\s+|constant\s+|intermittent\s+|random\s+)?(?:http\s+)?([1-5]\d{2})(?:s\b|\s+(?:error|errors|response|responses|status|code|page|from)\b)"
);
regex!(
    HTTP_ERROR_WORD,
    r"(?i)\b(?:error|fehler|erreur|código|codigo)(?:\s*code)?\s*[:#]?\s*([45]\d{2})\b|\b([45]\d{2})[\s\-]+(?:error|fehler|response|status code)(?:\s|[.,;:!)]|$)"
);
regex!(HTTP_PLURAL, r"\b(5\d{2})s\b");
regex!(
    HTTP_ACCESS_LOG,
    r#""[A-Z]{3,7} \S+ HTTP/[0-9.]+"\s+([1-5]\d{2})\b"#
);
regex!(
    SQLSTATE,
    r#"(?i:\bsql[ _-]?state)\s*[\[(:=]?\s*"?([0-9A-Z]{5})\b"#
);
regex!(MYSQL_STATE, r"\bERROR \d{4} \(([0-9A-Z]{5})\)");
regex!(
    ORACLE,
    r"\b((?:ORA|PLS|TNS|SP2|IMP|EXP|RMAN|LRM|NNL|PRCR|CRS)-\d{4,5})\b"
);
regex!(ERRNO_NAME, r"\b(E[A-Z0-9]{3,15}|EAI_[A-Z]+)\b");
regex!(
    ERRNO_NUMBER,
    r"(?i)\berrno\s*[:=]?\s*-?(\d{1,4})\b|\[Errno (\d{1,4})\]|\(os error (\d{1,4})\)|\((\d{1,4}): (?:Connection refused|Connection timed out|Connection reset by peer|No such file or directory|Permission denied|No space left on device|Too many open files|Broken pipe|Network is unreachable|No route to host|Cannot allocate memory|Resource temporarily unavailable|Address already in use)\)"
);
regex!(
    VENDOR,
    r#"\b(AADSTS\d{5,6}|E11000|ER_[A-Z0-9_]{3,}|0x[89A-Fa-f][0-9A-Fa-f]{7})\b|\b(?:net::)?(ERR_[A-Z0-9_]{3,})\b|\b(Msg \d{3,6}), Level \d+|\b(invalid_grant|invalid_client|unauthorized_client|invalid_scope|unsupported_grant_type|interaction_required|login_required|consent_required)\b|(?i:\b(?:error|err|fehler|código de error|error[_ ]?code|errorcode|code|código))\s*[:#=]?\s*"?([A-Z][A-Z0-9]{1,7}-\d{2,6})\b"#
);
regex!(GRPC, r"\brpc error: code = (\w+)");
/// Every pattern above, in the order of [`SET`].
static PATTERNS: [&LazyLock<Regex>; 15] = [
    &HTTP_WORD,
    &HTTP_STATUS_KEY,
    &HTTP_ACCESS_LOG,
    &HTTP_PLURAL,
    &HTTP_REASON,
    &HTTP_VERB,
    &HTTP_SEEN,
    &HTTP_ERROR_WORD,
    &SQLSTATE,
    &MYSQL_STATE,
    &ORACLE,
    &ERRNO_NAME,
    &ERRNO_NUMBER,
    &VENDOR,
    &GRPC,
];

/// One scan of a line tells which patterns can match, so a line pays for
/// the few that do rather than for all fifteen.
static SET: LazyLock<RegexSet> =
    LazyLock::new(|| crate::text::compile_set(PATTERNS.iter().map(|p| p.as_str())));

/// A line and the patterns that match somewhere in it.
struct Line<'h> {
    text: &'h str,
    live: SetMatches,
}

impl<'h> Line<'h> {
    fn live(&self, re: &Regex) -> bool {
        PATTERNS
            .iter()
            .position(|p| std::ptr::eq::<Regex>(&***p, re))
            .is_some_and(|i| self.live.matched(i))
    }

    fn captures(&self, re: &Regex) -> Vec<Captures<'h>> {
        if self.live(re) {
            re.captures_iter(self.text).collect()
        } else {
            Vec::new()
        }
    }

    fn finds(&self, re: &Regex) -> Vec<regex::Match<'h>> {
        if self.live(re) {
            re.find_iter(self.text).collect()
        } else {
            Vec::new()
        }
    }
}

const ERRNO_NAMES: &[&str] = &[
    "ECONNREFUSED",
    "ECONNRESET",
    "ECONNABORTED",
    "ETIMEDOUT",
    "ENOSPC",
    "EACCES",
    "EPERM",
    "ENOENT",
    "EADDRINUSE",
    "EADDRNOTAVAIL",
    "EHOSTUNREACH",
    "EHOSTDOWN",
    "ENETUNREACH",
    "ENETDOWN",
    "EPIPE",
    "EMFILE",
    "ENFILE",
    "ENOMEM",
    "EAI_AGAIN",
    "EAI_NONAME",
    "EAI_FAIL",
    "ENOTFOUND",
    "EEXIST",
    "EISDIR",
    "ENOTDIR",
    "EBUSY",
    "EAGAIN",
    "EWOULDBLOCK",
    "EINVAL",
    "EROFS",
    "EDQUOT",
    "ENOTCONN",
    "EPROTO",
    "EINTR",
    "EBADF",
    "ELOOP",
    "ENAMETOOLONG",
    "ENOTEMPTY",
    "ETXTBSY",
    "EXDEV",
    "ESHUTDOWN",
    "EALREADY",
    "EINPROGRESS",
    "EDEADLK",
    "ENOBUFS",
    "ENOTSUP",
    "EOPNOTSUPP",
    "ECANCELED",
    "ENOSYS",
    "EMSGSIZE",
    "ESOCKETTIMEDOUT",
    "ECONNCLOSED",
];

/// Words after a number that make it a quantity, not a status.
const UNITS: &[&str] = &[
    "ms", "s", "sec", "secs", "seconds", "rows", "records", "items", "results", "entries", "users",
    "kb", "mb", "gb", "bytes", "%", "times", "orders", "tickets", "requests",
];

fn reason(code: u16) -> &'static [&'static str] {
    match code {
        400 => &["bad request", "client error"],
        401 => &["unauthorized", "unauthorised", "client error"],
        402 => &["payment required"],
        403 => &["forbidden", "client error"],
        404 => &["not found", "client error"],
        405 => &["method not allowed"],
        406 => &["not acceptable"],
        408 => &["request timeout", "request time-out"],
        409 => &["conflict", "client error"],
        410 => &["gone"],
        411 => &["length required"],
        412 => &["precondition failed"],
        413 => &["payload too large", "request entity too large"],
        414 => &["uri too long"],
        415 => &["unsupported media type"],
        421 => &["misdirected request"],
        422 => &[
            "unprocessable entity",
            "unprocessable content",
            "client error",
        ],
        423 => &["locked"],
        424 => &["failed dependency"],
        426 => &["upgrade required"],
        428 => &["precondition required"],
        429 => &["too many requests", "client error"],
        500 => &["internal server error", "server error"],
        501 => &["not implemented", "server error"],
        502 => &["bad gateway", "server error"],
        503 => &["service unavailable", "server error"],
        504 => &["gateway timeout", "gateway time-out", "server error"],
        505 => &["http version not supported"],
        507 => &["insufficient storage"],
        511 => &["network authentication required"],
        _ => &[],
    }
}

struct Hit {
    kind: Kind,
    code: String,
    start: usize,
    end: usize,
}

pub(crate) fn find(lines: &[&str]) -> Vec<ErrorCode> {
    let mut out: Vec<ErrorCode> = Vec::new();
    for line in lines {
        // Dedup is a scan of `out`: a cap keeps a hostile text linear.
        if out.len() >= MAX_PER_SOURCE {
            break;
        }
        let line = &line[..crate::text::floor_boundary(line, MAX_LINE_BYTES)];
        let live = SET.matches(line);
        if !live.matched_any() {
            continue;
        }
        let mut hits = Vec::new();
        find_in_line(&Line { text: line, live }, &mut hits);
        hits.sort_by_key(|h| h.start);
        for h in hits {
            if out
                .iter()
                .any(|o| o.kind == h.kind as i32 && o.code == h.code)
            {
                continue;
            }
            out.push(ErrorCode {
                kind: h.kind as i32,
                code: h.code,
                context: snippet(line, h.start, h.end, CONTEXT_RADIUS),
            });
        }
    }
    out
}

fn is_error_status(code: &str) -> bool {
    code.parse::<u16>().is_ok_and(|n| (400..=599).contains(&n))
}

fn next_word(line: &str, end: usize) -> String {
    line[end..]
        .trim_start()
        .split(|c: char| c.is_whitespace() || c == ',' || c == '.')
        .next()
        .unwrap_or_default()
        .to_lowercase()
}

/// Whether the number at `start..end` is part of something longer: an IP
/// address or version ("10.0.0.502"), a phone number or a date ("404-555-0134").
fn glued(line: &str, start: usize, end: usize) -> bool {
    let mut before = line[..start].chars().rev();
    let b1 = before.next();
    let b2 = before.next();
    let mut after = line[end..].chars();
    let a1 = after.next();
    let a2 = after.next();
    let digit = |c: Option<char>| c.is_some_and(|c| c.is_ascii_digit());
    matches!(b1, Some('.' | '#'))
        || matches!(b1, Some('-' | '/' | ':')) && digit(b2)
        || matches!(a1, Some('.' | '-' | '/' | ':' | ',')) && digit(a2)
}

fn find_in_line(l: &Line<'_>, hits: &mut Vec<Hit>) {
    let line = l.text;
    let mut push = |kind: Kind, code: &str, start: usize, end: usize| {
        hits.push(Hit {
            kind,
            code: code.to_owned(),
            start,
            end,
        });
    };
    for re in [
        &*HTTP_WORD,
        &*HTTP_STATUS_KEY,
        &*HTTP_ACCESS_LOG,
        &*HTTP_PLURAL,
    ] {
        for caps in l.captures(re) {
            if let (Some(all), Some(code)) = (caps.get(0), caps.get(1)) {
                if is_error_status(code.as_str())
                    && !glued(line, code.start(), code.end())
                    // The whole match: "504s" is a plural, not 504 seconds.
                    && !UNITS.contains(&next_word(line, all.end()).as_str())
                {
                    push(Kind::HttpStatus, code.as_str(), all.start(), all.end());
                }
            }
        }
    }
    for caps in l.captures(&HTTP_REASON) {
        if let (Some(all), Some(code), Some(phrase)) = (caps.get(0), caps.get(1), caps.get(2)) {
            let n = code.as_str().parse::<u16>().unwrap_or_default();
            let phrase = phrase.as_str().to_lowercase();
            if (400..=599).contains(&n)
                && reason(n).contains(&phrase.as_str())
                && !glued(line, code.start(), code.end())
            {
                push(Kind::HttpStatus, code.as_str(), all.start(), all.end());
            }
        }
    }
    for re in [&*HTTP_VERB, &*HTTP_SEEN] {
        for caps in l.captures(re) {
            if let (Some(all), Some(code)) = (caps.get(0), caps.get(1)) {
                if is_error_status(code.as_str())
                    && !UNITS.contains(&next_word(line, code.end()).as_str())
                    && !glued(line, code.start(), code.end())
                {
                    push(Kind::HttpStatus, code.as_str(), all.start(), all.end());
                }
            }
        }
    }
    for caps in l.captures(&HTTP_ERROR_WORD) {
        if let (Some(all), Some(code)) = (caps.get(0), caps.get(1).or(caps.get(2))) {
            if !glued(line, code.start(), code.end())
                && !UNITS.contains(&next_word(line, code.end()).as_str())
            {
                push(Kind::HttpStatus, code.as_str(), all.start(), all.end());
            }
        }
    }
    for re in [&*SQLSTATE, &*MYSQL_STATE] {
        for caps in l.captures(re) {
            if let (Some(all), Some(code)) = (caps.get(0), caps.get(1)) {
                if code.as_str().bytes().any(|b| b.is_ascii_digit()) {
                    push(Kind::Sqlstate, code.as_str(), all.start(), all.end());
                }
            }
        }
    }
    for m in l.finds(&ORACLE) {
        push(Kind::Oracle, m.as_str(), m.start(), m.end());
    }
    for m in l.finds(&ERRNO_NAME) {
        if ERRNO_NAMES.contains(&m.as_str()) {
            push(Kind::Errno, m.as_str(), m.start(), m.end());
        }
    }
    for caps in l.captures(&ERRNO_NUMBER) {
        if let (Some(all), Some(n)) = (caps.get(0), (1..=4).find_map(|g| caps.get(g))) {
            push(Kind::Errno, n.as_str(), all.start(), all.end());
        }
    }
    for caps in l.captures(&VENDOR) {
        let code = (1..=5).find_map(|g| caps.get(g));
        if let (Some(all), Some(code)) = (caps.get(0), code) {
            let c = code.as_str();
            let other_family = c.starts_with("KB-") || c.starts_with("HTTP-") || ORACLE.is_match(c);
            if !other_family {
                push(Kind::Vendor, c, all.start(), all.end());
            }
        }
    }
    for caps in l.captures(&GRPC) {
        if let (Some(all), Some(code)) = (caps.get(0), caps.get(1)) {
            if code.as_str() != "OK" {
                push(Kind::Other, code.as_str(), all.start(), all.end());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(text: &str) -> Vec<(Kind, String)> {
        let lines: Vec<&str> = text.lines().collect();
        find(&lines)
            .into_iter()
            .map(|c| (Kind::try_from(c.kind).unwrap_or(Kind::Unspecified), c.code))
            .collect()
    }

    fn http(code: &str) -> (Kind, String) {
        (Kind::HttpStatus, code.to_owned())
    }

    #[test]
    fn http_statuses_in_context() {
        for (text, code) in [
            ("upload fails with HTTP 502", "502"),
            ("nginx says 502 Bad Gateway", "502"),
            ("upstream status=503 after 30s", "503"),
            ("the API returned 404 for /v2/orders", "404"),
            ("we keep getting a 500 error", "500"),
            ("Request failed with status code 429", "429"),
            (
                "HTTPError: 503 Server Error: Service Unavailable for url",
                "503",
            ),
            ("the server responded with a status of 401 ()", "401"),
            ("seeing lots of 504s since the deploy", "504"),
            ("Fehler 500 beim Speichern", "500"),
            (
                "10.1.2.3 - - [10/Mar/2024:10:00:01 +0000] \"GET /x HTTP/1.1\" 502 157",
                "502",
            ),
        ] {
            assert_eq!(codes(text), vec![http(code)], "{text}");
        }
    }

    #[test]
    fn numbers_that_are_not_statuses() {
        for text in [
            "order 50213 was charged twice",
            "invoice #404 is wrong",
            "on 2024-05-03 at 10.0.0.502",
            "call me at 404-555-0134",
            "we have 500 users and 404 licences",
            "it returned 500 rows",
            "HTTP 200 but the body is empty",
            "it took 503 ms",
            "status: 500 users affected",
            "room 502 on floor 4",
        ] {
            assert_eq!(codes(text), vec![], "{text}");
        }
    }

    #[test]
    fn database_errno_and_vendor_codes() {
        let found = codes(
            "SQLSTATE[23505]: Unique violation\n\
             ERROR: could not serialize access (SQLSTATE 40001)\n\
             ORA-00942: table or view does not exist\n\
             connect ECONNREFUSED 127.0.0.1:5432 and [Errno 111] Connection refused\n\
             write failed: ENOSPC\n\
             AADSTS50126: Error validating credentials\n\
             E11000 duplicate key error collection\n\
             net::ERR_SSL_PROTOCOL_ERROR in Chrome\n\
             Access denied 0x80070005, see KB-1234\n\
             rpc error: code = Unavailable desc = connection closed",
        );
        for (kind, code) in [
            (Kind::Sqlstate, "23505"),
            (Kind::Sqlstate, "40001"),
            (Kind::Oracle, "ORA-00942"),
            (Kind::Errno, "ECONNREFUSED"),
            (Kind::Errno, "111"),
            (Kind::Errno, "ENOSPC"),
            (Kind::Vendor, "AADSTS50126"),
            (Kind::Vendor, "E11000"),
            (Kind::Vendor, "ERR_SSL_PROTOCOL_ERROR"),
            (Kind::Vendor, "0x80070005"),
            (Kind::Other, "Unavailable"),
        ] {
            assert!(
                found.contains(&(kind, code.to_owned())),
                "{code} missing from {found:?}"
            );
        }
        assert!(!found.iter().any(|(_, c)| c.contains("KB")), "{found:?}");
    }
}
