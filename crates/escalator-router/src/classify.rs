//! Domain classification: explicit mappings, weighted text and diagnostics
//! signals, and the learned model, summed per domain; the confidence is the
//! winner's share of all evidence (with a small prior, so thin evidence
//! stays unsure). Below the configured confidence the triage queue takes it.

use escalator_proto::v1::ClassificationSignalSource as Src;

use crate::compiled::DomainSignals;
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
    let compiled = routing.compiled();
    // Decision-side work done once, not once per domain.
    let hits = compiled.keyword_hits(&f.text);
    let codes_lower: Vec<String> = f.error_codes.iter().map(|c| c.to_lowercase()).collect();
    for (at, d) in routing
        .domains
        .iter()
        .enumerate()
        .filter(|(_, d)| d.name != routing.triage_domain)
    {
        let built;
        let compiled_domain = match compiled.domain(at, d) {
            Some(c) => c,
            None => {
                built = DomainSignals::new(d, None);
                &built
            }
        };
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
        for (i, (kw, w)) in d.keywords.iter().enumerate() {
            if compiled_domain.keyword(&hits, i, kw) {
                add(Src::Text, format!("text:{kw}"), *w);
            }
        }
        let prefixes = &compiled_domain.error_prefixes_lower;
        let mut matched = 0;
        for (code, lower) in f.error_codes.iter().zip(&codes_lower) {
            // At most two codes per domain: a log repeating one code is one fact.
            if matched < 2 && prefixes.iter().any(|p| lower.starts_with(p.as_str())) {
                add(Src::Diagnostics, format!("error:{code}"), ERROR_WEIGHT);
                matched += 1;
            }
        }
        for (k, lower) in d
            .frame_keywords
            .iter()
            .zip(&compiled_domain.frame_keywords_lower)
        {
            if f.frames.contains(lower.as_str()) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::normalize;
    use crate::test_corpus::{strings, tickets};

    /// `classify` as it was before keywords, error prefixes and frame
    /// keywords were compiled per config: the definition.
    fn oracle_classify(
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

    /// Features from the corpus, with error codes and frames that hit the
    /// default prefixes and frame keywords too.
    fn corpus_features() -> Vec<Features> {
        let extra_codes = [
            "sqlstate:40001",
            "ORA-00060",
            "errno:ECONNRESET",
            "E11000",
            "HTTP 500",
        ];
        tickets()
            .iter()
            .map(|t| {
                let field = |k: &str| t[k].as_str().unwrap_or_default().to_owned();
                let list = |k: &str| strings(&t[k]).iter().map(|s| (*s).to_owned()).collect();
                let mut error_codes: Vec<String> = list("error_codes");
                error_codes.extend(extra_codes.iter().map(|c| (*c).to_owned()));
                Features {
                    product: field("product"),
                    component: field("component"),
                    tags: list("tags"),
                    text: normalize(&strings(t).join("\n")),
                    error_codes,
                    frames: format!(
                        "{}\norg.postgresql.Driver\njava.net.Socket",
                        field("stack_top")
                    )
                    .to_lowercase(),
                }
            })
            .collect()
    }

    #[test]
    fn classification_is_unchanged_on_the_corpus() {
        let routing = Routing::default_config().unwrap_or_else(|e| panic!("{e}"));
        // The same config changed after parse: those domains are matched
        // directly, not from the table.
        let mut changed = routing.clone();
        changed.domains[0].keywords.insert("Timeout".into(), 1.0);
        changed.domains[1].frame_keywords.push("JDBC".into());
        changed.domains[2].error_prefixes.push("SQLSTATE:4".into());
        let mut signals = 0;
        for f in corpus_features() {
            for r in [&routing, &changed] {
                let want = oracle_classify(r, &f, &|_| None);
                assert_eq!(classify(r, &f, &|_| None), want, "{:?}", f.text);
                signals += want.signals.len();
            }
        }
        assert!(
            signals > 1000,
            "the corpus exercises classification: {signals}"
        );
    }
}
