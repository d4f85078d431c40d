//! Knowledge-base references: article URLs (`/kb/`, `/knowledge/`,
//! `/articles/`, Help Center, Confluence, ServiceNow) and `KB-1234` ids.

use escalator_proto::v1::KbArticleRef;

regex!(URL, r#"https?://[^\s<>"'`\])]+"#);
regex!(
    KB_URL,
    r"(?i)/(?:kb|knowledge|knowledgebase|knowledge-base|articles?|wiki|display|confluence)(?:/|\?|#|$)|/hc/[^/]+/articles/|kb_view\.do|atlassian\.net/wiki"
);
regex!(KB_ID, r"\bKB-?\d{3,}\b");
regex!(
    URL_ID,
    r"/articles?/(\d+)|/pages/(\d+)|[?&]sysparm_article=(KB\d+)|\b(KB-?\d{3,})\b|/kb/(?:[^/?#]+/)*?(\d{3,})"
);
regex!(SLUG, r"/articles?/\d+-([^/?#]+)|/pages/\d+/([^/?#]+)");

/// References per source; dedup scans the list, so a cap keeps it linear.
const MAX_PER_SOURCE: usize = 50;

pub(crate) fn find(text: &str) -> Vec<KbArticleRef> {
    let mut out: Vec<KbArticleRef> = Vec::new();
    // In text order, so a binary search tells whether an id sits in a URL.
    let mut spans: Vec<(usize, usize)> = Vec::new();
    for m in URL.find_iter(text) {
        spans.push((m.start(), m.end()));
        let url = m
            .as_str()
            .trim_end_matches(['.', ',', ';', ':', '!', '?', '\'', '>']);
        if out.len() >= MAX_PER_SOURCE || !KB_URL.is_match(url) || out.iter().any(|k| k.url == url)
        {
            continue;
        }
        let article_id = crate::text::capture(&URL_ID, url)
            .and_then(|c| (1..=5).find_map(|g| c.get(g)))
            .map(|m| m.as_str().to_owned())
            .unwrap_or_default();
        let title = crate::text::capture(&SLUG, url)
            .and_then(|c| c.get(1).or(c.get(2)))
            .map(|m| m.as_str().replace(['-', '+', '_'], " "))
            .filter(|t| !t.contains('%') && !t.trim().is_empty())
            .unwrap_or_default();
        out.push(KbArticleRef {
            article_id,
            url: url.to_owned(),
            title,
        });
    }
    for m in KB_ID.find_iter(text) {
        if out.len() >= MAX_PER_SOURCE {
            break;
        }
        let before = spans.partition_point(|&(s, _)| s <= m.start());
        let inside = before > 0 && spans[before - 1].1 >= m.end();
        if !inside && !out.iter().any(|k| k.article_id == m.as_str()) {
            out.push(KbArticleRef {
                article_id: m.as_str().to_owned(),
                url: String::new(),
                title: String::new(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn article_urls_and_ids() {
        let kb = find(
            "See https://help.acme.io/hc/en-us/articles/360001234-Reset-SSO-login. and \
             https://acme.atlassian.net/wiki/spaces/SUP/pages/98765/Proxy+setup, KB-1234, \
             https://acme.service-now.com/kb_view.do?sysparm_article=KB0012345 \
             but not https://status.acme.io/incidents/42 nor 512KB files",
        );
        let ids: Vec<&str> = kb.iter().map(|k| k.article_id.as_str()).collect();
        assert_eq!(ids, vec!["360001234", "98765", "KB0012345", "KB-1234"]);
        assert_eq!(kb[0].title, "Reset SSO login");
        assert_eq!(kb[1].title, "Proxy setup");
        assert!(kb[0].url.ends_with("Reset-SSO-login"));
    }
}
