//! Custom conditions in CEL (the Common Expression Language, as Kubernetes
//! uses it), for what the structured rules do not cover. An expression sees
//! one variable, `ticket`:
//!
//! | field | type |
//! |---|---|
//! | `customer_tier`, `priority`, `status`, `tier`, `queue`, `product`, `component`, `domain`, `customer_id` | string |
//! | `tags`, `severity_hits`, `urgency_hits` | list of strings |
//! | `reopens`, `l1_touches`, `comments`, `attachments`, `send_backs`, `stack_traces`, `error_codes` | int |
//! | `complexity` | double |
//! | `age_minutes`, `in_queue_minutes` | int (wall-clock) |
//!
//! e.g. `ticket.customer_tier == "strategic" && "security" in ticket.tags`.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock};

use cel::common::ast::{EntryExpr, Expr};
use cel::common::types::{CelDouble, CelInt, CelList, CelMap, CelMapKey, CelString};
use cel::common::value::Val;
use cel::{Context, Env, IdedExpr, Program, Value};
use escalator_proto::v1::SupportTier;

use crate::policy::{CustomConfig, RuleRef};
use crate::state::TicketState;

/// CEL's standard library, built once: building it per evaluation was a
/// tenth of a replay's time (profile in the benchmark note).
static STDLIB: LazyLock<Arc<Env>> = LazyLock::new(|| Arc::new(Env::stdlib()));

pub struct CustomRule {
    pub rule: RuleRef,
    expression: String,
    program: Arc<Program>,
    to_tier: SupportTier,
    /// The `ticket` fields the expression reads (see [`Fields`]).
    fields: Fields,
}

impl std::fmt::Debug for CustomRule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CustomRule")
            .field("rule", &self.rule)
            .field("expression", &self.expression)
            .finish()
    }
}

impl Clone for CustomRule {
    fn clone(&self) -> Self {
        CustomRule {
            rule: self.rule.clone(),
            expression: self.expression.clone(),
            program: self.program.clone(),
            to_tier: self.to_tier,
            fields: self.fields,
        }
    }
}

/// One field of the `ticket` variable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Field {
    CustomerTier,
    Priority,
    Status,
    Tier,
    Queue,
    Product,
    Component,
    Domain,
    CustomerId,
    Tags,
    SeverityHits,
    UrgencyHits,
    Reopens,
    L1Touches,
    Comments,
    Attachments,
    SendBacks,
    StackTraces,
    ErrorCodes,
    Complexity,
    AgeMinutes,
    InQueueMinutes,
}

/// The fields of `ticket` by name; bit `i` of a [`Fields`] mask is `FIELDS[i]`.
const FIELDS: [(&str, Field); 22] = [
    ("customer_tier", Field::CustomerTier),
    ("priority", Field::Priority),
    ("status", Field::Status),
    ("tier", Field::Tier),
    ("queue", Field::Queue),
    ("product", Field::Product),
    ("component", Field::Component),
    ("domain", Field::Domain),
    ("customer_id", Field::CustomerId),
    ("tags", Field::Tags),
    ("severity_hits", Field::SeverityHits),
    ("urgency_hits", Field::UrgencyHits),
    ("reopens", Field::Reopens),
    ("l1_touches", Field::L1Touches),
    ("comments", Field::Comments),
    ("attachments", Field::Attachments),
    ("send_backs", Field::SendBacks),
    ("stack_traces", Field::StackTraces),
    ("error_codes", Field::ErrorCodes),
    ("complexity", Field::Complexity),
    ("age_minutes", Field::AgeMinutes),
    ("in_queue_minutes", Field::InQueueMinutes),
];

/// A set of `ticket` fields, one bit per entry of [`FIELDS`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Fields(u32);

impl Fields {
    pub const NONE: Fields = Fields(0);
    pub const ALL: Fields = Fields((1 << FIELDS.len()) - 1);

    pub fn union(self, other: Fields) -> Fields {
        Fields(self.0 | other.0)
    }

    fn contains(self, i: usize) -> bool {
        self.0 & (1 << i) != 0
    }

    fn len(self) -> usize {
        self.0.count_ones() as usize
    }
}

