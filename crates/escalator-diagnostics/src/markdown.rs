//! The handoff packet as Markdown a specialist tool shows as-is.
//!
//! Ticket text is escaped so it cannot become markup (or HTML) of its own;
//! traces and logs go into fenced blocks longer than any backtick run they
//! hold. The finished document is redacted once more, so even a packet
//! filled by hand cannot carry a secret into the Markdown.

use std::fmt::Write as _;

use escalator_proto::v1::{
    ActorRole, CustomerTier, ErrorCodeKind, HandoffPacket, Priority, RedactionKind,
    StackTraceLanguage,
};

use crate::completeness::missing_item_label;

/// Renders `packet`; sections without content are left out.
pub fn render_markdown(packet: &HandoffPacket) -> String {
    let mut md = String::new();
    header(&mut md, packet);
    if !packet.summary.trim().is_empty() {
        section(&mut md, "Summary");
        md.push_str(&inline(&packet.summary));
        md.push('\n');
    }
    if !packet.reasons.is_empty() {
        section(&mut md, "Why escalated");
        for r in &packet.reasons {
            let _ = writeln!(md, "- {}", inline(r));
        }
    }
    if !packet.description.trim().is_empty() {
        section(&mut md, "Problem as reported");
        fenced(&mut md, &packet.description);
    }
    if !packet.recent_comments.is_empty() {
        section(&mut md, "Recent conversation");
        for c in &packet.recent_comments {
            fenced(&mut md, c);
        }
    }
    if !packet.tags.is_empty() {
        let tags: Vec<String> = packet.tags.iter().map(|t| code(t)).collect();
        let _ = writeln!(md, "\n**Tags:** {}", tags.join(" "));
    }
    if !packet.missing_items.is_empty() {
        section(&mut md, "Missing evidence");
        for id in &packet.missing_items {
            let _ = writeln!(md, "- {}", inline(missing_item_label(id)));
        }
    }
    stack_traces(&mut md, packet);
    error_codes(&mut md, packet);
    logs(&mut md, packet);
    if !packet.versions.is_empty() {
        section(&mut md, "Versions");
        for v in &packet.versions {
            let _ = writeln!(md, "- {} {}", inline(&v.name), inline(&v.version));
        }
    }
    environment(&mut md, packet);
    if !packet.reproduction_steps.is_empty() {
        section(&mut md, "Steps to reproduce");
        for (i, s) in packet.reproduction_steps.iter().enumerate() {
            let _ = writeln!(md, "{}. {}", i + 1, inline(s));
        }
    }
    if !packet.expected_behavior.is_empty() || !packet.actual_behavior.is_empty() {
        section(&mut md, "Expected vs actual");
        for (label, text) in [
            ("Expected", &packet.expected_behavior),
            ("Actual", &packet.actual_behavior),
        ] {
            let text = if text.is_empty() {
                "_not stated_".to_owned()
            } else {
                inline(text)
            };
            let _ = writeln!(md, "- **{label}:** {text}");
        }
    }
    if !packet.l1_attempts.is_empty() {
        section(&mut md, "What L1 tried");
        for a in &packet.l1_attempts {
            let _ = writeln!(md, "- {}", inline(a));
        }
    }
    related_kb(&mut md, packet);
    attachments(&mut md, packet);
    timeline(&mut md, packet);

    // Last line of defence: redact the whole document; what this pass finds
    // is reported with the packet's own counts.
    let redacted = escalator_redact::redact(&md);
    let extra = redacted.counts.total();
    let mut md = redacted.text.into_owned();
    md.push_str("\n---\n\n");
    md.push_str(&redaction_note(packet, extra));
    md.push('\n');
    md
}

fn section(md: &mut String, title: &str) {
    while !md.ends_with("\n\n") {
        md.push('\n');
    }
    let _ = write!(md, "## {title}\n\n");
}

