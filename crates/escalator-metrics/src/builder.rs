//! The recorder's configuration: global labels and histogram buckets.

use std::collections::HashMap;
use std::sync::Arc;

use metrics::Key;

use crate::recorder::{Handle, TextRecorder};
use crate::text;

/// Prometheus' default buckets, used when [`Builder::buckets`] is not
/// called.
pub const DEFAULT_BUCKETS: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error(
        "histogram buckets must be a non-empty list of finite numbers (+Inf is implied), got {0:?}"
    )]
    InvalidBuckets(Vec<f64>),
    #[error("a global metrics recorder is already installed")]
    AlreadyInstalled,
}

/// Which metric names a bucket list applies to. Matched against the
/// sanitized name; a full match wins over prefixes, a longer prefix over a
/// shorter one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Matcher {
    Full(String),
    Prefix(String),
}

/// Builds a [`TextRecorder`].
#[derive(Debug, Clone)]
pub struct Builder {
    global_labels: Vec<(String, String)>,
    buckets: Vec<f64>,
    overrides: Vec<(Matcher, Vec<f64>)>,
}

impl Default for Builder {
    fn default() -> Self {
        Builder {
            global_labels: Vec::new(),
            buckets: DEFAULT_BUCKETS.to_vec(),
            overrides: Vec::new(),
        }
    }
}

impl Builder {
    pub fn new() -> Self {
        Self::default()
    }

    /// A label on every series. A series' own label of the same name wins.
    /// Setting a name twice keeps the last value.
    pub fn global_label(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        let (name, value) = (name.into(), value.into());
        match self.global_labels.iter_mut().find(|(n, _)| *n == name) {
            Some(pair) => pair.1 = value,
            None => self.global_labels.push((name, value)),
        }
        self
    }

    /// The bucket bounds of every histogram without a [`Self::buckets_for`]
    /// match. Any order; duplicates are dropped.
    pub fn buckets(mut self, bounds: &[f64]) -> Result<Self, BuildError> {
        self.buckets = checked(bounds)?;
        Ok(self)
    }

    /// The bucket bounds of the histograms `matcher` selects.
    pub fn buckets_for(mut self, matcher: Matcher, bounds: &[f64]) -> Result<Self, BuildError> {
        let bounds = checked(bounds)?;
        let matcher = match matcher {
            Matcher::Full(name) => Matcher::Full(text::sanitize_metric_name(&name)),
            Matcher::Prefix(p) if p.is_empty() => Matcher::Prefix(p),
            Matcher::Prefix(p) => Matcher::Prefix(text::sanitize_metric_name(&p)),
        };
        self.overrides.retain(|(m, _)| *m != matcher);
        self.overrides.push((matcher, bounds));
        Ok(self)
    }

    /// A recorder to use with [`metrics::with_local_recorder`] (tests,
    /// benchmarks) or to install by hand; [`TextRecorder::handle`] renders.
    pub fn build_recorder(self) -> TextRecorder {
        TextRecorder::new(self.into_config())
    }

    /// Installs the recorder as the process' global one.
    pub fn install(self) -> Result<Handle, BuildError> {
        let recorder = self.build_recorder();
        let handle = recorder.handle();
        metrics::set_global_recorder(recorder).map_err(|_| BuildError::AlreadyInstalled)?;
        Ok(handle)
    }

    fn into_config(self) -> Config {
        let mut full = HashMap::new();
        let mut prefixes = Vec::new();
        for (matcher, bounds) in self.overrides {
            match matcher {
                Matcher::Full(name) => {
                    full.insert(name, Arc::from(bounds));
                }
                Matcher::Prefix(p) => prefixes.push((p, Arc::from(bounds))),
            }
        }
        prefixes.sort_by_key(|(p, _): &(String, Arc<[f64]>)| std::cmp::Reverse(p.len()));
        Config {
            global_labels: self.global_labels,
            buckets: Arc::from(self.buckets),
            full,
            prefixes,
        }
    }
}

fn checked(bounds: &[f64]) -> Result<Vec<f64>, BuildError> {
    if bounds.is_empty() || bounds.iter().any(|b| !b.is_finite()) {
        return Err(BuildError::InvalidBuckets(bounds.to_vec()));
    }
    let mut sorted = bounds.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted.dedup();
    Ok(sorted)
}

