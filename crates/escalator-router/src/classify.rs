//! Domain classification: explicit mappings, weighted text and diagnostics
//! signals, and the learned model, summed per domain; the confidence is the
//! winner's share of all evidence (with a small prior, so thin evidence
//! stays unsure). Below the configured confidence the triage queue takes it.

use escalator_proto::v1::ClassificationSignalSource as Src;

use crate::config::Routing;
use crate::features::Features;
use crate::model::TokenCounts;

/// Evidence that must be outweighed before a domain is trusted: one keyword
/// alone is not enough.
const PRIOR: f64 = 3.0;
// Fields filled in by hand are often stale or wrong; error codes and stack
// frames come from the failing system itself, so they weigh more.
const COMPONENT_WEIGHT: f64 = 2.0;
const PRODUCT_WEIGHT: f64 = 1.5;
const TAG_WEIGHT: f64 = 1.0;
const ERROR_WEIGHT: f64 = 3.0;
const FRAME_WEIGHT: f64 = 2.5;

#[derive(Debug, Clone, PartialEq)]
pub struct Signal {
    pub source: Src,
    pub name: String,
    pub weight: f64,
    pub domain: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// The chosen domain (the triage domain when unsure).
    pub domain: String,
    /// The best-scoring domain, even when it was not trusted.
    pub best: String,
    pub confidence: f64,
    pub signals: Vec<Signal>,
    /// Every domain with evidence, best first.
    pub scores: Vec<(String, f64)>,
    pub triage_fallback: bool,
}

fn eq(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

/// `learned` gives the counts of a token, if the model has any.
pub fn classify(
    routing: &Routing,
    f: &Features,
    learned: &dyn Fn(&str) -> Option<TokenCounts>,
) -> Outcome {
    let mut signals: Vec<Signal> = Vec::new();
    for d in routing
        .domains
        .iter()
        .filter(|d| d.name != routing.triage_domain)
    {
        let mut add = |source: Src, name: String, weight: f64| {
            signals.push(Signal {
                source,
                name,
                weight,
                domain: d.name.clone(),
            });
        };
        if !f.component.is_empty() && d.components.iter().any(|c| eq(c, &f.component)) {
            add(
                Src::Mapping,
                format!("component={}", f.component),
                COMPONENT_WEIGHT,
            );
        }
        if !f.product.is_empty() && d.products.iter().any(|p| eq(p, &f.product)) {
            add(
                Src::Mapping,
                format!("product={}", f.product),
                PRODUCT_WEIGHT,
            );
        }
        for t in &f.tags {
            if d.tags.iter().any(|x| eq(x, t)) {
                add(Src::Mapping, format!("tag={t}"), TAG_WEIGHT);
            }
        }
        for (kw, w) in &d.keywords {
            if crate::features::has_word(&f.text, kw) {
                add(Src::Text, format!("text:{kw}"), *w);
            }
        }
        let mut matched = 0;
        for code in &f.error_codes {
            // At most two codes per domain: a log repeating one code is one fact.
            if matched < 2
                && d.error_prefixes
                    .iter()
                    .any(|p| code.to_lowercase().starts_with(&p.to_lowercase()))
            {
                add(Src::Diagnostics, format!("error:{code}"), ERROR_WEIGHT);
                matched += 1;
            }
        }
        for k in &d.frame_keywords {
            if f.frames.contains(&k.to_lowercase()) {
                add(Src::Diagnostics, format!("frame:{k}"), FRAME_WEIGHT);
            }
        }
    }
    for token in crate::features::tokens(f) {
        if let Some(counts) = learned(&token) {
            for (domain, vote) in counts.votes(routing.learned_saturation) {
                if vote > 0.0
                    && domain != routing.triage_domain
                    && routing.domain(&domain).is_some()
                {
                    signals.push(Signal {
                        source: Src::Learned,
                        name: token.clone(),
                        weight: vote * routing.learned_weight,
                        domain,
                    });
                }
            }
        }
    }
    let mut scores: Vec<(String, f64)> = Vec::new();
    for s in &signals {
        match scores.iter_mut().find(|(d, _)| *d == s.domain) {
            Some((_, v)) => *v += s.weight,
            None => scores.push((s.domain.clone(), s.weight)),
        }
    }
    scores.sort_by(|a, b| {
        b.1.partial_cmp(&a.1)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then_with(|| a.0.cmp(&b.0))
    });
    let total: f64 = scores.iter().map(|(_, v)| v).sum();
    let (best, top) = scores
        .first()
        .cloned()
        .unwrap_or_else(|| (routing.triage_domain.clone(), 0.0));
    let confidence = if top > 0.0 {
        top / (total + PRIOR)
    } else {
        0.0
    };
    let trusted = confidence >= routing.min_confidence;
    signals.sort_by(|a, b| {
        b.weight
            .partial_cmp(&a.weight)
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    Outcome {
        domain: if trusted {
            best.clone()
        } else {
            routing.triage_domain.clone()
        },
        best,
        confidence,
        signals,
        scores,
        triage_fallback: !trusted,
    }
}