fn header(md: &mut String, p: &HandoffPacket) {
    let title = if p.subject.trim().is_empty() {
        "Escalation handoff".to_owned()
    } else {
        inline(&p.subject)
    };
    let _ = writeln!(md, "# {title}\n");
    let mut facts: Vec<String> = Vec::new();
    if let Some(c) = &p.customer {
        let name = c.name.as_deref().filter(|n| !n.trim().is_empty());
        match (name, c.id.is_empty()) {
            (Some(n), false) => {
                facts.push(format!("**Customer:** {} ({})", inline(n), code(&c.id)))
            }
            (Some(n), true) => facts.push(format!("**Customer:** {}", inline(n))),
            (None, false) => facts.push(format!("**Customer:** {}", code(&c.id))),
            (None, true) => {}
        }
        let tier = tier_label(c.tier);
        match (tier, c.tier_name.trim().is_empty()) {
            (Some(t), false) => facts.push(format!("**Tier:** {t} ({})", inline(&c.tier_name))),
            (Some(t), true) => facts.push(format!("**Tier:** {t}")),
            (None, false) => facts.push(format!("**Tier:** {}", inline(&c.tier_name))),
            (None, true) => {}
        }
    }
    if let Some(pr) = priority_label(p.priority) {
        facts.push(format!("**Priority:** {pr}"));
    }
    if !facts.is_empty() {
        let _ = writeln!(md, "{}  ", facts.join(" · "));
    }
    let mut more: Vec<String> = Vec::new();
    if !p.product.is_empty() {
        more.push(format!("**Product:** {}", inline(&p.product)));
    }
    if !p.component.is_empty() {
        more.push(format!("**Component:** {}", inline(&p.component)));
    }
    if !p.ticket_url.is_empty() {
        more.push(format!(
            "**Ticket:** <{}>",
            p.ticket_url.replace(['<', '>', ' '], "")
        ));
    }
    if !more.is_empty() {
        let _ = writeln!(md, "{}  ", more.join(" · "));
    }
    let _ = writeln!(
        md,
        "**Evidence completeness:** {:.0}%",
        (p.completeness_score.clamp(0.0, 1.0) * 100.0).round()
    );
}

fn stack_traces(md: &mut String, p: &HandoffPacket) {
    if p.stack_traces.is_empty() {
        return;
    }
    section(md, "Stack traces");
    for (i, t) in p.stack_traces.iter().enumerate() {
        let lang = match StackTraceLanguage::try_from(t.language) {
            Ok(StackTraceLanguage::Java) => "Java",
            Ok(StackTraceLanguage::Python) => "Python",
            Ok(StackTraceLanguage::Go) => "Go",
            Ok(StackTraceLanguage::Rust) => "Rust",
            Ok(StackTraceLanguage::Node) => "Node.js",
            Ok(StackTraceLanguage::Dotnet) => ".NET",
            _ => "Other",
        };
        let mut title = format!("**{}. {lang}", i + 1);
        if !t.exception_type.is_empty() {
            let _ = write!(title, " · {}", code(&t.exception_type));
        }
        title.push_str("**");
        if !t.message.is_empty() {
            let _ = write!(title, ": {}", inline(&t.message));
        }
        let _ = writeln!(md, "{title}\n");
        if !t.top_frame.is_empty() {
            let _ = writeln!(
                md,
                "Top frame: {} ({} frames)\n",
                code(&t.top_frame),
                t.frame_count
            );
        }
        // The last cause of a chain is where it started.
        let root = t
            .frames
            .lines()
            .rev()
            .find_map(|l| l.trim().strip_prefix("Caused by: "));
        if let Some(root) = root {
            let _ = writeln!(md, "Root cause: {}\n", inline(root));
        }
        if !t.frames.is_empty() {
            fenced(md, &t.frames);
        }
    }
}