/// The `ticket` fields an expression can observe. A field absent from the
/// map behaves the same whether or not the others are there (a missing key
/// is a missing key), so binding only these gives the same results. Any use
/// of `ticket` other than `ticket.<field>` (`size(ticket)`, `ticket["x"]`,
/// `"x" in ticket`, passing it on) sees the whole map: then all of them.
fn fields_read(e: &IdedExpr, read: &mut Fields) {
    match &e.expr {
        Expr::Select(sel) => match &sel.operand.expr {
            Expr::Ident(name) if name == "ticket" => {
                if let Some(i) = FIELDS.iter().position(|(f, _)| *f == sel.field) {
                    read.0 |= 1 << i;
                }
            }
            _ => fields_read(&sel.operand, read),
        },
        Expr::Ident(name) => {
            if name == "ticket" {
                *read = Fields::ALL;
            }
        }
        Expr::Call(call) => {
            if let Some(t) = &call.target {
                fields_read(t, read);
            }
            for a in &call.args {
                fields_read(a, read);
            }
        }
        Expr::Comprehension(c) => {
            for x in [
                &c.iter_range,
                &c.accu_init,
                &c.loop_cond,
                &c.loop_step,
                &c.result,
            ] {
                fields_read(x, read);
            }
        }
        Expr::List(l) => {
            for x in &l.elements {
                fields_read(x, read);
            }
        }
        Expr::Map(m) => entries_read(&m.entries, read),
        Expr::Struct(s) => entries_read(&s.entries, read),
        Expr::Literal(_) | Expr::Unspecified => {}
    }
}

fn entries_read(entries: &[cel::common::ast::IdedEntryExpr], read: &mut Fields) {
    for entry in entries {
        match &entry.expr {
            EntryExpr::StructField(f) => fields_read(&f.value, read),
            EntryExpr::MapEntry(m) => {
                fields_read(&m.key, read);
                fields_read(&m.value, read);
            }
        }
    }
}

fn tier_name(t: SupportTier) -> &'static str {
    match t {
        SupportTier::L1 => "l1",
        SupportTier::L2 => "l2",
        SupportTier::L3 => "l3",
        SupportTier::Unspecified => "",
    }
}

fn minutes_since(start_ms: i64, now: i64) -> i64 {
    if start_ms == 0 {
        0
    } else {
        (now - start_ms).max(0) / 60_000
    }
}

/// A list of strings borrowed from the ticket state (no copies).
fn strings<'v>(items: &'v [String]) -> Box<dyn Val + 'v> {
    let items: Vec<Box<dyn Val + 'v>> = items
        .iter()
        .map(|t| Box::new(CelString::from(t.as_str())) as Box<dyn Val + 'v>)
        .collect();
    Box::new(CelList::from(items))
}

fn field_value<'v>(f: Field, s: &'v TicketState, complexity: f64, now: i64) -> Box<dyn Val + 'v> {
    let text = |t: &'v str| -> Box<dyn Val + 'v> { Box::new(CelString::from(t)) };
    let int = |n: u32| -> Box<dyn Val + 'v> { Box::new(CelInt::from(i64::from(n))) };
    match f {
        Field::CustomerTier => text(s.customer_tier_name()),
        Field::Priority => text(s.priority_name()),
        Field::Status => text(s.status_name()),
        Field::Tier => text(tier_name(s.tier())),
        Field::Queue => text(&s.queue),
        Field::Product => text(&s.product),
        Field::Component => text(&s.component),
        Field::Domain => text(&s.domain),
        Field::CustomerId => text(&s.customer_id),
        Field::Tags => strings(&s.tags),
        Field::SeverityHits => strings(&s.severity_hits),
        Field::UrgencyHits => strings(&s.urgency_hits),
        Field::Reopens => int(s.reopens),
        Field::L1Touches => int(s.l1_touches),
        Field::Comments => int(s.comments),
        Field::Attachments => int(s.attachments),
        Field::SendBacks => int(s.send_backs),
        Field::StackTraces => int(s.stack_traces),
        Field::ErrorCodes => int(s.error_codes),
        Field::Complexity => Box::new(CelDouble::from(complexity)),
        Field::AgeMinutes => Box::new(CelInt::from(minutes_since(s.created_ms, now))),
        Field::InQueueMinutes => Box::new(CelInt::from(minutes_since(s.queue_entered_ms, now))),
    }
}

