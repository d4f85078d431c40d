//! Problem signatures: the grouping key for deflection and KB suggestions.
//!
//! Volatile parts (ids, numbers, hex, UUIDs, emails, paths) are replaced by
//! placeholders so the same problem on different tickets gets the same key.

/// Stable key `domain|normalized error|normalized resolution code`.
pub fn signature(domain: &str, error_signature: &str, resolution_code: &str) -> String {
    format!(
        "{}|{}|{}",
        domain.trim().to_lowercase(),
        normalize(error_signature),
        normalize(resolution_code)
    )
}

/// Lower-cases `text`, collapses whitespace and replaces volatile tokens:
/// `"ORA-00942 table ACME_7781 missing"` -> `"ora-<n> table <id> missing"`.
pub fn normalize(text: &str) -> String {
    text.split_whitespace()
        .map(|tok| normalize_token(&tok.to_lowercase()))
        .collect::<Vec<_>>()
        .join(" ")
}

fn normalize_token(tok: &str) -> String {
    // Keep surrounding punctuation ("(", ":", ",") so the text stays readable.
    let core = tok.trim_matches(|c: char| "()[]{}<>\"',;:!?".contains(c));
    if core.is_empty() {
        return tok.to_string();
    }
    let (lead, rest) = tok.split_at(tok.find(core).unwrap_or(0));
    let trail = &rest[core.len().min(rest.len())..];
    let replaced = if is_email(core) {
        "<email>".to_string()
    } else if is_uuid(core) {
        "<uuid>".to_string()
    } else if is_path(core) {
        "<path>".to_string()
    } else if is_hex(core) {
        "<hex>".to_string()
    } else {
        normalize_parts(core)
    };
    format!("{lead}{replaced}{trail}")
}

/// Splits on `-`, `.`, `=` and `:` and replaces numeric or id-like parts.
fn normalize_parts(core: &str) -> String {
    let mut out = String::new();
    let mut part = String::new();
    for c in core.chars() {
        if "-.=:#".contains(c) {
            out.push_str(&normalize_part(&part));
            out.push(c);
            part.clear();
        } else {
            part.push(c);
        }
    }
    out.push_str(&normalize_part(&part));
    out
}

fn normalize_part(part: &str) -> String {
    let digits = part.chars().filter(char::is_ascii_digit).count();
    if part.is_empty() || digits == 0 {
        part.to_string()
    } else if digits == part.len() {
        "<n>".to_string()
    } else if digits >= 3 || part.contains('_') {
        // "acme_7781", "user12345": ids; short ones like "utf8" or "s3" are names.
        "<id>".to_string()
    } else {
        part.to_string()
    }
}

fn is_email(s: &str) -> bool {
    match s.split_once('@') {
        Some((user, host)) => !user.is_empty() && host.contains('.') && !host.starts_with('.'),
        None => false,
    }
}

fn is_uuid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, len)| g.len() == len && g.chars().all(|c| c.is_ascii_hexdigit()))
}

fn is_path(s: &str) -> bool {
    s.starts_with('/')
        || s.starts_with("~/")
        || s.starts_with("./")
        || (s.len() > 2 && s.as_bytes().get(1) == Some(&b':') && s.contains('\\'))
        || s.matches('/').count() >= 2 && !s.contains("://")
}

fn is_hex(s: &str) -> bool {
    if let Some(h) = s.strip_prefix("0x") {
        return !h.is_empty() && h.chars().all(|c| c.is_ascii_hexdigit());
    }
    // Bare hex needs length and a digit, so words like "deadbeef"/"facade" survive.
    s.len() >= 8
        && s.chars().all(|c| c.is_ascii_hexdigit())
        && s.chars().any(|c| c.is_ascii_digit())
        && s.chars().any(|c| c.is_ascii_alphabetic())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brief_example() {
        assert_eq!(
            normalize("ORA-00942 table ACME_7781 missing"),
            "ora-<n> table <id> missing"
        );
    }
}
