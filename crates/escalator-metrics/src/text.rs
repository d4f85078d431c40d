//! The pieces of the Prometheus text exposition format: name sanitizing,
//! escaping, and number formatting. Pure functions over strings.

/// A metric name as Prometheus accepts it: `[a-zA-Z_:][a-zA-Z0-9_:]*`, each
/// invalid character (a whole `char`, not a byte) replaced by `_`, as
/// metrics-exporter-prometheus does. An empty name becomes `_`.
pub fn sanitize_metric_name(name: &str) -> String {
    sanitize(
        name,
        |c| c.is_ascii_alphabetic() || c == '_' || c == ':',
        |c| c.is_ascii_alphanumeric() || c == '_' || c == ':',
    )
}

/// A label name as Prometheus accepts it: `[a-zA-Z_][a-zA-Z0-9_]*`.
pub fn sanitize_label_name(name: &str) -> String {
    sanitize(
        name,
        |c| c.is_ascii_alphabetic() || c == '_',
        |c| c.is_ascii_alphanumeric() || c == '_',
    )
}

fn sanitize(name: &str, first: impl Fn(char) -> bool, rest: impl Fn(char) -> bool) -> String {
    if name.is_empty() {
        return "_".to_owned();
    }
    name.chars()
        .enumerate()
        .map(|(i, c)| {
            let ok = if i == 0 { first(c) } else { rest(c) };
            if ok { c } else { '_' }
        })
        .collect()
}

/// Appends a label value escaped for the inside of `"..."`: backslash,
/// double quote and line feed.
pub fn push_label_value(out: &mut String, value: &str) {
    push_escaped(out, value, true);
}

/// Appends a `# HELP` text escaped as the format wants: backslash and line
/// feed (a double quote stays as it is).
pub fn push_help(out: &mut String, text: &str) {
    push_escaped(out, text, false);
}

fn push_escaped(out: &mut String, text: &str, quote: bool) {
    let needs = |b: u8| b == b'\\' || b == b'\n' || (quote && b == b'"');
    let bytes = text.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if !needs(b) {
            continue;
        }
        // `i` is at an ASCII byte, so both slices end on char boundaries.
        out.push_str(&text[start..i]);
        out.push_str(match b {
            b'\\' => "\\\\",
            b'\n' => "\\n",
            _ => "\\\"",
        });
        start = i + 1;
    }
    out.push_str(&text[start..]);
}

/// Appends an integer sample value.
#[inline]
pub fn push_u64(out: &mut String, v: u64) {
    out.push_str(itoa::Buffer::new().format(v));
}

/// Appends a float sample value as Prometheus parses it: `+Inf`, `-Inf`,
/// `NaN`, otherwise the shortest text that reads back as the same float
/// (`1.5`, `3`, `1e-7`); integral values print without `.0`.
#[inline]
pub fn push_f64(out: &mut String, v: f64) {
    if v.is_nan() {
        out.push_str("NaN");
    } else if v.is_infinite() {
        out.push_str(if v > 0.0 { "+Inf" } else { "-Inf" });
    } else {
        let mut buf = ryu::Buffer::new();
        let s = buf.format_finite(v);
        out.push_str(s.strip_suffix(".0").unwrap_or(s));
    }
}

/// The `le` label value of a bucket bound. Formatted once per metric name,
/// so it uses Rust's `Display` (`0.0005`, `1`, `86400`), which is what
/// metrics-exporter-prometheus printed: the `le` values, and so the series
/// identities in Prometheus, stay what they were.
pub fn le_value(bound: f64) -> String {
    if bound.is_infinite() {
        if bound > 0.0 { "+Inf" } else { "-Inf" }.to_owned()
    } else {
        bound.to_string()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn names_are_sanitized_per_char() {
        for (raw, want) in [
            ("escalator_events_total", "escalator_events_total"),
            ("a:b", "a:b"),
            ("1abc", "_abc"),
            ("escalator.ingest-events", "escalator_ingest_events"),
            ("é_x", "__x"),
            ("", "_"),
        ] {
            assert_eq!(sanitize_metric_name(raw), want, "{raw}");
        }
        for (raw, want) in [
            ("domain", "domain"),
            ("a:b", "a_b"),
            ("customer-tier", "customer_tier"),
            ("9x", "_x"),
            ("", "_"),
        ] {
            assert_eq!(sanitize_label_name(raw), want, "{raw}");
        }
    }

    #[test]
    fn label_values_escape_backslash_quote_and_newline() {
        let mut s = String::new();
        push_label_value(&mut s, "a\\b\"c\nd é \\\\ \\\"");
        assert_eq!(s, "a\\\\b\\\"c\\nd é \\\\\\\\ \\\\\\\"");
        let mut h = String::new();
        push_help(&mut h, "say \"hi\"\nC:\\x");
        assert_eq!(h, "say \"hi\"\\nC:\\\\x");
    }

    #[test]
    fn floats_read_back_and_use_prometheus_spellings() {
        let cases = [
            (0.0, "0"),
            (-0.0, "-0"),
            (3.0, "3"),
            (1.5, "1.5"),
            (-2.25, "-2.25"),
            (f64::INFINITY, "+Inf"),
            (f64::NEG_INFINITY, "-Inf"),
            (f64::NAN, "NaN"),
        ];
        for (v, want) in cases {
            let mut s = String::new();
            push_f64(&mut s, v);
            assert_eq!(s, want);
        }
        for v in [
            1e-7,
            0.0005,
            1e21,
            123_456_789.125,
            f64::MAX,
            f64::MIN_POSITIVE,
        ] {
            let mut s = String::new();
            push_f64(&mut s, v);
            assert_eq!(s.parse::<f64>().unwrap(), v, "{s}");
        }
    }

    #[test]
    fn le_values_are_the_exporters() {
        assert_eq!(le_value(0.0005), "0.0005");
        assert_eq!(le_value(1.0), "1");
        assert_eq!(le_value(86400.0), "86400");
        assert_eq!(le_value(f64::INFINITY), "+Inf");
    }
}
