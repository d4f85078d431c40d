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

use std::sync::{Arc, LazyLock};

use cel::{Context, Env, Program, Value};
use escalator_proto::v1::SupportTier;
use serde::Serialize;

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
        }
    }
}

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

fn tier_name(t: SupportTier) -> &'static str {
    match t {
        SupportTier::L1 => "l1",
        SupportTier::L2 => "l2",
        SupportTier::L3 => "l3",
        SupportTier::Unspecified => "",
    }
}

impl CustomRule {
    pub fn compile(c: &CustomConfig) -> Result<CustomRule, String> {
        // The parser is third-party: keep a malformed expression from taking
        // the service down at start-up.
        let parsed = std::panic::catch_unwind(|| Program::compile(&c.when))
            .map_err(|_| format!("cannot parse CEL expression {:?}", c.when))?;
        let program = parsed.map_err(|e| format!("CEL: {e}"))?;
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

    pub fn eval(&self, s: &TicketState, complexity: f64, now: i64) -> Result<bool, String> {
        self.eval_in(&bind(s, complexity, now)?)
    }

    /// Evaluates against a context made by [`bind`] (one per evaluation of
    /// the policy, shared by its custom rules).
    pub fn eval_in(&self, ctx: &Context<'_, '_>) -> Result<bool, String> {
        match self.program.execute(ctx) {
            Ok(Value::Bool(b)) => Ok(b),
            Ok(other) => Err(format!("expression gave {other:?}, not a boolean")),
            Err(e) => Err(format!("CEL: {e}")),
        }
    }
}

/// The `ticket` variable for the expressions, bound once per evaluation.
pub fn bind(
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
