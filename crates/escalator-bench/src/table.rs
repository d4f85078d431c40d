//! Statistics over runs, and the goal table (printed and as JSON).

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Better {
    Higher,
    Lower,
}

/// One goal of the brief with what was measured for it.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub id: &'static str,
    pub what: &'static str,
    pub unit: &'static str,
    /// The goal as the brief states it.
    pub goal_text: &'static str,
    pub goal: f64,
    pub better: Better,
    pub runs: usize,
    /// `None` when the goal was not measured (`note` says why).
    pub median: Option<f64>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub holds: Option<bool>,
    pub note: String,
}

impl Row {
    pub fn new(
        id: &'static str,
        what: &'static str,
        unit: &'static str,
        goal_text: &'static str,
        goal: f64,
        better: Better,
    ) -> Row {
        Row {
            id,
            what,
            unit,
            goal_text,
            goal,
            better,
            runs: 0,
            median: None,
            min: None,
            max: None,
            holds: None,
            note: String::new(),
        }
    }

    /// Fills in the statistics of `samples` and whether the median meets the goal.
    pub fn with_samples(mut self, samples: &[f64], note: impl Into<String>) -> Row {
        self.note = note.into();
        let Some(s) = Stats::of(samples) else {
            return self;
        };
        self.runs = samples.len();
        self.median = Some(s.median);
        self.min = Some(s.min);
        self.max = Some(s.max);
        self.holds = Some(match self.better {
            Better::Higher => s.median >= self.goal,
            Better::Lower => s.median <= self.goal,
        });
        self
    }

    pub fn not_measured(mut self, why: impl Into<String>) -> Row {
        self.note = why.into();
        self
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stats {
    pub median: f64,
    pub min: f64,
    pub max: f64,
}

impl Stats {
    /// Median (mean of the two middle values for an even count), min, max.
    pub fn of(samples: &[f64]) -> Option<Stats> {
        let mut v: Vec<f64> = samples.iter().copied().filter(|x| x.is_finite()).collect();
        if v.is_empty() {
            return None;
        }
        v.sort_by(f64::total_cmp);
        let n = v.len();
        let median = if n % 2 == 1 {
            v[n / 2]
        } else {
            (v[n / 2 - 1] + v[n / 2]) / 2.0
        };
        Some(Stats {
            median,
            min: v[0],
            max: v[n - 1],
        })
    }
}

/// Nearest-rank percentile of `samples` (p in 0..=100).
pub fn percentile(samples: &mut [f64], p: f64) -> Option<f64> {
    if samples.is_empty() {
        return None;
    }
    samples.sort_by(f64::total_cmp);
    let rank = ((p / 100.0) * samples.len() as f64).ceil().max(1.0) as usize;
    samples.get(rank.min(samples.len()) - 1).copied()
}

fn num(x: Option<f64>) -> String {
    match x {
        None => "-".into(),
        Some(v) if v.abs() >= 1000.0 => format!("{v:.0}"),
        Some(v) if v.abs() >= 10.0 => format!("{v:.1}"),
        Some(v) => format!("{v:.3}"),
    }
}

/// The table in the shape of the brief's goals table, plus measurements.
pub fn render(rows: &[Row]) -> String {
    let mut out = String::from(
        "| # | what | goal | median | min | max | unit | runs | holds | note |\n|---|---|---|---|---|---|---|---|---|---|\n",
    );
    for r in rows {
        let holds = match r.holds {
            Some(true) => "yes",
            Some(false) => "NO",
            None => "not measured",
        };
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
            r.id,
            r.what,
            r.goal_text,
            num(r.median),
            num(r.min),
            num(r.max),
            r.unit,
            r.runs,
            holds,
            r.note
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_min_max_and_the_verdict() {
        let s = Stats::of(&[3.0, 1.0, 2.0, f64::NAN]).unwrap();
        assert_eq!((s.median, s.min, s.max), (2.0, 1.0, 3.0));
        assert_eq!(Stats::of(&[1.0, 2.0, 3.0, 4.0]).unwrap().median, 2.5);
        assert!(Stats::of(&[]).is_none());
        let r = Row::new("P9", "x", "ms", "<= 10 ms", 10.0, Better::Lower)
            .with_samples(&[9.0, 11.0, 10.0], "");
        assert_eq!(r.holds, Some(true));
        let r = Row::new("P9", "x", "ev/s", ">= 5", 5.0, Better::Higher).with_samples(&[4.0], "");
        assert_eq!(r.holds, Some(false));
        assert!(render(&[r]).contains("| NO |"));
        let mut v = vec![5.0, 1.0, 4.0, 2.0, 3.0];
        assert_eq!(percentile(&mut v, 50.0), Some(3.0));
        assert_eq!(percentile(&mut v, 99.0), Some(5.0));
    }
}
