//! The render side: series grouped per metric name in sorted order, and the
//! text they render to. Everything that is the same on every render (the
//! `# HELP`/`# TYPE` header, `name_bucket{`, `le="0.5"} `) is built once.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use crate::series::{CounterCell, GaugeCell, HistogramCell, Series};
use crate::text;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Counter,
    Gauge,
    Histogram,
}

impl Kind {
    const ALL: [Kind; 3] = [Kind::Counter, Kind::Gauge, Kind::Histogram];

    fn type_name(self) -> &'static str {
        match self {
            Kind::Counter => "counter",
            Kind::Gauge => "gauge",
            Kind::Histogram => "histogram",
        }
    }
}

/// A series of any kind.
#[derive(Debug, Clone)]
pub enum Member {
    Counter(Arc<Series<CounterCell>>),
    Gauge(Arc<Series<GaugeCell>>),
    Histogram(Arc<Series<HistogramCell>>),
}

impl Member {
    pub fn kind(&self) -> Kind {
        match self {
            Member::Counter(_) => Kind::Counter,
            Member::Gauge(_) => Kind::Gauge,
            Member::Histogram(_) => Kind::Histogram,
        }
    }

    fn labels(&self) -> &str {
        match self {
            Member::Counter(s) => &s.labels,
            Member::Gauge(s) => &s.labels,
            Member::Histogram(s) => &s.labels,
        }
    }
}

/// Every series, per (sanitized name, kind), and the descriptions.
#[derive(Debug, Default)]
pub struct Index {
    families: BTreeMap<(Arc<str>, Kind), Family>,
    /// Escaped help text by sanitized name; the first description wins.
    descriptions: HashMap<String, String>,
}

/// The series of one name and kind.
#[derive(Debug)]
struct Family {
    /// `# HELP ...` (when described) and `# TYPE ...` lines.
    header: String,
    /// Sorted by label text (unique: the store shares one storage per
    /// identity).
    members: Vec<Member>,
    /// Histograms: `name_bucket{`, and per bucket `le="..."} ` including
    /// `+Inf`.
    bucket_prefix: String,
    le: Vec<String>,
}

impl Index {
    /// Adds series created since the last render.
    pub fn add(&mut self, new: Vec<(Arc<str>, Member)>) {
        if new.is_empty() {
            return;
        }
        let mut touched = Vec::new();
        for (name, member) in new {
            let id = (name, member.kind());
            let descriptions = &self.descriptions;
            let family = self.families.entry(id.clone()).or_insert_with(|| {
                let help = descriptions.get(&*id.0).map(String::as_str);
                Family::new(&id.0, &member, help)
            });
            family.members.push(member);
            touched.push(id);
        }
        touched.sort_unstable();
        touched.dedup();
        for id in touched {
            if let Some(f) = self.families.get_mut(&id) {
                f.members
                    .sort_unstable_by(|a, b| a.labels().cmp(b.labels()));
            }
        }
    }

    /// Records `name`'s description unless it has one.
    pub fn describe(&mut self, name: String, description: &str) {
        if self.descriptions.contains_key(&name) {
            return;
        }
        let mut help = String::new();
        text::push_help(&mut help, description);
        let key: Arc<str> = name.as_str().into();
        for kind in Kind::ALL {
            if let Some(f) = self.families.get_mut(&(key.clone(), kind)) {
                f.header = header(&name, kind, Some(&help));
            }
        }
        self.descriptions.insert(name, help);
    }

    pub fn render(&self, out: &mut String) {
        for ((name, _), family) in &self.families {
            family.render(name, out);
        }
    }
}

fn header(name: &str, kind: Kind, help: Option<&str>) -> String {
    let mut h = String::new();
    if let Some(help) = help {
        h.push_str("# HELP ");
        h.push_str(name);
        h.push(' ');
        h.push_str(help);
        h.push('\n');
    }
    h.push_str("# TYPE ");
    h.push_str(name);
    h.push(' ');
    h.push_str(kind.type_name());
    h.push('\n');
    h
}

impl Family {
    fn new(name: &str, first: &Member, help: Option<&str>) -> Family {
        let (bucket_prefix, le) = match first {
            Member::Histogram(s) => {
                let le = s
                    .cell
                    .bounds
                    .iter()
                    .copied()
                    .chain([f64::INFINITY])
                    .map(|b| format!("le=\"{}\"}} ", text::le_value(b)))
                    .collect();
                (format!("{name}_bucket{{"), le)
            }
            _ => (String::new(), Vec::new()),
        };
        Family {
            header: header(name, first.kind(), help),
            members: Vec::new(),
            bucket_prefix,
            le,
        }
    }

    fn render(&self, name: &str, out: &mut String) {
        out.push_str(&self.header);
        for member in &self.members {
            match member {
                Member::Counter(s) => {
                    push_series(out, name, "", &s.labels);
                    text::push_u64(out, s.cell.get());
                    out.push('\n');
                }
                Member::Gauge(s) => {
                    push_series(out, name, "", &s.labels);
                    text::push_f64(out, s.cell.get());
                    out.push('\n');
                }
                Member::Histogram(s) => self.render_histogram(name, s, out),
            }
        }
        out.push('\n');
    }

    fn render_histogram(&self, name: &str, s: &Series<HistogramCell>, out: &mut String) {
        let mut cumulative = 0u64;
        for (le, count) in self.le.iter().zip(s.cell.counts()) {
            cumulative += count;
            out.push_str(&self.bucket_prefix);
            if !s.labels.is_empty() {
                out.push_str(&s.labels);
                out.push(',');
            }
            out.push_str(le);
            text::push_u64(out, cumulative);
            out.push('\n');
        }
        push_series(out, name, "_sum", &s.labels);
        text::push_f64(out, s.cell.sum());
        out.push('\n');
        push_series(out, name, "_count", &s.labels);
        text::push_u64(out, cumulative);
        out.push('\n');
    }
}

/// `name{labels} ` (no braces without labels).
#[inline]
fn push_series(out: &mut String, name: &str, suffix: &str, labels: &str) {
    out.push_str(name);
    out.push_str(suffix);
    if !labels.is_empty() {
        out.push('{');
        out.push_str(labels);
        out.push('}');
    }
    out.push(' ');
}
