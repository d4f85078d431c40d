//! Log excerpts: runs of log-looking lines around error and warning lines.
//!
//! A stack trace inside a run is replaced by one marker line: the trace is
//! shown in full under its own section, the excerpt keeps the order of
//! events around it.

use escalator_proto::v1::LogExcerpt;

use crate::text::{Doc, truncate};

const BEFORE: usize = 3;
const AFTER: usize = 8;
/// Lines per excerpt.
pub(crate) const MAX_EXCERPT_LINES: usize = 40;
const MAX_PER_SOURCE: usize = 3;
const MAX_LINE_CHARS: usize = 400;
/// Non-log lines tolerated inside a run (wrapped messages, blank lines left
/// by HTML conversion).
const MAX_GAP: usize = 2;

regex!(
    TIMESTAMP,
    r"^\s*(?:[\w.\-]+\s+\|\s+)?\[?(?:\d{4}[-/.]\d{2}[-/.]\d{2}[T ]\d{1,2}:\d{2}(?::\d{2})?|[A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2}|\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?(?:\s|\]|$)|\d{2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2}|\d{1,2}[./]\d{1,2}[./]\d{4},? \d{1,2}:\d{2}:\d{2}|\d{10}(?:\.\d+)?\s)"
);
regex!(
    ACCESS_LOG,
    r"^\S+ \S+ \S+ \[\d{2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2}"
);
regex!(
    LEVEL_FIRST,
    r"^\s*\[?(?:ERROR|ERR|WARN|WARNING|FATAL|CRIT|CRITICAL|SEVERE|INFO|DEBUG|TRACE|NOTICE|ALERT|EMERG|PANIC)\]?(?:[\s:|\]]|$)"
);
regex!(
    STRUCTURED,
    r#"(?i)\blevel=\w+|"(?:level|severity|lvl|@l)"\s*:\s*""#
);
regex!(LOGCAT, r"^\s*[VDIWEF]/[\w.\-]+\(\s*\d+\):");
regex!(
    ERROR_LINE,
    r#"\b(?:ERROR|ERR|FATAL|CRIT|CRITICAL|SEVERE|PANIC|EMERG|ALERT)\b|(?i:\blevel=(?:error|err|fatal|crit\w*|panic)\b|"(?:level|severity|lvl)"\s*:\s*"(?:error|fatal|critical|crit|panic)")|(?i:\[(?:error|err|crit|critical|alert|emerg|fatal|severe)\])|Exception\b|\bpanic:|Traceback \(most|^\s*[EF]/[\w.\-]+\(|" 5\d\d "#
);
regex!(
    WARN_LINE,
    r#"\b(?:WARN|WARNING)\b|(?i:\[warn(?:ing)?\])|(?i:\blevel=warn(?:ing)?\b|"(?:level|severity|lvl)"\s*:\s*"warn(?:ing)?")|^\s*W/[\w.\-]+\(|" 4\d\d "#
);

/// Whether a line looks like it came out of a logger.
pub(crate) fn is_log_line(l: &str) -> bool {
    TIMESTAMP.is_match(l)
        || ACCESS_LOG.is_match(l)
        || LEVEL_FIRST.is_match(l)
        || STRUCTURED.is_match(l)
        || LOGCAT.is_match(l)
}

/// A log line that cannot be prose: it carries a timestamp or a structure.
fn is_strong(l: &str) -> bool {
    TIMESTAMP.is_match(l) || ACCESS_LOG.is_match(l) || STRUCTURED.is_match(l) || LOGCAT.is_match(l)
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Severity {
    Warn,
    Error,
}

fn severity(l: &str) -> Option<Severity> {
    if ERROR_LINE.is_match(l) {
        Some(Severity::Error)
    } else if WARN_LINE.is_match(l) {
        Some(Severity::Warn)
    } else {
        None
    }
}

/// A line, or a whole stack trace counted as one line: windows are measured
/// in units so a long trace neither splits an excerpt nor eats its context.
struct Unit {
    start: usize,
    end: usize,
    trace: bool,
    log: bool,
    strong: bool,
    severity: Option<Severity>,
}

fn units(doc: &Doc<'_>, mask: &[bool]) -> Vec<Unit> {
    let lines = &doc.lines;
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if mask[i] {
            let start = i;
            while i < lines.len() && mask[i] {
                i += 1;
            }
            out.push(Unit {
                start,
                end: i,
                trace: true,
                log: false,
                strong: false,
                severity: None,
            });
            continue;
        }
        let l = lines[i];
        let log = doc.log[i];
        out.push(Unit {
            start: i,
            end: i + 1,
            trace: false,
            log,
            strong: log && is_strong(l),
            severity: if log { severity(l) } else { None },
        });
        i += 1;
    }
    out
}

