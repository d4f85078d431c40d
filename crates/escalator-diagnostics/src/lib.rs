//! Diagnostic evidence from ticket text, and the Markdown of a handoff packet.
//!
//! [`extract`] reads the texts of one ticket (subject, description, comments,
//! customer replies, attachments) and finds what a specialist needs: stack
//! traces, log excerpts, error codes, versions, environment, reproduction
//! steps, expected and actual behaviour, what L1 already tried and related
//! knowledge-base articles. [`completeness`] scores that evidence and names
//! what is missing; [`render_markdown`] turns a packet into Markdown a
//! specialist tool shows as-is.
//!
//! Every source is capped, normalized and redacted *before* it is scanned, so
//! no secret or personal value reaches an extractor; a last pass redacts
//! every stored string again. Everything here is a pure function of values:
//! no I/O, no clock.
//!
//! Work is bounded: each source is cut to 256 KiB (head and tail kept), all
//! patterns are linear-time (`regex`), and every list has a cap. `extract`
//! costs about 0.1-0.3 ms per KiB of text in a release build; a hot path
//! that only needs to know whether a text carries a trace or an error code
//! should call [`evidence_counts`] instead.

macro_rules! regex {
    ($name:ident, $pattern:expr) => {
        static $name: std::sync::LazyLock<regex::Regex> =
            std::sync::LazyLock::new(|| crate::text::compile($pattern));
    };
}

mod actions;
mod codes;
mod completeness;
mod environment;
mod links;
mod logs;
mod markdown;
mod redaction;
mod stack;
mod steps;
mod text;

pub use text::truncate;
mod versions;

use escalator_proto::v1::{
    ActorRole, AttachmentSummary, Environment, ErrorCode, HandoffPacket, KbArticleRef, LogExcerpt,
    SoftwareVersion, StackTrace,
};
use escalator_redact::Counts;

pub use completeness::{completeness, missing_item_label};
pub use markdown::render_markdown;
pub use redaction::redaction_counts;

/// Who wrote a piece of ticket text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Customer,
    /// An L1 agent.
    Agent,
    Specialist,
    System,
    Unknown,
}

impl From<ActorRole> for Role {
    fn from(role: ActorRole) -> Self {
        match role {
            ActorRole::Customer => Role::Customer,
            ActorRole::L1Agent => Role::Agent,
            ActorRole::Specialist => Role::Specialist,
            ActorRole::System => Role::System,
            ActorRole::Unknown | ActorRole::Unspecified => Role::Unknown,
        }
    }
}

/// Where a piece of ticket text comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind<'a> {
    Subject,
    Description,
    Comment {
        public: bool,
    },
    CustomerReply,
    /// A text attachment; `text` is its content.
    Attachment {
        file_name: &'a str,
        content_type: &'a str,
    },
}

/// One piece of ticket text, in time order, as the evaluator collects it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Source<'a> {
    pub kind: SourceKind<'a>,
    /// Not read today: sources are taken in the order given.
    pub at_ms: i64,
    /// Decides how "what was tried" is read (agent, customer, specialist).
    pub author_role: Role,
    pub text: &'a str,
}

/// Everything found, already redacted: no secret or personal value ever
/// appears in any field.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Findings {
    pub log_excerpts: Vec<LogExcerpt>,
    pub stack_traces: Vec<StackTrace>,
    pub error_codes: Vec<ErrorCode>,
    pub versions: Vec<SoftwareVersion>,
    pub environment: Environment,
    pub reproduction_steps: Vec<String>,
    pub expected_behavior: Option<String>,
    pub actual_behavior: Option<String>,
    /// What L1 tried. Statements by the customer carry a `customer: ` prefix,
    /// by a specialist a `specialist: ` prefix (the contract has one list).
    pub l1_attempts: Vec<String>,
    pub related_kb: Vec<KbArticleRef>,
    /// One summary per attachment source.
    pub attachments: Vec<AttachmentSummary>,
    /// Values redacted from the scanned text, each occurrence once.
    pub redactions: Counts,
}

