//! Ticket text: template filling, per-ticket values (ids, numbers, log
//! timestamps, versions), planted personal data and secrets (always fake:
//! reserved `example` domains, fictional phone ranges, AWS documentation
//! style keys, payment test cards), and the phrases of customers, L1 agents
//! and specialists.

use std::collections::BTreeMap;

use crate::catalog::{self, Customer};
use crate::patterns::Pattern;
use crate::rng::Rng;
use crate::time::{self, MIN, SEC, UTC, Zone};

/// Values for `{{name}}` placeholders.
#[derive(Debug, Clone, Default)]
pub struct Vars(BTreeMap<&'static str, String>);

impl Vars {
    pub fn set(&mut self, k: &'static str, v: impl Into<String>) {
        self.0.insert(k, v.into());
    }

    pub fn get(&self, k: &str) -> &str {
        self.0.get(k).map_or("", String::as_str)
    }

    /// Replaces every `{{name}}` with its value; unknown names stay as they are.
    pub fn fill(&self, template: &str) -> String {
        let mut out = String::with_capacity(template.len() + 64);
        let mut rest = template;
        while let Some(start) = rest.find("{{") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            match after.find("}}") {
                Some(end) => {
                    let key = &after[..end];
                    match self.0.get(key) {
                        Some(v) => out.push_str(v),
                        None => {
                            out.push_str("{{");
                            out.push_str(key);
                            out.push_str("}}");
                        }
                    }
                    rest = &after[end + 2..];
                }
                None => {
                    out.push_str(&rest[start..]);
                    rest = "";
                }
            }
        }
        out.push_str(rest);
        out
    }
}

/// ASCII, lower case: for mail addresses.
pub fn ascii_lower(s: &str) -> String {
    s.chars()
        .filter_map(|c| {
            let c = match c {
                'á' | 'à' | 'â' | 'ä' | 'ã' => 'a',
                'é' | 'è' | 'ê' | 'ë' => 'e',
                'í' | 'ì' | 'î' | 'ï' => 'i',
                'ó' | 'ò' | 'ô' | 'ö' | 'õ' => 'o',
                'ú' | 'ù' | 'û' | 'ü' => 'u',
                'ç' => 'c',
                'ñ' => 'n',
                c => c,
            };
            c.is_ascii_alphanumeric().then(|| c.to_ascii_lowercase())
        })
        .collect()
}

fn slug(title: &str) -> String {
    let mut s = String::new();
    for w in title.split(|c: char| !c.is_ascii_alphanumeric()) {
        if w.is_empty() {
            continue;
        }
        if !s.is_empty() {
            s.push('-');
        }
        s.push_str(&w.to_ascii_lowercase());
    }
    s
}

pub fn kb_url(id: &str, title: &str) -> String {
    let n = id.trim_start_matches("KB-");
    format!("https://kb.northwind.example/articles/{n}-{}", slug(title))
}

fn thousands(n: i64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `30/Nov/2026:09:02:11 +0000`, the access-log time.
fn clf(ms: i64) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let (y, m, d) = time::civil_from_days(ms.div_euclid(time::DAY));
    let s = ms.rem_euclid(time::DAY) / SEC;
    format!(
        "{d:02}/{}/{y}:{:02}:{:02}:{:02} +0000",
        MONTHS[(m as usize).saturating_sub(1) % 12],
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

fn country(zone: &Zone) -> &'static str {
    match zone.name {
        "Europe/Berlin" => "DE",
        "Europe/Paris" => "FR",
        "Europe/Amsterdam" => "NL",
        "Europe/Madrid" => "ES",
        "Europe/Rome" => "IT",
        "Europe/Vienna" => "AT",
        "Europe/Zurich" => "CH",
        "Europe/Stockholm" => "SE",
        "Europe/Oslo" => "NO",
        "Europe/Warsaw" => "PL",
        "Europe/Helsinki" => "FI",
        "Europe/Tallinn" => "EE",
        "Europe/Athens" => "GR",
        "Europe/London" => "GB",
        "Europe/Dublin" => "IE",
        "Europe/Lisbon" => "PT",
        "Asia/Tokyo" => "JP",
        "Asia/Singapore" => "SG",
        _ => "US",
    }
}

fn region(zone: &Zone) -> &'static str {
    match zone.name {
        "America/New_York" | "America/Chicago" => "us-east-1",
        "America/Los_Angeles" => "us-west-2",
        "Asia/Tokyo" => "ap-northeast-1",
        "Asia/Singapore" => "ap-southeast-1",
        "Europe/London" | "Europe/Dublin" => "eu-west-1",
        _ => "eu-central-1",
    }
}

