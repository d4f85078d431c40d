//! The learned part of classification: for each token (a product,
//! component, tag or error code), how often specialists confirmed or moved
//! escalations carrying it to each domain. Updated online from outcomes;
//! kept in the router's state.
//!
//! Robustness: a token's vote is its share of labels per domain, scaled by
//! how established it is (`labels / saturation`, capped at 1). One contrary
//! label against twenty agreeing ones moves the share from 1 to 0.95: the
//! mapping does not flip; a run of corrections does move it.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TokenCounts {
    /// (domain, labels), at most a handful per token.
    pub counts: Vec<(String, u32)>,
}

impl TokenCounts {
    pub fn total(&self) -> u32 {
        self.counts.iter().map(|(_, n)| *n).sum()
    }

    pub fn label(&mut self, domain: &str) {
        match self.counts.iter_mut().find(|(d, _)| d == domain) {
            Some((_, n)) => *n = n.saturating_add(1),
            None => self.counts.push((domain.to_owned(), 1)),
        }
        // Old evidence fades slowly so the model can follow a real change.
        if self.total() > 1000 {
            for (_, n) in &mut self.counts {
                *n = (*n * 9) / 10;
            }
            self.counts.retain(|(_, n)| *n > 0);
        }
    }

    /// Per-domain votes: share x establishment.
    pub fn votes(&self, saturation: u32) -> Vec<(String, f64)> {
        let total = self.total();
        if total == 0 {
            return Vec::new();
        }
        let established = (f64::from(total) / f64::from(saturation.max(1))).min(1.0);
        self.counts
            .iter()
            .map(|(d, n)| (d.clone(), f64::from(*n) / f64::from(total) * established))
            .collect()
    }

    pub fn leader(&self) -> Option<&str> {
        self.counts
            .iter()
            .max_by_key(|(_, n)| *n)
            .map(|(d, _)| d.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_noisy_label_does_not_flip_an_established_mapping() {
        let mut t = TokenCounts::default();
        for _ in 0..20 {
            t.label("database");
        }
        t.label("networking");
        assert_eq!(t.leader(), Some("database"));
        let v = t.votes(5);
        let db = v.iter().find(|(d, _)| d == "database").map_or(0.0, |x| x.1);
        assert!(db > 0.9, "{v:?}");
    }

    #[test]
    fn a_run_of_corrections_moves_it() {
        let mut t = TokenCounts::default();
        for _ in 0..5 {
            t.label("database");
        }
        for _ in 0..8 {
            t.label("networking");
        }
        assert_eq!(t.leader(), Some("networking"));
    }
}