// Caps on what one ticket can contribute, so a packet stays readable.
const MAX_STACK_TRACES: usize = 10;
const MAX_LOG_EXCERPTS: usize = 8;
const MAX_ERROR_CODES: usize = 30;
const MAX_VERSIONS: usize = 20;
const MAX_KB: usize = 20;

/// Extracts the diagnostic evidence of one ticket from its sources.
pub fn extract(sources: &[Source<'_>]) -> Findings {
    let mut f = Findings::default();
    let mut env = environment::Collector::default();
    let mut comments = 0usize;
    let mut replies = 0usize;
    for src in sources {
        let mut file_name = String::new();
        let label = match src.kind {
            SourceKind::Subject => "subject".to_owned(),
            SourceKind::Description => "description".to_owned(),
            SourceKind::Comment { .. } => {
                comments += 1;
                format!("comment {comments}")
            }
            SourceKind::CustomerReply => {
                replies += 1;
                format!("customer reply {replies}")
            }
            SourceKind::Attachment {
                file_name: name, ..
            } => {
                let name = escalator_redact::redact(name);
                f.redactions.merge(&name.counts);
                file_name = name.text.into_owned();
                format!("attachment {file_name}")
            }
        };
        let capped = text::cap(src.text);
        let normalized = text::normalize(&capped);
        let redacted = escalator_redact::redact(&normalized);
        f.redactions.merge(&redacted.counts);
        let doc = text::Doc::new(&redacted.text);
        let attachment = matches!(src.kind, SourceKind::Attachment { .. });

        let traces = stack::find(&doc.lines);
        let mask = stack::mask(doc.lines.len(), &traces);
        let excerpts = logs::find(&doc, &mask, &label);
        let codes = codes::find(&doc.lines);

        if let SourceKind::Attachment { content_type, .. } = src.kind {
            f.attachments.push(AttachmentSummary {
                file_name,
                content_type: content_type.to_owned(),
                size_bytes: src.text.len() as u64,
                note: attachment_note(&doc, traces.len(), excerpts.len(), codes.len()),
            });
        }

        for t in traces {
            let same = |o: &StackTrace| {
                o.language == t.trace.language
                    && o.exception_type == t.trace.exception_type
                    && o.message == t.trace.message
                    && o.top_frame == t.trace.top_frame
            };
            if f.stack_traces.len() < MAX_STACK_TRACES && !f.stack_traces.iter().any(same) {
                f.stack_traces.push(t.trace);
            }
        }
        for e in excerpts {
            if f.log_excerpts.len() < MAX_LOG_EXCERPTS
                && !f.log_excerpts.iter().any(|o| o.text == e.text)
            {
                f.log_excerpts.push(e);
            }
        }
        for c in codes {
            if f.error_codes.len() < MAX_ERROR_CODES
                && !f
                    .error_codes
                    .iter()
                    .any(|o| o.kind == c.kind && o.code == c.code)
            {
                f.error_codes.push(c);
            }
        }
        for v in versions::find(&doc, &mask) {
            let same = |o: &SoftwareVersion| {
                o.name.eq_ignore_ascii_case(&v.name) && o.version == v.version
            };
            if f.versions.len() < MAX_VERSIONS && !f.versions.iter().any(same) {
                f.versions.push(v);
            }
        }
        env.scan(&doc, &mask, attachment);
        for kb in links::find(doc.text) {
            let same = |o: &KbArticleRef| {
                (!kb.url.is_empty() && o.url == kb.url)
                    || (!kb.article_id.is_empty() && o.article_id == kb.article_id)
            };
            if f.related_kb.len() < MAX_KB && !f.related_kb.iter().any(same) {
                f.related_kb.push(kb);
            }
        }
        if !attachment {
            let s = steps::find(&doc, &mask);
            if f.reproduction_steps.is_empty() && !s.steps.is_empty() {
                f.reproduction_steps = s.steps;
            }
            if f.expected_behavior.is_none() {
                f.expected_behavior = s.expected;
            }
            if f.actual_behavior.is_none() {
                f.actual_behavior = s.actual;
            }
            for a in actions::find(&doc, &mask, src.author_role) {
                if f.l1_attempts.len() < actions::MAX_ACTIONS && !f.l1_attempts.contains(&a) {
                    f.l1_attempts.push(a);
                }
            }
        }
    }
    f.environment = env.finish();
    redaction::scrub(&mut f);
    f
}

/// How many stack traces and error codes one text holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EvidenceCounts {
    pub stack_traces: u32,
    pub error_codes: u32,
    /// The codes themselves (`kind:code`), so a ticket can count each once
    /// however many of its texts repeat it.
    pub codes: Vec<String>,
    /// The lines a person wrote: the text without stack traces, log lines,
    /// fenced code blocks and quoted e-mail (`>`), joined by newlines.
    /// Words that weigh only when someone says them (severity, urgency) are
    /// looked for here: `org.springframework.security` in a frame or
    /// `CorruptIndexException` in a log says nothing about severity.
    pub prose: String,
}

