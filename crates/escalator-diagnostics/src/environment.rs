//! Environment: OS, browser, region, deployment model, cluster, and further
//! `Key: value` facts (tenant, IdP, namespace, pod, ...).
//!
//! Candidates are collected over all sources and ranked: an explicit
//! `OS: ...` line beats a version mention, which beats a bare name.

use std::collections::HashMap;

use escalator_proto::v1::Environment;

use crate::text::{Doc, squash, truncate};
use crate::versions::{Category, mentions};

const MAX_VALUES: usize = 3;
const MAX_CANDIDATES: usize = 32;
const MAX_ATTRIBUTES: usize = 20;
const MAX_VALUE_CHARS: usize = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Os,
    Browser,
    Region,
    Deployment,
    Cluster,
}

struct Candidate {
    /// What makes two candidates the same thing ("macOS" for "macOS 14.2").
    key: String,
    value: String,
    rank: u8,
}

#[derive(Default)]
pub(crate) struct Collector {
    os: Vec<Candidate>,
    browser: Vec<Candidate>,
    region: Vec<Candidate>,
    deployment: Vec<Candidate>,
    cluster: Vec<Candidate>,
    attributes: Vec<(String, String)>,
}

regex!(
    OS_NAME,
    r"\b(Windows Server|Windows|macOS|Mac ?OS(?: X)?|OS X|MacBook(?: Pro| Air)?|iMac|Mac|iPhone|iPadOS|iPad|iOS|Android|Ubuntu|Debian|RHEL|Red Hat|CentOS|Rocky Linux|AlmaLinux|Fedora|Alpine Linux|Amazon Linux|SUSE|SLES|Linux|ChromeOS|Chromebook)\b"
);
regex!(
    BROWSER_NAME,
    r"\b(Google Chrome|Chrome|Chromium|Firefox|Safari|Microsoft Edge|Edge|Opera|Brave|Internet Explorer|IE ?11)\b"
);
regex!(
    REGION_CODE,
    r"\b(?:(?:us|eu|ap|sa|ca|me|af|il|mx)-(?:gov-)?(?:north|south|east|west|central|northeast|southeast|northwest|southwest)-\d|(?:us|europe|asia|australia|northamerica|southamerica|me|africa)-(?:north|south|east|west|central|northeast|southeast|southwest|northwest)\d{1,2}|westeurope|northeurope|eastus2?|westus[23]?|centralus|southcentralus|uksouth|ukwest|germanywestcentral|francecentral|switzerlandnorth|swedencentral|norwayeast|southeastasia|eastasia|japaneast|japanwest|australiaeast|canadacentral|brazilsouth|centralindia|koreacentral)\b"
);
regex!(
    REGION_WORD,
    r"\b(EU|US|UK|APAC|EMEA|AU|CA|JP|DE|IN|CH|FR)[\s-](?i:region|data\s?cent(?:er|re)s?|datacenter|instance|tenant|cloud|pod|rechenzentrum|región)\b"
);
regex!(
    DEPLOYMENT,
    r"(?i)\b(on[- ]?prem(?:ise|ises)?)\b|\b(self[- ]?(?:hosted|managed)|selbst[- ]?gehostet|autoalojad[oa])\b|\b(hybrid[- ](?:deployment|setup|cloud|installation|install|mode|environment|connector|agent))\b|(?-i:\b(SaaS)\b)|\b(cloud[- ](?:hosted|version|edition|instance|tenant))\b"
);
regex!(
    CLUSTER,
    r#"(?i)\b(?:(?:k8s|kubernetes|eks|aks|gke|openshift)\s+)?cluster(?:[_ ]?name)?["']?\s*[=:]?\s*["'`]?([a-z0-9][a-z0-9\-_.]{1,62})"#
);
regex!(
    NAMESPACE,
    r#"(?i)\b((?:k8s|kubernetes)\s+)?namespace["']?\s*([=:])?\s*["'`]?([a-z0-9][a-z0-9\-]{0,62})\b"#
);
regex!(
    KUBECTL_NS,
    r"\bkubectl\b.*?\s(?:-n|--namespace)[= ]([a-z0-9][a-z0-9\-]{0,62})\b"
);
regex!(
    POD,
    r#"(?i)\bpod(?:[_ ]?name)?["']?\s*[=:/]?\s*["'`]?([a-z0-9][a-z0-9\-.]{2,252})"#
);
regex!(
    KUBECTL_POD,
    r"\bkubectl\b.*?\s(?:logs|describe pod|exec)\s+(?:-\S+\s+)*(?:pod/)?([a-z0-9][a-z0-9\-.]{2,252})"
);
regex!(K8S_ANY, r"(?i)cluster|namespace|pod|kubectl");
// A `Key: value` line: KEY_VALUE says whether a line is one (a key of at
// most 41 characters); KEY_VALUE_GROUPS, the same pattern with the key
// unbounded, reads its groups. On a line KEY_VALUE matches both give the same
// groups (the key starts at the first letter whatever the prefix, and the
// lazy key tries the same lengths in the same order), but the bounded key
// repeats a Unicode class 40 times: capturing with it cost about 90k
// instructions a line, most of it clearing the backtracker's visited set.
const KEY_VALUE_HEAD: &str = r"^\s*(?:[-*•]\s*)?(?:\*\*)?(\p{L}[\p{L}\p{N} ._/()\-]";
const KEY_VALUE_TAIL: &str = r"?)(?:\*\*)?\s*[:：]\s*(?:\*\*)?\s*(\S.*?)\s*$";
regex!(
    KEY_VALUE,
    &format!("{KEY_VALUE_HEAD}{{0,40}}{KEY_VALUE_TAIL}")
);
regex!(
    KEY_VALUE_GROUPS,
    &format!("{KEY_VALUE_HEAD}*{KEY_VALUE_TAIL}")
);

