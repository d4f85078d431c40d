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
    // One pass, writing the result directly: this runs once per decision on
    // kilobytes of text.
    let mut out = String::with_capacity(text.len() + 2);
    out.push(' ');
    let mut in_word = false;
    for c in text.chars() {
        if c.is_ascii() {
            push_lower(&mut out, &mut in_word, c.to_ascii_lowercase());
        } else {
            for l in c.to_lowercase() {
                push_lower(&mut out, &mut in_word, l);
            }
        }
    }
    if in_word {
        end_word(&mut out);
    }
    if out.len() == 1 {
        // No words: still padded at both ends.
        out.push(' ');
    }
    out
}

fn push_lower(out: &mut String, in_word: &mut bool, c: char) {
    if c.is_alphanumeric() || c == '-' || c == '_' {
        out.push(c);
        *in_word = true;
    } else if c == '.' && *in_word {
        // Keep dots inside words (versions, packages); `end_word` drops
        // sentence ends.
        out.push(c);
    } else if *in_word {
        end_word(out);
        *in_word = false;
    }
}

/// Ends the word `out` ends with (it starts with a letter, digit, `-` or
/// `_`, never a dot): drops its trailing dots and adds the space after it.
fn end_word(out: &mut String) {
    let kept = out.trim_end_matches('.').len();
    out.truncate(kept);
    out.push(' ');
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

/// Inflections a single-word keyword also matches with.
pub const SUFFIXES: [&str; 5] = ["s", "es", "ed", "ing", "d"];

/// Whole-word (or phrase) match in normalized text, with plain English
/// inflections of a single word ("timeout" matches "timeouts").
///
/// The definition of a keyword match; classification uses the same match
/// precompiled for all keywords at once (`compiled`).
pub fn has_word(text: &str, word: &str) -> bool {
    let w = word.to_lowercase();
    if text.contains(&format!(" {w} ")) {
        return true;
    }
    if w.contains(' ') {
        return false;
    }
    SUFFIXES
        .iter()
        .any(|suffix| text.contains(&format!(" {w}{suffix} ")))
}

/// Tokens the learned model keys on: the features a specialist's
/// correction should teach about (bounded per escalation).
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
    use crate::test_corpus::{Rng, strings, tickets};

    /// `normalize` as it was before the single pass: the definition.
    fn oracle_normalize(text: &str) -> String {
        let mut out = String::with_capacity(text.len() + 2);
        out.push(' ');
        let mut space = true;
        for c in text.chars().flat_map(char::to_lowercase) {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                out.push(c);
                space = false;
            } else if c == '.' && !space {
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

    #[test]
    fn normalization_is_unchanged() {
        let edge = [
            "",
            " ",
            ".",
            "...",
            "a.",
            "a..",
            "a.b.",
            ".a",
            "a . b",
            "v1.2.3.",
            "end... next",
            "-_-",
            "a-.",
            "x.-y",
            "İstanbul",
            "ΟΔΟΣ ΣΑΣ",
            "Straße ẞ",
            "ǅemal ﬁle Ⅻ",
            "A\u{301}B",
            "tab\there\r\nnew",
            "emoji 🚀 here",
            "日本語のテキスト。エラー",
        ];
        let mut texts: Vec<String> = edge.iter().map(|s| (*s).to_owned()).collect();
        for t in tickets() {
            let parts = strings(&t);
            texts.push(parts.join("\n"));
            texts.extend(parts.iter().map(|p| (*p).to_owned()));
        }
        let alphabet = [
            "a", "Z", "0", ".", "..", " ", "\n", "-", "_", ":", "(", "İ", "Σ", "ß", "é", "ǅ",
            "\u{301}", "日", "🚀",
        ];
        let mut rng = Rng(0x2545_f491_4f6c_dd1d);
        for _ in 0..3000 {
            texts.push((0..rng.below(16)).map(|_| rng.pick(&alphabet)).collect());
        }
        for t in &texts {
            assert_eq!(normalize(t), oracle_normalize(t), "{t:?}");
        }
    }

    #[test]
    fn normalization_keeps_words_and_codes() {
        assert_eq!(
            normalize("Pod is in CrashLoopBackOff; (SQLSTATE 40001). See java.sql.SQLException."),
            " pod is in crashloopbackoff sqlstate 40001 see java.sql.sqlexception "
        );
        assert!(normalize("Die Rechnung ist falsch").contains(" rechnung "));
    }
}