impl CustomRule {
    pub fn compile(c: &CustomConfig) -> Result<CustomRule, String> {
        // The parser is third-party: keep a malformed expression from taking
        // the service down at start-up.
        let parsed = std::panic::catch_unwind(|| Program::compile(&c.when))
            .map_err(|_| format!("cannot parse CEL expression {:?}", c.when))?;
        let program = parsed.map_err(|e| format!("CEL: {e}"))?;
        let mut fields = Fields::NONE;
        fields_read(program.expression(), &mut fields);
        let rule = CustomRule {
            rule: RuleRef {
                id: c.id.clone(),
                version: c.version.clone(),
                description: if c.description.is_empty() {
                    c.when.clone()
                } else {
                    c.description.clone()
                },
            },
            expression: c.when.clone(),
            program: Arc::new(program),
            to_tier: if c.to_tier == "l3" {
                SupportTier::L3
            } else {
                SupportTier::L2
            },
            fields,
        };
        // A condition must yield a boolean on an empty ticket: catches
        // misspelt fields and wrong types before deployment.
        match rule.eval(&TicketState::default(), 0.0, 0) {
            Ok(_) => Ok(rule),
            Err(e) => Err(e),
        }
    }

    pub fn to_tier(&self) -> SupportTier {
        self.to_tier
    }

    pub fn expression(&self) -> &str {
        &self.expression
    }

    /// The `ticket` fields the expression reads: what [`bind`] needs.
    pub fn fields(&self) -> Fields {
        self.fields
    }

    pub fn eval(&self, s: &TicketState, complexity: f64, now: i64) -> Result<bool, String> {
        self.eval_in(&bind(s, complexity, now, self.fields))
    }

    /// Evaluates against a context made by [`bind`] (one per evaluation of
    /// the policy, shared by its custom rules) with at least [`Self::fields`].
    pub fn eval_in(&self, ctx: &Context<'_, '_>) -> Result<bool, String> {
        match self.program.execute(ctx) {
            Ok(Value::Bool(b)) => Ok(b),
            Ok(other) => Err(format!("expression gave {other:?}, not a boolean")),
            Err(e) => Err(format!("CEL: {e}")),
        }
    }
}