/// Keys that are structure of a ticket, not facts about its environment.
const NOT_ENVIRONMENT: &[&str] = &[
    "expected",
    "actual",
    "result",
    "steps",
    "repro",
    "reproduction",
    "to reproduce",
    "note",
    "notes",
    "error",
    "exception",
    "warning",
    "caused by",
    "traceback",
    "message",
    "subject",
    "re",
    "fw",
    "fwd",
    "aw",
    "wg",
    "hi",
    "hello",
    "hallo",
    "dear",
    "thanks",
    "regards",
    "update",
    "question",
    "problem",
    "issue",
    "summary",
    "description",
    "workaround",
    "from",
    "to",
    "cc",
    "bcc",
    "sent",
    "date",
    "http",
    "https",
    "ftp",
    "file",
    "files",
    "at",
    "in",
    "step",
    "schritt",
    "erwartet",
    "tatsächlich",
    "ist",
    "soll",
    "esperado",
    "resultado",
    "pasos",
    "ps",
    "edit",
    "screenshot",
    "attachment",
    "anhang",
    "link",
    "url",
    "see",
    "example",
    "status",
    "priority",
    "urgency",
    "severity",
    "ticket",
    "case",
    "customer",
    "name",
    "email",
    "e-mail",
    "phone",
    "telefon",
    "contact",
    "kontakt",
    "user",
    "username",
    "benutzer",
    "password",
    "passwort",
    "token",
    "api key",
    "secret",
    "reason",
    "cause",
    "ursache",
    "solution",
    "lösung",
    "answer",
    "comment",
    "kommentar",
    "agent",
    "tried",
    "done",
    "todo",
    "action",
    "next steps",
    "details",
    "info",
    "information",
    "output",
    "log",
    "logs",
    "stack",
    "stack trace",
    "trace",
    "time",
    "zeit",
    "datum",
    "when",
    "wann",
    "where",
    "wo",
    "what",
    "was",
    "why",
    "warum",
    "how",
    "wie",
    "request",
    "response",
    "body",
    "header",
    "headers",
    "query",
    "sql",
    "command",
    "cmd",
    "version",
    "impact",
    "auswirkung",
    "observed",
    "behaviour",
    "behavior",
    "detail",
    "id",
];

/// Keys accepted on a line of their own; other keys need a neighbouring
/// `Key: value` line (a block of facts, not a chat line).
const ENVIRONMENT_KEYS: &[&str] = &[
    "tenant",
    "tenant id",
    "idp",
    "sso",
    "identity provider",
    "instance",
    "instance url",
    "account",
    "account id",
    "org",
    "org id",
    "organization",
    "organisation",
    "workspace",
    "environment",
    "env",
    "umgebung",
    "entorno",
    "plan",
    "edition",
    "database",
    "db",
    "datenbank",
    "server",
    "host",
    "hostname",
    "proxy",
    "vpn",
    "network",
    "locale",
    "language",
    "sprache",
    "timezone",
    "time zone",
    "zeitzone",
    "device",
    "gerät",
    "namespace",
    "pod",
    "node",
    "integration",
    "connector",
    "mandant",
    "subscription",
    "project",
    "site",
    "stage",
    "app",
    "application",
    "module",
    "component",
    "product",
    "produkt",
    "installation",
];

