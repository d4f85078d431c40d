//! Versions: "version 4.18.2", "v2.3.1", "Chrome 120.0.6099", "Java 17",
//! "Windows 11 23H2", "release 2024.03", browser user-agent strings.
//!
//! Dotted numbers are everywhere (IP addresses, German dates, section
//! numbers), so a version needs a name or a keyword next to it, and shapes
//! that are dates or addresses are refused.

use escalator_proto::v1::SoftwareVersion;

use crate::text::Doc;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Category {
    Os,
    Browser,
    Other,
}

/// A named product seen in a line, with its version when one was given.
#[derive(Debug, Clone)]
pub(crate) struct Mention {
    pub name: &'static str,
    pub version: String,
    pub category: Category,
    pub start: usize,
    pub end: usize,
}

regex!(
    KNOWN,
    r"\b(?P<name>(?i:google\s+chrome|chrome|chromium|firefox|safari|microsoft\s+edge|opera|brave|postgresql|postgres|mysql|mariadb|mongodb|redis|elasticsearch|opensearch|kafka|rabbitmq|openjdk|jdk|jre|java|node\.js|nodejs|python|golang|rustc|kubernetes|k8s|docker|nginx|tomcat|spring\s+boot|django|ruby|php|ipados|ios|android|macos|mac\s+os\s+x|os\s+x|ubuntu|debian|rhel|centos|rocky\s+linux|almalinux|fedora|alpine|amazon\s+linux|sles|opensuse|outlook|jira|confluence|terraform|openssl|sql\s+server|angular|electron|xcode|gradle|maven|npm|keycloak|chromeos|dotnet)|Edge|Node|node|Rust|Office|Teams|Slack|Zoom|React|Vue|Rails|Helm|Oracle|Excel)(?:\s+(?i:sequoia|sonoma|ventura|monterey|big\s+sur|catalina|mojave))?(?:\s+(?i:version|ver\.?)\s*:?)?[\s/:\-]*(?P<v>v)?(?P<ver>\d+(?:[._]\d+){0,3}(?:[-+][0-9A-Za-z]+(?:\.[0-9A-Za-z]+)*|[a-z]{1,2}\d*)?)\b"
);
regex!(
    WINDOWS,
    r"\bWindows(?P<server>\s+Server)?\s+(?P<ver>7|8(?:\.1)?|10|11|95|98|2000|2003|2008(?: R2)?|2012(?: R2)?|2016|2019|2022|2025|XP|Vista|NT\s+\d+\.\d+)(?:\s+(?P<rel>\d{2}H\d|\d{4}))?\b"
);
regex!(
    DOTNET,
    r"(?:^|[\s(])\.NET(?:\s+(?:Core|Framework))?\s+v?(\d+(?:\.\d+){0,3})\b"
);
regex!(GO, r"\bgo(1\.\d+(?:\.\d+)?)\b|\bGo\s+(1\.\d+(?:\.\d+)?)\b");
regex!(USER_AGENT, r"Mozilla/5\.0 \(([^)]*)\)(\S*(?: \S+)*)");
regex!(
    UA_OS,
    r"Windows NT (\d+\.\d+)|Mac OS X (\d+[._]\d+(?:[._]\d+)?)|(?:iPhone|CPU) OS (\d+[._]\d+(?:[._]\d+)?)|Android (\d+(?:\.\d+)*)|(CrOS)|(Linux)"
);
regex!(
    UA_BROWSER,
    r"Edg[AeiOS]*/(\d+(?:\.\d+)*)|OPR/(\d+(?:\.\d+)*)|Firefox/(\d+(?:\.\d+)*)|CriOS/(\d+(?:\.\d+)*)|Chrome/(\d+(?:\.\d+)*)|Version/(\d+(?:\.\d+)*).*Safari/"
);
regex!(
    KEYWORD,
    r"(?i)\b(?:version|versión|versão|ver\.)\s*[:：=]?\s*v?(\d+(?:\.\d+){1,3}(?:[-+][0-9A-Za-z]+(?:\.[0-9A-Za-z]+)*)?)\b|バージョン\s*[:：]?\s*v?(\d+(?:\.\d+){1,3})"
);
regex!(
    V_PREFIX,
    r"\bv(\d+\.\d+(?:\.\d+){0,2}(?:-[0-9A-Za-z.]+)?)\b"
);
regex!(
    RELEASE,
    r"(?i)\b(release|build|patch|hotfix)\s*[:#]?\s*(\d{4}\.\d{1,2}(?:\.\d+)?|\d+(?:\.\d+)+|\d{3,6})\b"
);
regex!(
    GENERIC,
    r"\b([A-Z][\w\-]*(?:\s[A-Z][\w\-]*)?)\s+(\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.]+)?)\b"
);