pub(crate) fn find(doc: &Doc<'_>, mask: &[bool], source: &str) -> Vec<LogExcerpt> {
    let units = units(doc, mask);
    let mut windows: Vec<(usize, usize, Severity)> = Vec::new();
    for (s, e) in runs(&units) {
        let logs = units[s..e].iter().filter(|u| u.log).count();
        if logs < 2 && !units[s..e].iter().any(|u| u.strong) {
            continue;
        }
        for (t, u) in units.iter().enumerate().take(e).skip(s) {
            let Some(sev) = u.severity else {
                continue;
            };
            let (from, to) = (t.saturating_sub(BEFORE).max(s), (t + AFTER + 1).min(e));
            match windows.last_mut() {
                Some(w) if w.1 >= from && w.0 >= s => {
                    w.1 = w.1.max(to);
                    w.2 = w.2.max(sev);
                }
                _ => windows.push((from, to, sev)),
            }
        }
    }
    // Errors first, then the earliest; shown in text order.
    windows.sort_by_key(|w| (std::cmp::Reverse(w.2), w.0));
    windows.truncate(MAX_PER_SOURCE);
    windows.sort_by_key(|w| w.0);
    windows
        .into_iter()
        .map(|(from, to, _)| excerpt(&doc.lines, &units[from..to], source))
        .collect()
}

/// Maximal runs of log units and trace units, with short gaps allowed.
fn runs(units: &[Unit]) -> Vec<(usize, usize)> {
    let inside = |i: usize| units[i].log || units[i].trace;
    let mut out = Vec::new();
    let mut i = 0;
    while i < units.len() {
        if !inside(i) {
            i += 1;
            continue;
        }
        let start = i;
        let mut end = i + 1;
        let mut j = i + 1;
        while j < units.len() {
            if inside(j) {
                end = j + 1;
                j += 1;
                continue;
            }
            match (j..units.len().min(j + MAX_GAP + 1)).find(|&k| inside(k)) {
                Some(k) => j = k,
                None => break,
            }
        }
        out.push((start, end));
        i = end.max(j);
    }
    out
}

fn excerpt(lines: &[&str], units: &[Unit], source: &str) -> LogExcerpt {
    let mut out: Vec<String> = Vec::new();
    let mut truncated = false;
    for u in units {
        if u.trace {
            out.push(format!(
                "[... stack trace, {} lines, see Stack traces ...]",
                u.end - u.start
            ));
            continue;
        }
        let line = lines[u.start].trim_end();
        if line.chars().count() > MAX_LINE_CHARS {
            truncated = true;
        }
        out.push(truncate(line, MAX_LINE_CHARS));
    }
    while out.last().is_some_and(|l| l.trim().is_empty()) {
        out.pop();
    }
    if out.len() > MAX_EXCERPT_LINES {
        out.truncate(MAX_EXCERPT_LINES);
        truncated = true;
    }
    LogExcerpt {
        source: source.to_owned(),
        line_count: u32::try_from(out.len()).unwrap_or(u32::MAX),
        text: out.join("\n"),
        truncated,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn excerpts(text: &str) -> Vec<LogExcerpt> {
        let doc = Doc::new(text);
        find(&doc, &vec![false; doc.lines.len()], "description")
    }

    #[test]
    fn a_run_around_an_error() {
        let mut text = String::from("Hi, see below\n");
        for n in 0..30 {
            text.push_str(&format!("2024-03-10 10:00:{n:02} INFO request {n} ok\n"));
        }
        text.push_str("2024-03-10 10:01:00 ERROR upstream timed out\n");
        text.push_str("2024-03-10 10:01:01 INFO retrying\nThanks!");
        let e = excerpts(&text);
        assert_eq!(e.len(), 1);
        assert!(
            e[0].text.starts_with("2024-03-10 10:00:27 INFO"),
            "{}",
            e[0].text
        );
        assert!(e[0].text.ends_with("retrying"));
        assert_eq!(e[0].line_count, 5);
        assert!(!e[0].truncated);
    }

    #[test]
    fn prose_with_a_level_word_is_no_excerpt() {
        assert!(excerpts("ERROR: the page is blank\nplease help").is_empty());
        assert!(excerpts("We saw an ERROR yesterday at 10am").is_empty());
    }

    #[test]
    fn info_only_logs_are_no_excerpt() {
        assert!(excerpts("2024-03-10 10:00:00 INFO a\n2024-03-10 10:00:01 INFO b").is_empty());
    }
}