const OSES: &[&str] = &[
    "Windows 11 23H2",
    "Windows 10 22H2",
    "macOS 14.4",
    "macOS 13.6",
    "Ubuntu 22.04",
    "RHEL 9.3",
];
const BROWSERS: &[&str] = &[
    "Chrome 131",
    "Chrome 130",
    "Edge 131",
    "Firefox 133",
    "Safari 17.1",
];

/// Everything a ticket's templates may use.
#[allow(clippy::too_many_arguments)]
pub fn ticket_vars(
    rng: &mut Rng,
    customer: &Customer,
    customer_index: usize,
    pattern: &Pattern,
    product: &str,
    created_ms: i64,
    agent_name: &str,
) -> Vars {
    let mut v = Vars::default();
    let contacts = catalog::contacts(customer_index);
    let (first, last) = contacts[rng.index(2)];
    let mail = format!("{}.example.com", customer.mail);
    v.set("customer", customer.name);
    v.set("mail", customer.mail);
    v.set("contact", format!("{first} {last}"));
    v.set("contact_first", first);
    v.set(
        "email",
        format!("{}.{}@{mail}", ascii_lower(first), ascii_lower(last)),
    );
    v.set(
        "phone",
        catalog::phone(&customer.zone, rng.below(10_000) as u32),
    );
    let (of, ol) = (
        *rng.pick(&[
            "anna", "ben", "carla", "david", "eva", "felix", "gina", "henrik",
        ]),
        *rng.pick(&[
            "meyer", "smith", "rossi", "jansen", "nowak", "garcia", "berg",
        ]),
    );
    v.set("user_email", format!("{of}.{ol}@{mail}"));
    v.set("tenant", format!("t-{}", rng.range(10_000, 99_999)));
    v.set(
        "agent_first",
        agent_name.split(' ').next().unwrap_or(agent_name),
    );

    let versions = catalog::versions(product);
    let vi = versions
        .len()
        .saturating_sub(1 + rng.index(2.min(versions.len())));
    let version = versions[vi];
    v.set("product", product);
    v.set("version", version);
    v.set("prev_version", versions[vi.saturating_sub(1)]);
    v.set("fix_version", next_patch(version));

    // The incident happened shortly before the ticket.
    let incident = created_ms - rng.range(3 * MIN, 5 * 60 * MIN);
    let mut t = incident;
    let zone = if rng.chance(0.7) { UTC } else { customer.zone };
    for key in ["ts0", "ts1", "ts2", "ts3"] {
        v.set(key, time::log_stamp(&zone, t + rng.range(0, 999)));
        t += rng.range(SEC, 90 * SEC);
    }
    v.set("iso0", time::rfc3339(incident));
    v.set("clf", clf(incident + 2 * SEC));
    v.set("date", time::date(incident));
    v.set("fix_date", time::date(created_ms + 2 * time::DAY));
    let s = incident.rem_euclid(time::DAY) / SEC;
    v.set("time", format!("{:02}:{:02}", s / 3600, s / 60 % 60));
    v.set("n1", rng.range(1_000, 65_000).to_string());
    v.set("n2", rng.range(1_000, 65_000).to_string());
    v.set("n3", rng.range(10_000_000, 99_999_999).to_string());
    v.set("n4", rng.range(2, 12).to_string());
    v.set("n5", rng.range(3, 40).to_string());
    v.set("n6", rng.range(30, 39).to_string());
    v.set("n7", rng.range(0, 23).to_string());
    v.set("n8", rng.range(2, 6).to_string());
    v.set("line1", rng.range(40, 900).to_string());
    v.set("line2", rng.range(40, 900).to_string());
    v.set("rows", thousands(rng.range(8_000, 900_000)));
    v.set("job", format!("job-{}", rng.range(100_000, 999_999)));
    v.set(
        "req",
        format!(
            "{}-{}-{}-{}-{}",
            rng.hex(8),
            rng.hex(4),
            rng.hex(4),
            rng.hex(4),
            rng.hex(12)
        ),
    );
    v.set("id8", rng.hex(8));
    v.set("order", rng.range(1_000_000, 9_999_999).to_string());
    v.set("invoice", format!("INV-2026-{:05}", rng.range(1, 99_999)));
    let cents = rng.range(20, 960) * 500;
    let amount = format!("{}.{:02}", thousands(cents / 100), cents % 100);
    v.set(
        "amount",
        if customer.zone.name.starts_with("America") {
            format!("USD {amount}")
        } else {
            format!("EUR {amount}")
        },
    );
    v.set("last4", format!("{:04}", rng.range(0, 9999)));
    v.set("country", country(&customer.zone));
    v.set("region", region(&customer.zone));
    v.set(
        "ip",
        format!(
            "{}.{}",
            rng.pick(&["203.0.113", "198.51.100", "192.0.2"]),
            rng.range(2, 250)
        ),
    );
    v.set("os", *rng.pick(OSES));
    v.set("browser", *rng.pick(BROWSERS));
    match pattern.kb {
        Some((id, title)) => {
            v.set("kb", id);
            v.set("kb_url", kb_url(id, title));
        }
        None => {
            v.set("kb", "the product documentation");
            v.set("kb_url", "https://docs.northwind.example");
        }
    }
    v
}