/// The `ticket` variable for the expressions, bound once per evaluation, with
/// the `fields` they read. Built as the interpreter's own values, borrowing
/// the state's strings: the serde route (still the test oracle below) copied
/// every string twice and cost ~20x the evaluation itself.
pub fn bind<'v>(s: &'v TicketState, complexity: f64, now: i64, fields: Fields) -> Context<'v, 'v> {
    let mut map: HashMap<CelMapKey<'v>, Box<dyn Val + 'v>> = HashMap::with_capacity(fields.len());
    for (i, (name, f)) in FIELDS.iter().enumerate() {
        if fields.contains(i) {
            map.insert(CelMapKey::from(*name), field_value(*f, s, complexity, now));
        }
    }
    let mut ctx = Context::with_env(STDLIB.clone());
    ctx.add_variable_as_val("ticket", Box::new(CelMap::from(map)));
    ctx
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;
    use crate::policy::Policy;
    use escalator_proto::v1::{CustomerTier, Priority, TicketStatus};
    use serde::Serialize;

    #[derive(Serialize)]
    struct TicketVars<'a> {
        customer_tier: &'a str,
        priority: &'a str,
        status: &'a str,
        tier: &'a str,
        queue: &'a str,
        product: &'a str,
        component: &'a str,
        domain: &'a str,
        customer_id: &'a str,
        tags: &'a [String],
        severity_hits: &'a [String],
        urgency_hits: &'a [String],
        reopens: i64,
        l1_touches: i64,
        comments: i64,
        attachments: i64,
        send_backs: i64,
        stack_traces: i64,
        error_codes: i64,
        complexity: f64,
        age_minutes: i64,
        in_queue_minutes: i64,
    }

    /// The former binding, through serde: the oracle for [`bind`].
    fn bind_serde(
        s: &TicketState,
        complexity: f64,
        now: i64,
    ) -> Result<Context<'static, 'static>, String> {
        let vars = TicketVars {
            customer_tier: s.customer_tier_name(),
            priority: s.priority_name(),
            status: s.status_name(),
            tier: tier_name(s.tier()),
            queue: &s.queue,
            product: &s.product,
            component: &s.component,
            domain: &s.domain,
            customer_id: &s.customer_id,
            tags: &s.tags,
            severity_hits: &s.severity_hits,
            urgency_hits: &s.urgency_hits,
            reopens: i64::from(s.reopens),
            l1_touches: i64::from(s.l1_touches),
            comments: i64::from(s.comments),
            attachments: i64::from(s.attachments),
            send_backs: i64::from(s.send_backs),
            stack_traces: i64::from(s.stack_traces),
            error_codes: i64::from(s.error_codes),
            complexity,
            age_minutes: if s.created_ms == 0 {
                0
            } else {
                (now - s.created_ms).max(0) / 60_000
            },
            in_queue_minutes: if s.queue_entered_ms == 0 {
                0
            } else {
                (now - s.queue_entered_ms).max(0) / 60_000
            },
        };
        let mut ctx = Context::with_env(STDLIB.clone());
        ctx.add_variable("ticket", vars)
            .map_err(|e| format!("CEL variables: {e}"))?;
        Ok(ctx)
    }

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    /// Ticket states across every field's range, with the times to evaluate
    /// them at and a complexity score each.
    fn states() -> Vec<(TicketState, f64, i64)> {
        let now = 1_796_000_000_000_i64;
        let tiers = [
            CustomerTier::Unspecified,
            CustomerTier::Standard,
            CustomerTier::Business,
            CustomerTier::Enterprise,
            CustomerTier::Strategic,
        ];
        let priorities = [
            Priority::Unspecified,
            Priority::Low,
            Priority::Normal,
            Priority::High,
            Priority::Urgent,
        ];
        let statuses = [
            TicketStatus::Unspecified,
            TicketStatus::New,
            TicketStatus::Open,
            TicketStatus::Pending,
            TicketStatus::Solved,
        ];
        let support = [
            SupportTier::Unspecified,
            SupportTier::L1,
            SupportTier::L2,
            SupportTier::L3,
        ];
        let tag_sets: [&[&str]; 5] = [
            &[],
            &["security"],
            &["billing", "security"],
            &["Security", "sso"],
            &["", "ünïcödé", "security "],
        ];
        let hit_sets: [&[&str]; 4] = [&[], &["security"], &["outage", "data loss"], &["breach"]];
        let texts = ["", "l1-general", "escalated:payments", "ÄÖÜ ✓"];
        let mut out = Vec::new();
        let mut n: u32 = 0;
        for tier in tiers {
            for tags in tag_sets {
                for hits in hit_sets {
                    n += 1;
                    let text = texts[n as usize % texts.len()];
                    let s = TicketState {
                        customer_tier: tier as i32,
                        priority: priorities[n as usize % priorities.len()] as i32,
                        status: statuses[(n as usize / 2) % statuses.len()] as i32,
                        tier: support[n as usize % support.len()] as i32,
                        queue: text.to_owned(),
                        product: texts[(n as usize + 1) % texts.len()].to_owned(),
                        component: texts[(n as usize + 2) % texts.len()].to_owned(),
                        domain: texts[(n as usize + 3) % texts.len()].to_owned(),
                        customer_id: format!("cust-{n}"),
                        tags: strings(tags),
                        severity_hits: strings(hits),
                        urgency_hits: strings(&hits[..hits.len().min(1)]),
                        reopens: n % 4,
                        l1_touches: n % 7,
                        comments: n * 3,
                        attachments: n % 3,
                        send_backs: n % 5,
                        stack_traces: n % 2,
                        error_codes: n % 6,
                        // 0 means unknown; some in the future of `now`.
                        created_ms: match n % 3 {
                            0 => 0,
                            1 => now - i64::from(n) * 3_600_000,
                            _ => now + 60_000,
                        },
                        queue_entered_ms: match n % 4 {
                            0 => 0,
                            _ => now - i64::from(n) * 61_000,
                        },
                        ..TicketState::default()
                    };
                    out.push((s, f64::from(n % 9) * 0.75, now));
                }
            }
        }
        out.push((TicketState::default(), 0.0, 0));
        out
    }

    /// Expressions beyond the shipped policy: every field, `ticket` as a
    /// whole, missing fields, runtime errors, shadowing.
    const EXTRA: &[&str] = &[
        r#"ticket.priority == "urgent" || ticket.status == "pending""#,
        r#"ticket.tier == "l1" && ticket.queue.startsWith("l1")"#,
        r#"ticket.product + ticket.component + ticket.domain != "" || ticket.customer_id == "cust-3""#,
        r#"ticket.urgency_hits.size() > 0 && "outage" in ticket.severity_hits"#,
        "ticket.reopens + ticket.l1_touches + ticket.comments > 10",
        "ticket.attachments * 2 > ticket.send_backs + ticket.stack_traces + ticket.error_codes",
        "ticket.complexity >= 3.0",
        "ticket.age_minutes > 60 || ticket.in_queue_minutes > 30",
        "size(ticket) == 22",
        r#""tags" in ticket && ticket["reopens"] >= 0"#,
        "ticket.all(k, k != '')",
        "has(ticket.no_such_field)",
        "has(ticket.tags) && !has(ticket.tag)",
        r#"ticket.tags.exists(ticket, ticket == "security")"#,
        r#"[ticket][0].customer_tier == "strategic""#,
        "ticket.reopens > 0 ? ticket.tags[0] == 'security' : false",
        "ticket.l1_touches > 2 ? ticket.no_such_field == 1 : true",
        "ticket.comments > 30 ? ticket.queue : true",
        "ticket.complexity > 3.0 ? ticket.complexity + 1 == 'x' : false",
        r#"{"t": ticket.tags}.t.size() == 1"#,
    ];

    fn rules() -> Vec<CustomRule> {
        let policy = Policy::default_config().unwrap();
        assert!(
            !policy.custom.is_empty(),
            "the shipped policy has CEL rules"
        );
        let mut rules = policy.custom.clone();
        for (i, when) in EXTRA.iter().enumerate() {
            let c = CustomConfig {
                id: format!("extra-{i}"),
                version: "1".into(),
                description: String::new(),
                when: (*when).to_owned(),
                to_tier: "l2".into(),
            };
            rules.push(CustomRule::compile(&c).unwrap_or_else(|e| panic!("{when}: {e}")));
        }
        rules
    }

    #[test]
    fn direct_binding_gives_the_serde_bindings_results() {
        let rules = rules();
        let all = rules.iter().fold(Fields::NONE, |m, r| m.union(r.fields()));
        let mut outcomes = std::collections::BTreeSet::new();
        for (s, complexity, now) in states() {
            let oracle = bind_serde(&s, complexity, now).unwrap();
            // As the policy binds it (the union of its rules' fields), and
            // each rule on its own fields only.
            let shared = bind(&s, complexity, now, all);
            for r in &rules {
                let want = r.eval_in(&oracle);
                let own = bind(&s, complexity, now, r.fields());
                assert_eq!(r.eval_in(&shared), want, "{} on {s:?}", r.expression());
                assert_eq!(r.eval_in(&own), want, "{} on {s:?}", r.expression());
                assert_eq!(r.eval(&s, complexity, now), want);
                outcomes.insert((r.rule.id.clone(), format!("{want:?}")));
            }
        }
        // The states reach both outcomes of the shipped rule, and errors.
        assert!(outcomes.contains(&("security-for-key-accounts".into(), "Ok(true)".into())));
        assert!(outcomes.contains(&("security-for-key-accounts".into(), "Ok(false)".into())));
        assert!(outcomes.iter().any(|(_, o)| o.starts_with("Err")));
    }

    #[test]
    fn fields_read_by_an_expression() {
        let fields = |when: &str| {
            let p = Program::compile(when).unwrap();
            let mut read = Fields::NONE;
            fields_read(p.expression(), &mut read);
            let names: Vec<&str> = FIELDS
                .iter()
                .enumerate()
                .filter(|(i, _)| read.contains(*i))
                .map(|(_, (n, _))| *n)
                .collect();
            names
        };
        let shipped = &Policy::default_config().unwrap().custom[0];
        assert_eq!(
            fields(shipped.expression()),
            ["customer_tier", "tags", "severity_hits"]
        );
        assert_eq!(
            fields("ticket.nope == 1 && has(ticket.reopens)"),
            ["reopens"]
        );
        assert_eq!(fields("1 == 1"), Vec::<&str>::new());
        for whole in ["size(ticket) > 0", "ticket['tags'] == []", "'x' in ticket"] {
            assert_eq!(fields(whole).len(), FIELDS.len(), "{whole}");
        }
    }
}
