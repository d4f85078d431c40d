//! Turning rich text into the plain text a TicketEvent carries: HTML comment
//! bodies (Zendesk) and Atlassian Document Format (Jira). Code blocks and
//! line structure are kept, because pasted logs and stack traces are the
//! evidence the evaluator extracts later.

use serde_json::Value;

/// HTML to plain text: block elements become line breaks, `<pre>` keeps its
/// whitespace, scripts and styles are dropped, entities are decoded.
pub fn html_to_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    let mut pre = 0usize;
    let mut skip_until: Option<&'static str> = None;
    while let Some(lt) = find_tag_start(rest) {
        let (text, tail) = rest.split_at(lt);
        if skip_until.is_none() {
            push_text(&mut out, text, pre > 0);
        }
        let Some(gt) = tail.find('>') else {
            // An unclosed '<' is text, not markup.
            if skip_until.is_none() {
                push_text(&mut out, tail, pre > 0);
            }
            rest = "";
            break;
        };
        let tag = &tail[1..gt];
        rest = &tail[gt + 1..];
        let closing = tag.starts_with('/');
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        if let Some(end) = skip_until {
            if closing && name == end {
                skip_until = None;
            }
            continue;
        }
        match name.as_str() {
            "script" if !closing => skip_until = Some("script"),
            "style" if !closing => skip_until = Some("style"),
            "br" => out.push('\n'),
            "pre" => {
                if closing {
                    pre = pre.saturating_sub(1);
                } else {
                    pre += 1;
                }
                newline(&mut out);
            }
            "li" if !closing => {
                newline(&mut out);
                out.push_str("- ");
            }
            "p" | "div" | "tr" | "ul" | "ol" | "table" | "blockquote" | "h1" | "h2" | "h3"
            | "h4" | "h5" | "h6" | "li" => newline(&mut out),
            "td" | "th" if closing => out.push('\t'),
            _ => {}
        }
    }
    if skip_until.is_none() {
        push_text(&mut out, rest, pre > 0);
    }
    tidy(&out)
}

/// A '<' opens a tag only when a letter, '/' or '!' follows; "a < b" is text.
fn find_tag_start(s: &str) -> Option<usize> {
    let bytes = s.as_bytes();
    let mut from = 0;
    while let Some(i) = s[from..].find('<') {
        let at = from + i;
        match bytes.get(at + 1) {
            Some(b) if b.is_ascii_alphabetic() || *b == b'/' || *b == b'!' => return Some(at),
            _ => from = at + 1,
        }
    }
    None
}

fn newline(out: &mut String) {
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
}

fn push_text(out: &mut String, text: &str, keep_whitespace: bool) {
    let decoded = decode_entities(text);
    if keep_whitespace {
        out.push_str(&decoded);
        return;
    }
    // Outside <pre>, runs of whitespace collapse as a browser would.
    let mut last_space = out.ends_with(' ') || out.ends_with('\n') || out.is_empty();
    for c in decoded.chars() {
        if c.is_whitespace() && c != '\u{a0}' {
            if !last_space {
                out.push(' ');
                last_space = true;
            }
        } else {
            out.push(if c == '\u{a0}' { ' ' } else { c });
            last_space = false;
        }
    }
}

fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let tail = &rest[amp..];
        let end = tail.find(';').filter(|&e| e <= 10);
        let decoded = end.and_then(|e| {
            let name = &tail[1..e];
            let c = match name {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" | "#39" => Some('\''),
                "nbsp" => Some('\u{a0}'),
                _ => name
                    .strip_prefix("#x")
                    .or_else(|| name.strip_prefix("#X"))
                    .and_then(|h| u32::from_str_radix(h, 16).ok())
                    .or_else(|| name.strip_prefix('#').and_then(|d| d.parse().ok()))
                    .and_then(char::from_u32),
            };
            c.map(|c| (c, e))
        });
        match decoded {
            Some((c, e)) => {
                out.push(c);
                rest = &tail[e + 1..];
            }
            None => {
                out.push('&');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Trims trailing spaces on each line and collapses 3+ blank lines.
fn tidy(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut blank = 0;
    for line in s.lines() {
        let line = line.trim_end();
        if line.is_empty() {
            blank += 1;
            if blank > 1 {
                continue;
            }
        } else {
            blank = 0;
        }
        out.push_str(line);
        out.push('\n');
    }
    out.trim().to_owned()
}

/// Atlassian Document Format to plain text. A string (wiki markup or plain
/// text, as webhooks often send) is returned as it is.
pub fn adf_to_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Object(_) => {
            let mut out = String::new();
            walk_adf(value, &mut out, 0);
            tidy(&out)
        }
        _ => String::new(),
    }
}