/// `4.18.2` -> `4.18.3`; `2026.11` -> `2026.11.1`.
pub fn next_patch(version: &str) -> String {
    let parts: Vec<&str> = version.split('.').collect();
    if parts.len() == 3 {
        if let Ok(p) = parts[2].parse::<u32>() {
            return format!("{}.{}.{}", parts[0], parts[1], p + 1);
        }
    }
    format!("{version}.1")
}

const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const UPPER_DIGITS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// A fake secret or personal datum the way customers paste them, fitting the
/// domain. Redaction must catch every one of them.
pub fn secret_snippet(rng: &mut Rng, domain: &str, v: &Vars) -> String {
    let pw = format!("hunter2-{}", rng.hex(6));
    let jwt = format!(
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ{}.{}",
        rng.chars(B64, 24),
        rng.chars(B64, 43)
    );
    match domain {
        "database" => format!(
            "Connection string from our config: postgresql://svc_import:{pw}@db-prod.{}.example.com:5432/northwind",
            v.get("mail")
        ),
        "networking" => format!(
            "Test call: curl -s -H \"Authorization: Bearer {}\" https://api.eu-central.northwind.example/v2/ping",
            rng.chars(B64, 40)
        ),
        "identity" => format!("Token from the browser session: {jwt}"),
        "platform" => format!(
            "Environment of the pod:\nAWS_ACCESS_KEY_ID=AKIA{}EXAMPLE\nAWS_SECRET_ACCESS_KEY={}EXAMPLEKEY\nAWS_REGION={}",
            rng.chars(UPPER_DIGITS, 9),
            rng.chars(B64, 30),
            v.get("region")
        ),
        "billing" => format!(
            "The card we use is {} (exp 12/28), please check it.",
            rng.pick(&[
                "4111 1111 1111 1111",
                "5555 5555 5555 4444",
                "4012 8888 8888 1881"
            ])
        ),
        "frontend" => format!("localStorage.auth = \"{jwt}\""),
        _ => format!(
            "Our loader uses snowflake://etl_user:{pw}@{}.eu-central-1/ANALYTICS?warehouse=ETL_WH",
            v.get("mail")
        ),
    }
}