fn field_for(key: &str) -> Option<Field> {
    Some(match key {
        "os" | "operating system" | "betriebssystem" | "sistema operativo" | "platform"
        | "plattform" | "os version" => Field::Os,
        "browser" | "navegador" | "browser version" => Field::Browser,
        "region" | "data center" | "datacenter" | "data centre" | "rechenzentrum" | "región" => {
            Field::Region
        }
        "deployment" | "hosting" | "deployment model" | "deployment type" | "bereitstellung" => {
            Field::Deployment
        }
        "cluster" | "cluster name" | "k8s cluster" => Field::Cluster,
        _ => return None,
    })
}

fn os_base(name: &str) -> &'static str {
    match name {
        "Windows Server" => "Windows Server",
        "Windows" => "Windows",
        "iPhone" | "iOS" => "iOS",
        "iPad" | "iPadOS" => "iPadOS",
        "Android" => "Android",
        "Ubuntu" => "Ubuntu",
        "Debian" => "Debian",
        "RHEL" | "Red Hat" => "RHEL",
        "CentOS" => "CentOS",
        "Rocky Linux" => "Rocky Linux",
        "AlmaLinux" => "AlmaLinux",
        "Fedora" => "Fedora",
        "Alpine" | "Alpine Linux" => "Alpine",
        "Amazon Linux" => "Amazon Linux",
        "SUSE" | "SLES" | "openSUSE" => "SUSE",
        "Linux" => "Linux",
        "ChromeOS" | "Chromebook" => "ChromeOS",
        _ => "macOS",
    }
}

fn browser_base(name: &str) -> &'static str {
    match name {
        "Google Chrome" | "Chrome" => "Chrome",
        "Chromium" => "Chromium",
        "Firefox" => "Firefox",
        "Safari" => "Safari",
        "Microsoft Edge" | "Edge" => "Edge",
        "Opera" => "Opera",
        "Brave" => "Brave",
        _ => "Internet Explorer",
    }
}

