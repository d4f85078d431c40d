//! One ticket's life, as canonical events in causal order.
//!
//! A ticket follows one of two plans, decided at creation:
//! - **L1**: L1 answers, asks, waits on the customer (status `pending`, which
//!   pauses the policy clock) and resolves it while its unpaused business
//!   time in queue stays well below the policy threshold, and with evidence
//!   light enough to stay below the complexity threshold;
//! - **L2**: the evidence arrives (stack traces, error codes, logs), L1 notes
//!   what it tried, and once the policy would escalate (complexity reached,
//!   or the time-in-queue threshold passed) a specialist accepts it after a
//!   pickup delay; it may be reassigned to another domain, sent back to L1,
//!   parked on hold for a fix, resolved, and reopened.

use serde_json::{Map, Value, json};

use crate::catalog::{self, Customer, DOMAINS, Domain, Person, Priority, Tier};
use crate::patterns::{self, Heavy, PATTERNS, Pattern};
use crate::rng::Rng;
use crate::text::{self, Vars};
use crate::time::{self, DAY, Desk, HOUR, MIN, SEC};

/// Where and when a ticket starts; decided before the ticket is simulated.
#[derive(Debug, Clone)]
pub struct Spec {
    pub index: usize,
    pub number: u64,
    pub customer: usize,
    pub created_ms: i64,
}

fn follow_up_question(domain: &str) -> &'static str {
    match domain {
        "database" => {
            "Did anything change on the database side recently (version, settings, maintenance)?"
        }
        "networking" => {
            "Did anything change in your network recently (firewall, proxy, certificates, VPN)?"
        }
        "identity" => "Did anything change in your identity provider or user setup recently?",
        "platform" => "Did anything change in your cluster or deployment recently?",
        "billing" => "Did anything change in your plan, seats or payment method recently?",
        "frontend" => "Does it happen in other browsers or on other machines too?",
        _ => "Did anything change in your data sources or schedules recently?",
    }
}

/// The policy's complexity keywords.
const SEVERITY_KEYWORDS: &[&str] = &[
    "data loss",
    "outage",
    "security",
    "breach",
    "corrupt",
    "down for everyone",
    "datenverlust",
    "ausfall",
];
const URGENCY_KEYWORDS: &[&str] = &[
    "urgent",
    "asap",
    "critical",
    "immediately",
    "dringend",
    "至急",
    "urgente",
];

/// The policy's complexity threshold per customer tier.
fn complexity_threshold(tier: Tier) -> f64 {
    match tier {
        Tier::Strategic => 4.0,
        Tier::Enterprise => 5.0,
        _ => 7.0,
    }
}

fn actor(p: &Person, role: &str, tier: Option<&str>) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), p.id.into());
    m.insert("name".into(), p.name.into());
    m.insert("role".into(), role.into());
    if let Some(t) = tier {
        m.insert("tier".into(), t.into());
    }
    Value::Object(m)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Customer,
    Agent,
    Specialist,
    System,
}

struct Sim<'a> {
    rng: Rng,
    seed: u64,
    spec: &'a Spec,
    ticket_id: String,
    customer: &'static Customer,
    tier: Tier,
    desk: Desk,
    pattern: &'static Pattern,
    domain: &'static Domain,
    vars: Vars,
    // The ticket snapshot every event carries.
    product: String,
    component: String,
    tags: Vec<String>,
    priority: Priority,
    status: &'static str,
    subject: String,
    description: String,
    x_generator: Value,
    contact: Value,
    agent: &'static Person,
    specialist: Option<(&'static Domain, &'static Person)>,
    // Output.
    events: Vec<(i64, Value)>,
    last: i64,
    seq: u32,
    comments: u32,
    attachments: u32,
    // The policy clock of the current L1 stint (business ms, pauses excluded).
    paused: bool,
    used: i64,
    clock_at: i64,
    threshold: i64,
    budget: i64,
    // What the evaluator will have counted (complexity estimate).
    est_trace: bool,
    est_code_keys: Vec<String>,
    est_touches: u32,
    est_severity: Vec<&'static str>,
    est_urgency: bool,
    est_reopens: u32,
    /// When the complexity estimate first reached the tier's threshold.
    complex_at: Option<i64>,
    heavy: Heavy,
    heavy_given: bool,
    secret_planted: bool,
}

