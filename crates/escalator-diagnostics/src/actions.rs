//! What L1 already tried: sentences of agent comments that report an action
//! ("cleared cache", "restarted", "reproduced on ..."), and customer
//! statements like "I already tried ...", marked `customer: `.
//!
//! Questions are skipped ("Have you tried restarting?" reports nothing);
//! requests to the customer are kept as `asked customer: ...`.

use crate::Role;
use crate::text::{Doc, squash, truncate};

pub(crate) const MAX_ACTIONS: usize = 15;
const MAX_CHARS: usize = 300;
const MIN_CHARS: usize = 8;

regex!(
    AGENT,
    r"(?i)\b(?:tried|trying|cleared|clearing|restarted|restarting|rebooted|reinstalled|re-installed|reset|resetting|asked (?:the )?(?:customer|user|client|them|him|her) to|checked|verified|confirmed|reproduced|could(?: not|n't) reproduce|unable to reproduce|cannot reproduce|can't reproduce|workaround|escalated|updated|upgraded|downgraded|rolled back|resynced|re-synced|reindexed|re-indexed|flushed|regenerated|recreated|disabled|enabled|tested|collected|reviewed|looked (?:at|into)|searched|followed|applied|purged|rebuilt|renewed|rotated|re-?authori[sz]ed|re-?sent|toggled|clear (?:the |your )?(?:browser )?cache|restart|reinstall)\b|(?i:versucht|neu gestartet|cache geleert|neu installiert|geprüft|überprüft|getestet|reproduziert|zurückgesetzt|gebeten|aktualisiert)|(?i:intent[ée]|prob[ée]|reinici[ée]|borr[ée]|reinstal[ée]|verifiqu[ée]|comprob[ée]|reproduje|solicit[ée])|試しました|試した|再起動|キャッシュをクリア|再インストール|確認しました|再現しました|再現できません"
);
regex!(
    CUSTOMER,
    r"(?i)\b(?:i|we)(?:'ve| have)?\s+(?:already\s+|also\s+)?(?:tried|restarted|rebooted|reinstalled|re-installed|cleared|reset|checked|updated|upgraded|disabled|enabled|rolled back|deleted|removed|tested)\b|\balready\s+(?:tried|restarted|cleared|reinstalled|rebooted|reset|checked|updated)\b|\b(?:bereits|schon)\b.*(?:versucht|neu gestartet|geleert|neu installiert|gelöscht|zurückgesetzt|geprüft|aktualisiert)|\bya\s+(?:intent[ée]|prob[ée]|reinici[ée]|borr[ée]|reinstal[ée]|comprob[ée])|(?:既に|すでに).*(?:試しました|再起動|クリア|再インストール)"
);
regex!(
    REQUEST,
    r"(?i)^(?:please|pls|could you|can you|would you|bitte|por favor|kindly)\b"
);
regex!(BULLET, r"^\s*(?:[-*•]|\d{1,2}[.)])\s+");

pub(crate) fn find(doc: &Doc<'_>, mask: &[bool], role: Role) -> Vec<String> {
    let (re, prefix) = match role {
        Role::Agent => (&*AGENT, ""),
        Role::Specialist => (&*AGENT, "specialist: "),
        Role::Customer => (&*CUSTOMER, "customer: "),
        Role::System | Role::Unknown => return Vec::new(),
    };
    let mut out: Vec<String> = Vec::new();
    for (i, line) in doc.lines.iter().enumerate() {
        // Quoted replies are someone else's words.
        if mask[i] || doc.log[i] || line.trim_start().starts_with('>') {
            continue;
        }
        let line = BULLET.find(line).map_or(*line, |m| &line[m.end()..]);
        for sentence in sentences(line) {
            if sentence.chars().count() < MIN_CHARS
                || sentence.ends_with(['?', '？'])
                || !re.is_match(sentence)
            {
                continue;
            }
            let text = truncate(&squash(sentence), MAX_CHARS);
            let entry = if role == Role::Customer || !REQUEST.is_match(sentence) {
                format!("{prefix}{text}")
            } else {
                format!("{prefix}asked customer: {text}")
            };
            if out.len() < MAX_ACTIONS && !out.contains(&entry) {
                out.push(entry);
            }
        }
    }
    out
}

/// Splits after `.`, `!`, `?` followed by a space, and after CJK full stops.
fn sentences(line: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut chars = line.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let end = i + c.len_utf8();
        let split = match c {
            '。' | '！' | '？' => true,
            '.' | '!' | '?' => chars.peek().is_none_or(|&(_, n)| n.is_whitespace()),
            _ => false,
        };
        if split {
            out.push(line[start..end].trim());
            start = end;
        }
    }
    out.push(line[start..].trim());
    out.retain(|s| !s.is_empty());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actions(text: &str, role: Role) -> Vec<String> {
        let doc = Doc::new(text);
        find(&doc, &vec![false; doc.lines.len()], role)
    }

    #[test]
    fn agent_reports_customer_statements_and_questions() {
        let a = actions(
            "Hi Jane. I cleared the cache and restarted the sync service. Have you tried a different browser? \
             Reproduced on staging with Chrome 120. Please reinstall the desktop app.",
            Role::Agent,
        );
        assert_eq!(
            a,
            vec![
                "I cleared the cache and restarted the sync service.",
                "Reproduced on staging with Chrome 120.",
                "asked customer: Please reinstall the desktop app.",
            ]
        );
        let c = actions(
            "We already tried restarting. It still fails.",
            Role::Customer,
        );
        assert_eq!(c, vec!["customer: We already tried restarting."]);
        assert!(actions("I restarted it.", Role::System).is_empty());
    }

    #[test]
    fn german_and_japanese() {
        assert_eq!(
            actions("Ich habe bereits den Cache geleert.", Role::Customer).len(),
            1
        );
        assert_eq!(actions("サーバーを再起動しました。", Role::Agent).len(), 1);
    }
}