fn deployment_of(caps: &regex::Captures<'_>) -> &'static str {
    match (1..=5).find(|&g| caps.get(g).is_some()) {
        Some(1) => "on-prem",
        Some(2) => "self-hosted",
        Some(3) => "hybrid",
        _ => "saas",
    }
}

fn add(list: &mut Vec<Candidate>, key: &str, value: &str, rank: u8) {
    let value = truncate(&squash(value), MAX_VALUE_CHARS);
    if value.is_empty() {
        return;
    }
    let full = list.len() >= MAX_CANDIDATES;
    match list.iter_mut().find(|c| c.key == key) {
        Some(c) => {
            if rank < c.rank || (rank == c.rank && value.len() > c.value.len()) {
                c.value = value;
                c.rank = rank;
            }
        }
        // A cap keeps the lookup above cheap on a text of a thousand clusters.
        None if full => {}
        None => list.push(Candidate {
            key: key.to_owned(),
            value,
            rank,
        }),
    }
}

fn join(mut list: Vec<Candidate>) -> String {
    list.sort_by_key(|c| c.rank);
    let mut seen: Vec<String> = Vec::new();
    for c in list {
        if seen.len() < MAX_VALUES && !seen.contains(&c.value) {
            seen.push(c.value);
        }
    }
    seen.join(", ")
}

fn normalize_key(key: &str) -> String {
    squash(&key.to_lowercase().replace(['_', '-'], " "))
}

impl Collector {
    fn list(&mut self, field: Field) -> &mut Vec<Candidate> {
        match field {
            Field::Os => &mut self.os,
            Field::Browser => &mut self.browser,
            Field::Region => &mut self.region,
            Field::Deployment => &mut self.deployment,
            Field::Cluster => &mut self.cluster,
        }
    }

    fn attribute(&mut self, key: &str, value: &str) {
        let key = key.replace(' ', "_");
        let value = truncate(&squash(value), MAX_VALUE_CHARS);
        if self.attributes.len() < MAX_ATTRIBUTES && !self.attributes.iter().any(|(k, _)| *k == key)
        {
            self.attributes.push((key, value));
        }
    }

    pub(crate) fn scan(&mut self, doc: &Doc<'_>, mask: &[bool], attachment: bool) {
        let kv: Vec<Option<(String, &str)>> = doc
            .lines
            .iter()
            .enumerate()
            .map(|(i, l)| {
                (!attachment && !mask[i] && !doc.log[i])
                    .then(|| key_value(l))
                    .flatten()
            })
            .collect();
        for (i, line) in doc.lines.iter().enumerate() {
            if mask[i] {
                continue;
            }
            self.kubernetes(line);
            if doc.log[i] {
                continue;
            }
            if let Some((key, value)) = &kv[i] {
                let block =
                    (i > 0 && kv[i - 1].is_some()) || kv.get(i + 1).is_some_and(Option::is_some);
                if let Some(field) = field_for(key) {
                    let value = match (field, crate::text::capture(&DEPLOYMENT, value)) {
                        (Field::Deployment, Some(caps)) => deployment_of(&caps).to_owned(),
                        _ => (*value).to_owned(),
                    };
                    // The same key as a mention of that name, so they merge.
                    let same = match field {
                        Field::Os => OS_NAME.find(&value).map(|m| os_base(m.as_str()).to_owned()),
                        Field::Browser => BROWSER_NAME
                            .find(&value)
                            .map(|m| browser_base(m.as_str()).to_owned()),
                        _ => None,
                    };
                    let k = same.unwrap_or_else(|| format!("kv {key}"));
                    add(self.list(field), &k, &value, 0);
                    continue;
                } else if block || ENVIRONMENT_KEYS.contains(&key.as_str()) {
                    self.attribute(key, value);
                }
            }
            self.mentions(line);
        }
    }

    fn mentions(&mut self, line: &str) {
        let found = mentions(line);
        for m in &found {
            let (field, base) = match m.category {
                Category::Os => (Field::Os, os_base(m.name)),
                Category::Browser => (Field::Browser, browser_base(m.name)),
                Category::Other => continue,
            };
            let value = if m.version.is_empty() {
                m.name.to_owned()
            } else {
                format!("{} {}", m.name, m.version)
            };
            add(
                self.list(field),
                base,
                &value,
                if m.version.is_empty() { 2 } else { 1 },
            );
        }
        let inside = |s: usize| found.iter().any(|m| m.start <= s && s < m.end);
        for m in OS_NAME.find_iter(line) {
            if !inside(m.start()) {
                let base = os_base(m.as_str());
                add(&mut self.os, base, base, 2);
            }
        }
        for m in BROWSER_NAME.find_iter(line) {
            if !inside(m.start()) {
                let base = browser_base(m.as_str());
                add(&mut self.browser, base, base, 2);
            }
        }
        for m in REGION_CODE.find_iter(line) {
            add(&mut self.region, m.as_str(), m.as_str(), 1);
        }
        for caps in crate::text::captures(&REGION_WORD, line) {
            if let Some(r) = caps.get(1) {
                add(&mut self.region, r.as_str(), r.as_str(), 2);
            }
        }
        for caps in crate::text::captures(&DEPLOYMENT, line) {
            let d = deployment_of(&caps);
            add(&mut self.deployment, d, d, 1);
        }
    }

    fn kubernetes(&mut self, line: &str) {
        if !K8S_ANY.is_match(line) {
            return;
        }
        for caps in crate::text::captures(&CLUSTER, line) {
            if let Some(v) = caps.get(1) {
                let v = v.as_str().trim_end_matches('.');
                if v.contains(|c: char| c == '-' || c.is_ascii_digit()) {
                    add(&mut self.cluster, v, v, 1);
                }
            }
        }
        for caps in crate::text::captures(&NAMESPACE, line) {
            if let Some(v) = caps.get(3) {
                let v = v.as_str();
                let explicit = caps.get(1).is_some() || caps.get(2).is_some();
                let shaped = v.contains(|c: char| c == '-' || c.is_ascii_digit());
                if (explicit || shaped) && !NOT_NAMES.contains(&v.to_lowercase().as_str()) {
                    self.attribute("namespace", v);
                }
            }
        }
        for caps in crate::text::captures(&KUBECTL_NS, line) {
            if let Some(v) = caps.get(1) {
                self.attribute("namespace", v.as_str());
            }
        }
        for caps in
            crate::text::captures(&POD, line).chain(crate::text::captures(&KUBECTL_POD, line))
        {
            if let Some(v) = caps.get(1) {
                let v = v.as_str().trim_end_matches('.');
                if v.contains('-') {
                    self.attribute("pod", v);
                }
            }
        }
    }

    pub(crate) fn finish(self) -> Environment {
        let mut os = self.os;
        let distro = os.iter().any(|c| {
            ![
                "Linux",
                "Windows",
                "Windows Server",
                "macOS",
                "iOS",
                "iPadOS",
                "Android",
                "ChromeOS",
            ]
            .contains(&c.key.as_str())
                && !c.key.starts_with("kv ")
        });
        if distro {
            os.retain(|c| c.key != "Linux");
        }
        let hybrid = self.deployment.iter().any(|c| c.value == "hybrid");
        Environment {
            os: join(os),
            browser: join(self.browser),
            region: join(self.region),
            deployment: if hybrid {
                "hybrid".to_owned()
            } else {
                self.deployment
                    .into_iter()
                    .min_by_key(|c| c.rank)
                    .map(|c| c.value)
                    .unwrap_or_default()
            },
            cluster: join(self.cluster),
            attributes: self.attributes.into_iter().collect::<HashMap<_, _>>(),
        }
    }
}

const NOT_NAMES: &[&str] = &[
    "is", "the", "was", "in", "for", "of", "and", "a", "an", "to", "on", "it", "which", "that",
    "this", "where", "with", "not", "name", "names",
];

/// A `Key: value` line whose key reads like a fact's name.
fn key_value(line: &str) -> Option<(String, &str)> {
    if !line.contains([':', '：']) || crate::steps::is_label(line) {
        return None;
    }
    if !KEY_VALUE.is_match(line) {
        return None;
    }
    let caps = KEY_VALUE_GROUPS.captures(line)?;
    let key = normalize_key(caps.get(1)?.as_str());
    let value = caps.get(2)?.as_str();
    let words = key.split_whitespace().count();
    let stop = NOT_ENVIRONMENT.contains(&key.as_str())
        || key.starts_with("step")
        || key.starts_with("schritt")
        || key.starts_with("paso");
    let plausible = (1..=3).contains(&words)
        && value.chars().count() <= MAX_VALUE_CHARS
        && value.split_whitespace().count() <= 8
        && !value.contains("[REDACTED")
        && !value.starts_with("//")
        && !value.ends_with(['?', '？', ':']);
    (plausible && !stop).then_some((key, value))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(text: &str) -> Environment {
        let doc = Doc::new(text);
        let mut c = Collector::default();
        c.scan(&doc, &vec![false; doc.lines.len()], false);
        c.finish()
    }

    #[test]
    fn key_value_groups_read_as_the_bounded_pattern_would() {
        let long = "k".repeat(41);
        let longer = "k".repeat(42);
        let lines = [
            "Tenant: acme".to_owned(),
            "  - **Browser**: Firefox 121  ".to_owned(),
            "* **IdP** ：  ADFS".to_owned(),
            "• Deploy (prod) v2: self-hosted: yes".to_owned(),
            "***Key: x".to_owned(),
            "-- Key: x".to_owned(),
            "Région du cluster: eu-west-1".to_owned(),
            format!("{long}: value"),
            format!("{longer}: value"),
            format!("a b: {longer}: c"),
            "no colon here".to_owned(),
            "Key:".to_owned(),
        ];
        for line in &lines {
            let bounded = KEY_VALUE
                .captures(line)
                .map(|c| (c.get(1).map(|m| m.range()), c.get(2).map(|m| m.range())));
            let read = KEY_VALUE.is_match(line).then(|| {
                let c = KEY_VALUE_GROUPS.captures(line);
                (
                    c.as_ref().and_then(|c| c.get(1)).map(|m| m.range()),
                    c.as_ref().and_then(|c| c.get(2)).map(|m| m.range()),
                )
            });
            assert_eq!(read, bounded, "{line}");
        }
        assert!(KEY_VALUE.is_match(&format!("{long}: value")));
        assert!(!KEY_VALUE.is_match(&format!("{longer}: value")));
    }

    #[test]
    fn fields_and_attributes() {
        let e = env(
            "Tenant: acme\nIdP: ADFS\nBrowser: Firefox 121\n\nWe are self-hosted in eu-central-1 on Ubuntu 22.04 (Linux), \
             cluster=prod-eu-3, k8s namespace payments, pod api-7d9f8-x2x",
        );
        assert_eq!(e.browser, "Firefox 121");
        assert_eq!(e.os, "Ubuntu 22.04");
        assert_eq!(e.region, "eu-central-1");
        assert_eq!(e.deployment, "self-hosted");
        assert_eq!(e.cluster, "prod-eu-3");
        assert_eq!(e.attributes.get("tenant").map(String::as_str), Some("acme"));
        assert_eq!(e.attributes.get("idp").map(String::as_str), Some("ADFS"));
        assert_eq!(
            e.attributes.get("namespace").map(String::as_str),
            Some("payments")
        );
        assert_eq!(
            e.attributes.get("pod").map(String::as_str),
            Some("api-7d9f8-x2x")
        );
    }

    #[test]
    fn prose_is_not_a_key_value() {
        let e = env("Note: the cluster is down\nHi team: please help\nExpected: it works");
        assert!(e.attributes.is_empty(), "{:?}", e.attributes);
        assert_eq!(e.cluster, "");
    }
}