fn canonical(lower: &str) -> Option<(&'static str, Category, bool)> {
    use Category::{Browser as B, Os as O, Other as X};
    let squashed = lower.split_whitespace().collect::<Vec<_>>().join(" ");
    Some(match squashed.as_str() {
        "google chrome" | "chrome" => ("Chrome", B, true),
        "chromium" => ("Chromium", B, true),
        "firefox" => ("Firefox", B, true),
        "safari" => ("Safari", B, true),
        "microsoft edge" | "edge" => ("Edge", B, true),
        "opera" => ("Opera", B, true),
        "brave" => ("Brave", B, false),
        "postgresql" | "postgres" => ("PostgreSQL", X, true),
        "mysql" => ("MySQL", X, true),
        "mariadb" => ("MariaDB", X, true),
        "mongodb" => ("MongoDB", X, true),
        "redis" => ("Redis", X, true),
        "elasticsearch" => ("Elasticsearch", X, true),
        "opensearch" => ("OpenSearch", X, true),
        "kafka" => ("Kafka", X, false),
        "rabbitmq" => ("RabbitMQ", X, false),
        "openjdk" => ("OpenJDK", X, true),
        "jdk" => ("JDK", X, true),
        "jre" => ("JRE", X, true),
        "java" => ("Java", X, true),
        "node.js" | "nodejs" => ("Node.js", X, true),
        "node" => ("Node.js", X, false),
        "python" => ("Python", X, true),
        "golang" => ("Go", X, false),
        "rustc" | "rust" => ("Rust", X, false),
        "kubernetes" | "k8s" => ("Kubernetes", X, false),
        "docker" => ("Docker", X, false),
        "nginx" => ("nginx", X, false),
        "tomcat" => ("Tomcat", X, true),
        "spring boot" => ("Spring Boot", X, true),
        "django" => ("Django", X, true),
        "ruby" => ("Ruby", X, false),
        "php" => ("PHP", X, true),
        "ipados" => ("iPadOS", O, true),
        "ios" => ("iOS", O, true),
        "android" => ("Android", O, true),
        "macos" | "mac os x" | "os x" => ("macOS", O, true),
        "ubuntu" => ("Ubuntu", O, true),
        "debian" => ("Debian", O, true),
        "rhel" => ("RHEL", O, true),
        "centos" => ("CentOS", O, true),
        "rocky linux" => ("Rocky Linux", O, true),
        "almalinux" => ("AlmaLinux", O, true),
        "fedora" => ("Fedora", O, true),
        "alpine" => ("Alpine", O, false),
        "amazon linux" => ("Amazon Linux", O, true),
        "sles" => ("SLES", O, true),
        "opensuse" => ("openSUSE", O, false),
        "chromeos" => ("ChromeOS", O, true),
        "outlook" => ("Outlook", X, true),
        "jira" => ("Jira", X, false),
        "confluence" => ("Confluence", X, false),
        "terraform" => ("Terraform", X, false),
        "openssl" => ("OpenSSL", X, true),
        "sql server" => ("SQL Server", X, true),
        "angular" => ("Angular", X, true),
        "electron" => ("Electron", X, true),
        "xcode" => ("Xcode", X, true),
        "gradle" => ("Gradle", X, true),
        "maven" => ("Maven", X, false),
        "npm" => ("npm", X, false),
        "keycloak" => ("Keycloak", X, true),
        "dotnet" => (".NET", X, true),
        "office" => ("Office", X, true),
        "teams" => ("Teams", X, false),
        "slack" => ("Slack", X, false),
        "zoom" => ("Zoom", X, false),
        "react" => ("React", X, true),
        "vue" => ("Vue", X, true),
        "rails" => ("Rails", X, false),
        "helm" => ("Helm", X, false),
        "oracle" => ("Oracle", X, true),
        "excel" => ("Excel", X, true),
        _ => return None,
    })
}

