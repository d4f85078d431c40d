//! Reproduction steps and expected vs actual behaviour.
//!
//! Steps are the list under a "Steps to reproduce" heading (English,
//! German, Spanish, Japanese), or else the first numbered list whose items
//! read like actions.

use crate::text::{Doc, squash, truncate};

const MAX_STEPS: usize = 20;
const MAX_STEP_CHARS: usize = 300;
const MAX_BEHAVIOR_CHARS: usize = 500;

#[derive(Debug, Default)]
pub(crate) struct Steps {
    pub steps: Vec<String>,
    pub expected: Option<String>,
    pub actual: Option<String>,
}

regex!(
    HEADING,
    r"(?i)^\s*(?:#{1,6}\s*)?(?:\*\*|__)?\s*(?:steps to reproduce|steps to repro|how to reproduce|to reproduce|reproduction steps|repro steps|reproduction|repro|str|schritte zur reproduktion|schritte zum reproduzieren|reproduktionsschritte|schritte|so reproduzieren|pasos para reproducir|pasos|para reproducir|再現手順|再現方法|手順)(?:\s+(?:the\s+)?(?:issue|problem|bug|error|fehler|problema|des fehlers|el error))?(?:\s*\([^)]*\))?\s*(?:\*\*|__)?\s*(?:[:：]\s*(?:\*\*|__)?\s*(.*?))?\s*$"
);
regex!(
    ITEM,
    r"^\s*(?:(?:\d{1,2}[.)]|\(\d{1,2}\)|[-*•‣◦·]|[a-z][.)]|(?i:step|schritt|paso)\s*\d{1,2}\s*[:.)\-])\s+|(?:[①-⑳]|[０-９]{1,2}[．.、)]|\d{1,2}[、．])\s*)(\S.*)$"
);
regex!(
    NUMBERED,
    r"^\s*(?:(\d{1,2})[.)]\s+|(?i:step|schritt|paso)\s*(\d{1,2})\s*[:.)\-]\s*)(\S.*)$"
);
regex!(STEP_SEPARATOR, r"\s*(?:->|→|=>|;|\s>\s)\s*");
regex!(
    EXPECTED,
    r"(?i)^\s*(?:[-*•]\s*)?(?:\*\*|__)?\s*(?:expected(?:\s+(?:result|behaviou?r|outcome))?|erwartet(?:es\s+(?:ergebnis|verhalten))?|erwartung|soll(?:-?(?:verhalten|zustand))?|esperado|resultado esperado|comportamiento esperado|期待(?:される)?(?:結果|動作|値)?)\s*(?:\*\*|__)?\s*[:：]\s*(?:\*\*|__)?\s*(.*)$"
);
regex!(
    ACTUAL,
    r"(?i)^\s*(?:[-*•]\s*)?(?:\*\*|__)?\s*(?:actual(?:\s+(?:result|behaviou?r|outcome))?|observed(?:\s+(?:result|behaviou?r))?|tatsächlich(?:es\s+(?:ergebnis|verhalten))?|ist(?:-?(?:verhalten|zustand))?|resultado actual|resultado real|comportamiento actual|実際(?:の)?(?:結果|動作|値)?)\s*(?:\*\*|__)?\s*[:：]\s*(?:\*\*|__)?\s*(.*)$"
);
// Sentences: group 1 is what should happen, group 2 what happens.
regex!(
    SHOULD_BUT,
    r"(?i)\bshould\s+(.{3,150}?),?\s+but\s+(?:instead\s+)?(?:it\s+)?(.{3,200}?)\s*(?:[.!?。]|$)"
);
regex!(
    EXPECTED_BUT,
    r"(?i)\bexpected\s+(.{1,120}?),?\s+but\s+(?:got|was|received|is|saw|see|it)\s+(.{1,200}?)\s*(?:[.!?]|$)"
);
regex!(
    INSTEAD_OF,
    r"(?i)\binstead of\s+(.{3,120}?),\s*(?:it\s+)?(.{3,200}?)\s*(?:[.!?]|$)"
);
regex!(
    SOLLTE_ABER,
    r"(?i)\bsollte\s+(.{3,150}?),?\s+aber\s+(.{3,200}?)\s*(?:[.!?]|$)"
);
regex!(
    DEBERIA_PERO,
    r"(?i)\bdebería\s+(.{3,150}?),?\s+pero\s+(.{3,200}?)\s*(?:[.!?]|$)"
);