fn error_codes(md: &mut String, p: &HandoffPacket) {
    if p.error_codes.is_empty() {
        return;
    }
    section(md, "Error codes");
    for c in &p.error_codes {
        let kind = match ErrorCodeKind::try_from(c.kind) {
            Ok(ErrorCodeKind::HttpStatus) => "HTTP status",
            Ok(ErrorCodeKind::Sqlstate) => "SQLSTATE",
            Ok(ErrorCodeKind::Oracle) => "Oracle",
            Ok(ErrorCodeKind::Errno) => "errno",
            Ok(ErrorCodeKind::Vendor) => "vendor",
            _ => "other",
        };
        let _ = write!(md, "- {kind} {}", code(&c.code));
        if !c.context.is_empty() {
            let _ = write!(md, ": {}", inline(&c.context));
        }
        md.push('\n');
    }
}

fn logs(md: &mut String, p: &HandoffPacket) {
    if p.log_excerpts.is_empty() {
        return;
    }
    section(md, "Logs");
    for l in &p.log_excerpts {
        let _ = writeln!(
            md,
            "**{}** ({} lines{})\n",
            inline(&l.source),
            l.line_count,
            if l.truncated { ", truncated" } else { "" }
        );
        fenced(md, &l.text);
    }
}

fn environment(md: &mut String, p: &HandoffPacket) {
    let Some(e) = &p.environment else {
        return;
    };
    let mut rows: Vec<(String, &str)> = [
        ("OS", e.os.as_str()),
        ("Browser", &e.browser),
        ("Region", &e.region),
        ("Deployment", &e.deployment),
        ("Cluster", &e.cluster),
    ]
    .into_iter()
    .filter(|(_, v)| !v.is_empty())
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let mut attrs: Vec<(&String, &String)> = e.attributes.iter().collect();
    attrs.sort();
    rows.extend(attrs.into_iter().map(|(k, v)| (k.clone(), v.as_str())));
    if rows.is_empty() {
        return;
    }
    section(md, "Environment");
    for (k, v) in rows {
        let _ = writeln!(md, "- **{}:** {}", inline(&k), inline(v));
    }
}

fn related_kb(md: &mut String, p: &HandoffPacket) {
    if p.related_kb.is_empty() {
        return;
    }
    section(md, "Related knowledge base");
    for k in &p.related_kb {
        let label = [&k.title, &k.article_id, &k.url]
            .into_iter()
            .find(|s| !s.is_empty())
            .map_or_else(String::new, |s| inline(s));
        if k.url.is_empty() {
            let _ = writeln!(md, "- {label}");
        } else {
            let url = k.url.replace(['<', '>', ' '], "");
            let _ = writeln!(md, "- [{label}](<{url}>)");
        }
    }
}

fn attachments(md: &mut String, p: &HandoffPacket) {
    if p.attachments.is_empty() {
        return;
    }
    section(md, "Attachments");
    for a in &p.attachments {
        let _ = write!(md, "- {}", code(&a.file_name));
        let mut facts = Vec::new();
        if !a.content_type.is_empty() {
            facts.push(inline(&a.content_type));
        }
        if a.size_bytes > 0 {
            facts.push(size(a.size_bytes));
        }
        if !facts.is_empty() {
            let _ = write!(md, " ({})", facts.join(", "));
        }
        if !a.note.is_empty() {
            let _ = write!(md, ": {}", inline(&a.note));
        }
        md.push('\n');
    }
}

fn timeline(md: &mut String, p: &HandoffPacket) {
    if p.timeline.is_empty() {
        return;
    }
    section(md, "Timeline");
    for t in &p.timeline {
        let role = match ActorRole::try_from(t.actor_role) {
            Ok(ActorRole::Customer) => "customer",
            Ok(ActorRole::L1Agent) => "L1 agent",
            Ok(ActorRole::Specialist) => "specialist",
            Ok(ActorRole::System) => "system",
            _ => "unknown",
        };
        let _ = write!(md, "- {} · {role}", utc(t.at_ms));
        if !t.kind.is_empty() {
            let _ = write!(md, " · {}", inline(&t.kind));
        }
        if !t.text.is_empty() {
            let _ = write!(md, ": {}", inline(&t.text));
        }
        md.push('\n');
    }
}