/// Words after a bare number that make it a count, not a version.
const UNITS: &[&str] = &[
    "times",
    "mal",
    "veces",
    "tabs",
    "users",
    "minutes",
    "min",
    "hours",
    "hrs",
    "days",
    "seconds",
    "secs",
    "ms",
    "s",
    "mb",
    "gb",
    "kb",
    "instances",
    "pods",
    "nodes",
    "servers",
    "windows",
    "people",
    "clients",
    "%",
];

const STOPWORDS: &[&str] = &[
    "to",
    "on",
    "from",
    "the",
    "with",
    "and",
    "or",
    "version",
    "running",
    "run",
    "upgraded",
    "updated",
    "after",
    "since",
    "in",
    "of",
    "at",
    "is",
    "was",
    "are",
    "we",
    "i",
    "our",
    "my",
    "this",
    "that",
    "auf",
    "von",
    "mit",
    "zu",
    "nach",
    "seit",
    "de",
    "en",
    "con",
    "a",
    "la",
    "el",
    "der",
    "die",
    "das",
    "und",
    "still",
    "now",
    "latest",
    "new",
    "old",
    "release",
    "build",
    "hi",
    "hello",
    "hallo",
    "since",
    "current",
    "currently",
    "installed",
    "using",
    "use",
    "uses",
    "v",
    "update",
    "upgrade",
    "section",
    "chapter",
    "figure",
    "step",
    "schritt",
    "page",
    "seite",
    "table",
    "error",
    "order",
    "invoice",
    "ticket",
    "case",
    "item",
    "rule",
    "article",
    "artikel",
    "kapitel",
    "abschnitt",
    "punkt",
    "am",
    "um",
    "on-prem",
    "tested",
    "test",
    "paso",
    "tried",
];

/// Every version has a digit; most lines of prose have none.
fn has_digit(line: &str) -> bool {
    line.bytes().any(|b| b.is_ascii_digit())
}

fn looks_like_date(v: &str) -> bool {
    let parts: Vec<&str> = v.split('.').collect();
    let n = |s: &str| s.parse::<u32>().unwrap_or(u32::MAX);
    let year = |s: &str| s.len() == 4 && (s.starts_with("19") || s.starts_with("20"));
    match parts.as_slice() {
        [d, m, y] => (n(d) <= 31 && n(m) <= 12 && year(y)) || (year(d) && n(m) <= 12 && n(y) <= 31),
        _ => false,
    }
}

fn looks_like_ip(v: &str) -> bool {
    let parts: Vec<&str> = v.split('.').collect();
    parts.len() == 4
        && parts
            .iter()
            .all(|p| p.len() <= 3 && p.parse::<u32>().is_ok_and(|n| n <= 255))
}

/// Whether the text right after a version continues it (a fifth dotted
/// part, an IP, a percentage, a decimal).
fn continues(line: &str, end: usize) -> bool {
    let mut after = line[end..].chars();
    match after.next() {
        Some('.' | ',' | ':') => after.next().is_some_and(|c| c.is_ascii_digit()),
        Some('%') => true,
        _ => false,
    }
}

fn next_word(line: &str, end: usize) -> String {
    line[end..]
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .trim_matches(|c: char| !c.is_alphanumeric() && c != '%')
        .to_lowercase()
}