const VERBS: &[&str] = &[
    "open",
    "click",
    "go",
    "navigate",
    "log",
    "login",
    "sign",
    "select",
    "enter",
    "type",
    "press",
    "upload",
    "download",
    "run",
    "start",
    "launch",
    "create",
    "add",
    "delete",
    "remove",
    "save",
    "submit",
    "choose",
    "set",
    "call",
    "send",
    "wait",
    "try",
    "install",
    "restart",
    "reload",
    "refresh",
    "export",
    "import",
    "edit",
    "change",
    "update",
    "switch",
    "drag",
    "scroll",
    "tap",
    "search",
    "fill",
    "attach",
    "connect",
    "disconnect",
    "close",
    "copy",
    "paste",
    "configure",
    "enable",
    "disable",
    "execute",
    "invoke",
    "post",
    "request",
    "visit",
    "access",
    "use",
    "öffnen",
    "öffne",
    "klicken",
    "klicke",
    "klick",
    "anmelden",
    "melde",
    "einloggen",
    "auswählen",
    "wähle",
    "eingeben",
    "gib",
    "speichern",
    "speichere",
    "hochladen",
    "lade",
    "starten",
    "starte",
    "gehe",
    "navigiere",
    "drücke",
    "erstellen",
    "erstelle",
    "löschen",
    "lösche",
    "senden",
    "sende",
    "warten",
    "warte",
    "aktualisieren",
    "exportieren",
    "importieren",
    "ändern",
    "abrir",
    "abra",
    "abre",
    "clic",
    "ir",
    "vaya",
    "iniciar",
    "inicie",
    "seleccionar",
    "seleccione",
    "introducir",
    "introduzca",
    "escribir",
    "guardar",
    "guarde",
    "subir",
    "cargar",
    "crear",
    "eliminar",
    "enviar",
    "esperar",
    "haga",
    "haz",
    "pulse",
    "pulsar",
];
const JA_VERBS: &[&str] = &[
    "開",
    "クリック",
    "選択",
    "入力",
    "保存",
    "ログイン",
    "アップロード",
    "実行",
    "押",
    "移動",
];

fn is_action(item: &str) -> bool {
    let lower = item.to_lowercase();
    lower
        .split(|c: char| !c.is_alphanumeric())
        .any(|w| VERBS.contains(&w))
        || JA_VERBS.iter().any(|v| item.contains(v))
}

fn clean(s: &str, max: usize) -> String {
    truncate(squash(s).trim_end_matches([',', ';']).trim(), max)
}

pub(crate) fn find(doc: &Doc<'_>, mask: &[bool]) -> Steps {
    let lines = &doc.lines;
    let usable = |i: usize| !mask[i] && !doc.log[i];
    let mut out = Steps::default();
    for i in 0..lines.len() {
        if !usable(i) {
            continue;
        }
        if out.steps.is_empty() {
            if let Some(caps) = crate::text::capture(&HEADING, lines[i]) {
                out.steps =
                    after_heading(lines, i, caps.get(1).map_or("", |m| m.as_str()), &usable);
            }
        }
        if out.expected.is_none() {
            out.expected = label(lines, i, &EXPECTED, &usable);
        }
        if out.actual.is_none() {
            out.actual = label(lines, i, &ACTUAL, &usable);
        }
    }
    if out.steps.is_empty() {
        out.steps = numbered_actions(lines, &usable);
    }
    if out.expected.is_none() && out.actual.is_none() {
        'lines: for (i, line) in lines.iter().enumerate() {
            if !usable(i) {
                continue;
            }
            for re in [
                &*SHOULD_BUT,
                &*EXPECTED_BUT,
                &*INSTEAD_OF,
                &*SOLLTE_ABER,
                &*DEBERIA_PERO,
            ] {
                if let Some(caps) = crate::text::capture(re, line) {
                    let e = caps.get(1).map_or("", |m| m.as_str());
                    let a = caps.get(2).map_or("", |m| m.as_str());
                    out.expected = Some(clean(e, MAX_BEHAVIOR_CHARS));
                    out.actual = Some(clean(a, MAX_BEHAVIOR_CHARS));
                    break 'lines;
                }
            }
        }
    }
    out
}

/// Whether a line is a heading or an expected/actual label of this module.
pub(crate) fn is_label(line: &str) -> bool {
    stops_list(line)
}

fn stops_list(line: &str) -> bool {
    EXPECTED.is_match(line) || ACTUAL.is_match(line) || HEADING.is_match(line)
}

fn after_heading(
    lines: &[&str],
    h: usize,
    inline: &str,
    usable: &dyn Fn(usize) -> bool,
) -> Vec<String> {
    let mut items: Vec<String> = Vec::new();
    let inline = inline.trim();
    if !inline.is_empty() {
        items.extend(
            STEP_SEPARATOR
                .split(inline)
                .filter(|s| !s.trim().is_empty())
                .map(|s| clean(s, MAX_STEP_CHARS)),
        );
    }
    let mut listed = false;
    let mut j = h + 1;
    let mut blanks = 0;
    while j < lines.len() && items.len() < MAX_STEPS && usable(j) {
        let line = lines[j];
        if line.trim().is_empty() {
            if !items.is_empty() || blanks > 0 {
                break;
            }
            blanks += 1;
            j += 1;
            continue;
        }
        if stops_list(line) {
            break;
        }
        if let Some(item) = crate::text::capture(&ITEM, line).and_then(|c| c.get(1)) {
            items.push(clean(item.as_str(), MAX_STEP_CHARS));
            listed = true;
        } else if listed && line.starts_with([' ', '\t']) {
            // A wrapped item continues the previous one.
            if let Some(last) = items.last_mut() {
                *last = clean(&format!("{last} {line}"), MAX_STEP_CHARS);
            }
        } else if !listed {
            items.push(clean(line, MAX_STEP_CHARS));
        } else {
            break;
        }
        j += 1;
    }
    items
}

