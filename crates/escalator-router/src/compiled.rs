//! The part of classification that does not depend on the decision,
//! prepared once per routing config: every domain's keywords lower-cased,
//! with their inflections, in one table looked up once per word of a
//! decision's text (instead of one search of the whole text per keyword and
//! inflection), and error prefixes and frame keywords lower-cased.
//!
//! A keyword matches exactly where `features::has_word` says it does: text
//! split on single spaces, a word being a piece with a space on both sides.

use std::collections::HashMap;
use std::fmt;

use crate::config::Domain;
use crate::features::{SUFFIXES, has_word};

#[derive(Default)]
pub(crate) struct Compiled {
    domains: Vec<DomainSignals>,
    /// Keywords over all domains; ids are `0..keywords`.
    keywords: usize,
    /// Whole words (a single-word keyword or one of its inflections) and the
    /// first words of phrases.
    starts: HashMap<String, Vec<Start>>,
    /// No word longer than this is in `starts`.
    longest: usize,
}

enum Start {
    Word(usize),
    /// A phrase starting with this word, if its next words are `rest`.
    Phrase {
        id: usize,
        rest: Vec<String>,
    },
}

/// One domain's signals as compiled, with the configured values they were
/// compiled from.
pub(crate) struct DomainSignals {
    name: String,
    /// As configured, in the map's order: ids `first..first + len`.
    keywords: Vec<String>,
    /// `None` when built on the spot for a domain the table does not cover.
    first: Option<usize>,
    error_prefixes: Vec<String>,
    pub(crate) error_prefixes_lower: Vec<String>,
    frame_keywords: Vec<String>,
    /// In the order of `Domain::frame_keywords`.
    pub(crate) frame_keywords_lower: Vec<String>,
}

impl DomainSignals {
    pub(crate) fn new(d: &Domain, first: Option<usize>) -> DomainSignals {
        let lower = |v: &[String]| v.iter().map(|s| s.to_lowercase()).collect();
        DomainSignals {
            name: d.name.clone(),
            keywords: d.keywords.keys().cloned().collect(),
            first,
            error_prefixes: d.error_prefixes.clone(),
            error_prefixes_lower: lower(&d.error_prefixes),
            frame_keywords: d.frame_keywords.clone(),
            frame_keywords_lower: lower(&d.frame_keywords),
        }
    }

    fn compiled_from(&self, d: &Domain) -> bool {
        self.name == d.name
            && self.keywords.iter().eq(d.keywords.keys())
            && self.error_prefixes == d.error_prefixes
            && self.frame_keywords == d.frame_keywords
    }

    /// Whether the domain's `index`-th keyword (in map order) is in the text
    /// `hits` were taken from.
    pub(crate) fn keyword(&self, hits: &KeywordHits, index: usize, keyword: &str) -> bool {
        self.first
            .and_then(|first| hits.found.get(first + index).copied())
            .unwrap_or_else(|| has_word(hits.text, keyword))
    }
}

/// Which keywords a text has, by id.
pub(crate) struct KeywordHits<'t> {
    found: Vec<bool>,
    /// For keywords the table does not cover, matched on the spot.
    text: &'t str,
}

impl Compiled {
    pub(crate) fn build(domains: &[Domain]) -> Compiled {
        let mut c = Compiled::default();
        for d in domains {
            c.domains.push(DomainSignals::new(d, Some(c.keywords)));
            for keyword in d.keywords.keys() {
                let id = c.keywords;
                c.keywords += 1;
                let lower = keyword.to_lowercase();
                if lower.contains(' ') {
                    // A phrase has no inflections: its words, in a row.
                    let mut words = lower.split(' ').map(str::to_owned);
                    let first = words.next().unwrap_or_default();
                    let rest = words.collect();
                    c.add(first, Start::Phrase { id, rest });
                } else {
                    for suffix in SUFFIXES {
                        c.add(format!("{lower}{suffix}"), Start::Word(id));
                    }
                    c.add(lower, Start::Word(id));
                }
            }
        }
        c
    }

    fn add(&mut self, word: String, start: Start) {
        self.longest = self.longest.max(word.len());
        self.starts.entry(word).or_default().push(start);
    }