fn walk_adf(node: &Value, out: &mut String, depth: usize) {
    if depth > 64 {
        return;
    }
    let kind = node.get("type").and_then(Value::as_str).unwrap_or("");
    match kind {
        "text" => {
            if let Some(t) = node.get("text").and_then(Value::as_str) {
                out.push_str(t);
            }
            return;
        }
        "hardBreak" => {
            out.push('\n');
            return;
        }
        "mention" | "emoji" | "status" | "date" => {
            let attrs = node.get("attrs");
            let text = attrs
                .and_then(|a| {
                    a.get("text")
                        .or_else(|| a.get("shortName"))
                        .or_else(|| a.get("timestamp"))
                })
                .and_then(Value::as_str)
                .unwrap_or("");
            out.push_str(text);
            return;
        }
        "inlineCard" | "blockCard" => {
            if let Some(url) = node
                .get("attrs")
                .and_then(|a| a.get("url"))
                .and_then(Value::as_str)
            {
                out.push_str(url);
            }
            return;
        }
        "listItem" => {
            newline(out);
            out.push_str("- ");
        }
        "paragraph" | "heading" | "codeBlock" | "blockquote" | "panel" | "rule" | "tableRow"
            if !out.ends_with("- ") =>
        {
            newline(out)
        }
        _ => {}
    }
    if let Some(children) = node.get("content").and_then(Value::as_array) {
        for child in children {
            walk_adf(child, out, depth + 1);
            if kind == "tableRow" {
                out.push('\t');
            }
        }
    }
    if matches!(
        kind,
        "paragraph" | "heading" | "codeBlock" | "blockquote" | "panel"
    ) {
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_keeps_structure_and_pre_blocks() {
        let html = "<p>Hello&nbsp;team,</p><p>the export fails:</p><pre>java.lang.NullPointerException\n\tat com.acme.Export.run(Export.java:42)</pre><ul><li>tried &amp; restarted</li><li>cleared cache</li></ul><script>alert(1)</script>";
        let text = html_to_text(html);
        assert_eq!(
            text,
            "Hello team,\nthe export fails:\njava.lang.NullPointerException\n\tat com.acme.Export.run(Export.java:42)\n- tried & restarted\n- cleared cache"
        );
    }

    #[test]
    fn html_edge_cases() {
        assert_eq!(html_to_text("a < b and c > d"), "a < b and c > d");
        assert_eq!(
            html_to_text("Gr&#252;&#xDF;e &unknown; &#128512;"),
            "Grüße &unknown; 😀"
        );
        assert_eq!(html_to_text("plain text"), "plain text");
    }

    #[test]
    fn adf_to_plain_text() {
        let adf = serde_json::json!({
            "type": "doc", "version": 1,
            "content": [
                {"type": "paragraph", "content": [
                    {"type": "text", "text": "Login fails for "},
                    {"type": "mention", "attrs": {"id": "1", "text": "@Kenji"}},
                    {"type": "hardBreak"},
                    {"type": "text", "text": "since 9:00"}
                ]},
                {"type": "codeBlock", "attrs": {"language": "text"}, "content": [
                    {"type": "text", "text": "ERROR 401 invalid_grant\nat auth.refresh()"}
                ]},
                {"type": "bulletList", "content": [
                    {"type": "listItem", "content": [{"type": "paragraph", "content": [{"type": "text", "text": "cleared cookies"}]}]}
                ]}
            ]
        });
        assert_eq!(
            adf_to_text(&adf),
            "Login fails for @Kenji\nsince 9:00\nERROR 401 invalid_grant\nat auth.refresh()\n- cleared cookies"
        );
        assert_eq!(
            adf_to_text(&serde_json::json!("h3. wiki markup")),
            "h3. wiki markup"
        );
    }
}
