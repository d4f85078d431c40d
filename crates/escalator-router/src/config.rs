//! Routing configuration: the technology domains, the specialist queue of
//! each (capacity = specialists x WIP limit, an overflow target) and the
//! signals that point at a domain. Validated at load with file, line and
//! domain in every error.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::compiled::Compiled;

#[derive(Debug, thiserror::Error, PartialEq)]
#[error("{file}:{line}: {message}")]
pub struct ConfigError {
    pub file: String,
    pub line: usize,
    pub message: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct RoutingFile {
    version: String,
    min_confidence: f64,
    triage_domain: String,
    #[serde(default = "default_reserve")]
    urgent_reserve: f64,
    #[serde(default = "default_learned_weight")]
    learned_weight: f64,
    #[serde(default = "default_saturation")]
    learned_saturation: u32,
    domains: Vec<Spanned<Domain>>,
}

fn default_reserve() -> f64 {
    0.2
}

fn default_learned_weight() -> f64 {
    3.0
}

fn default_saturation() -> u32 {
    5
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Domain {
    pub name: String,
    pub queue: String,
    pub specialists: u32,
    pub wip_limit: u32,
    /// Domain whose queue takes the overflow; empty: none (the queue runs over).
    #[serde(default)]
    pub overflow: String,
    /// Explicit mappings (matched case-insensitively, whole values).
    #[serde(default)]
    pub products: Vec<String>,
    #[serde(default)]
    pub components: Vec<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    /// Weighted words and phrases in the ticket's text.
    #[serde(default)]
    pub keywords: BTreeMap<String, f64>,
    /// Error codes starting with one of these point here.
    #[serde(default)]
    pub error_prefixes: Vec<String>,
    /// Stack frames or log sources containing one of these point here.
    #[serde(default)]
    pub frame_keywords: Vec<String>,
    /// Publish L3 escalations to `<topic>.l3` instead of the domain topic.
    #[serde(default)]
    pub separate_l3_topic: bool,
}

impl Domain {
    pub fn capacity(&self) -> u32 {
        self.specialists.saturating_mul(self.wip_limit)
    }
}

#[derive(Debug, Clone)]
pub struct Routing {
    pub version: String,
    pub min_confidence: f64,
    pub triage_domain: String,
    pub urgent_reserve: f64,
    pub learned_weight: f64,
    pub learned_saturation: u32,
    pub domains: Vec<Domain>,
    /// The decision-independent part of classification, built from
    /// `domains` at parse (a domain changed later is matched directly).
    compiled: Arc<Compiled>,
}

/// The shipped default (deploy/routing.toml), compiled in.
pub const DEFAULT: &str = include_str!("../../../deploy/routing.toml");

impl Routing {
    pub fn default_config() -> Result<Routing, ConfigError> {
        Routing::parse("deploy/routing.toml", DEFAULT)
    }

    pub fn load(path: &Path) -> Result<Routing, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            file: path.display().to_string(),
            line: 0,
            message: e.to_string(),
        })?;
        Routing::parse(&path.display().to_string(), &text)
    }

    pub fn parse(file: &str, text: &str) -> Result<Routing, ConfigError> {
        let line = |offset: usize| text[..offset.min(text.len())].matches('\n').count() + 1;
        let err = |offset: usize, message: String| ConfigError {
            file: file.to_owned(),
            line: line(offset),
            message,
        };
        let raw: RoutingFile = toml::from_str(text)
            .map_err(|e| err(e.span().map_or(0, |s| s.start), e.message().to_owned()))?;
        if !(0.0..=1.0).contains(&raw.min_confidence) {
            return Err(err(0, "min_confidence must be between 0 and 1".into()));
        }
        if !(0.0..1.0).contains(&raw.urgent_reserve) {
            return Err(err(
                0,
                "urgent_reserve must be at least 0 and below 1".into(),
            ));
        }
        let names: Vec<String> = raw
            .domains
            .iter()
            .map(|d| d.get_ref().name.clone())
            .collect();
        for d in &raw.domains {
            let at = d.span().start;
            let d = d.get_ref();
            let bad = |m: String| err(at, format!("domain {}: {m}", d.name));
            if d.name.is_empty()
                || !d
                    .name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            {
                return Err(bad(
                    "name must be lower-case letters, digits and '-' (it is part of a topic name)"
                        .into(),
                ));
            }
            if names.iter().filter(|n| **n == d.name).count() > 1 {
                return Err(bad("defined twice".into()));
            }
            if d.queue.is_empty() {
                return Err(bad("queue is empty".into()));
            }
            if d.capacity() == 0 {
                return Err(bad("capacity (specialists x wip_limit) is zero".into()));
            }
            if !d.overflow.is_empty() && !names.contains(&d.overflow) {
                return Err(bad(format!(
                    "overflow target {:?} is not a domain",
                    d.overflow
                )));
            }
            if d.overflow == d.name {
                return Err(bad("overflows to itself".into()));
            }
            for (k, w) in &d.keywords {
                if !w.is_finite() || *w <= 0.0 {
                    return Err(bad(format!("keyword {k:?} needs a positive weight")));
                }
            }
        }
        if !names.contains(&raw.triage_domain) {
            return Err(err(
                0,
                format!("triage_domain {:?} is not a domain", raw.triage_domain),
            ));
        }
        let domains: Vec<Domain> = raw.domains.into_iter().map(Spanned::into_inner).collect();
        Ok(Routing {
            version: raw.version,
            min_confidence: raw.min_confidence,
            triage_domain: raw.triage_domain,
            urgent_reserve: raw.urgent_reserve,
            learned_weight: raw.learned_weight,
            learned_saturation: raw.learned_saturation.max(1),
            compiled: Arc::new(Compiled::build(&domains)),
            domains,
        })
    }

    pub fn domain(&self, name: &str) -> Option<&Domain> {
        self.domains.iter().find(|d| d.name == name)
    }

    pub fn triage(&self) -> Option<&Domain> {
        self.domain(&self.triage_domain)
    }

    pub(crate) fn compiled(&self) -> &Compiled {
        &self.compiled
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_default_is_valid_and_covers_the_domains() {
        let r = Routing::default_config().unwrap_or_else(|e| panic!("{e}"));
        for d in [
            "database",
            "networking",
            "identity",
            "platform",
            "billing",
            "frontend",
            "data-pipeline",
            "triage",
        ] {
            assert!(r.domain(d).is_some(), "{d}");
        }
        assert_eq!(r.domain("database").map(Domain::capacity), Some(12));
    }

    #[test]
    fn errors_name_the_line_and_domain() {
        let text = "version = \"1\"\nmin_confidence = 0.4\ntriage_domain = \"triage\"\n[[domains]]\nname = \"triage\"\nqueue = \"t\"\nspecialists = 1\nwip_limit = 1\n[[domains]]\nname = \"db\"\nqueue = \"q\"\nspecialists = 1\nwip_limit = 1\noverflow = \"nowhere\"\n";
        let e = Routing::parse("r.toml", text)
            .err()
            .unwrap_or_else(|| panic!("must fail"));
        assert!(
            e.message.contains("domain db") && e.message.contains("nowhere"),
            "{e}"
        );
        assert_eq!(e.line, 9);
    }
}
