//! Loads the ticket corpus: `tests/corpus/*.txt`, one ticket per file.
//!
//! A file is a list of sources, each opened by a line
//! `=== <subject|description|comment|reply|attachment> [role=..] [public=..] [file=..] [type=..] [crlf]`;
//! `crlf` turns the source's line endings into Windows ones.

#![allow(dead_code)]

use escalator_diagnostics::{Findings, Role, Source, SourceKind, extract};

pub struct OwnedSource {
    pub kind: String,
    pub role: Role,
    pub public: bool,
    pub file: String,
    pub content_type: String,
    pub text: String,
}

pub fn parse(raw: &str) -> Vec<OwnedSource> {
    let mut out: Vec<OwnedSource> = Vec::new();
    let mut crlf = false;
    for line in raw.lines() {
        if let Some(header) = line.strip_prefix("=== ") {
            if let (Some(last), true) = (out.last_mut(), crlf) {
                last.text = last.text.replace('\n', "\r\n");
            }
            let mut words = header.split_whitespace();
            let kind = words.next().unwrap_or_default().to_owned();
            let mut s = OwnedSource {
                kind,
                role: Role::Unknown,
                public: true,
                file: String::new(),
                content_type: String::new(),
                text: String::new(),
            };
            crlf = false;
            for w in words {
                match w.split_once('=') {
                    Some(("role", r)) => {
                        s.role = match r {
                            "customer" => Role::Customer,
                            "agent" => Role::Agent,
                            "specialist" => Role::Specialist,
                            "system" => Role::System,
                            _ => Role::Unknown,
                        }
                    }
                    Some(("public", p)) => s.public = p == "true",
                    Some(("file", f)) => s.file = f.to_owned(),
                    Some(("type", t)) => s.content_type = t.to_owned(),
                    _ if w == "crlf" => crlf = true,
                    _ => panic!("bad header word {w}"),
                }
            }
            out.push(s);
        } else if let Some(last) = out.last_mut() {
            if !last.text.is_empty() {
                last.text.push('\n');
            }
            last.text.push_str(line);
        }
    }
    if let (Some(last), true) = (out.last_mut(), crlf) {
        last.text = last.text.replace('\n', "\r\n");
    }
    out
}

pub fn sources(owned: &[OwnedSource]) -> Vec<Source<'_>> {
    owned
        .iter()
        .enumerate()
        .map(|(i, s)| Source {
            kind: match s.kind.as_str() {
                "subject" => SourceKind::Subject,
                "description" => SourceKind::Description,
                "comment" => SourceKind::Comment { public: s.public },
                "reply" => SourceKind::CustomerReply,
                "attachment" => SourceKind::Attachment {
                    file_name: &s.file,
                    content_type: &s.content_type,
                },
                other => panic!("unknown source kind {other}"),
            },
            at_ms: 1_710_064_800_000 + i as i64 * 60_000,
            author_role: s.role,
            text: &s.text,
        })
        .collect()
}

pub fn load(name: &str) -> Vec<OwnedSource> {
    let path = format!("{}/tests/corpus/{name}.txt", env!("CARGO_MANIFEST_DIR"));
    let raw = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    parse(&raw)
}

pub fn findings(name: &str) -> Findings {
    extract(&sources(&load(name)))
}

pub fn all_names() -> Vec<String> {
    let dir = format!("{}/tests/corpus", env!("CARGO_MANIFEST_DIR"));
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| {
            let p = e.ok()?.path();
            (p.extension()? == "txt").then(|| p.file_stem()?.to_str().map(str::to_owned))?
        })
        .collect();
    names.sort();
    names
}

/// Every string stored in `f`, to search for what must not be there.
pub fn strings(f: &Findings) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for e in &f.log_excerpts {
        out.extend([e.source.clone(), e.text.clone()]);
    }
    for t in &f.stack_traces {
        out.extend([
            t.exception_type.clone(),
            t.message.clone(),
            t.frames.clone(),
            t.top_frame.clone(),
        ]);
    }
    for c in &f.error_codes {
        out.extend([c.code.clone(), c.context.clone()]);
    }
    for v in &f.versions {
        out.extend([v.name.clone(), v.version.clone()]);
    }
    let e = &f.environment;
    out.extend([
        e.os.clone(),
        e.browser.clone(),
        e.region.clone(),
        e.deployment.clone(),
        e.cluster.clone(),
    ]);
    for (k, v) in &e.attributes {
        out.extend([k.clone(), v.clone()]);
    }
    out.extend(f.reproduction_steps.iter().cloned());
    out.extend(f.l1_attempts.iter().cloned());
    out.extend(f.expected_behavior.iter().cloned());
    out.extend(f.actual_behavior.iter().cloned());
    for k in &f.related_kb {
        out.extend([k.article_id.clone(), k.url.clone(), k.title.clone()]);
    }
    for a in &f.attachments {
        out.extend([a.file_name.clone(), a.content_type.clone(), a.note.clone()]);
    }
    out
}
