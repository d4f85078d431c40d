//! Redaction counts in the contract's terms, and the last redaction pass
//! over everything stored in a `Findings`.

use escalator_proto::v1::{RedactionCount, RedactionKind};
use escalator_redact::{Counts, Kind};

use crate::Findings;

fn kind_of(kind: Kind) -> RedactionKind {
    match kind {
        Kind::Email => RedactionKind::Email,
        Kind::Phone => RedactionKind::Phone,
        Kind::CardNumber => RedactionKind::PaymentCard,
        Kind::PrivateKey
        | Kind::UrlPassword
        | Kind::Jwt
        | Kind::CloudKey
        | Kind::ApiToken
        | Kind::Secret => RedactionKind::Secret,
    }
}

/// Counts per contract kind (keys, tokens, passwords and credentials in
/// URLs are all `SECRET`), in the enum's order, zero counts left out.
pub fn redaction_counts(counts: &Counts) -> Vec<RedactionCount> {
    let mut out: Vec<RedactionCount> = Vec::new();
    for (kind, n) in counts.iter() {
        let kind = kind_of(kind) as i32;
        match out.iter_mut().find(|c| c.kind == kind) {
            Some(c) => c.count += n,
            None => out.push(RedactionCount { kind, count: n }),
        }
    }
    out.sort_by_key(|c| c.kind);
    out
}

/// Redacts every stored string once more. The sources were redacted before
/// scanning, so this finds something only if joining pieces created a new
/// match; it keeps the guarantee local to what leaves this crate.
pub(crate) fn scrub(f: &mut Findings) {
    if clean_already(f) {
        return;
    }
    let mut counts = Counts::default();
    let mut clean = |s: &mut String| {
        let r = escalator_redact::redact(s);
        if r.counts.total() > 0 {
            counts.merge(&r.counts);
            *s = r.text.into_owned();
        }
    };
    for e in &mut f.log_excerpts {
        clean(&mut e.source);
        clean(&mut e.text);
    }
    for t in &mut f.stack_traces {
        clean(&mut t.exception_type);
        clean(&mut t.message);
        clean(&mut t.frames);
        clean(&mut t.top_frame);
    }
    for c in &mut f.error_codes {
        clean(&mut c.code);
        clean(&mut c.context);
    }
    for v in &mut f.versions {
        clean(&mut v.name);
        clean(&mut v.version);
    }
    let env = &mut f.environment;
    for s in [
        &mut env.os,
        &mut env.browser,
        &mut env.region,
        &mut env.deployment,
        &mut env.cluster,
    ] {
        clean(s);
    }
    // Keys are redacted too; a key that changes is re-inserted.
    let attributes = std::mem::take(&mut env.attributes);
    for (mut k, mut v) in attributes {
        clean(&mut k);
        clean(&mut v);
        env.attributes.insert(k, v);
    }
    for s in f
        .reproduction_steps
        .iter_mut()
        .chain(f.l1_attempts.iter_mut())
        .chain(f.expected_behavior.iter_mut())
        .chain(f.actual_behavior.iter_mut())
    {
        clean(s);
    }
    for k in &mut f.related_kb {
        clean(&mut k.article_id);
        clean(&mut k.url);
        clean(&mut k.title);
    }
    for a in &mut f.attachments {
        clean(&mut a.file_name);
        clean(&mut a.content_type);
        clean(&mut a.note);
    }
    f.redactions.merge(&counts);
}

/// Whether the stored strings hold nothing to redact, checked in two
/// haystacks instead of one call per field: ASCII fields together (the
/// fast path of the redactor's patterns) and the others together. A match
/// across two fields is possible only for a private-key block; it merely
/// sends the findings through the per-field pass.
fn clean_already(f: &Findings) -> bool {
    const SEPARATOR: &str = "\n\u{1}\n";
    let mut parts: Vec<&str> = Vec::new();
    for e in &f.log_excerpts {
        parts.extend([e.source.as_str(), &e.text]);
    }
    for t in &f.stack_traces {
        parts.extend([
            t.exception_type.as_str(),
            &t.message,
            &t.frames,
            &t.top_frame,
        ]);
    }
    for c in &f.error_codes {
        parts.extend([c.code.as_str(), &c.context]);
    }
    for v in &f.versions {
        parts.extend([v.name.as_str(), &v.version]);
    }
    let env = &f.environment;
    parts.extend([
        env.os.as_str(),
        &env.browser,
        &env.region,
        &env.deployment,
        &env.cluster,
    ]);
    for (k, v) in &env.attributes {
        parts.extend([k.as_str(), v]);
    }
    parts.extend(f.reproduction_steps.iter().map(String::as_str));
    parts.extend(f.l1_attempts.iter().map(String::as_str));
    parts.extend(f.expected_behavior.as_deref());
    parts.extend(f.actual_behavior.as_deref());
    for k in &f.related_kb {
        parts.extend([k.article_id.as_str(), &k.url, &k.title]);
    }
    for a in &f.attachments {
        parts.extend([a.file_name.as_str(), &a.content_type, &a.note]);
    }
    let (ascii, other): (Vec<&str>, Vec<&str>) = parts
        .into_iter()
        .filter(|p| !p.is_empty())
        .partition(|p| p.is_ascii());
    [ascii, other].iter().all(|group| {
        escalator_redact::redact(&group.join(SEPARATOR))
            .counts
            .total()
            == 0
    })
}
