//! Stack traces: Java (with `Caused by:` chains), Python, Go, Rust, Node.js,
//! .NET, plus PHP and Ruby as "other".
//!
//! Work on lines with their log prefixes stripped. The block formats with a
//! clear start (Python, Go, Rust) are found first and their lines taken, so
//! the "at ..." frame matchers never claim a Rust backtrace's locations.

use escalator_proto::v1::{StackTrace, StackTraceLanguage as Lang};

use crate::text::{strip_prefix, truncate};

/// Lines of frame text kept per trace.
pub(crate) const MAX_FRAME_LINES: usize = 40;
const MAX_MESSAGE_CHARS: usize = 500;
const MAX_LINE_CHARS: usize = 300;

/// A trace and the lines (`start..end`) it was read from.
pub(crate) struct Found {
    pub start: usize,
    pub end: usize,
    pub trace: StackTrace,
}

pub(crate) fn find(lines: &[&str]) -> Vec<Found> {
    let content: Vec<&str> = lines.iter().map(|l| strip_prefix(l)).collect();
    let mut taken = vec![false; lines.len()];
    let mut out = Vec::new();
    python(&content, &mut taken, &mut out);
    go(&content, &mut taken, &mut out);
    rust(&content, &mut taken, &mut out);
    frame_runs(&content, &mut taken, &mut out);
    out.sort_by_key(|f| f.start);
    out
}

/// Which lines belong to a trace.
pub(crate) fn mask(len: usize, found: &[Found]) -> Vec<bool> {
    let mut m = vec![false; len];
    for f in found {
        m[f.start..f.end].fill(true);
    }
    m
}

fn take(taken: &mut [bool], start: usize, end: usize) {
    taken[start..end].fill(true);
}

fn trace(
    lang: Lang,
    exception_type: &str,
    message: &str,
    frames: &[&str],
    top_frame: &str,
    frame_count: usize,
) -> StackTrace {
    let mut text: Vec<String> = frames
        .iter()
        .take(MAX_FRAME_LINES)
        .map(|l| truncate(l.trim_end(), MAX_LINE_CHARS))
        .collect();
    if frames.len() > MAX_FRAME_LINES {
        text.push(format!("... {} more lines", frames.len() - MAX_FRAME_LINES));
    }
    StackTrace {
        language: lang as i32,
        exception_type: exception_type.trim().to_owned(),
        message: truncate(message.trim(), MAX_MESSAGE_CHARS),
        frames: text.join("\n"),
        top_frame: truncate(top_frame.trim(), MAX_LINE_CHARS),
        frame_count: u32::try_from(frame_count).unwrap_or(u32::MAX),
    }
}

fn indented(l: &str) -> bool {
    l.starts_with(' ') || l.starts_with('\t')
}

// ---- Python ----