/// Simulates one ticket: its events in causal order, strictly increasing
/// times, the first one `created`.
pub fn simulate(seed: u64, spec: &Spec) -> Vec<(i64, Value)> {
    let mut rng = Rng::derive(seed, 1, spec.index as u64);
    let customer = &catalog::CUSTOMERS[spec.customer];
    let tier = customer.tier;

    // Domain, then pattern within it.
    let domains: Vec<&'static Domain> = DOMAINS.iter().filter(|d| d.name != "triage").collect();
    let dw: Vec<f64> = domains
        .iter()
        .map(|d| match d.name {
            "identity" | "data-pipeline" => 1.2,
            "billing" => 0.8,
            _ => 1.0,
        })
        .collect();
    let domain = domains[rng.weighted(&dw)];
    let candidates: Vec<&'static Pattern> = PATTERNS
        .iter()
        .filter(|p| p.domain == domain.name)
        .collect();
    let pw: Vec<f64> = candidates.iter().map(|p| p.weight).collect();
    let pattern = candidates[rng.weighted(&pw)];

    let pri_w: [f64; 4] = match tier {
        Tier::Standard => [0.18, 0.55, 0.20, 0.07],
        Tier::Business => [0.14, 0.54, 0.24, 0.08],
        Tier::Enterprise => [0.08, 0.50, 0.30, 0.12],
        Tier::Strategic => [0.05, 0.45, 0.35, 0.15],
    };
    let mut priority = [
        Priority::Low,
        Priority::Normal,
        Priority::High,
        Priority::Urgent,
    ][rng.weighted(&pri_w)];
    if pattern.severe && rng.chance(0.3) {
        priority = priority.up();
    }

    let tier_factor = match tier {
        Tier::Standard => 0.75,
        Tier::Business => 0.9,
        Tier::Enterprise => 1.1,
        Tier::Strategic => 1.5,
    };
    let pri_factor = match priority {
        Priority::Low => 0.6,
        Priority::Normal => 0.9,
        Priority::High => 1.2,
        Priority::Urgent => 1.5,
    };
    let l2 = rng.chance((0.7 * pattern.l2 * tier_factor * pri_factor).min(0.95));
    let ambiguous = l2 && rng.chance(0.06);
    let mislabelled = !ambiguous && rng.chance(0.1);

    let product = (*rng.pick(pattern.products)).to_owned();
    let labelled: &'static Domain = if mislabelled {
        let names = patterns::confusable(domain.name);
        catalog::domain(names[rng.index(names.len())]).unwrap_or(domain)
    } else {
        domain
    };
    let component = if ambiguous {
        String::new()
    } else if mislabelled {
        (*rng.pick(labelled.components)).to_owned()
    } else {
        (*rng.pick(pattern.components)).to_owned()
    };
    let mut tags: Vec<String> = Vec::new();
    if !ambiguous {
        let pool: &[&str] = if mislabelled {
            labelled.tags
        } else {
            pattern.tags
        };
        let n = rng.range(0, pool.len().min(2) as i64) as usize;
        for _ in 0..n {
            let t = (*rng.pick(pool)).to_owned();
            if !tags.contains(&t) {
                tags.push(t);
            }
        }
    }
    let desks = match tier.desk() {
        Desk::Emea => catalog::L1_EMEA,
        Desk::AlwaysOpen => catalog::L1_24X7,
    };
    let agent = &desks[rng.index(desks.len())];
    let vars = text::ticket_vars(
        &mut rng,
        customer,
        spec.customer,
        pattern,
        &product,
        spec.created_ms,
        agent.name,
    );
    let contact = {
        let mut m = Map::new();
        m.insert(
            "id".into(),
            format!(
                "{}:{}",
                customer.id,
                vars.get("email").split('@').next().unwrap_or("user")
            )
            .into(),
        );
        m.insert("name".into(), vars.get("contact").into());
        m.insert("role".into(), "customer".into());
        Value::Object(m)
    };
    let subject = if ambiguous {
        (*rng.pick(patterns::VAGUE_SUBJECTS)).to_owned()
    } else {
        vars.fill(rng.one(pattern.subjects))
    };
    let heavy = *rng.pick(pattern.heavy);
    let threshold = catalog::threshold_ms(tier, priority);
    let x_generator = json!({
        "domain": domain.name,
        "labelled_domain": if ambiguous { "" } else { labelled.name },
        "pattern": pattern.id,
        "plan": if l2 { "l2" } else { "l1" },
        "ambiguous": ambiguous,
        "mislabelled": mislabelled,
        "time_zone": customer.zone.name,
    });
    let mut sim = Sim {
        rng,
        seed,
        spec,
        ticket_id: format!("gen:{}:{}", customer.id, spec.number),
        customer,
        tier,
        desk: tier.desk(),
        pattern,
        domain,
        vars,
        product,
        component,
        tags,
        priority,
        status: "new",
        subject,
        description: String::new(),
        x_generator,
        contact,
        agent,
        specialist: None,
        events: Vec::new(),
        last: i64::MIN,
        seq: 0,
        comments: 0,
        attachments: 0,
        paused: false,
        used: 0,
        clock_at: spec.created_ms,
        threshold,
        budget: threshold / 2,
        est_trace: false,
        est_code_keys: Vec::new(),
        est_touches: 0,
        est_severity: Vec::new(),
        est_urgency: false,
        est_reopens: 0,
        complex_at: None,
        heavy,
        heavy_given: false,
        secret_planted: false,
    };
    if l2 {
        sim.run_l2(ambiguous);
    } else {
        sim.run_l1();
    }
    sim.events
}

