//! A strict reader of the Prometheus text exposition format, for comparing
//! renders by meaning rather than by bytes, and a seeded generator.

#![allow(dead_code)]

use std::collections::BTreeMap;

/// A label set, names to unescaped values.
pub type Labels = BTreeMap<String, String>;

#[derive(Debug, Default, PartialEq)]
pub struct Exposition {
    /// Metric name to unescaped help text.
    pub help: BTreeMap<String, String>,
    /// Metric name to type.
    pub types: BTreeMap<String, String>,
    /// (line name, labels) to value.
    pub samples: BTreeMap<(String, Labels), f64>,
}

/// Parses `text`, panicking on anything the format does not allow (bad
/// escapes, a series or a HELP/TYPE line given twice, a malformed value).
pub fn parse(text: &str) -> Exposition {
    let mut e = Exposition::default();
    for line in text.lines() {
        if line.is_empty() {
            continue;
        }
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let (name, help) = rest.split_once(' ').unwrap_or((rest, ""));
            let help = unescape(help, false);
            assert!(
                e.help.insert(name.to_owned(), help).is_none(),
                "HELP twice for {name}"
            );
        } else if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest
                .split_once(' ')
                .unwrap_or_else(|| panic!("bad TYPE line {line:?}"));
            assert!(
                e.types.insert(name.to_owned(), kind.to_owned()).is_none(),
                "TYPE twice for {name}"
            );
        } else {
            assert!(!line.starts_with('#'), "unexpected comment {line:?}");
            let (series, value) = parse_sample(line);
            assert!(
                e.samples.insert(series, value).is_none(),
                "series twice: {line:?}"
            );
        }
    }
    e
}

fn parse_sample(line: &str) -> ((String, Labels), f64) {
    let name_end = line
        .find(['{', ' '])
        .unwrap_or_else(|| panic!("no value in {line:?}"));
    let name = &line[..name_end];
    assert!(valid_name(name), "bad metric name in {line:?}");
    let mut labels = Labels::new();
    let mut rest = &line[name_end..];
    if let Some(inner) = rest.strip_prefix('{') {
        let mut chars = inner.char_indices().peekable();
        let consumed;
        loop {
            // label name
            let mut lname = String::new();
            for (_, c) in chars.by_ref() {
                if c == '=' {
                    break;
                }
                lname.push(c);
            }
            assert!(
                valid_label_name(&lname),
                "bad label name {lname:?} in {line:?}"
            );
            assert_eq!(chars.next().map(|(_, c)| c), Some('"'), "in {line:?}");
            let mut raw = String::new();
            let mut escaped = false;
            for (_, c) in chars.by_ref() {
                if escaped {
                    raw.push('\\');
                    raw.push(c);
                    escaped = false;
                } else if c == '\\' {
                    escaped = true;
                } else if c == '"' {
                    break;
                } else {
                    raw.push(c);
                }
            }
            let value = unescape(&raw, true);
            assert!(
                labels.insert(lname.clone(), value).is_none(),
                "label {lname} twice in {line:?}"
            );
            match chars.next() {
                Some((_, ',')) => continue,
                Some((i, '}')) => {
                    consumed = i + 1;
                    break;
                }
                other => panic!("unexpected {other:?} in {line:?}"),
            }
        }
        rest = &inner[consumed..];
    }
    let value = rest
        .strip_prefix(' ')
        .unwrap_or_else(|| panic!("no space before value in {line:?}"));
    ((name.to_owned(), labels), parse_value(value))
}

/// Go's `strconv.ParseFloat` spellings that Prometheus accepts.
pub fn parse_value(v: &str) -> f64 {
    match v {
        "+Inf" | "Inf" | "inf" | "+inf" => f64::INFINITY,
        "-Inf" | "-inf" => f64::NEG_INFINITY,
        "NaN" => f64::NAN,
        _ => v.parse().unwrap_or_else(|e| panic!("bad value {v:?}: {e}")),
    }
}

/// Undoes the format's escapes: `\\`, `\n`, and in label values `\"`.
pub fn unescape(s: &str, label_value: bool) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('\\') => out.push('\\'),
            Some('n') => out.push('\n'),
            Some('"') if label_value => out.push('"'),
            other => panic!("invalid escape \\{other:?} in {s:?}"),
        }
    }
    out
}

fn valid_name(n: &str) -> bool {
    let mut chars = n.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

fn valid_label_name(n: &str) -> bool {
    let mut chars = n.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Asserts two parsed renders say the same: HELP and TYPE lines equal, the
/// same series, values equal (NaN equal to NaN; `_sum` lines within a
/// relative 1e-9, since the exporter may add samples in another order).
pub fn assert_same(ours: &Exposition, theirs: &Exposition, context: &str) {
    assert_eq!(ours.types, theirs.types, "TYPE lines differ ({context})");
    assert_eq!(ours.help, theirs.help, "HELP lines differ ({context})");
    let ours_keys: Vec<_> = ours.samples.keys().collect();
    let theirs_keys: Vec<_> = theirs.samples.keys().collect();
    if ours_keys != theirs_keys {
        let only_ours: Vec<_> = ours_keys
            .iter()
            .filter(|k| !theirs.samples.contains_key(k))
            .collect();
        let only_theirs: Vec<_> = theirs_keys
            .iter()
            .filter(|k| !ours.samples.contains_key(k))
            .collect();
        panic!("series differ ({context}): only ours {only_ours:?}, only theirs {only_theirs:?}");
    }
    for (key, a) in &ours.samples {
        let b = theirs.samples[key];
        let same = if a.is_nan() || b.is_nan() {
            a.is_nan() && b.is_nan()
        } else if key.0.ends_with("_sum") {
            a == &b || (a - b).abs() <= 1e-9 * a.abs().max(b.abs())
        } else {
            a == &b
        };
        assert!(same, "{key:?}: ours {a}, theirs {b} ({context})");
    }
}

/// xorshift64*: a small seeded generator, enough for workloads.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// In `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// True with probability `1/n`.
    pub fn one_in(&mut self, n: usize) -> bool {
        self.below(n) == 0
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// A string over an alphabet rich in what needs escaping.
    pub fn text(&mut self, max_len: usize, alphabet: &[char]) -> String {
        let len = self.below(max_len + 1);
        (0..len).map(|_| *self.pick(alphabet)).collect()
    }
}
