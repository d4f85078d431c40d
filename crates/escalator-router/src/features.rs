//! What the classifier looks at, taken from the escalation decision alone
//! (its handoff packet, already redacted). Not from what the router has seen
//! on the events topic: the two topics interleave differently on every run,
//! and a routing must be the same live, after a crash, and in a replay.

use escalator_proto::v1::{EscalationDecision, HandoffPacket};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Features {
    pub product: String,
    pub component: String,
    pub tags: Vec<String>,
    /// Lower-case words separated by single spaces, padded with a space at
    /// both ends, so " phrase " matches whole words only.
    pub text: String,
    pub error_codes: Vec<String>,
    /// Stack frames, exception types and log sources, lower-case.
    pub frames: String,
}

/// Lower-cases and splits on anything that is not a letter, digit or one of
/// `-_.`, so "CrashLoopBackOff:" and "(SQLSTATE 40001)" become words.
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push(' ');
    let mut space = true;
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() || c == '-' || c == '_' {
            out.push(c);
            space = false;
        } else if c == '.' && !space {
            // Keep dots inside words (versions, packages), drop sentence ends.
            out.push(c);
        } else if !space {
            out.push(' ');
            space = true;
        }
    }
    let trimmed: String = out
        .split(' ')
        .filter(|w| !w.is_empty())
        .map(|w| w.trim_end_matches('.'))
        .collect::<Vec<_>>()
        .join(" ");
    format!(" {trimmed} ")
}

pub fn from_decision(d: &EscalationDecision) -> Features {
    let none = HandoffPacket::default();
    let p = d.handoff.as_ref().unwrap_or(&none);
    let mut text = String::new();
    // The ticket's own words and evidence; not the Markdown, whose section
    // titles would read as keywords.
    let evidence = p
        .log_excerpts
        .iter()
        .map(|l| &l.text)
        .chain(p.stack_traces.iter().map(|s| &s.message));
    for part in [
        &p.subject,
        &p.summary,
        &p.description,
        &p.expected_behavior,
        &p.actual_behavior,
    ]
    .into_iter()
    .chain(&p.recent_comments)
    .chain(&p.reproduction_steps)
    .chain(&p.l1_attempts)
    .chain(evidence)
    {
        text.push_str(part);
        text.push('\n');
    }
    let mut frames = String::new();
    for st in &p.stack_traces {
        frames.push_str(&st.exception_type);
        frames.push('\n');
        frames.push_str(&st.top_frame);
        frames.push('\n');
        frames.push_str(&st.frames);
        frames.push('\n');
    }
    for l in &p.log_excerpts {
        frames.push_str(&l.source);
        frames.push('\n');
    }
    Features {
        product: p.product.clone(),
        component: p.component.clone(),
        tags: p.tags.clone(),
        text: normalize(&text),
        error_codes: p
            .error_codes
            .iter()
            .flat_map(|c| {
                // The code itself, and the code qualified by its family
                // ("sqlstate:40001"), so configuration can match either.
                let family = escalator_proto::v1::ErrorCodeKind::try_from(c.kind)
                    .map(|k| {
                        k.as_str_name()
                            .trim_start_matches("ERROR_CODE_KIND_")
                            .to_lowercase()
                    })
                    .unwrap_or_default();
                [c.code.clone(), format!("{family}:{}", c.code)]
            })
            .collect(),
        frames: frames.to_lowercase(),
    }
}

/// Tokens the learned model keys on: the features a specialist's
/// correction should teach about (bounded per escalation).
/// Whole-word (or phrase) match in normalized text, with plain English
/// inflections of a single word ("timeout" matches "timeouts").
pub fn has_word(text: &str, word: &str) -> bool {
    let w = word.to_lowercase();
    if text.contains(&format!(" {w} ")) {
        return true;
    }
    if w.contains(' ') {
        return false;
    }
    ["s", "es", "ed", "ing", "d"]
        .iter()
        .any(|suffix| text.contains(&format!(" {w}{suffix} ")))
}

pub fn tokens(f: &Features) -> Vec<String> {
    let mut out = Vec::new();
    if !f.product.is_empty() {
        out.push(format!("product:{}", f.product.to_lowercase()));
    }
    if !f.component.is_empty() {
        out.push(format!("component:{}", f.component.to_lowercase()));
    }
    for t in f.tags.iter().take(8) {
        out.push(format!("tag:{}", t.to_lowercase()));
    }
    for c in f.error_codes.iter().filter(|c| !c.contains(':')).take(6) {
        out.push(format!("error:{}", c.to_lowercase()));
    }
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalization_keeps_words_and_codes() {
        assert_eq!(
            normalize("Pod is in CrashLoopBackOff; (SQLSTATE 40001). See java.sql.SQLException."),
            " pod is in crashloopbackoff sqlstate 40001 see java.sql.sqlexception "
        );
        assert!(normalize("Die Rechnung ist falsch").contains(" rechnung "));
    }
}