/// Counts what [`extract`] would find as stack traces and error codes in
/// one text, for a hot path that needs no content: no redaction (nothing is
/// kept), no versions, environment, steps or logs, so it costs a fraction of
/// `extract`.
pub fn evidence_counts(text: &str) -> EvidenceCounts {
    let capped = text::cap(text);
    let normalized = text::normalize(&capped);
    let lines: Vec<&str> = normalized.split('\n').collect();
    let traces = stack::find(&lines);
    let mut distinct: Vec<&StackTrace> = Vec::new();
    for t in &traces {
        let same = |o: &&StackTrace| {
            o.language == t.trace.language
                && o.exception_type == t.trace.exception_type
                && o.message == t.trace.message
                && o.top_frame == t.trace.top_frame
        };
        if !distinct.iter().any(same) {
            distinct.push(&t.trace);
        }
    }
    let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    let found = codes::find(&lines);
    let mut keys: Vec<String> = Vec::new();
    for c in found.iter().take(MAX_ERROR_CODES) {
        let key = format!("{}:{}", c.kind, c.code.to_ascii_uppercase());
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
    EvidenceCounts {
        stack_traces: count(distinct.len().min(MAX_STACK_TRACES)),
        error_codes: count(found.len().min(MAX_ERROR_CODES)),
        codes: keys,
        prose: prose(&lines, &stack::mask(lines.len(), &traces)),
    }
}

/// The lines outside traces (`in_trace`), log lines, fenced code blocks and
/// quoted e-mail; a signature delimiter (`-- `) or the header of a quoted
/// earlier message ends the prose (what follows is a footer or the thread).
fn prose(lines: &[&str], in_trace: &[bool]) -> String {
    let mut out = String::new();
    let mut fenced = false;
    for (i, l) in lines.iter().enumerate() {
        let t = l.trim_start();
        if !fenced && ends_prose(l) {
            break;
        }
        if t.starts_with("```") || t.starts_with("~~~") || t.starts_with("{code") {
            fenced = !fenced;
            continue;
        }
        if fenced
            || in_trace.get(i).copied().unwrap_or(false)
            || t.starts_with('>')
            || logs::is_log_line(l)
        {
            continue;
        }
        out.push_str(l);
        out.push('\n');
    }
    out
}

/// Words that turn the keyword after them into its opposite ("no data
/// loss", "not an outage", "kein Ausfall", "sin pérdida de datos").
const NEGATORS: [&str; 26] = [
    "no", "not", "without", "never", "nor", "none", "isn't", "wasn't", "aren't", "weren't",
    "didn't", "doesn't", "kein", "keine", "keinen", "nicht", "ohne", "sin", "pas", "aucun",
    "aucune", "sans", "nenhum", "nenhuma", "não", "ningún",
];

/// Words read before a keyword for a negation, within its clause.
const NEGATION_WINDOW: usize = 3;

/// Whether `prose` says `word` (case-insensitive, as a whole word, not
/// negated within its clause). Words in scripts without spaces (至急)
/// match anywhere. Complexity signals use it on [`EvidenceCounts::prose`],
/// and the generator estimates them with it.
pub fn says(prose: &str, word: &str) -> bool {
    let word = word.to_lowercase();
    if word.is_empty() || prose.is_empty() {
        return false;
    }
    let lower = prose.to_lowercase();
    let spaced = word.chars().all(|c| !is_cjk(c));
    let mut from = 0;
    while let Some(i) = lower[from..].find(&word) {
        let at = from + i;
        let end = at + word.len();
        from = end;
        let before = lower[..at].chars().next_back();
        let after = lower[end..].chars().next();
        let whole = !spaced
            || (!before.is_some_and(char::is_alphanumeric)
                && !after.is_some_and(char::is_alphanumeric));
        if whole && !negated(&lower[..at]) {
            return true;
        }
    }
    false
}

/// Whether the clause ending at the end of `before` negates what follows.
fn negated(before: &str) -> bool {
    let clause = before
        .rsplit(['.', '!', '?', ';', ',', ':', '\n', '(', ')'])
        .next()
        .unwrap_or("");
    clause
        .split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .filter(|w| !w.is_empty())
        .rev()
        .take(NEGATION_WINDOW)
        .any(|w| NEGATORS.contains(&w) || w.ends_with("n't"))
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xAC00..=0xD7AF)
}

