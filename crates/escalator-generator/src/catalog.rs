//! The fixed world the tickets happen in: customers (stable across seeds),
//! support desks, specialist rosters and technology domains. Domains,
//! queues, components, tags and roster sizes mirror `deploy/routing.toml`;
//! tiers, calendars and thresholds mirror `deploy/policy.toml`.

use crate::time::{Desk, Dst, HOUR, MIN, Zone};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Tier {
    Standard,
    Business,
    Enterprise,
    Strategic,
}

impl Tier {
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Standard => "standard",
            Tier::Business => "business",
            Tier::Enterprise => "enterprise",
            Tier::Strategic => "strategic",
        }
    }

    /// `calendar_by_tier` of the policy.
    pub fn desk(self) -> Desk {
        match self {
            Tier::Standard | Tier::Business => Desk::Emea,
            Tier::Enterprise | Tier::Strategic => Desk::AlwaysOpen,
        }
    }

    /// Relative ticket volume of one customer of this tier.
    fn volume(self) -> f64 {
        match self {
            Tier::Standard => 1.2,
            Tier::Business => 1.5,
            Tier::Enterprise => 2.2,
            Tier::Strategic => 2.2,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Priority {
    Low,
    Normal,
    High,
    Urgent,
}

impl Priority {
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Low => "low",
            Priority::Normal => "normal",
            Priority::High => "high",
            Priority::Urgent => "urgent",
        }
    }

    pub fn up(self) -> Priority {
        match self {
            Priority::Low => Priority::Normal,
            Priority::Normal => Priority::High,
            _ => Priority::Urgent,
        }
    }

    pub fn down(self) -> Priority {
        match self {
            Priority::Urgent => Priority::High,
            Priority::High => Priority::Normal,
            _ => Priority::Low,
        }
    }
}

/// The policy's `time_in_queue` threshold for a tier and priority, in
/// business milliseconds of the tier's desk calendar.
pub fn threshold_ms(tier: Tier, priority: Priority) -> i64 {
    let day = tier.desk().business_day_ms();
    match (tier, priority) {
        (Tier::Strategic, Priority::Urgent) => 15 * MIN,
        (Tier::Strategic, Priority::High) => 30 * MIN,
        (Tier::Strategic, Priority::Low) => 4 * HOUR,
        (Tier::Strategic, Priority::Normal) => HOUR,
        (Tier::Enterprise, Priority::Urgent) => 30 * MIN,
        (Tier::Enterprise, Priority::High) => 2 * HOUR,
        (Tier::Enterprise, _) => 8 * HOUR,
        (Tier::Business, Priority::Urgent) => 45 * MIN,
        (Tier::Business, Priority::High) => 3 * HOUR,
        (Tier::Business, Priority::Low) => 2 * day,
        (Tier::Business, Priority::Normal) => 6 * HOUR,
        (_, Priority::Urgent) => HOUR,
        (_, Priority::High) => 4 * HOUR,
        (_, Priority::Low) => 3 * day,
        (_, Priority::Normal) => day,
    }
}