fn redaction_note(p: &HandoffPacket, extra: u32) -> String {
    let mut parts: Vec<String> = p
        .redactions
        .iter()
        .filter(|r| r.count > 0)
        .map(|r| {
            let what = match RedactionKind::try_from(r.kind) {
                Ok(RedactionKind::Email) => "email address",
                Ok(RedactionKind::Phone) => "phone number",
                Ok(RedactionKind::PaymentCard) => "payment card number",
                Ok(RedactionKind::IpAddress) => "IP address",
                Ok(RedactionKind::Secret) => "secret",
                Ok(RedactionKind::NationalId) => "national id",
                _ => "other value",
            };
            let plural = match (r.count, what.ends_with("ss")) {
                (1, _) => "",
                (_, true) => "es",
                _ => "s",
            };
            format!("{} {what}{plural}", r.count)
        })
        .collect();
    if extra > 0 {
        parts.push(format!("{extra} more while rendering"));
    }
    if parts.is_empty() {
        "_Redaction: nothing was redacted._".to_owned()
    } else {
        format!(
            "_Redacted before handoff: {}. The values are never included._",
            parts.join(", ")
        )
    }
}

fn tier_label(tier: i32) -> Option<&'static str> {
    match CustomerTier::try_from(tier).ok()? {
        CustomerTier::Standard => Some("Standard"),
        CustomerTier::Business => Some("Business"),
        CustomerTier::Enterprise => Some("Enterprise"),
        CustomerTier::Strategic => Some("Strategic"),
        CustomerTier::Unknown | CustomerTier::Unspecified => None,
    }
}

fn priority_label(priority: i32) -> Option<&'static str> {
    match Priority::try_from(priority).ok()? {
        Priority::Low => Some("Low"),
        Priority::Normal => Some("Normal"),
        Priority::High => Some("High"),
        Priority::Urgent => Some("Urgent"),
        Priority::Unknown | Priority::Unspecified => None,
    }
}

/// One line of text with Markdown and HTML syntax escaped.
fn inline(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in crate::text::squash(s).chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '~' | '#'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A code span that holds `s` whatever backticks it contains.
fn code(s: &str) -> String {
    let s = crate::text::squash(s);
    let fence = "`".repeat(longest_backtick_run(&s) + 1);
    let pad = if s.starts_with('`') || s.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{s}{pad}{fence}")
}

fn fenced(md: &mut String, body: &str) {
    let fence = "`".repeat((longest_backtick_run(body) + 1).max(3));
    let _ = writeln!(md, "{fence}text\n{}\n{fence}\n", body.trim_end());
}

fn longest_backtick_run(s: &str) -> usize {
    s.split(|c| c != '`').map(str::len).max().unwrap_or(0)
}

fn size(bytes: u64) -> String {
    #[allow(clippy::cast_precision_loss)] // display only
    let b = bytes as f64;
    if bytes < 1024 {
        format!("{bytes} B")
    } else if bytes < 1024 * 1024 {
        format!("{:.1} KiB", b / 1024.0)
    } else {
        format!("{:.1} MiB", b / (1024.0 * 1024.0))
    }
}

/// `YYYY-MM-DD HH:MM UTC` from epoch milliseconds, without a time library
/// (civil-from-days, H. Hinnant).
fn utc(ms: i64) -> String {
    if ms <= 0 {
        return "unknown time".to_owned();
    }
    let secs = ms.div_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02} UTC",
        rem / 3600,
        (rem % 3600) / 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_dates() {
        assert_eq!(utc(1_710_064_800_000), "2024-03-10 10:00 UTC");
        assert_eq!(utc(951_782_400_000), "2000-02-29 00:00 UTC");
        assert_eq!(utc(0), "unknown time");
    }

    #[test]
    fn escaping_and_fences() {
        assert_eq!(
            inline("<script>*x*</script>\nnext"),
            "\\<script\\>\\*x\\*\\</script\\> next"
        );
        assert_eq!(code("a`b"), "``a`b``");
        let mut md = String::new();
        fenced(&mut md, "```\ncode\n```");
        assert!(md.starts_with("````text\n"));
    }
}