impl Sim<'_> {
    // ------------------------------------------------------------ plumbing

    fn fill(&self, t: &str) -> String {
        self.vars.fill(t)
    }

    fn actor_of(&self, who: Who) -> Value {
        match who {
            Who::Customer => self.contact.clone(),
            Who::Agent => actor(self.agent, "agent", Some("l1")),
            Who::Specialist => match self.specialist {
                Some((_, p)) => actor(p, "specialist", Some("l2")),
                None => actor(self.agent, "agent", Some("l1")),
            },
            Who::System => actor(&catalog::SYSTEM, "system", None),
        }
    }

    /// Advances the policy clock to `to`.
    fn tick(&mut self, to: i64) {
        if !self.paused && to > self.clock_at {
            self.used += self.desk.business_ms_between(self.clock_at, to);
        }
        self.clock_at = self.clock_at.max(to);
    }

    fn emit(&mut self, at: i64, kind: &str, who: Who, data: Value) -> i64 {
        let at = (at + SEC - 1).div_euclid(SEC) * SEC;
        let at = if self.last == i64::MIN {
            at
        } else {
            at.max(self.last + SEC)
        };
        self.tick(at);
        self.seq += 1;
        let mut m = Map::new();
        m.insert("schema".into(), "escalator.canonical.v1".into());
        m.insert(
            "event_id".into(),
            format!("gen-{}-{}-{}", self.seed, self.spec.number, self.seq).into(),
        );
        m.insert("ticket_id".into(), self.ticket_id.clone().into());
        m.insert("type".into(), kind.into());
        m.insert("occurred_at".into(), time::rfc3339(at).into());
        m.insert("source".into(), "generator".into());
        m.insert(
            "source_ticket_id".into(),
            self.spec.number.to_string().into(),
        );
        m.insert("sequence".into(), self.seq.into());
        m.insert(
            "url".into(),
            format!(
                "https://support.northwind.example/tickets/{}",
                self.spec.number
            )
            .into(),
        );
        m.insert(
            "customer".into(),
            json!({"id": self.customer.id, "name": self.customer.name, "tier": self.tier.as_str(), "time_zone": self.customer.zone.name}),
        );
        m.insert("product".into(), self.product.clone().into());
        if !self.component.is_empty() {
            m.insert("component".into(), self.component.clone().into());
        }
        m.insert("tags".into(), self.tags.clone().into());
        m.insert("priority".into(), self.priority.as_str().into());
        m.insert("status".into(), self.status.into());
        m.insert("subject".into(), self.subject.clone().into());
        if kind == "created" {
            m.insert("description".into(), self.description.clone().into());
            // Only the creation says where the ticket sits: a tier or queue
            // on later events would read as a move to the evaluator.
            m.insert("support_tier".into(), "l1".into());
            m.insert(
                "queue".into(),
                match self.desk {
                    Desk::Emea => "l1-general",
                    Desk::AlwaysOpen => "l1-priority",
                }
                .into(),
            );
        }
        m.insert("actor".into(), self.actor_of(who));
        if !data.is_null() {
            m.insert("data".into(), data);
        }
        if kind == "created" {
            m.insert("x_generator".into(), self.x_generator.clone());
        }
        self.events.push((at, Value::Object(m)));
        self.last = at;
        // L1 effort as the evaluator counts it: an L1 agent's reply or
        // note before the ticket escalates (edits are not effort).
        if who == Who::Agent && kind == "comment_added" && self.complex_at.is_none() {
            self.est_touches += 1;
        }
        match kind {
            "customer_replied" => self.paused = false,
            "status_changed" | "created" => self.paused = self.status == "pending",
            _ => {}
        }
        if self.complex_at.is_none() && self.estimate() >= complexity_threshold(self.tier) {
            self.complex_at = Some(at);
        }
        at
    }

    /// The evidence a text brings, as the evaluator counts it: a stack
    /// trace, error codes once per ticket, and severity and urgency words
    /// said in the prose of the customer's own texts.
    fn scan(&mut self, text: &str, customer: bool) {
        let counts = escalator_diagnostics::evidence_counts(text);
        self.est_trace |= counts.stack_traces > 0;
        for c in counts.codes {
            if !self.est_code_keys.contains(&c) {
                self.est_code_keys.push(c);
            }
        }
        if !customer {
            return;
        }
        for k in SEVERITY_KEYWORDS {
            if !self.est_severity.contains(k) && escalator_diagnostics::says(&counts.prose, k) {
                self.est_severity.push(k);
            }
        }
        if URGENCY_KEYWORDS
            .iter()
            .any(|k| escalator_diagnostics::says(&counts.prose, k))
        {
            self.est_urgency = true;
        }
    }

    /// The evaluator's complexity score as this ticket's events will give it.
    fn estimate(&self) -> f64 {
        f64::from(u8::from(self.est_trace)) * 3.0
            + (self.est_code_keys.len().min(3) as f64)
            + 0.5 * f64::from(self.attachments.min(5))
            + 0.5 * f64::from(self.est_touches.min(20))
            + 3.0 * self.est_severity.len().min(2) as f64
            + if self.est_urgency { 1.5 } else { 0.0 }
            + 2.0 * f64::from(self.est_reopens.min(3))
    }

    fn add_heavy_evidence(&mut self) -> String {
        self.heavy_given = true;
        self.fill(self.heavy.text)
    }

    /// Whether `extra` more score (plus the resolution's two L1 events)
    /// keeps an L1 ticket below the complexity threshold.
    fn room(&self, extra: f64) -> bool {
        self.estimate() + extra + 1.0 < complexity_threshold(self.tier)
    }

    /// The instant `d` business ms of the desk after the last event.
    fn desk_after(&self, d: i64) -> i64 {
        self.desk.add_business(self.last, d)
    }

    /// An L1 delay as a share of the threshold, kept inside the budget.
    fn l1_delay(&mut self, lo: f64, hi: f64) -> i64 {
        let d = (self.threshold as f64 * self.rng.uniform(lo, hi)) as i64;
        let room = self.budget - self.used;
        let d = if d > room / 2 {
            (room / 2).max(20 * SEC)
        } else {
            d
        };
        self.desk_after(d.max(20 * SEC))
    }

    /// When the customer answers: a long-tailed wait, mostly landing in
    /// their office hours.
    fn customer_after(&mut self, median: i64, lo: i64, hi: i64) -> i64 {
        let wait = self.rng.long_tail(median as f64, 0.9, lo as f64, hi as f64) as i64;
        let t = self.last + wait;
        if self.rng.chance(0.85) && !time::customer_open(&self.customer.zone, t) {
            time::customer_next_open(&self.customer.zone, t) + self.rng.range(2 * MIN, 80 * MIN)
        } else {
            t
        }
    }

    /// A few seconds to minutes later; quicker on tickets with a threshold
    /// of half an hour or less.
    fn soon(&mut self, lo_s: i64, hi_s: i64) -> i64 {
        let hi_s = if self.threshold <= 30 * MIN {
            (hi_s / 4).max(lo_s)
        } else {
            hi_s
        };
        self.last + self.rng.range(lo_s * SEC, hi_s * SEC)
    }

    fn next_comment_id(&mut self) -> String {
        self.comments += 1;
        format!("c{}", self.comments)
    }

    fn comment(&mut self, at: i64, who: Who, public: bool, body: String) -> i64 {
        self.scan(&body, who == Who::Customer);
        let id = self.next_comment_id();
        let data = json!({
            "comment_id": id,
            "author": self.actor_of(who),
            "public": public,
            "format": "plain",
            "body": body,
        });
        self.emit(at, "comment_added", who, data)
    }

    fn reply(&mut self, at: i64, body: String) -> (i64, String) {
        self.scan(&body, true);
        let id = self.next_comment_id();
        let channel = *self.rng.pick(&["email", "email", "web", "chat"]);
        let data = json!({"comment_id": id, "channel": channel, "body": body});
        (self.emit(at, "customer_replied", Who::Customer, data), id)
    }

    fn attach(
        &mut self,
        at: i64,
        comment_id: &str,
        file: &str,
        ctype: &str,
        excerpt: String,
    ) -> i64 {
        self.scan(&excerpt, false);
        self.attachments += 1;
        let size = if excerpt.is_empty() {
            self.rng.range(40_000, 900_000)
        } else {
            excerpt.len() as i64 * self.rng.range(3, 60)
        };
        let mut d = Map::new();
        d.insert(
            "attachment_id".into(),
            format!("att-{}-{}", self.spec.number, self.attachments).into(),
        );
        d.insert("file_name".into(), file.into());
        d.insert("content_type".into(), ctype.into());
        d.insert("size_bytes".into(), size.into());
        if !excerpt.is_empty() {
            d.insert("text_excerpt".into(), excerpt.into());
        }
        d.insert("comment_id".into(), comment_id.into());
        self.emit(at, "attachment_added", Who::Customer, Value::Object(d))
    }

    fn set_status(&mut self, at: i64, who: Who, to: &'static str) -> i64 {
        let from = self.status;
        self.status = to;
        self.emit(at, "status_changed", who, json!({"from": from, "to": to}))
    }

    fn set_priority(&mut self, at: i64, who: Who, to: Priority) -> i64 {
        let from = self.priority;
        self.priority = to;
        self.emit(
            at,
            "priority_changed",
            who,
            json!({"from": from.as_str(), "to": to.as_str()}),
        )
    }

    fn log_file(&self) -> &'static str {
        match self.domain.name {
            "database" => "server.log",
            "networking" => "gateway-and-curl.txt",
            "identity" => "auth-trace.log",
            "platform" => "kubectl-output.txt",
            "billing" => "billing-events.log",
            "frontend" => "browser-console.txt",
            _ => "worker.log",
        }
    }

    // ------------------------------------------------------------ creation

    fn created(&mut self, ambiguous: bool, heavy_in_description: bool, strong_words: bool) {
        let p = self.pattern;
        let mut d = String::from(text::greeting(&mut self.rng));
        if ambiguous {
            d.push_str(self.rng.one(patterns::VAGUE_DESCRIPTIONS));
        } else {
            d.push_str(&self.fill(p.description));
            if !p.light.is_empty()
                && !heavy_in_description
                && self.rng.chance(0.55)
                && self.tier != Tier::Strategic
            {
                d.push_str("\n\n");
                d.push_str(&self.fill(p.light));
            }
            if heavy_in_description {
                d.push_str("\n\nFrom our logs:\n");
                d.push_str(&self.add_heavy_evidence());
            }
            if !p.repro.is_empty() && self.rng.chance(0.5) {
                d.push_str("\n\n");
                d.push_str(p.repro);
            }
        }
        if self.rng.chance(0.7) {
            d.push_str("\n\n");
            d.push_str(&text::environment(
                &mut self.rng,
                self.domain.name,
                &self.vars,
            ));
        }
        if strong_words {
            let sentence = match self.priority {
                Priority::Urgent => {
                    if self.pattern.severe {
                        "This is an outage for us: nobody in our team can work. Please treat it as urgent."
                    } else {
                        "Please treat this as urgent, our month-end depends on it."
                    }
                }
                _ => "Our team is blocked by this.",
            };
            d.push_str("\n\n");
            d.push_str(sentence);
        }
        if self.rng.chance(0.07) {
            d.push_str("\n\n");
            d.push_str(&text::secret_snippet(
                &mut self.rng,
                self.domain.name,
                &self.vars,
            ));
            self.secret_planted = true;
        }
        let with_phone = self.rng.chance(0.35);
        d.push_str(&text::signature(&self.vars, with_phone));
        self.scan(&self.subject.clone(), true);
        self.scan(&d, true);
        self.description = d;
        let channel = *self
            .rng
            .pick(&["email", "email", "web", "web", "chat", "api", "phone"]);
        self.emit(
            self.spec.created_ms,
            "created",
            Who::Customer,
            json!({"channel": channel}),
        );
    }

    // ------------------------------------------------------------ L1 plan

    fn run_l1(&mut self) {
        self.created(false, false, false);
        // How it ends.
        let outcome = match self.rng.weighted(&[0.04, 0.03, 0.03, 0.04, 0.86]) {
            0 => "no_response",
            1 => "duplicate",
            2 => "feature_request",
            3 => "no_fault_found",
            _ => self.pattern.l1_category,
        };
        // A re-triage at the first touch may change the priority; the
        // budget follows the stricter threshold.
        let new_priority = if self.rng.chance(0.15) {
            Some(if self.priority >= Priority::High && self.rng.chance(0.7) {
                self.priority.down()
            } else {
                self.priority.up()
            })
        } else {
            None
        };
        if let Some(np) = new_priority {
            let t = catalog::threshold_ms(self.tier, np).min(self.threshold);
            self.threshold = t;
            self.budget = t / 2;
        }
        let at = self.l1_delay(0.08, 0.3);
        let ack = self.fill(
            "Hi {{contact_first}},\n\nthank you for contacting Northwind support. I'm {{agent_first}} and I'm looking into this for you.",
        );
        let rounds = if outcome == "no_response" {
            1
        } else if self.tier >= Tier::Enterprise {
            [0, 1][self.rng.index(2)]
        } else {
            [0, 1, 1, 2][self.rng.index(4)]
        };
        let first = if rounds == 0 {
            ack
        } else {
            format!(
                "{}\n\n{}\n\nThanks,\n{}",
                ack,
                self.fill(self.pattern.ask),
                self.vars.get("agent_first")
            )
        };
        // The first public reply opens the ticket (no separate status event).
        self.status = "open";
        self.comment(at, Who::Agent, true, first);
        if let Some(np) = new_priority {
            if self.room(1.0) {
                let at = self.soon(20, 240);
                self.set_priority(at, Who::Agent, np);
            }
        }
        for round in 0..rounds {
            if round > 0 {
                if !self.room(1.5) {
                    break;
                }
                let body = format!(
                    "Thanks for the details. {}\n\nThanks,\n{}",
                    follow_up_question(self.domain.name),
                    self.vars.get("agent_first")
                );
                let at = self.l1_delay(0.05, 0.15);
                self.comment(at, Who::Agent, true, body);
            }
            let at = self.soon(10, 120);
            self.set_status(at, Who::Agent, "pending");
            if outcome == "no_response" {
                // Reminder, then the automation closes it.
                let at = self.last + self.rng.range(3 * DAY, 4 * DAY);
                self.comment(
                    at,
                    Who::System,
                    true,
                    self.fill("Hi {{contact_first}}, we are still waiting for your reply. This ticket will be closed in 3 days if we don't hear from you."),
                );
                let at = self.last + self.rng.range(3 * DAY, 3 * DAY + 6 * HOUR);
                self.resolve(
                    at,
                    Who::System,
                    "other",
                    "no_customer_response",
                    "Closed automatically: no reply from the customer for 7 days.".into(),
                    false,
                );
                self.after_resolution(false);
                return;
            }
            let at = self.customer_after(3 * HOUR, 10 * MIN, 3 * DAY);
            let mut body = format!("Hi {},\n\n", self.vars.get("agent_first"));
            if round == 0 {
                body.push_str(&self.fill(self.pattern.answer));
                if !self.pattern.light.is_empty()
                    && self.tier != Tier::Strategic
                    && self.rng.chance(0.4)
                {
                    body.push_str("\n\n");
                    body.push_str(&self.fill(self.pattern.light));
                }
            } else {
                body.push_str(self.rng.one(&[
                    "Not that we know of.",
                    "Our IT changed a few things last week, but nothing related as far as we know.",
                    "Nothing changed on our side.",
                ]));
                body.push(' ');
                body.push_str(self.rng.one(text::CUSTOMER_STILL));
            }
            let (_, cid) = self.reply(at, body);
            if round == 0 && self.attachments == 0 && self.rng.chance(0.3) {
                let at = self.soon(1, 20);
                self.attach(at, &cid, "screenshot.png", "image/png", String::new());
            }
            let at = self.soon(10, 90);
            self.set_status(at, Who::System, "open");
        }
        if self.rng.chance(0.4) && self.room(0.5) {
            let at = self.l1_delay(0.03, 0.1);
            let note = self.fill(self.pattern.tried);
            self.comment(at, Who::Agent, false, note);
        }
        let (category, code, answer) = match outcome {
            c if c == self.pattern.l1_category => (c, c, self.fill(self.pattern.l1_answer)),
            "duplicate" => (
                "duplicate",
                "duplicate",
                self.fill("Your colleague already reported this in another ticket, where we are working on it. I'm closing this one as a duplicate so that all updates go to one place."),
            ),
            "feature_request" => (
                "other",
                "feature_request",
                self.fill("This isn't possible today; I have logged it as a feature request for our product team and linked your organisation to it."),
            ),
            "no_fault_found" => (
                "no_fault_found",
                "cannot_reproduce",
                self.fill("We could not reproduce this on our side and your last attempt worked according to our logs. If it happens again, please reply with the exact time and we'll pick it up."),
            ),
            c => (c, c, self.fill(self.pattern.l1_answer)),
        };
        let code = if code == "no_fault_found" {
            "cannot_reproduce"
        } else {
            code
        };
        let at = self.l1_delay(0.03, 0.12);
        let body = format!(
            "Hi {},\n\n{}\n\nI'll mark this ticket as solved; just reply if anything is still unclear.\n\nBest regards,\n{}",
            self.vars.get("contact_first"),
            answer,
            self.vars.get("agent_first")
        );
        self.comment(at, Who::Agent, true, body);
        let at = self.soon(20, 300);
        let with_kb = self.pattern.kb.is_some() && category == self.pattern.l1_category;
        self.resolve(at, Who::Agent, category, code, answer, with_kb);
        self.after_resolution(false);
    }

    fn resolve(
        &mut self,
        at: i64,
        who: Who,
        category: &str,
        code: &str,
        notes: String,
        with_kb: bool,
    ) {
        self.status = "solved";
        let mut d = Map::new();
        d.insert("resolution_code".into(), code.into());
        d.insert("category".into(), category.into());
        d.insert("notes".into(), notes.into());
        let kbs: Vec<Value> = match self.pattern.kb {
            Some((id, title)) if with_kb => {
                vec![json!({"article_id": id, "url": text::kb_url(id, title), "title": title})]
            }
            _ => Vec::new(),
        };
        d.insert("kb_articles".into(), kbs.into());
        d.insert("resolved_by".into(), self.actor_of(who));
        self.emit(at, "resolved", who, Value::Object(d));
    }

    /// Thanks, maybe a reopen (within 3 days), maybe the close.
    fn after_resolution(&mut self, specialist: bool) {
        let resolved_at = self.last;
        // An L1 ticket is only reopened when the reopen keeps it below the
        // complexity threshold (otherwise the policy would escalate it).
        let reopen = self.est_reopens == 0
            && (specialist || self.room(3.0))
            && self.rng.chance(if specialist { 0.09 } else { 0.04 });
        if reopen {
            let at = self
                .customer_after(20 * HOUR, 2 * HOUR, 60 * HOUR)
                .min(resolved_at + 71 * HOUR);
            let body = (*self.rng.pick(text::CUSTOMER_REOPEN)).to_owned();
            self.reply(at, body);
            self.status = "open";
            self.est_reopens += 1;
            let at = self.soon(5, 60);
            self.emit(
                at,
                "reopened",
                Who::System,
                json!({"reason": "The customer replied to a solved ticket: the problem is back."}),
            );
            // A reopen starts a new stint in the queue.
            self.used = 0;
            self.clock_at = self.last;
            if specialist {
                self.specialist_follow_up();
            } else {
                let at = self.l1_delay(0.05, 0.2);
                let note = self.fill("Hi {{contact_first}},\n\nsorry to hear that. I have re-checked your account and re-applied the settings on our side; please try again now.\n\n{{agent_first}}");
                self.comment(at, Who::Agent, true, note);
                let at = self.l1_delay(0.05, 0.15);
                let (cat, code) = if self.rng.chance(0.5) {
                    ("workaround", "workaround")
                } else {
                    ("no_fault_found", "cannot_reproduce")
                };
                let notes = self.fill(
                    "Re-applied the fix after the reopen; customer confirmed it works again.",
                );
                self.resolve(at, Who::Agent, cat, code, notes, false);
            }
        } else if self.rng.chance(0.25) {
            let at = self.customer_after(2 * HOUR, 5 * MIN, 20 * HOUR);
            let body = (*self.rng.pick(text::CUSTOMER_THANKS)).to_owned();
            self.reply(at, body);
        }
        if self.rng.chance(0.35) {
            let at = self.last.max(resolved_at) + self.rng.range(4 * DAY, 6 * DAY);
            self.set_status(at, Who::System, "closed");
        }
    }

    // ------------------------------------------------------------ L2 plan

    fn run_l2(&mut self, ambiguous: bool) {
        let heavy_in_description = !ambiguous && self.rng.chance(0.4);
        let strong = self.priority >= Priority::High && self.rng.chance(0.5);
        // L1 may use up to three quarters of the threshold before it passes.
        self.budget = self.threshold * 3 / 4;
        self.created(ambiguous, heavy_in_description, strong);
        let at = self.l1_delay(0.05, 0.25);
        let ask = if ambiguous {
            self.fill("Hi {{contact_first}},\n\nthanks for reaching out. To find out what is going on, could you tell us which part of Northwind is affected, what exactly fails and send us any error message or log you have?\n\nThanks,\n{{agent_first}}")
        } else {
            format!(
                "{}\n\nThanks,\n{}",
                self.fill("Hi {{contact_first}},\n\nthank you for the report, I'm {{agent_first}} and I'm looking into this.\n\n")
                    + &self.fill(self.pattern.ask),
                self.vars.get("agent_first")
            )
        };
        self.comment(at, Who::Agent, true, ask);
        let at = self.soon(5, 60);
        self.set_status(at, Who::Agent, "open");
        if !self.heavy_given || self.rng.chance(0.3) {
            let at = self.soon(10, 90);
            self.set_status(at, Who::Agent, "pending");
            let median = if self.tier >= Tier::Enterprise {
                HOUR
            } else {
                3 * HOUR
            };
            let at = self.customer_after(median, 5 * MIN, 2 * DAY);
            let mut body = format!("Hi {},\n\n", self.vars.get("agent_first"));
            let evidence = if self.heavy_given {
                body.push_str(&self.fill(
                    "It happened again at {{time}} UTC. We have {{n5}} affected users by now.",
                ));
                None
            } else {
                if ambiguous {
                    body.push_str(&self.fill(self.pattern.description));
                } else {
                    body.push_str(&self.fill(self.pattern.answer));
                }
                body.push_str("\n\n");
                body.push_str(&self.fill(
                    "The log from the last failing run is attached. It happened again at {{time}} UTC.",
                ));
                Some(self.add_heavy_evidence())
            };
            if !self.secret_planted && self.rng.chance(0.05) {
                body.push_str("\n\n");
                body.push_str(&text::secret_snippet(
                    &mut self.rng,
                    self.domain.name,
                    &self.vars,
                ));
                self.secret_planted = true;
            }
            if self.rng.chance(0.3) {
                body.push_str(&text::signature(&self.vars, true));
            }
            let (_, cid) = self.reply(at, body);
            if let Some(mut excerpt) = evidence {
                if !self.secret_planted && self.rng.chance(0.08) {
                    excerpt.push('\n');
                    excerpt.push_str(&text::secret_snippet(
                        &mut self.rng,
                        self.domain.name,
                        &self.vars,
                    ));
                    self.secret_planted = true;
                }
                let at = self.soon(1, 30);
                let file = self.log_file();
                self.attach(at, &cid, file, "text/plain", excerpt);
            }
            let at = self.soon(10, 90);
            self.set_status(at, Who::System, "open");
        }
        if self.rng.chance(0.2) && self.priority < Priority::Urgent {
            let at = self.soon(60, 600);
            let up = self.priority.up();
            self.set_priority(at, Who::Agent, up);
            self.threshold = self.threshold.min(catalog::threshold_ms(self.tier, up));
            self.budget = self.threshold * 3 / 4;
        }
        let at = self.l1_delay(0.05, 0.2);
        let note = if ambiguous {
            self.fill("Tried: checked the status page (no incident), asked the customer for logs, reviewed the account settings. Not sure which team owns this; escalating for triage.")
        } else {
            format!(
                "{}\nEscalating to {} L2: {}.",
                self.fill(self.pattern.tried),
                self.domain.team,
                self.pattern.signal
            )
        };
        self.comment(at, Who::Agent, false, note);

        // When the policy escalates: complexity reached on an event, or the
        // time-in-queue threshold (unpaused business time) passes.
        let escalate_at = match self.complex_at {
            Some(t) => t + self.rng.range(SEC, 30 * SEC),
            None => {
                let left = (self.threshold - self.used).max(0);
                self.desk.add_business(self.last, left) + self.rng.range(SEC, 90 * SEC)
            }
        };
        let first = if ambiguous {
            catalog::domain("triage").unwrap_or(self.domain)
        } else {
            let labelled = self.x_generator["labelled_domain"].as_str().unwrap_or("");
            catalog::domain(labelled).unwrap_or(self.domain)
        };
        let pickup = self.pickup_delay();
        let accept_at = self.desk.add_business(escalate_at, pickup);
        self.accept(accept_at, first);
        if first.name != self.domain.name {
            let at = {
                let d = self.rng.range(10 * MIN, 90 * MIN);
                self.desk_after(d)
            };
            let note = if first.name == "triage" {
                format!(
                    "Looked at the logs: {}. This belongs to the {} team.",
                    self.pattern.signal, self.domain.team
                )
            } else {
                format!(
                    "Not a {} problem: {}. Handing over to {}.",
                    first.team, self.pattern.signal, self.domain.team
                )
            };
            self.comment(at, Who::Specialist, false, note);
            let at = self.soon(30, 600);
            let reason = if first.name == "triage" {
                format!(
                    "triage: {} points to {}",
                    self.pattern.signal, self.domain.team
                )
            } else {
                format!(
                    "{} points to {}, not {}; the component was only where it showed up",
                    self.pattern.signal, self.domain.team, first.team
                )
            };
            self.emit(
                at,
                "domain_reassigned",
                Who::Specialist,
                json!({"from_domain": first.name, "to_domain": self.domain.name, "reason": reason}),
            );
            // The new owner fixes the component when the customer got it wrong.
            if !self.pattern.components.is_empty() && self.rng.chance(0.6) {
                self.component = (*self.rng.pick(self.pattern.components)).to_owned();
            }
            let pickup = self.pickup_delay();
            let at = self.desk_after(pickup);
            self.accept(at, self.domain);
        }
        if self.rng.chance(0.1) && self.send_back() {
            return;
        }
        self.specialist_work();
    }

    fn pickup_delay(&mut self) -> i64 {
        let thr = catalog::pickup_threshold_ms(self.tier) as f64;
        if self.rng.chance(0.06) {
            // Sometimes nobody picks it up in time (the policy's L2 -> L3 rule).
            (thr * self.rng.uniform(1.1, 2.0)) as i64
        } else {
            self.rng.long_tail(thr * 0.3, 0.7, thr * 0.05, thr * 0.95) as i64
        }
    }

    fn accept(&mut self, at: i64, domain: &'static Domain) {
        let person = match self.specialist {
            Some((d, p)) if d.name == domain.name => p,
            _ => &domain.roster[self.rng.index(domain.roster.len())],
        };
        self.specialist = Some((domain, person));
        self.status = "open";
        self.emit(
            at,
            "specialist_accepted",
            Who::Specialist,
            json!({"domain": domain.name, "queue": domain.queue, "specialist_id": person.id, "tier": "l2"}),
        );
    }

    /// Sent back to L1; returns true when L1 then resolved it.
    fn send_back(&mut self) -> bool {
        let at = {
            let d = self.rng.range(20 * MIN, 3 * HOUR);
            self.desk_after(d)
        };
        let choices: Vec<&text::SendBack> = text::SEND_BACKS
            .iter()
            .filter(|s| !s.l1_can_solve || self.pattern.kb.is_some())
            .collect();
        let sb = *choices[self.rng.index(choices.len())];
        let reason = self.fill(sb.reason);
        self.emit(
            at,
            "sent_back_to_l1",
            Who::Specialist,
            json!({"reason": reason}),
        );
        // A new L1 stint: the clock starts again.
        self.used = 0;
        self.clock_at = self.last;
        self.budget = self.threshold * 3 / 4;
        let at = self.l1_delay(0.05, 0.2);
        let body = format!(
            "Hi {},\n\n{}\n\n{}",
            self.vars.get("contact_first"),
            sb.request,
            self.vars.get("agent_first")
        );
        self.comment(at, Who::Agent, true, body);
        let at = self.soon(10, 90);
        self.set_status(at, Who::Agent, "pending");
        let at = self.customer_after(4 * HOUR, 10 * MIN, 2 * DAY);
        let body = format!(
            "Hi {},\n\n{}",
            self.vars.get("agent_first"),
            self.fill(sb.answer)
        );
        let (_, cid) = self.reply(at, body);
        if sb.log {
            let at = self.soon(1, 30);
            let excerpt = self.fill(self.heavy.text);
            let file = self.log_file();
            self.attach(at, &cid, file, "text/plain", excerpt);
        }
        let at = self.soon(10, 90);
        self.set_status(at, Who::System, "open");
        let config_question = sb.l1_can_solve;
        if config_question && self.rng.chance(0.7) {
            let answer = self.fill(self.pattern.l1_answer);
            let at = self.l1_delay(0.05, 0.2);
            let body = format!(
                "Hi {},\n\n{}\n\nBest regards,\n{}",
                self.vars.get("contact_first"),
                answer,
                self.vars.get("agent_first")
            );
            self.comment(at, Who::Agent, true, body);
            let at = self.soon(20, 300);
            let cat = match self.pattern.l2_category {
                c @ ("how_to" | "configuration" | "user_error" | "known_issue") => c,
                _ => "configuration",
            };
            self.resolve(at, Who::Agent, cat, cat, answer, true);
            self.after_resolution(false);
            return true;
        }
        let at = self.l1_delay(0.05, 0.2);
        let note = if sb.log {
            self.fill("Collected what the specialist asked for (full log attached, details in the customer's reply). Re-escalating.")
        } else {
            self.fill("Customer approved the change. Re-escalating.")
        };
        self.comment(at, Who::Agent, false, note);
        // The evidence is unchanged: complexity escalates again at once.
        let escalate_at = self.last + self.rng.range(SEC, 30 * SEC);
        let pickup = self.pickup_delay();
        let at = self.desk.add_business(escalate_at, pickup);
        let domain = self.domain;
        self.accept(at, domain);
        false
    }

    fn specialist_work(&mut self) {
        let p = self.pattern;
        if self.rng.chance(0.7) {
            let at = {
                let d = self.rng.range(5 * MIN, 60 * MIN);
                self.desk_after(d)
            };
            let (team, name) = match self.specialist {
                Some((d, s)) => (d.team, s.name),
                None => (self.domain.team, ""),
            };
            let body = format!(
                "Hi {},\n\nI'm {} from the {} team and have taken over your ticket. I'm going through the logs you sent and will update you today.",
                self.vars.get("contact_first"),
                name.split(' ').next().unwrap_or(name),
                team
            );
            self.comment(at, Who::Specialist, true, body);
        }
        let at = {
            let d = self.rng.range(10 * MIN, 3 * HOUR);
            self.desk_after(d)
        };
        let analysis = self.fill(p.analysis);
        self.comment(at, Who::Specialist, false, analysis);
        if self.rng.chance(0.3) {
            let at = self.soon(60, 1200);
            let ask = self.fill("Hi {{contact_first}},\n\ncould you run the failing operation once more with debug logging on (Settings > Diagnostics > Debug, for one hour) and tell me the exact time?");
            self.comment(at, Who::Specialist, true, ask);
            let at = self.soon(10, 90);
            self.set_status(at, Who::Specialist, "pending");
            let at = self.customer_after(5 * HOUR, 15 * MIN, 2 * DAY);
            let s = (at - self.rng.range(10 * MIN, 50 * MIN)).rem_euclid(DAY) / SEC;
            self.vars
                .set("now", format!("{:02}:{:02}", s / 3600, s / 60 % 60));
            let body = self.fill("Done, it failed again at {{now}} UTC with debug logging on.");
            self.reply(at, body);
            let at = self.soon(10, 90);
            self.set_status(at, Who::System, "open");
        }
        if self.rng.chance(0.12) {
            let at = self.soon(120, 3600);
            let to = if self.priority >= Priority::High && self.rng.chance(0.6) {
                self.priority.down()
            } else {
                self.priority.up()
            };
            self.set_priority(at, Who::Specialist, to);
        }
        // Outcome.
        let (category, code) = match self.rng.weighted(&[0.05, 0.04, 0.03, 0.88]) {
            0 => ("duplicate", "duplicate"),
            1 => ("no_fault_found", "cannot_reproduce"),
            2 => ("other", "other"),
            _ => {
                if p.l2_category == "bug_fix" && self.rng.chance(0.08) {
                    ("workaround", "workaround")
                } else {
                    (p.l2_category, p.l2_category)
                }
            }
        };
        let day = self.desk.business_day_ms();
        let work = if category == "bug_fix" {
            if self.rng.chance(0.5) {
                let at = self.soon(300, 3600);
                self.set_status(at, Who::Specialist, "on_hold");
                if self.rng.chance(0.4) {
                    let at = self.customer_after(DAY, 2 * HOUR, 3 * DAY);
                    let bump = (*self.rng.pick(text::CUSTOMER_BUMP)).to_owned();
                    self.reply(at, bump);
                }
                let d = (day as f64 * self.rng.uniform(0.5, 3.0)) as i64;
                let at = self.desk_after(d);
                let note = self.fill("Fix is merged and scheduled for {{fix_version}}; deploying to the customer's region.");
                self.comment(at, Who::Specialist, false, note);
                let at = self.soon(60, 600);
                self.set_status(at, Who::Specialist, "open");
                self.rng.range(HOUR, 6 * HOUR)
            } else {
                (day as f64 * self.rng.uniform(0.3, 2.5)) as i64
            }
        } else {
            self.rng.long_tail(
                2.0 * HOUR as f64,
                0.8,
                20.0 * MIN as f64,
                12.0 * HOUR as f64,
            ) as i64
        };
        let at = self.desk_after(work);
        self.vars.set("fix_date", time::date(at));
        let notes = match category {
            "duplicate" => self.fill("Duplicate of a problem already tracked for this customer; all updates continue in the other ticket."),
            "no_fault_found" => self.fill("Could not reproduce with debug logging on; the customer's last runs succeeded. Monitoring advice given."),
            "other" => self.fill("Customer withdrew the request after an internal change on their side."),
            _ => self.fill(p.notes),
        };
        let body = format!(
            "Hi {},\n\nhere is the summary of what we found and did:\n\n{}\n\nI'm marking the ticket as solved; reply here if anything is still open.",
            self.vars.get("contact_first"),
            notes
        );
        self.comment(at, Who::Specialist, true, body);
        let at = self.soon(20, 240);
        let with_kb = category == p.l2_category && self.rng.chance(0.85);
        self.resolve(at, Who::Specialist, category, code, notes, with_kb);
        self.after_resolution(true);
    }

    /// After a reopen of a specialist's case: the specialist takes it again.
    fn specialist_follow_up(&mut self) {
        let domain = self.domain;
        let pickup = self.pickup_delay();
        let at = self.desk_after(pickup);
        self.accept(at, domain);
        let at = {
            let d = self.rng.range(30 * MIN, 4 * HOUR);
            self.desk_after(d)
        };
        let note = self.fill("Re-checked after the reopen: the fix was not applied to all nodes. Applied it everywhere and verified.");
        self.comment(at, Who::Specialist, true, note.clone());
        let at = self.soon(20, 240);
        let (cat, code) = if self.pattern.l2_category == "bug_fix" {
            ("bug_fix", "bug_fix")
        } else {
            ("workaround", "workaround")
        };
        self.resolve(at, Who::Specialist, cat, code, note, false);
    }
}