    /// The compiled signals of `d`, the `at`-th domain, unless `d` was
    /// changed (or added) after the table was built.
    pub(crate) fn domain(&self, at: usize, d: &Domain) -> Option<&DomainSignals> {
        self.domains.get(at).filter(|s| s.compiled_from(d))
    }

    /// The keywords in `text` (normalized, as a rule), each found exactly
    /// where `has_word` would find it.
    pub(crate) fn keyword_hits<'t>(&self, text: &'t str) -> KeywordHits<'t> {
        let mut hits = vec![false; self.keywords];
        let pieces: Vec<&str> = text.split(' ').collect();
        // Words have a space on both sides: not the first or last piece.
        let words = pieces
            .get(1..pieces.len().saturating_sub(1))
            .unwrap_or_default();
        for (i, word) in words.iter().enumerate() {
            if word.len() > self.longest {
                continue;
            }
            let Some(starts) = self.starts.get(*word) else {
                continue;
            };
            for start in starts {
                let (id, found) = match start {
                    Start::Word(id) => (*id, true),
                    Start::Phrase { id, rest } => {
                        let next = words.get(i + 1..).unwrap_or_default();
                        let found =
                            next.len() >= rest.len() && rest.iter().zip(next).all(|(r, n)| r == n);
                        (*id, found)
                    }
                };
                if let (true, Some(hit)) = (found, hits.get_mut(id)) {
                    *hit = true;
                }
            }
        }
        KeywordHits { found: hits, text }
    }
}