/// Known products with their versions in `line`, including user-agent
/// strings. Name-only mentions (no version) come only from user agents.
pub(crate) fn mentions(line: &str) -> Vec<Mention> {
    let mut out: Vec<Mention> = Vec::new();
    if !has_digit(line) {
        return out;
    }
    if let Some(ua) = crate::text::capture(&USER_AGENT, line) {
        let (start, end) = ua.get(0).map_or((0, 0), |m| (m.start(), m.end()));
        let platform = ua.get(1).map_or("", |m| m.as_str());
        if let Some(os) = crate::text::capture(&UA_OS, platform) {
            let (name, ver) = match (1..=6).find(|&g| os.get(g).is_some()) {
                Some(1) => ("Windows", os.get(1).map(|m| format!("NT {}", m.as_str()))),
                Some(2) => ("macOS", os.get(2).map(|m| m.as_str().replace('_', "."))),
                Some(3) => ("iOS", os.get(3).map(|m| m.as_str().replace('_', "."))),
                Some(4) => ("Android", os.get(4).map(|m| m.as_str().to_owned())),
                Some(5) => ("ChromeOS", None),
                _ => ("Linux", None),
            };
            out.push(Mention {
                name,
                version: ver.unwrap_or_default(),
                category: Category::Os,
                start,
                end,
            });
        }
        let rest = ua.get(2).map_or("", |m| m.as_str());
        if let Some(b) = crate::text::capture(&UA_BROWSER, rest) {
            let names = ["Edge", "Opera", "Firefox", "Chrome", "Chrome", "Safari"];
            if let Some((g, m)) = (1..=6).find_map(|g| b.get(g).map(|m| (g, m))) {
                out.push(Mention {
                    name: names[g - 1],
                    version: m.as_str().to_owned(),
                    category: Category::Browser,
                    start,
                    end,
                });
            }
        }
    }
    let free = |out: &[Mention], s: usize, e: usize| !out.iter().any(|m| s < m.end && m.start < e);
    for caps in crate::text::captures(&WINDOWS, line) {
        let (Some(all), Some(ver)) = (caps.get(0), caps.name("ver")) else {
            continue;
        };
        if !free(&out, all.start(), all.end()) {
            continue;
        }
        let server = caps.name("server").is_some();
        let mut version = ver.as_str().to_owned();
        if let Some(rel) = caps.name("rel") {
            version = format!("{version} {}", rel.as_str());
        }
        out.push(Mention {
            name: if server { "Windows Server" } else { "Windows" },
            version,
            category: Category::Os,
            start: all.start(),
            end: all.end(),
        });
    }
    for caps in crate::text::captures(&DOTNET, line) {
        if let (Some(all), Some(ver)) = (caps.get(0), caps.get(1)) {
            if free(&out, all.start(), all.end()) {
                out.push(Mention {
                    name: ".NET",
                    version: ver.as_str().to_owned(),
                    category: Category::Other,
                    start: all.start(),
                    end: all.end(),
                });
            }
        }
    }
    for caps in crate::text::captures(&GO, line) {
        if let (Some(all), Some(ver)) = (caps.get(0), caps.get(1).or(caps.get(2))) {
            if free(&out, all.start(), all.end()) {
                out.push(Mention {
                    name: "Go",
                    version: ver.as_str().to_owned(),
                    category: Category::Other,
                    start: all.start(),
                    end: all.end(),
                });
            }
        }
    }
    for caps in crate::text::captures(&KNOWN, line) {
        let (Some(all), Some(name), Some(ver)) = (caps.get(0), caps.name("name"), caps.name("ver"))
        else {
            continue;
        };
        let Some((name, category, single_ok)) = canonical(&name.as_str().to_lowercase()) else {
            continue;
        };
        if !free(&out, all.start(), all.end()) {
            continue;
        }
        let v = ver.as_str().replace('_', ".");
        let single = !v.contains('.');
        if single && !(single_ok || caps.name("v").is_some()) {
            continue;
        }
        if single && (v.len() > 4 || UNITS.contains(&next_word(line, all.end()).as_str())) {
            continue;
        }
        if continues(line, all.end()) || looks_like_ip(&v) || looks_like_date(&v) {
            continue;
        }
        out.push(Mention {
            name,
            version: ver.as_str().to_owned(),
            category,
            start: all.start(),
            end: all.end(),
        });
    }
    out.sort_by_key(|m| m.start);
    out
}

/// One or two words right before `start` that name what the version is
/// of ("Acme Gateway version 4.18.2", "App-Version: 4.18.2").
fn name_before(line: &str, start: usize, allow_lowercase: bool) -> Option<String> {
    let before =
        line[..start].trim_end_matches(|c: char| c.is_whitespace() || c == '-' || c == ':');
    let mut words: Vec<&str> = Vec::new();
    for w in before.rsplit(char::is_whitespace).take(2) {
        let w = w.trim_matches(|c: char| !c.is_alphanumeric());
        let Some(first) = w.chars().next() else {
            break;
        };
        let lowercase_ok = allow_lowercase && words.is_empty() && first.is_alphabetic();
        if STOPWORDS.contains(&w.to_lowercase().as_str()) || !(first.is_uppercase() || lowercase_ok)
        {
            break;
        }
        words.push(w);
    }
    if words.is_empty() {
        return None;
    }
    words.reverse();
    Some(words.join(" "))
}

