//! Preparing a source for scanning: cap, HTML leftovers, line endings, log
//! prefixes, and small string helpers shared by the extractors.

use std::borrow::Cow;

use regex::{Captures, Regex};

/// Bytes of one source that are scanned; the rest is cut from the middle.
pub(crate) const MAX_SOURCE_BYTES: usize = 256 * 1024;

/// Compiles a constant pattern. Word boundaries are ASCII ones: Unicode
/// `\b` makes the fast DFA give up on non-ASCII text (German, Japanese
/// tickets), and an ASCII boundary also lets "Chrome120を" match where a
/// Unicode one would not.
#[allow(clippy::expect_used)] // the patterns are constants, each exercised by the tests
pub(crate) fn compile(pattern: &str) -> Regex {
    Regex::new(&pattern.replace(r"\b", r"(?-u:\b)")).expect("constant pattern compiles")
}

/// Compiles constant patterns (already compiled one by one) into a set.
#[allow(clippy::expect_used)] // each pattern compiled alone first
pub(crate) fn compile_set<'p>(patterns: impl IntoIterator<Item = &'p str>) -> regex::RegexSet {
    regex::RegexSet::new(patterns).expect("constant patterns compile")
}

/// A prepared source: its text, its lines and which of them look like log
/// lines (asked by several extractors, so computed once).
pub(crate) struct Doc<'t> {
    pub text: &'t str,
    pub lines: Vec<&'t str>,
    pub log: Vec<bool>,
}

impl<'t> Doc<'t> {
    pub fn new(text: &'t str) -> Self {
        let lines: Vec<&str> = text.split('\n').collect();
        let log = lines.iter().map(|l| crate::logs::is_log_line(l)).collect();
        Doc { text, lines, log }
    }
}

/// Keeps the head and the tail of a long text: a log's first error and its
/// last lines both matter more than its middle.
pub(crate) fn cap(text: &str) -> Cow<'_, str> {
    if text.len() <= MAX_SOURCE_BYTES {
        return Cow::Borrowed(text);
    }
    let half = MAX_SOURCE_BYTES / 2;
    let mut head = floor_boundary(text, half);
    let mut tail = ceil_boundary(text, text.len() - half);
    // Whole lines only, so no extractor sees half a line.
    if let Some(i) = text[..head].rfind('\n') {
        head = i;
    }
    if let Some(i) = text[tail..].find('\n') {
        tail += i + 1;
    }
    Cow::Owned(format!(
        "{}\n[... {} bytes omitted ...]\n{}",
        &text[..head],
        tail - head,
        &text[tail..]
    ))
}