pub fn signature(v: &Vars, with_phone: bool) -> String {
    if with_phone {
        v.fill("\n\nBest regards,\n{{contact}}\n{{customer}}\nPhone: {{phone}}\n{{email}}")
    } else {
        v.fill("\n\nThanks,\n{{contact}}")
    }
}

pub fn greeting(rng: &mut Rng) -> &'static str {
    rng.one(&[
        "Hello,\n\n",
        "Hi support team,\n\n",
        "Good morning,\n\n",
        "Dear Northwind support,\n\n",
        "",
    ])
}

pub fn environment(rng: &mut Rng, domain: &str, v: &Vars) -> String {
    let hosting = if rng.chance(0.6) {
        v.fill("SaaS, region {{region}}")
    } else {
        "self-hosted".to_owned()
    };
    let t = match domain {
        "frontend" | "identity" => {
            "Environment: {{product}} {{version}} ({{hosting}}), {{os}}, {{browser}}."
        }
        "platform" => {
            "Environment: {{product}} {{version}} ({{hosting}}), Kubernetes 1.29, Helm chart {{version}}."
        }
        _ => "Environment: {{product}} {{version}} ({{hosting}}), {{os}}.",
    };
    v.fill(t).replace("{{hosting}}", &hosting)
}

pub const CUSTOMER_THANKS: &[&str] = &[
    "Thank you, that solved it.",
    "Confirmed, it works again. Thanks for the quick help!",
    "Perfect, thanks a lot.",
    "Works now, you can close the ticket.",
];

pub const CUSTOMER_REOPEN: &[&str] = &[
    "Unfortunately the problem is back since this morning, same symptoms as before.",
    "It happened again tonight. Can you please have another look?",
    "Sorry, this is not fixed for us: two colleagues still see the same problem.",
];

pub const CUSTOMER_STILL: &[&str] = &[
    "It still happens for all of us.",
    "We tried again this morning, same result.",
    "It happens several times a day now.",
    "No change on our side, it still fails.",
];

pub const CUSTOMER_BUMP: &[&str] = &[
    "Any news on this? Our team is blocked.",
    "Could you please give us an update?",
    "Is there anything else you need from us?",
];

/// Why a specialist sends a case back to L1, what L1 then asks the
/// customer, and what the customer answers.
#[derive(Debug, Clone, Copy)]
pub struct SendBack {
    pub reason: &'static str,
    pub request: &'static str,
    pub answer: &'static str,
    /// The customer attaches the full log.
    pub log: bool,
    /// L1 can close it with the knowledge-base answer.
    pub l1_can_solve: bool,
}

pub const SEND_BACKS: &[SendBack] = &[
    SendBack {
        reason: "Missing information: please collect the full log of a failing run with UTC timestamps and the exact version; the packet only has a screenshot.",
        request: "our specialists need a bit more information: could you send the full log of a failing run with the exact times (UTC) and the version you run?",
        answer: "Attached is the full log of this morning's run. We run {{version}}.",
        log: true,
        l1_can_solve: false,
    },
    SendBack {
        reason: "This is a configuration question answered in {{kb}}; L1 can guide the customer through it.",
        request: "our specialists had a look: this can be solved with a settings change. Could you confirm you have admin access so I can walk you through it?",
        answer: "Yes, I'm an admin. Tell me what to change.",
        log: false,
        l1_can_solve: true,
    },
    SendBack {
        reason: "Need the customer's approval for a change in their tenant before we can act; please get it and re-escalate.",
        request: "to fix this our specialists need to change a setting in your tenant. Could you confirm that we may do that, and whether a time window suits you best?",
        answer: "Approved, you can make the change any time today.",
        log: false,
        l1_can_solve: false,
    },
    SendBack {
        reason: "Cannot reproduce with the information given: please get reproduction steps and the affected user ids.",
        request: "our specialists could not reproduce this yet. Could you describe step by step what you do before it fails, and which users are affected?",
        answer: "Steps to reproduce:\n1. Log in as {{user_email}}\n2. Open the page and start the job\n3. Wait about a minute\nExpected: the job finishes\nActual: it fails. The log is attached.",
        log: true,
        l1_can_solve: false,
    },
];