/// What the builder fixed, read when a series is registered.
#[derive(Debug)]
pub(crate) struct Config {
    global_labels: Vec<(String, String)>,
    buckets: Arc<[f64]>,
    /// By sanitized name.
    full: HashMap<String, Arc<[f64]>>,
    /// Longest first.
    prefixes: Vec<(String, Arc<[f64]>)>,
}

impl Config {
    /// The bucket bounds of the histogram `name` (sanitized).
    pub(crate) fn buckets_for(&self, name: &str) -> Arc<[f64]> {
        if let Some(b) = self.full.get(name) {
            return b.clone();
        }
        self.prefixes
            .iter()
            .find(|(p, _)| name.starts_with(p.as_str()))
            .map_or_else(|| self.buckets.clone(), |(_, b)| b.clone())
    }

    /// The label text of a series: the global labels overridden by the
    /// key's own, names sanitized, sorted by name (so keys whose labels
    /// differ only in order are one series), values escaped. Where two
    /// names sanitize alike, the later one (the key's over a global) stays.
    pub(crate) fn label_text(&self, key: &Key) -> String {
        let mut pairs: Vec<(&str, &str)> = self
            .global_labels
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        for label in key.labels() {
            match pairs.iter_mut().find(|(n, _)| *n == label.key()) {
                Some(pair) => pair.1 = label.value(),
                None => pairs.push((label.key(), label.value())),
            }
        }
        let mut named: Vec<(String, &str)> = pairs
            .into_iter()
            .map(|(n, v)| (text::sanitize_label_name(n), v))
            .collect();
        // Stable: of equal names, the later pair stays after the earlier.
        named.sort_by(|a, b| a.0.cmp(&b.0));
        let mut out = String::new();
        for (i, (name, value)) in named.iter().enumerate() {
            if named.get(i + 1).is_some_and(|next| next.0 == *name) {
                continue;
            }
            if !out.is_empty() {
                out.push(',');
            }
            out.push_str(name);
            out.push_str("=\"");
            text::push_label_value(&mut out, value);
            out.push('"');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    fn config(b: Builder) -> Config {
        b.into_config()
    }

    #[test]
    fn buckets_are_checked_sorted_and_deduplicated() {
        assert!(Builder::new().buckets(&[]).is_err());
        assert!(Builder::new().buckets(&[1.0, f64::NAN]).is_err());
        assert!(Builder::new().buckets(&[1.0, f64::INFINITY]).is_err());
        let c = config(Builder::new().buckets(&[5.0, 1.0, 5.0, 0.5]).unwrap());
        assert_eq!(&*c.buckets_for("x"), &[0.5, 1.0, 5.0]);
    }

    #[test]
    fn full_match_then_longest_prefix_then_default() {
        let c = config(
            Builder::new()
                .buckets(&[1.0])
                .unwrap()
                .buckets_for(Matcher::Prefix("escalator_".into()), &[2.0])
                .unwrap()
                .buckets_for(Matcher::Prefix("escalator_router_".into()), &[3.0])
                .unwrap()
                .buckets_for(Matcher::Full("escalator.router.seconds".into()), &[4.0])
                .unwrap(),
        );
        assert_eq!(&*c.buckets_for("other"), &[1.0]);
        assert_eq!(&*c.buckets_for("escalator_x"), &[2.0]);
        assert_eq!(&*c.buckets_for("escalator_router_x"), &[3.0]);
        assert_eq!(&*c.buckets_for("escalator_router_seconds"), &[4.0]);
    }

    #[test]
    fn label_text_sorts_overrides_sanitizes_and_escapes() {
        let c = config(
            Builder::new()
                .global_label("service", "a")
                .global_label("zone", "z")
                .global_label("service", "b"),
        );
        let key = Key::from_parts(
            "m",
            vec![
                metrics::Label::new("domain", "x\"y\\z\nw"),
                metrics::Label::new("zone", "mine"),
                metrics::Label::new("customer-tier", "gold"),
            ],
        );
        assert_eq!(
            c.label_text(&key),
            "customer_tier=\"gold\",domain=\"x\\\"y\\\\z\\nw\",service=\"b\",zone=\"mine\""
        );
        let clash = Key::from_parts(
            "m",
            vec![
                metrics::Label::new("a-b", "1"),
                metrics::Label::new("a_b", "2"),
            ],
        );
        assert_eq!(config(Builder::new()).label_text(&clash), "a_b=\"2\"");
        assert_eq!(config(Builder::new()).label_text(&Key::from_name("m")), "");
    }
}