pub(crate) fn floor_boundary(s: &str, mut i: usize) -> usize {
    if i >= s.len() {
        return s.len();
    }
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

pub(crate) fn ceil_boundary(s: &str, mut i: usize) -> usize {
    while i < s.len() && !s.is_char_boundary(i) {
        i += 1;
    }
    i.min(s.len())
}

regex!(
    HTML_ANCHOR,
    r#"(?is)<a\s[^>]*?href\s*=\s*["']([^"']+)["'][^>]*>(.*?)</a\s*>"#
);
regex!(
    HTML_BREAK,
    r"(?i)<br\s*/?>|</(?:p|div|li|pre|tr|h[1-6]|blockquote)\s*>|<(?:p|div|pre|tr|blockquote)(?:\s[^>]*)?>"
);
regex!(HTML_ITEM, r"(?i)<li(?:\s[^>]*)?>");
// Only known formatting tags: `<init>`, `<module>` and `<anonymous>` in
// stack traces must survive.
regex!(
    HTML_TAG,
    r"(?i)</?(?:p|div|span|pre|code|b|i|em|strong|u|s|ul|ol|li|table|tbody|thead|tr|td|th|font|a|blockquote|h[1-6]|br|hr|tt|kbd|samp|small|sup|sub|img)(?:\s[^>]*)?/?>"
);
regex!(
    ENTITY,
    r"&(?:(lt|gt|amp|quot|apos|nbsp|#39);|#(\d{1,7});|#[xX]([0-9a-fA-F]{1,6});)"
);
// A stack frame glued to the previous one, as left by HTML stripping that
// dropped the line breaks.
regex!(
    INLINE_FRAME,
    r"[ \t]+((?:at|bei) (?:async )?(?:new )?[\w$.<>/`\-\[\],|]+ ?\(|Caused by: |\.\.\. \d+ more\b|--- End of )"
);
regex!(INLINE_PY_FRAME, r#"[ \t]+(File "[^"]+", line \d+)"#);

/// Undoes what HTML-to-text conversion and Windows leave behind.
pub(crate) fn normalize(text: &str) -> String {
    let mut s: Cow<'_, str> = Cow::Borrowed(text);
    if s.contains('<') && HTML_TAG.is_match(&s) {
        s = Cow::Owned(HTML_ANCHOR.replace_all(&s, "$2 ($1)").into_owned());
        s = Cow::Owned(HTML_BREAK.replace_all(&s, "\n").into_owned());
        s = Cow::Owned(HTML_ITEM.replace_all(&s, "\n- ").into_owned());
        s = Cow::Owned(HTML_TAG.replace_all(&s, "").into_owned());
    }
    if s.contains('&') {
        s = Cow::Owned(ENTITY.replace_all(&s, decode_entity).into_owned());
    }
    // Most texts hold none of the characters rewritten below; copying them
    // char by char cost a few percent of the evaluator. These are the lead
    // bytes of '\r', U+00A0, U+2007/U+200B/U+202F and U+FEFF (a superset:
    // any other character they start only takes the slow path).
    let special = |b: &u8| matches!(b, b'\r' | 0xC2 | 0xE2 | 0xEF);
    let s: Cow<'_, str> = if s.as_bytes().iter().any(special) {
        Cow::Owned(
            s.replace("\r\n", "\n")
                .chars()
                .filter_map(|c| match c {
                    '\r' => Some('\n'),
                    '\u{a0}' | '\u{2007}' | '\u{202f}' => Some(' '),
                    '\u{200b}' | '\u{feff}' => None,
                    c => Some(c),
                })
                .collect(),
        )
    } else {
        s
    };
    let mut out = String::with_capacity(s.len());
    for (i, line) in s.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&split_glued_frames(line));
    }
    out
}

fn decode_entity(c: &Captures<'_>) -> String {
    if let Some(name) = c.get(1) {
        return match name.as_str() {
            "lt" => "<",
            "gt" => ">",
            "amp" => "&",
            "quot" => "\"",
            "apos" | "#39" => "'",
            _ => " ",
        }
        .to_owned();
    }
    let code = match (c.get(2), c.get(3)) {
        (Some(d), _) => d.as_str().parse::<u32>().ok(),
        (_, Some(h)) => u32::from_str_radix(h.as_str(), 16).ok(),
        _ => None,
    };
    code.and_then(char::from_u32)
        .map_or_else(|| c[0].to_owned(), |ch| ch.to_string())
}

fn split_glued_frames(line: &str) -> Cow<'_, str> {
    if line.len() < 60 {
        return Cow::Borrowed(line);
    }
    if INLINE_FRAME.find_iter(line).nth(1).is_some() {
        return Cow::Owned(INLINE_FRAME.replace_all(line, "\n\t$1").into_owned());
    }
    if INLINE_PY_FRAME.find_iter(line).nth(1).is_some() {
        return Cow::Owned(INLINE_PY_FRAME.replace_all(line, "\n  $1").into_owned());
    }
    Cow::Borrowed(line)
}

// Prefixes that log shippers put in front of every line: docker compose
// service names, ISO or syslog timestamps, CRI stream markers.
regex!(
    LOG_PREFIX,
    r"^(?:[\w.\-]+\s+\|\s?)?(?:\[?\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d{1,9})?(?:Z|[+-]\d{2}:?\d{2})?\]?\s?|[A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2} \S+ [^\s:]+:\s?|\[?\d{2}:\d{2}:\d{2}(?:[.,]\d{1,9})?\]?\s)?(?:(?:stdout|stderr) [FP] )?"
);