/// The policy's `reescalation.pickup` threshold (L2 pickup time).
pub fn pickup_threshold_ms(tier: Tier) -> i64 {
    match tier {
        Tier::Strategic => 30 * MIN,
        Tier::Enterprise => HOUR,
        Tier::Business => 2 * HOUR,
        _ => 4 * HOUR,
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Person {
    pub id: &'static str,
    pub name: &'static str,
}

const fn p(id: &'static str, name: &'static str) -> Person {
    Person { id, name }
}

#[derive(Debug, Clone, Copy)]
pub struct Customer {
    pub id: &'static str,
    pub name: &'static str,
    pub tier: Tier,
    pub zone: Zone,
    /// Mail domain of the customer's staff (always under example.com).
    pub mail: &'static str,
}

const fn c(id: &'static str, name: &'static str, tier: Tier, zone: Zone) -> Customer {
    Customer {
        id,
        name,
        tier,
        zone,
        mail: id,
    }
}

pub const NEW_YORK: Zone = Zone::new("America/New_York", -300, Dst::Us);
pub const CHICAGO: Zone = Zone::new("America/Chicago", -360, Dst::Us);
pub const LOS_ANGELES: Zone = Zone::new("America/Los_Angeles", -480, Dst::Us);
pub const TOKYO: Zone = Zone::new("Asia/Tokyo", 540, Dst::None);
pub const SINGAPORE: Zone = Zone::new("Asia/Singapore", 480, Dst::None);
pub const LONDON: Zone = Zone::new("Europe/London", 0, Dst::Eu);
pub const DUBLIN: Zone = Zone::new("Europe/Dublin", 0, Dst::Eu);
pub const LISBON: Zone = Zone::new("Europe/Lisbon", 0, Dst::Eu);
pub const BERLIN: Zone = crate::time::BERLIN;
pub const PARIS: Zone = Zone::new("Europe/Paris", 60, Dst::Eu);
pub const AMSTERDAM: Zone = Zone::new("Europe/Amsterdam", 60, Dst::Eu);
pub const MADRID: Zone = Zone::new("Europe/Madrid", 60, Dst::Eu);
pub const ROME: Zone = Zone::new("Europe/Rome", 60, Dst::Eu);
pub const VIENNA: Zone = Zone::new("Europe/Vienna", 60, Dst::Eu);
pub const ZURICH: Zone = Zone::new("Europe/Zurich", 60, Dst::Eu);
pub const STOCKHOLM: Zone = Zone::new("Europe/Stockholm", 60, Dst::Eu);
pub const OSLO: Zone = Zone::new("Europe/Oslo", 60, Dst::Eu);
pub const WARSAW: Zone = Zone::new("Europe/Warsaw", 60, Dst::Eu);
pub const HELSINKI: Zone = Zone::new("Europe/Helsinki", 120, Dst::Eu);
pub const TALLINN: Zone = Zone::new("Europe/Tallinn", 120, Dst::Eu);
pub const ATHENS: Zone = Zone::new("Europe/Athens", 120, Dst::Eu);

use Tier::{Business as B, Enterprise as E, Standard as S, Strategic as X};

/// Standard and business customers are in EMEA (their desk is the EMEA
/// business calendar); enterprise and strategic ones anywhere (24x7).
pub const CUSTOMERS: &[Customer] = &[
    c("globex", "Globex Corporation", X, NEW_YORK),
    c("initech-bank", "Initech Bank", X, LONDON),
    c("umbrella-health", "Umbrella Health", X, BERLIN),
    c("acme", "Acme Logistics", E, BERLIN),
    c("wayne-freight", "Wayne Freight", E, CHICAGO),
    c("tyrell-bio", "Tyrell Biotech", E, LOS_ANGELES),
    c("soylent", "Soylent Foods", E, PARIS),
    c("nakatomi", "Nakatomi Trading", E, TOKYO),
    c("cyberdyne", "Cyberdyne Robotics", E, SINGAPORE),
    c("oceanic-air", "Oceanic Air", E, AMSTERDAM),
    c("vandelay", "Vandelay Industries", B, LONDON),
    c("wonka", "Wonka Confections", B, ZURICH),
    c("blue-harbor", "Blue Harbor Shipping", B, STOCKHOLM),
    c("kestrel-energy", "Kestrel Energy", B, MADRID),
    c("northlight", "Northlight Media", B, AMSTERDAM),
    c("pinecone-health", "Pinecone Health", B, BERLIN),
    c("meridian-ins", "Meridian Insurance", B, DUBLIN),
    c("helix-labs", "Helix Labs", B, VIENNA),
    c("orbital-retail", "Orbital Retail", B, WARSAW),
    c("quarry-stone", "Quarry & Stone", B, HELSINKI),
    c("boulangerie-lune", "Boulangerie Lune", S, PARIS),
    c("fjord-design", "Fjord Design", S, OSLO),
    c("tallinn-apps", "Tallinn Apps", S, TALLINN),
    c("brightpath", "Brightpath Tutoring", S, LONDON),
    c("castello-wines", "Castello Wines", S, ROME),
    c("alpenbikes", "Alpenbikes", S, VIENNA),
    c("greenleaf", "Greenleaf Gardens", S, DUBLIN),
    c("mosaic-studio", "Mosaic Studio", S, LISBON),
    c("nordwind-reisen", "Nordwind Reisen", S, BERLIN),
    c("polder-logistics", "Polder Logistics", S, AMSTERDAM),
    c("sunbeam-solar", "Sunbeam Solar", S, MADRID),
    c("tundra-outdoor", "Tundra Outdoor", S, STOCKHOLM),
    c("vistula-books", "Vistula Books", S, WARSAW),
    c("zephyr-fitness", "Zephyr Fitness", S, LONDON),
    c("atlas-dental", "Atlas Dental", S, ATHENS),
    c("copperfield-legal", "Copperfield Legal", S, LONDON),
];

pub fn customer_weights() -> Vec<f64> {
    CUSTOMERS.iter().map(|c| c.tier.volume()).collect()
}

const FIRST: &[&str] = &[
    "Jane", "Omar", "Lena", "Marta", "Tobias", "Aiko", "Carlos", "Ingrid", "Pavel", "Chiara",
    "Samir", "Greta", "Hugo", "Naomi", "Rui", "Elif", "Mateo", "Saoirse", "Viktor", "Amélie",
];
const LAST: &[&str] = &[
    "Doe", "Haddad", "Vogel", "Nilsen", "Brandt", "Mori", "Ruiz", "Lund", "Novak", "Ricci", "Khan",
    "Berg", "Lefèvre", "Adler", "Costa", "Demir", "Silva", "Byrne", "Kral", "Moreau",
];

/// The customer's contacts (stable): (first name, last name).
pub fn contacts(customer_index: usize) -> [(&'static str, &'static str); 2] {
    let i = customer_index;
    [
        (FIRST[(i * 7) % FIRST.len()], LAST[(i * 3) % LAST.len()]),
        (
            FIRST[(i * 7 + 11) % FIRST.len()],
            LAST[(i * 3 + 7) % LAST.len()],
        ),
    ]
}

/// Phone number in a range reserved for fiction where one exists.
pub fn phone(zone: &Zone, n: u32) -> String {
    match zone.name {
        "America/New_York" | "America/Chicago" | "America/Los_Angeles" => {
            format!("+1 202-555-{:04}", 100 + n % 100)
        }
        "Europe/London" => format!("+44 20 7946 {:04}", n % 1000),
        "Asia/Tokyo" => format!("+81 3 5550 {:04}", n % 10_000),
        "Asia/Singapore" => format!("+65 5550 {:04}", n % 10_000),
        _ => format!("+49 30 5550 {:04}", n % 10_000),
    }
}

/// L1 desk following the EMEA business calendar.
pub const L1_EMEA: &[Person] = &[
    p("agent-12", "Dana Ortiz"),
    p("agent-03", "Lukas Schmitt"),
    p("agent-05", "Emma Dubois"),
    p("agent-07", "Jan Kowalski"),
    p("agent-09", "Sara Conti"),
    p("agent-14", "Mehmet Yilmaz"),
    p("agent-16", "Freya Hansen"),
    p("agent-18", "Nora Fischer"),
];

/// Follow-the-sun L1 desk for enterprise and strategic plans (24x7).
pub const L1_24X7: &[Person] = &[
    p("agent-21", "Alex Morgan"),
    p("agent-23", "Priyanka Shah"),
    p("agent-25", "Ben Carter"),
    p("agent-27", "Haruto Ito"),
    p("agent-29", "Lucía Gómez"),
    p("agent-31", "Kwame Mensah"),
];

pub const SYSTEM: Person = p("automation", "Support automation");

#[derive(Debug, Clone, Copy)]
pub struct Domain {
    pub name: &'static str,
    pub queue: &'static str,
    /// Human name used in text ("the database team").
    pub team: &'static str,
    pub components: &'static [&'static str],
    pub tags: &'static [&'static str],
    pub roster: &'static [Person],
}