/// The first numbered list (1, 2, 3, ...) most of whose items are actions.
fn numbered_actions(lines: &[&str], usable: &dyn Fn(usize) -> bool) -> Vec<String> {
    let mut i = 0;
    while i < lines.len() {
        let mut items: Vec<&str> = Vec::new();
        let mut j = i;
        while j < lines.len() && usable(j) && items.len() < MAX_STEPS {
            let Some(caps) = crate::text::capture(&NUMBERED, lines[j]) else {
                break;
            };
            let n = caps
                .get(1)
                .or(caps.get(2))
                .and_then(|m| m.as_str().parse::<usize>().ok());
            if n != Some(items.len() + 1) {
                break;
            }
            items.push(caps.get(3).map_or("", |m| m.as_str()));
            j += 1;
            // Blank lines between items (HTML paragraphs) do not end the list.
            if j < lines.len()
                && lines[j].trim().is_empty()
                && lines.get(j + 1).is_some_and(|l| NUMBERED.is_match(l))
            {
                j += 1;
            }
        }
        if items.len() >= 2 && items.iter().filter(|s| is_action(s)).count() * 2 >= items.len() {
            return items.iter().map(|s| clean(s, MAX_STEP_CHARS)).collect();
        }
        i = j.max(i + 1);
    }
    Vec::new()
}

fn label(
    lines: &[&str],
    i: usize,
    re: &regex::Regex,
    usable: &dyn Fn(usize) -> bool,
) -> Option<String> {
    let caps = crate::text::capture(re, lines[i])?;
    let mut value = caps.get(1).map_or("", |m| m.as_str()).trim().to_owned();
    if value.is_empty() {
        // "Expected:" on its own line: the value follows.
        let mut parts = Vec::new();
        let mut j = i + 1;
        while j < lines.len() && parts.len() < 3 && usable(j) {
            let l = lines[j].trim();
            if l.is_empty() && parts.is_empty() && j == i + 1 {
                j += 1;
                continue;
            }
            if l.is_empty() || stops_list(lines[j]) {
                break;
            }
            parts.push(l);
            j += 1;
        }
        value = parts.join(" ");
    }
    let value = clean(&value, MAX_BEHAVIOR_CHARS);
    (!value.is_empty()).then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn steps(text: &str) -> Steps {
        let doc = Doc::new(text);
        find(&doc, &vec![false; doc.lines.len()])
    }

    #[test]
    fn heading_list_and_labels() {
        let s = steps(
            "Steps to reproduce:\n1. Log in as admin\n2. Open Billing > Invoices\n   (the new page)\n3. Click Export\n\n\
             Expected: a CSV file\nActual:\nan empty page",
        );
        assert_eq!(
            s.steps,
            vec![
                "Log in as admin",
                "Open Billing > Invoices (the new page)",
                "Click Export"
            ]
        );
        assert_eq!(s.expected.as_deref(), Some("a CSV file"));
        assert_eq!(s.actual.as_deref(), Some("an empty page"));
    }

    #[test]
    fn inline_repro_and_german() {
        assert_eq!(
            steps("Repro: open app -> click Save -> crash").steps,
            vec!["open app", "click Save", "crash"]
        );
        let s = steps(
            "Schritte:\n- Rechnung öffnen\n- Auf „Senden“ klicken\n\nErwartet: Mail geht raus\nIst: Fehler 500",
        );
        assert_eq!(s.steps, vec!["Rechnung öffnen", "Auf „Senden“ klicken"]);
        assert_eq!(s.actual.as_deref(), Some("Fehler 500"));
    }

    #[test]
    fn numbered_actions_without_heading_and_not_other_lists() {
        assert_eq!(
            steps("1. Open the report\n2. Select March\n3. Press Export")
                .steps
                .len(),
            3
        );
        assert!(
            steps("1. Acme GmbH\n2. Beta AG\n3. Gamma Inc")
                .steps
                .is_empty()
        );
        assert!(steps("Reproduced on staging").steps.is_empty());
    }

    #[test]
    fn should_but_sentences() {
        let s = steps("The export should contain all rows, but it only has the first 100.");
        assert_eq!(s.expected.as_deref(), Some("contain all rows"));
        assert_eq!(s.actual.as_deref(), Some("only has the first 100"));
    }
}