pub(crate) fn find(doc: &Doc<'_>, mask: &[bool]) -> Vec<SoftwareVersion> {
    let mut out = Vec::new();
    for (i, line) in doc.lines.iter().enumerate() {
        if mask[i] || !has_digit(line) {
            continue;
        }
        let mut spans: Vec<(usize, usize)> = Vec::new();
        let mut push = |name: String, version: &str, s: usize, e: usize| {
            if spans.iter().any(|&(a, b)| s < b && a < e) {
                return;
            }
            spans.push((s, e));
            out.push(SoftwareVersion {
                name,
                version: version.to_owned(),
            });
        };
        for m in mentions(line) {
            if !m.version.is_empty() {
                push(m.name.to_owned(), &m.version, m.start, m.end);
            }
        }
        for caps in crate::text::captures(&KEYWORD, line) {
            if let (Some(all), Some(v)) = (caps.get(0), caps.get(1).or(caps.get(2))) {
                if continues(line, all.end())
                    || looks_like_ip(v.as_str())
                    || looks_like_date(v.as_str())
                {
                    continue;
                }
                let name =
                    name_before(line, all.start(), false).unwrap_or_else(|| "product".to_owned());
                push(name, v.as_str(), all.start(), all.end());
            }
        }
        for caps in crate::text::captures(&V_PREFIX, line) {
            if let (Some(all), Some(v)) = (caps.get(0), caps.get(1)) {
                if continues(line, all.end()) || looks_like_ip(v.as_str()) {
                    continue;
                }
                let name =
                    name_before(line, all.start(), true).unwrap_or_else(|| "product".to_owned());
                push(name, v.as_str(), all.start(), all.end());
            }
        }
        for caps in crate::text::captures(&RELEASE, line) {
            if let (Some(all), Some(kw), Some(v)) = (caps.get(0), caps.get(1), caps.get(2)) {
                if continues(line, all.end())
                    || looks_like_ip(v.as_str())
                    || looks_like_date(v.as_str())
                {
                    continue;
                }
                push(
                    kw.as_str().to_lowercase(),
                    v.as_str(),
                    all.start(),
                    all.end(),
                );
            }
        }
        for caps in crate::text::captures(&GENERIC, line) {
            if let (Some(all), Some(name), Some(v)) = (caps.get(0), caps.get(1), caps.get(2)) {
                let first = name.as_str().split_whitespace().next().unwrap_or_default();
                if STOPWORDS.contains(&first.to_lowercase().as_str())
                    || continues(line, all.end())
                    || looks_like_date(v.as_str())
                {
                    continue;
                }
                push(name.as_str().to_owned(), v.as_str(), all.start(), all.end());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn versions(text: &str) -> Vec<(String, String)> {
        let doc = Doc::new(text);
        find(&doc, &vec![false; doc.lines.len()])
            .into_iter()
            .map(|v| (v.name, v.version))
            .collect()
    }

    fn has(found: &[(String, String)], name: &str, version: &str) -> bool {
        found.iter().any(|(n, v)| n == name && v == version)
    }

    #[test]
    fn named_versions() {
        let f = versions(
            "We run Acme Gateway version 4.18.2 and agent v2.3.1 on Chrome 120.0.6099, \
             PostgreSQL 15.4, Java 17, node v20.11.0, iOS 17.2, Windows 11 23H2, release 2024.03, \
             python3.11 and go1.22.0",
        );
        for (n, v) in [
            ("Acme Gateway", "4.18.2"),
            ("agent", "2.3.1"),
            ("Chrome", "120.0.6099"),
            ("PostgreSQL", "15.4"),
            ("Java", "17"),
            ("Node.js", "20.11.0"),
            ("iOS", "17.2"),
            ("Windows", "11 23H2"),
            ("release", "2024.03"),
            ("Python", "3.11"),
            ("Go", "1.22.0"),
        ] {
            assert!(has(&f, n, v), "{n} {v} missing from {f:?}");
        }
    }

    #[test]
    fn not_versions() {
        for text in [
            "server 10.0.12.7 is down",
            "Seit 10.03.2024 geht nichts mehr",
            "since 2024.03.10",
            "see Section 3.2.1",
            "I opened Chrome 3 times",
            "node 3 is NotReady",
            "CPU at 99.5% on host 192.168.1.20",
        ] {
            assert_eq!(versions(text), vec![], "{text}");
        }
    }

    #[test]
    fn user_agents() {
        let m = mentions(
            "UA: Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Safari/605.1.15",
        );
        let pairs: Vec<(&str, &str)> = m.iter().map(|m| (m.name, m.version.as_str())).collect();
        assert_eq!(pairs, vec![("macOS", "10.15.7"), ("Safari", "17.2")]);
    }
}