regex!(PY_START, r"Traceback \(most recent call last\):\s*$");
regex!(PY_FILE, r#"^\s+File "([^"]*)", line \d+"#);
regex!(PY_EXC, r"^([A-Za-z_][\w.]*)(?::\s?(.*))?$");
const PY_CHAIN: [&str; 2] = [
    "During handling of the above exception, another exception occurred:",
    "The above exception was the direct cause of the following exception:",
];

fn python(c: &[&str], taken: &mut [bool], out: &mut Vec<Found>) {
    let mut i = 0;
    while i < c.len() {
        if taken[i] || !PY_START.is_match(c[i]) {
            i += 1;
            continue;
        }
        let start = i;
        let mut frames: Vec<&str> = Vec::new();
        let mut files: Vec<&str> = Vec::new();
        let mut exc: Option<(&str, &str)> = None;
        let mut j = i + 1;
        loop {
            while j < c.len() && indented(c[j]) && !c[j].trim().is_empty() {
                if PY_FILE.is_match(c[j]) {
                    files.push(c[j].trim());
                }
                frames.push(c[j]);
                j += 1;
            }
            if let Some(caps) = c
                .get(j)
                .and_then(|l| crate::text::capture(&PY_EXC, l.trim_end()))
            {
                let ty = caps.get(1).map_or("", |m| m.as_str());
                let msg = caps.get(2).map_or("", |m| m.as_str());
                exc = Some((ty, msg));
                j += 1;
            }
            // A chained exception continues the same trace.
            let mut k = j;
            while k < c.len() && k < j + 2 && c[k].trim().is_empty() {
                k += 1;
            }
            let chained = c.get(k).is_some_and(|l| PY_CHAIN.contains(&l.trim()));
            let mut n = k + 1;
            while n < c.len() && n < k + 3 && c[n].trim().is_empty() {
                n += 1;
            }
            if chained && c.get(n).is_some_and(|l| PY_START.is_match(l)) {
                if let Some((ty, msg)) = exc {
                    frames.push(if msg.is_empty() { ty } else { c[j - 1] });
                }
                frames.push(c[k].trim());
                j = n + 1;
                continue;
            }
            break;
        }
        if files.is_empty() {
            i += 1;
            continue;
        }
        let top = files
            .iter()
            .rev()
            .find(|f| {
                ![
                    "site-packages",
                    "dist-packages",
                    "/lib/python",
                    "<frozen",
                    "\\Lib\\",
                ]
                .iter()
                .any(|p| f.contains(p))
            })
            .or(files.last())
            .copied()
            .unwrap_or_default();
        let (ty, msg) = exc.unwrap_or_default();
        out.push(Found {
            start,
            end: j,
            trace: trace(Lang::Python, ty, msg, &frames, top, files.len()),
        });
        take(taken, start, j);
        i = j;
    }
}

// ---- Go ----

regex!(GO_GOROUTINE, r"^goroutine \d+ \[[^\]]+\]:\s*$");
regex!(GO_PANIC, r"^(panic|fatal error): (.*)$");
regex!(
    GO_FUNC,
    r"^(?:created by \S+(?: in goroutine \d+)?|\S+\(.*\))\s*$"
);
regex!(GO_FILE, r"^\s+(\S+\.(?:go|s):\d+)(?: \+0x[0-9a-f]+)?\s*$");

fn go(c: &[&str], taken: &mut [bool], out: &mut Vec<Found>) {
    let mut i = 0;
    while i < c.len() {
        if taken[i] || !GO_GOROUTINE.is_match(c[i].trim_end()) {
            i += 1;
            continue;
        }
        let header =
            (i.saturating_sub(6)..i).find(|&h| !taken[h] && GO_PANIC.is_match(c[h].trim()));
        let mut frames: Vec<&str> = vec![c[i].trim_end()];
        let mut top: Option<String> = None;
        let mut count = 0;
        let mut j = i + 1;
        while j < c.len() {
            let line = c[j].trim_end();
            let file = if GO_FUNC.is_match(line) {
                c.get(j + 1).and_then(|l| crate::text::capture(&GO_FILE, l))
            } else {
                None
            };
            if let Some(file) = file {
                count += 1;
                frames.push(line);
                frames.push(c[j + 1].trim_end());
                let framework = ["runtime.", "panic(", "created by runtime", "testing."]
                    .iter()
                    .any(|p| line.starts_with(p));
                if top.is_none() && !framework {
                    let at = file.get(1).map_or("", |m| m.as_str());
                    top = Some(format!("{line} at {at}"));
                }
                j += 2;
            } else if line.is_empty() && c.get(j + 1).is_some_and(|l| GO_GOROUTINE.is_match(l)) {
                frames.push("");
                frames.push(c[j + 1].trim_end());
                j += 2;
            } else {
                break;
            }
        }
        if count == 0 {
            i += 1;
            continue;
        }
        let (ty, msg) = match header.and_then(|h| crate::text::capture(&GO_PANIC, c[h].trim())) {
            Some(caps) => {
                let kind = caps.get(1).map_or("", |m| m.as_str());
                let msg = caps.get(2).map_or("", |m| m.as_str());
                match msg.strip_prefix("runtime error: ") {
                    Some(rest) if kind == "panic" => ("runtime error".to_owned(), rest.to_owned()),
                    _ => (kind.to_owned(), msg.to_owned()),
                }
            }
            None => ("goroutine dump".to_owned(), String::new()),
        };
        let start = header.unwrap_or(i);
        out.push(Found {
            start,
            end: j,
            trace: trace(
                Lang::Go,
                &ty,
                &msg,
                &frames,
                top.as_deref().unwrap_or_default(),
                count,
            ),
        });
        take(taken, start, j);
        i = j;
    }
}

// ---- Rust ----

regex!(
    RUST_PANIC,
    r"thread '([^']*)'(?: \(\d+\))? panicked at (.*)$"
);
regex!(RUST_OLD, r"^'(.*)', (\S+:\d+:\d+)\s*$");
regex!(RUST_FRAME, r"^\s*\d+:\s+(\S.*)$");
regex!(RUST_AT, r"^\s+at\s+(\S.*:\d+(?::\d+)?)\s*$");

fn rust(c: &[&str], taken: &mut [bool], out: &mut Vec<Found>) {
    let mut i = 0;
    while i < c.len() {
        let Some(caps) = (!taken[i])
            .then(|| crate::text::capture(&RUST_PANIC, c[i]))
            .flatten()
        else {
            i += 1;
            continue;
        };
        let rest = caps.get(2).map_or("", |m| m.as_str()).trim();
        let mut j = i + 1;
        let (message, location) = match crate::text::capture(&RUST_OLD, rest) {
            Some(old) => (
                old.get(1).map_or("", |m| m.as_str()).to_owned(),
                old.get(2).map_or("", |m| m.as_str()).to_owned(),
            ),
            None => {
                // Since Rust 1.73 the message follows on its own lines.
                let mut msg = Vec::new();
                while j < c.len() && msg.len() < 5 {
                    let l = c[j].trim();
                    if l.is_empty() || l.starts_with("note:") || l == "stack backtrace:" {
                        break;
                    }
                    msg.push(l);
                    j += 1;
                }
                (msg.join(" "), rest.trim_end_matches(':').to_owned())
            }
        };
        let mut frames: Vec<&str> = Vec::new();
        let mut top: Option<String> = None;
        let mut count = 0;
        while j < c.len() {
            let l = c[j].trim();
            if l.starts_with("note:") {
                j += 1;
            } else if l == "stack backtrace:" {
                j += 1;
                while j < c.len() {
                    if let Some(f) = crate::text::capture(&RUST_FRAME, c[j]) {
                        count += 1;
                        frames.push(c[j]);
                        let name = f.get(1).map_or("", |m| m.as_str());
                        if top.is_none() && !rust_framework(name) {
                            let at = c
                                .get(j + 1)
                                .and_then(|l| crate::text::capture(&RUST_AT, l))
                                .and_then(|a| a.get(1))
                                .map(|m| format!(" at {}", m.as_str()));
                            top = Some(format!("{name}{}", at.unwrap_or_default()));
                        }
                    } else if RUST_AT.is_match(c[j]) {
                        frames.push(c[j]);
                    } else {
                        break;
                    }
                    j += 1;
                }
            } else {
                break;
            }
        }
        let top = top.unwrap_or(location);
        out.push(Found {
            start: i,
            end: j,
            trace: trace(Lang::Rust, "panic", &message, &frames, &top, count),
        });
        take(taken, i, j);
        i = j;
    }
}

fn rust_framework(name: &str) -> bool {
    [
        "std::",
        "core::",
        "alloc::",
        "rust_begin_unwind",
        "__rust",
        "backtrace::",
        "<unknown>",
        "__libc",
        "_start",
        "tokio::",
        "<core::",
        "<alloc::",
        "<std::",
    ]
    .iter()
    .any(|p| name.starts_with(p))
}

// ---- "at ..." frame runs: Java, .NET, Node.js; PHP and Ruby ----

#[derive(Clone, Copy, PartialEq, Eq)]
enum Style {
    Java,
    Dotnet,
    Node,
    Php,
    Ruby,
}

regex!(
    JAVA_FRAME,
    r"^\s*at\s+(?:[\w.$\-]+/+)?[\w$.<>\-]+\((?:[^()]*\.(?:java|kt|kts|scala|groovy|clj)(?::\d+)?|Native Method|Unknown Source|Unknown Module)\)(?:\s*~?\[[^\]]*\])?\s*$"
);
// .NET localizes "at"/"in"/"line" (German "bei"/"Zeile", ...).
regex!(
    DOTNET_FRAME,
    r"^\s*(?:at|bei|en|à|в|場所)\s+[\w.`<>$\[\],+|]+(?:\[[^\]]*\])?\([^()]*\)(?:\s+(?:in|bei|en|dans|в|場所)\s+.+?:(?:line|Zeile|línea|ligne|строка|行)\s*\d+)?\s*$"
);
regex!(
    NODE_FRAME,
    r"^\s*at\s+(?:(?:async\s+)?(?:new\s+)?[^\s()]+(?:\s+\[as\s+[^\]]+\])?\s+\((?:[^()]+:\d+:\d+|native|<anonymous>|index\s+\d+)\)|(?:async\s+)?(?:file://\S+|node:\S+|\S+\.(?:m?js|cjs|ts|tsx|jsx|vue|svelte)(?:\?\S*)?):\d+:\d+|<anonymous>)\s*$"
);
regex!(
    PHP_FRAME,
    r"^\s*#\d+ (?:\S+\(\d+\): \S.*|\[internal function\]: \S.*|\{main\})\s*$"
);
regex!(RUBY_FRAME, r"^\s+from \S+:\d+:in [`'].*'\s*$");
regex!(
    JAVA_MORE,
    r"^\s*(?:Caused by: |Suppressed: |Wrapped by: |\.\.\. \d+ (?:more|common frames omitted)\s*$)"
);
regex!(DOTNET_MORE, r"^\s*(?:--- .* ---\s*$|---> )");
regex!(PHP_MORE, r"^\s*(?:thrown in |Stack trace:\s*$)");
regex!(
    QUALIFIED_EXC,
    r"((?:[A-Za-z_$][\w$]*\.)+[A-Za-z_$][\w$]*(?:Exception|Error|Throwable|Fault|Failure))(?::\s?(.*))?"
);
regex!(
    NODE_EXC,
    r"\b((?:[A-Z][A-Za-z0-9]*)?(?:Error|Exception))(?: \[[A-Z_0-9]+\])?:\s?(.*)$"
);
regex!(
    PHP_EXC,
    r"Uncaught\s+([\w\\]+)(?::\s*(.*?))?(?:\s+in\s+\S+:\d+)?\s*$"
);
regex!(RUBY_EXC, r"^(\S+:\d+:in [`'][^']*'): (.*) \(([\w:]+)\)\s*$");

fn style_of(l: &str) -> Option<Style> {
    // Every frame starts with one of these words: skip the patterns otherwise.
    let first = l.split_whitespace().next().unwrap_or_default();
    let framed = matches!(first, "at" | "bei" | "en" | "à" | "в" | "場所" | "from")
        || first.starts_with('#');
    if !framed {
        None
    } else if JAVA_FRAME.is_match(l) {
        Some(Style::Java)
    } else if NODE_FRAME.is_match(l) {
        Some(Style::Node)
    } else if DOTNET_FRAME.is_match(l) {
        Some(Style::Dotnet)
    } else if PHP_FRAME.is_match(l) {
        Some(Style::Php)
    } else if RUBY_FRAME.is_match(l) {
        Some(Style::Ruby)
    } else {
        None
    }
}

fn continues(style: Style, l: &str) -> bool {
    match style {
        Style::Java => JAVA_MORE.is_match(l),
        Style::Dotnet => DOTNET_MORE.is_match(l),
        Style::Php => PHP_MORE.is_match(l),
        Style::Node | Style::Ruby => false,
    }
}

fn framework(style: Style, frame: &str) -> bool {
    let f = frame.trim_start();
    let f = f
        .strip_prefix("at ")
        .or_else(|| f.strip_prefix("bei "))
        .unwrap_or(f)
        .trim_start();
    // Java module prefixes: "java.base/java.lang.Thread.run".
    let f = match f.find('/') {
        Some(i) if style == Style::Java && i < f.find('(').unwrap_or(0) => &f[i + 1..],
        _ => f,
    };
    let prefixes: &[&str] = match style {
        Style::Java => &[
            "java.",
            "javax.",
            "jdk.",
            "sun.",
            "com.sun.",
            "jakarta.",
            "kotlin.",
            "kotlinx.",
            "scala.",
            "org.springframework.",
            "org.apache.",
            "io.netty.",
            "reactor.",
            "org.hibernate.",
            "com.fasterxml.",
            "org.eclipse.jetty.",
            "io.undertow.",
            "org.junit.",
            "groovy.",
            "org.codehaus.groovy.",
            "com.zaxxer.hikari.",
            "org.postgresql.",
            "com.mysql.",
            "oracle.jdbc.",
        ],
        Style::Dotnet => &["System.", "Microsoft.", "Newtonsoft.", "NUnit.", "Xunit."],
        Style::Node => {
            return [
                "node:internal",
                "internal/",
                "node_modules",
                "(node:",
                "<anonymous>",
                "(native)",
            ]
            .iter()
            .any(|p| f.contains(p));
        }
        Style::Php => return f.contains("/vendor/") || f.contains("[internal function]"),
        Style::Ruby => return f.contains("/gems/"),
    };
    prefixes.iter().any(|p| f.starts_with(p))
}

fn frame_runs(c: &[&str], taken: &mut [bool], out: &mut Vec<Found>) {
    let mut i = 0;
    while i < c.len() {
        let Some(style) = (!taken[i]).then(|| style_of(c[i])).flatten() else {
            i += 1;
            continue;
        };
        let first = i;
        let mut frames: Vec<&str> = Vec::new();
        let mut count = 0;
        let mut top: Option<&str> = None;
        let mut j = i;
        let mut after_cause = false;
        while j < c.len() && !taken[j] {
            let l = c[j];
            if style_of(l) == Some(style) {
                count += 1;
                if top.is_none() && !framework(style, l) {
                    top = Some(l.trim());
                }
                frames.push(l);
                after_cause = false;
            } else if continues(style, l) {
                frames.push(l);
                after_cause = true;
            } else if after_cause && !l.trim().is_empty() && frames.len() < 500 {
                // A cause's message can span lines ("Detail: Key (id)=(1) ...").
                frames.push(l);
            } else {
                break;
            }
            j += 1;
        }
        // Drop message lines that no frame followed.
        while frames
            .last()
            .is_some_and(|l| style_of(l) != Some(style) && !continues(style, l))
        {
            frames.pop();
            j -= 1;
        }
        let header = find_header(c, taken, first, style);
        if header.is_none() && count < 2 {
            i = j.max(i + 1);
            continue;
        }
        let (start, ty, msg, header_top) = match &header {
            Some(h) => (h.line, h.ty.clone(), h.message.clone(), h.top.clone()),
            None => (first, String::new(), String::new(), None),
        };
        let top = header_top
            .as_deref()
            .or(top)
            .or(frames
                .iter()
                .find(|l| style_of(l).is_some())
                .map(|l| l.trim()))
            .unwrap_or_default();
        let lang = match style {
            Style::Java => Lang::Java,
            Style::Dotnet => Lang::Dotnet,
            Style::Node => Lang::Node,
            Style::Php | Style::Ruby => Lang::Other,
        };
        out.push(Found {
            start,
            end: j,
            trace: trace(lang, &ty, &msg, &frames, top, count),
        });
        take(taken, start, j);
        i = j;
    }
}

struct Header {
    line: usize,
    ty: String,
    message: String,
    top: Option<String>,
}

/// The exception line above the first frame: the nearest one within a few
/// lines; lines between it and the frames continue its message.
fn find_header(c: &[&str], taken: &[bool], first: usize, style: Style) -> Option<Header> {
    for h in (first.saturating_sub(5)..first).rev() {
        if taken[h] {
            return None;
        }
        let l = c[h].trim();
        let found = match style {
            Style::Java | Style::Dotnet => crate::text::capture(&QUALIFIED_EXC, l).map(|caps| {
                (
                    caps.get(1).map_or("", |m| m.as_str()).to_owned(),
                    caps.get(2).map_or("", |m| m.as_str()).to_owned(),
                    None,
                )
            }),
            Style::Node => crate::text::capture(&NODE_EXC, l).map(|caps| {
                (
                    caps.get(1).map_or("", |m| m.as_str()).to_owned(),
                    caps.get(2).map_or("", |m| m.as_str()).to_owned(),
                    None,
                )
            }),
            Style::Php => crate::text::capture(&PHP_EXC, l).map(|caps| {
                (
                    caps.get(1).map_or("", |m| m.as_str()).to_owned(),
                    caps.get(2).map_or("", |m| m.as_str()).to_owned(),
                    None,
                )
            }),
            Style::Ruby => crate::text::capture(&RUBY_EXC, l).map(|caps| {
                (
                    caps.get(3).map_or("", |m| m.as_str()).to_owned(),
                    caps.get(2).map_or("", |m| m.as_str()).to_owned(),
                    caps.get(1).map(|m| m.as_str().to_owned()),
                )
            }),
        };
        if let Some((ty, msg, top)) = found {
            let mut message = msg;
            for extra in &c[h + 1..first] {
                let extra = extra.trim();
                if !extra.is_empty() && extra != "Stack trace:" {
                    message.push(' ');
                    message.push_str(extra);
                }
            }
            return Some(Header {
                line: h,
                ty,
                message,
                top,
            });
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> StackTrace {
        let lines: Vec<&str> = text.split('\n').collect();
        let mut found = find(&lines);
        assert_eq!(found.len(), 1, "{text}");
        found.remove(0).trace
    }

    #[test]
    fn java_with_causes() {
        let t = one(
            "Exception in thread \"main\" java.lang.IllegalStateException: order failed\n\
             \tat org.springframework.web.Servlet.service(Servlet.java:10)\n\
             \tat com.acme.billing.Invoice.total(Invoice.java:88)\n\
             Caused by: org.postgresql.util.PSQLException: ERROR: duplicate key\n  Detail: Key (id)=(7) exists.\n\
             \tat org.postgresql.core.v3.QueryExecutorImpl.receive(QueryExecutorImpl.java:2676)\n\
             \t... 12 more",
        );
        assert_eq!(t.language, Lang::Java as i32);
        assert_eq!(t.exception_type, "java.lang.IllegalStateException");
        assert_eq!(t.message, "order failed");
        assert_eq!(
            t.top_frame,
            "at com.acme.billing.Invoice.total(Invoice.java:88)"
        );
        assert_eq!(t.frame_count, 3);
        assert!(t.frames.contains("Caused by: org.postgresql"));
        assert!(t.frames.contains("... 12 more"));
    }

    #[test]
    fn python_chain_reports_the_last_exception() {
        let t = one(
            "Traceback (most recent call last):\n  File \"/app/db.py\", line 3, in get\n    conn.execute(q)\n\
             KeyError: 'id'\n\nDuring handling of the above exception, another exception occurred:\n\n\
             Traceback (most recent call last):\n  File \"/app/api.py\", line 9, in handler\n    get()\n\
             ValueError: bad id",
        );
        assert_eq!(t.exception_type, "ValueError");
        assert_eq!(t.message, "bad id");
        assert_eq!(t.frame_count, 2);
        assert!(t.top_frame.contains("/app/api.py"));
        assert!(t.frames.contains("KeyError: 'id'"));
    }

    #[test]
    fn frame_count_is_uncapped_and_text_capped() {
        let mut text = "java.lang.RuntimeException: x\n".to_owned();
        for n in 0..100 {
            text.push_str(&format!("\tat com.acme.A.m{n}(A.java:{n})\n"));
        }
        let t = one(&text);
        assert_eq!(t.frame_count, 100);
        assert_eq!(t.frames.lines().count(), MAX_FRAME_LINES + 1);
    }
}