pub const DOMAINS: &[Domain] = &[
    Domain {
        name: "database",
        queue: "l2-database",
        team: "database",
        components: &["db", "database", "postgres", "mysql", "storage-engine"],
        tags: &["database", "db", "sql", "postgres", "mysql", "oracle"],
        roster: &[
            p("eng-priya", "Priya Raman"),
            p("eng-tomasz", "Tomasz Nowak"),
            p("eng-ines", "Inês Carvalho"),
            p("eng-olu", "Olusegun Adeyemi"),
        ],
    },
    Domain {
        name: "networking",
        queue: "l2-networking",
        team: "networking",
        components: &[
            "network",
            "vpn",
            "dns",
            "load-balancer",
            "cdn",
            "api-gateway",
        ],
        tags: &["network", "networking", "vpn", "dns", "latency", "tls"],
        roster: &[
            p("eng-lars", "Lars Eriksson"),
            p("eng-fatima", "Fatima Benali"),
            p("eng-diego", "Diego Fernández"),
        ],
    },
    Domain {
        name: "identity",
        queue: "l2-identity",
        team: "identity",
        components: &[
            "sso",
            "auth",
            "login",
            "identity",
            "iam",
            "permissions",
            "scim",
        ],
        tags: &[
            "sso",
            "saml",
            "oidc",
            "mfa",
            "login",
            "auth",
            "permissions",
            "2fa",
        ],
        roster: &[
            p("eng-kenji", "Kenji Sato"),
            p("eng-mira", "Mira Horvat"),
            p("eng-sanjay", "Sanjay Iyer"),
        ],
    },
    Domain {
        name: "platform",
        queue: "l2-platform",
        team: "platform",
        components: &[
            "infrastructure",
            "kubernetes",
            "k8s",
            "compute",
            "deploy",
            "hosting",
            "storage",
        ],
        tags: &[
            "platform",
            "infra",
            "kubernetes",
            "k8s",
            "outage",
            "deploy",
            "disk",
        ],
        roster: &[
            p("eng-hannah", "Hannah Becker"),
            p("eng-marco", "Marco Rossi"),
            p("eng-yuki", "Yuki Tanaka"),
            p("eng-amara", "Amara Okafor"),
            p("eng-pieter", "Pieter de Vries"),
        ],
    },
    Domain {
        name: "billing",
        queue: "l2-billing",
        team: "billing",
        components: &[
            "billing",
            "checkout",
            "payments",
            "invoicing",
            "subscriptions",
        ],
        tags: &[
            "billing",
            "invoice",
            "payment",
            "refund",
            "subscription",
            "tax",
        ],
        roster: &[
            p("eng-chloe", "Chloé Martin"),
            p("eng-rafael", "Rafael Souza"),
        ],
    },
    Domain {
        name: "frontend",
        queue: "l2-frontend",
        team: "frontend",
        components: &["web", "ui", "frontend", "dashboard", "portal", "mobile-web"],
        tags: &["ui", "frontend", "browser", "css", "layout", "javascript"],
        roster: &[
            p("eng-sofia", "Sofia Lindqvist"),
            p("eng-noah", "Noah Klein"),
            p("eng-aisha", "Aisha Rahman"),
        ],
    },
    Domain {
        name: "data-pipeline",
        queue: "l2-data",
        team: "data pipeline",
        components: &[
            "exports",
            "ingest",
            "etl",
            "reports",
            "warehouse",
            "sync",
            "pipeline",
        ],
        tags: &[
            "export", "etl", "pipeline", "kafka", "sync", "report", "import",
        ],
        roster: &[
            p("eng-jonas", "Jonas Weber"),
            p("eng-elena", "Elena Popescu"),
            p("eng-wei", "Wei Zhang"),
        ],
    },
    Domain {
        name: "triage",
        queue: "l2-triage",
        team: "triage",
        components: &[],
        tags: &[],
        roster: &[
            p("eng-grace", "Grace Mwangi"),
            p("eng-oskar", "Oskar Nilsson"),
        ],
    },
];

pub fn domain(name: &str) -> Option<&'static Domain> {
    DOMAINS.iter().find(|d| d.name == name)
}

/// The domain whose `components` list holds `component`.
pub fn domain_of_component(component: &str) -> Option<&'static Domain> {
    DOMAINS.iter().find(|d| d.components.contains(&component))
}

/// Product lines and the versions customers run.
pub const PRODUCTS: &[(&str, &[&str])] = &[
    ("analytics", &["4.17.3", "4.18.0", "4.18.1", "4.18.2"]),
    ("portal", &["2.31.0", "2.32.1", "2.33.0", "2.33.2"]),
    ("pay", &["1.9.4", "1.10.0", "1.10.2"]),
    ("connect", &["7.1.4", "7.2.0", "7.2.1"]),
    ("api", &["2026.10", "2026.11", "2026.11.1"]),
];

pub fn versions(product: &str) -> &'static [&'static str] {
    PRODUCTS
        .iter()
        .find(|(p, _)| *p == product)
        .map_or(&["1.0.0"][..], |(_, v)| v)
}