/// `captures_iter` that costs nothing when there is no match: most lines
/// match none of a module's patterns, and preparing captures allocates.
pub(crate) fn captures<'r, 'h>(
    re: &'r Regex,
    hay: &'h str,
) -> std::iter::Flatten<std::option::IntoIter<regex::CaptureMatches<'r, 'h>>> {
    re.is_match(hay)
        .then(|| re.captures_iter(hay))
        .into_iter()
        .flatten()
}

/// `captures` that costs nothing when there is no match.
pub(crate) fn capture<'h>(re: &Regex, hay: &'h str) -> Option<Captures<'h>> {
    if re.is_match(hay) {
        re.captures(hay)
    } else {
        None
    }
}

/// The line without a leading log prefix.
pub(crate) fn strip_prefix(line: &str) -> &str {
    match LOG_PREFIX.find(line) {
        Some(m) => &line[m.end()..],
        None => line,
    }
}

/// At most `max` characters of `s`, with `...` when cut (ASCII, so an
/// ASCII text stays on the fast path of the redactor).
pub fn truncate(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}...", s[..i].trim_end()),
        None => s.to_owned(),
    }
}

/// The text around `start..end` in `line`, `radius` bytes each side, cut at
/// character boundaries and whitespace-trimmed.
pub(crate) fn snippet(line: &str, start: usize, end: usize, radius: usize) -> String {
    let from = floor_boundary(line, start.saturating_sub(radius));
    let to = ceil_boundary(line, end.saturating_add(radius).min(line.len()));
    let mut s = String::new();
    if from > 0 {
        s.push_str("...");
    }
    s.push_str(line[from..to].trim());
    if to < line.len() {
        s.push_str("...");
    }
    s
}

/// Collapses runs of whitespace into one space.
pub(crate) fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cap_keeps_head_and_tail_on_line_boundaries() {
        let line = "x".repeat(99);
        let text = format!("FIRST\n{}\nLAST", vec![line; 4000].join("\n"));
        let capped = cap(&text);
        assert!(capped.len() <= MAX_SOURCE_BYTES + 64);
        assert!(capped.starts_with("FIRST\n") && capped.ends_with("\nLAST"));
        assert!(capped.contains("bytes omitted"));
        assert!(capped.lines().all(|l| l.len() == 99 || !l.starts_with('x')));
    }

    #[test]
    fn cap_respects_multibyte_characters() {
        let text = "é".repeat(MAX_SOURCE_BYTES);
        let capped = cap(&text);
        assert!(capped.len() < text.len());
    }

    #[test]
    fn normalize_html_leftovers_and_line_endings() {
        let s = normalize(
            "<p>Error:</p><pre>at Foo.&lt;init&gt;(Foo.java:3)</pre>\r\nnext\rline&nbsp;x &#64; &#x41;",
        );
        assert_eq!(
            s,
            "\nError:\n\nat Foo.<init>(Foo.java:3)\n\nnext\nline x @ A"
        );
    }

    #[test]
    fn spaces_and_invisibles_are_rewritten_and_other_text_kept() {
        // Plain text and characters sharing a lead byte with the rewritten
        // ones (€ and — start with 0xE2, ﬁ with 0xEF) come out unchanged.
        for plain in ["plain text\nsecond line", "café € ﬁle — ok"] {
            assert_eq!(normalize(plain), plain);
        }
        assert_eq!(
            normalize("a\u{a0}b\u{2007}c\u{202f}d\u{200b}e\u{feff}f\r\ng\rh"),
            "a b c def\ng\nh"
        );
    }

    #[test]
    fn glued_frames_are_split() {
        let s = normalize(
            "java.lang.IllegalStateException: boom at com.acme.A.b(A.java:1) at com.acme.C.d(C.java:2)",
        );
        assert_eq!(s.lines().count(), 3, "{s}");
    }

    #[test]
    fn prefixes_are_stripped() {
        assert_eq!(
            strip_prefix("2024-03-10T10:00:01.123Z stderr F \tat com.x.Y.z(Y.java:1)"),
            "\tat com.x.Y.z(Y.java:1)"
        );
        assert_eq!(
            strip_prefix("Mar  3 10:00:01 host java[123]: \tat a.B.c(B.java:1)"),
            "\tat a.B.c(B.java:1)"
        );
        assert_eq!(strip_prefix("plain"), "plain");
    }
}