/// A signature delimiter or the start of a quoted earlier message.
fn ends_prose(line: &str) -> bool {
    let t = line.trim();
    if t == "--" || t == "—" || t.starts_with("-----Original Message") {
        return true;
    }
    // "On Mon, 2 Nov 2026 at 09:00, Jane <...> wrote:", "Am ... schrieb ...:",
    // "Le ... a écrit :", "El ... escribió:".
    let lower = t.to_lowercase();
    lower.ends_with(':')
        && (lower.starts_with("on ") && lower.contains(" wrote")
            || lower.starts_with("am ") && lower.contains(" schrieb")
            || lower.starts_with("le ") && lower.contains(" a écrit")
            || lower.starts_with("el ") && lower.contains(" escribió"))
}

/// Copies `findings` into `packet`, scores them and renders the Markdown
/// (last, so it shows everything). Fields the evaluator owns (summary,
/// customer, timeline, ...) are left as they are.
pub fn fill_packet(packet: &mut HandoffPacket, findings: Findings) {
    let (score, missing) = completeness(&findings);
    packet.completeness_score = score;
    packet.missing_items = missing;
    packet.redactions = redaction_counts(&findings.redactions);
    packet.log_excerpts = findings.log_excerpts;
    packet.stack_traces = findings.stack_traces;
    packet.error_codes = findings.error_codes;
    packet.versions = findings.versions;
    packet.environment = Some(findings.environment);
    packet.reproduction_steps = findings.reproduction_steps;
    packet.expected_behavior = findings.expected_behavior.unwrap_or_default();
    packet.actual_behavior = findings.actual_behavior.unwrap_or_default();
    packet.l1_attempts = findings.l1_attempts;
    packet.related_kb = findings.related_kb;
    packet.attachments = findings.attachments;
    packet.markdown = render_markdown(packet);
}

fn attachment_note(doc: &text::Doc<'_>, traces: usize, excerpts: usize, codes: usize) -> String {
    let logish = doc.log.iter().filter(|l| **l).count();
    let mut parts = vec![format!("{} lines", doc.lines.len())];
    if logish * 2 >= doc.lines.len() && logish > 0 {
        parts.insert(0, "log".to_owned());
    }
    for (n, what) in [
        (traces, "stack trace"),
        (excerpts, "log excerpt"),
        (codes, "error code"),
    ] {
        if n > 0 {
            parts.push(format!("{n} {what}{}", if n == 1 { "" } else { "s" }));
        }
    }
    parts.join(", ")
}