impl fmt::Debug for Compiled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Compiled")
            .field("domains", &self.domains.len())
            .field("keywords", &self.keywords)
            .field("words", &self.starts.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Routing;
    use crate::features::normalize;
    use crate::test_corpus::{Rng, strings, tickets};

    /// `features::has_word` as it was before keywords were compiled: the
    /// definition the table must agree with.
    fn oracle_has_word(text: &str, word: &str) -> bool {
        let w = word.to_lowercase();
        if text.contains(&format!(" {w} ")) {
            return true;
        }
        if w.contains(' ') {
            return false;
        }
        ["s", "es", "ed", "ing", "d"]
            .iter()
            .any(|suffix| text.contains(&format!(" {w}{suffix} ")))
    }

    /// Keywords that probe the edges: case, inflections that are keywords
    /// themselves, spaces at the ends or doubled, dots, non-ASCII case.
    const TRICKY_KEYWORDS: &[&str] = &[
        "Timeout",
        "DNS",
        "charge",
        "charged",
        "Log In",
        "single sign-on",
        "slow query",
        "query",
        "node.js",
        "s",
        "",
        " ",
        "dns ",
        " dns",
        "packet  loss",
        "a b c",
        "b c",
        "Straße",
        "ΟΔΟΣ",
        "İstanbul",
        "2FA",
        "e",
    ];

    fn domain(name: &str, keywords: &[&str]) -> Domain {
        Domain {
            name: name.into(),
            queue: name.into(),
            specialists: 1,
            wip_limit: 1,
            overflow: String::new(),
            products: Vec::new(),
            components: Vec::new(),
            tags: Vec::new(),
            keywords: keywords.iter().map(|k| ((*k).to_owned(), 1.0)).collect(),
            error_prefixes: Vec::new(),
            frame_keywords: Vec::new(),
            separate_l3_topic: false,
        }
    }

    fn domains() -> Vec<Domain> {
        let mut domains = Routing::default_config().unwrap().domains;
        domains.push(domain("tricky", TRICKY_KEYWORDS));
        domains
    }

    /// Compares the table with the oracle for every keyword on `text`;
    /// returns how many keywords matched.
    fn check(c: &Compiled, domains: &[Domain], text: &str) -> usize {
        let hits = c.keyword_hits(text);
        assert_eq!(hits.found.len(), c.keywords);
        let mut matched = 0;
        for (at, d) in domains.iter().enumerate() {
            let s = c.domain(at, d).unwrap();
            let first = s.first.unwrap();
            for (i, kw) in d.keywords.keys().enumerate() {
                let want = oracle_has_word(text, kw);
                assert_eq!(hits.found[first + i], want, "{kw:?} in {text:?}");
                assert_eq!(s.keyword(&hits, i, kw), want, "{kw:?} in {text:?}");
                matched += usize::from(want);
            }
        }
        matched
    }

    #[test]
    fn the_table_matches_like_has_word_on_the_corpus() {
        let domains = domains();
        let c = Compiled::build(&domains);
        let mut matched = 0;
        for t in tickets() {
            let parts = strings(&t);
            // Normalized as classification sees it, and raw text (has_word
            // takes any text).
            matched += check(&c, &domains, &normalize(&parts.join("\n")));
            matched += check(&c, &domains, &format!(" {} ", parts.join(" ")));
            for p in parts {
                matched += check(&c, &domains, &normalize(p));
            }
        }
        assert!(matched > 1000, "the corpus exercises matching: {matched}");
    }

    #[test]
    fn the_table_matches_like_has_word_on_edge_cases() {
        let domains = domains();
        let c = Compiled::build(&domains);
        let texts = [
            "",
            " ",
            "  ",
            "   ",
            "timeout",
            " timeout",
            "timeout ",
            " timeout ",
            " Timeout ",
            " timeouts timeoutes timeouted timeouting timeoutd ",
            " timeoutss ",
            " charged ",
            " charges ",
            " dns dns dns ",
            " dns  ",
            "  dns ",
            " dns\n",
            " packet\nloss ",
            " packet  loss ",
            " packet loss",
            " slow slow query ",
            " slow query query ",
            " slow query",
            " log in ",
            " a b c ",
            " a b ",
            " b c ",
            " s ",
            " es ",
            " e ",
            " ed ",
            " node.js ",
            " node.jss ",
            " single sign-on ",
            " straße ",
            " οδος ",
            " οδοσ ",
            " i̇stanbul ",
            " 2fa ",
        ];
        for text in texts {
            check(&c, &domains, text);
            check(&c, &domains, &normalize(text));
        }
        let raw = [
            "Timeout!",
            "Login failed: LOG IN again.",
            "Packet\nLoss at the VPN gateway; DNS... NXDOMAIN.",
            "(SQLSTATE 40001) slow-query",
            "Charged twice, CHARGES pending.",
            "ΟΔΟΣ Straße İstanbul STRASSE",
            "node.js. Node.JS",
        ];
        for text in raw {
            assert!(check(&c, &domains, &normalize(text)) > 0, "{text}");
        }
    }

    #[test]
    fn the_table_matches_like_has_word_on_generated_text() {
        let domains = domains();
        let c = Compiled::build(&domains);
        let words = [
            "",
            "a",
            "b",
            "c",
            "s",
            "e",
            "es",
            "slow",
            "query",
            "queries",
            "querys",
            "dns",
            "dnses",
            "packet",
            "loss",
            "log",
            "in",
            "login",
            "charge",
            "charged",
            "chargeded",
            "timeout",
            "timeouts",
            "sign-on",
            "single",
            "lock",
            "wait",
            "node.js",
        ];
        let seps = [" ", " ", " ", "  ", "\n", "."];
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        for _ in 0..3000 {
            let mut text = String::new();
            for _ in 0..rng.below(12) {
                text.push_str(rng.pick(&seps));
                text.push_str(rng.pick(&words));
            }
            if rng.below(2) == 0 {
                text.push(' ');
            }
            check(&c, &domains, &text);
        }
    }

    #[test]
    fn a_domain_changed_after_the_build_is_matched_directly() {
        let mut domains = domains();
        let c = Compiled::build(&domains);
        assert!(c.domain(0, &domains[0]).is_some());
        domains[0].keywords.insert("Timeout".into(), 1.0);
        assert!(c.domain(0, &domains[0]).is_none());
        let mut changed = domains[1].clone();
        changed.error_prefixes.push("x".into());
        assert!(c.domain(1, &changed).is_none());
        assert!(c.domain(domains.len(), &domains[0]).is_none());
        // Built on the spot, it matches through `has_word`.
        let s = DomainSignals::new(&domains[0], None);
        let text = " the timeouts ";
        let hits = c.keyword_hits(text);
        let at = domains[0].keywords.keys().position(|k| k == "Timeout");
        assert!(s.keyword(&hits, at.unwrap(), "Timeout"));
    }
}
