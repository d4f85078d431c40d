//! Checks that run before any parser sees the bytes: size, UTF-8, nesting.
//! They bound the work a hostile or broken payload can cause.

use serde::{Deserialize, Serialize};

use crate::error::{ErrorKind, NormalizeError, Result};

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct Limits {
    /// Largest raw payload accepted, in bytes.
    pub max_body_bytes: usize,
    /// Deepest JSON nesting accepted (objects and arrays).
    pub max_depth: usize,
    /// How far in the future an event time may be (clock skew allowance).
    pub max_future_skew_ms: i64,
    /// Longest text kept for a comment body or description, in bytes.
    pub max_text_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body_bytes: 1024 * 1024,
            max_depth: 64,
            max_future_skew_ms: 5 * 60 * 1000,
            max_text_bytes: 64 * 1024,
        }
    }
}

pub fn check_size(bytes: &[u8], limits: &Limits) -> Result<()> {
    if bytes.len() > limits.max_body_bytes {
        return Err(NormalizeError::new(
            ErrorKind::BodyTooLarge,
            format!(
                "payload has {} bytes, the limit is {}",
                bytes.len(),
                limits.max_body_bytes
            ),
        ));
    }
    Ok(())
}

pub fn check_utf8(bytes: &[u8]) -> Result<&str> {
    std::str::from_utf8(bytes).map_err(|e| {
        NormalizeError::new(
            ErrorKind::InvalidUtf8,
            format!("payload is not valid UTF-8 at byte {}", e.valid_up_to()),
        )
    })
}

/// What the nesting scan notes besides the depth.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JsonScan {
    /// The text may hold something that serde_json checks when it builds a
    /// value but not when it skips one: a number that may be out of range (an
    /// exponent, a long run of digits), a `\uD...` escape (maybe a lone
    /// surrogate), or nesting near serde_json's own limit of 128. It
    /// over-approximates: a typed parse that skips unknown fields may be
    /// trusted only when this is false.
    pub needs_full_parse: bool,
}

/// Nesting from which serde_json's recursion limit may come into play.
const NEAR_SERDE_DEPTH: usize = 100;
/// Digit runs longer than this may overflow an f64 (about 309 digits).
const LONG_DIGITS: usize = 300;

/// Scans JSON text for its nesting depth without parsing it, stopping as
/// soon as the limit is passed.
pub fn check_depth(text: &str, limits: &Limits) -> Result<()> {
    scan_json(text, limits).map(|_| ())
}

/// `check_depth`, also reporting what `JsonScan` describes. Strings are
/// skipped eight bytes at a time: most of a payload's bytes are in them.
pub fn scan_json(text: &str, limits: &Limits) -> Result<JsonScan> {
    let b = text.as_bytes();
    let mut scan = JsonScan::default();
    let mut depth = 0usize;
    let mut digits = 0usize;
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        i += 1;
        match c {
            b'"' => {
                i = skip_string(b, i, &mut scan);
                digits = 0;
            }
            b'{' | b'[' => {
                depth += 1;
                if depth > limits.max_depth {
                    return Err(NormalizeError::new(
                        ErrorKind::NestingTooDeep,
                        format!("JSON nesting deeper than {}", limits.max_depth),
                    ));
                }
                if depth >= NEAR_SERDE_DEPTH {
                    scan.needs_full_parse = true;
                }
                digits = 0;
            }
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                digits = 0;
            }
            b'0'..=b'9' => {
                digits += 1;
                if digits > LONG_DIGITS {
                    scan.needs_full_parse = true;
                }
            }
            b'e' | b'E' if digits > 0 => {
                scan.needs_full_parse = true;
                digits = 0;
            }
            _ => digits = 0,
        }
    }
    Ok(scan)
}

/// Index just past the string whose content starts at `i`, or the end of the
/// text if it is not closed. A backslash escapes the byte after it.
fn skip_string(b: &[u8], mut i: usize, scan: &mut JsonScan) -> usize {
    loop {
        let Some(j) = find_quote_or_backslash(b, i) else {
            return b.len();
        };
        if b.get(j) == Some(&b'"') {
            return j + 1;
        }
        if b.get(j + 1) == Some(&b'u') && matches!(b.get(j + 2), Some(b'd' | b'D')) {
            scan.needs_full_parse = true;
        }
        i = j + 2;
    }
}

/// First `"` or `\` at or after `from`, tested a word at a time (the
/// zero-byte trick: the lowest flagged byte is always a true match).
fn find_quote_or_backslash(b: &[u8], from: usize) -> Option<usize> {
    const ONES: u64 = u64::from_le_bytes([1; 8]);
    const HIGH: u64 = ONES * 0x80;
    const QUOTES: u64 = ONES * b'"' as u64;
    const BACKSLASHES: u64 = ONES * b'\\' as u64;
    let rest = b.get(from..)?;
    let mut off = 0;
    while let Some(chunk) = rest.get(off..).and_then(<[u8]>::first_chunk::<8>) {
        let w = u64::from_le_bytes(*chunk);
        let q = w ^ QUOTES;
        let s = w ^ BACKSLASHES;
        let hits = ((q.wrapping_sub(ONES) & !q) | (s.wrapping_sub(ONES) & !s)) & HIGH;
        if hits != 0 {
            return Some(from + off + (hits.trailing_zeros() / 8) as usize);
        }
        off += 8;
    }
    rest.get(off..)?
        .iter()
        .position(|&c| c == b'"' || c == b'\\')
        .map(|p| from + off + p)
}

/// Cuts `text` to at most `max` bytes on a character boundary.
pub fn truncate(text: &str, max: usize) -> (String, bool) {
    if text.len() <= max {
        return (text.to_owned(), false);
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    (text[..end].to_owned(), true)
}

/// `truncate` for an owned string: no copy when it fits.
pub fn truncate_owned(mut text: String, max: usize) -> (String, bool) {
    if text.len() <= max {
        return (text, false);
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.truncate(end);
    (text, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_counts_structure_not_strings() {
        let l = Limits {
            max_depth: 3,
            ..Default::default()
        };
        assert!(check_depth(r#"{"a":[{"b":"[[[[{{{{"}]}"#, &l).is_ok());
        assert_eq!(
            check_depth(r#"{"a":[{"b":[1]}]}"#, &l).map_err(|e| e.kind),
            Err(ErrorKind::NestingTooDeep)
        );
        let deep = "[".repeat(10_000);
        assert!(check_depth(&deep, &Limits::default()).is_err());
        assert!(check_depth(r#"{"s":"a \" [[[[[[ \\"}"#, &l).is_ok());
    }

    #[test]
    fn scan_flags_what_only_a_full_parse_checks() {
        let flagged = |t: &str| scan_json(t, &Limits::default()).map(|s| s.needs_full_parse);
        assert_eq!(
            flagged(r#"{"a":[true,false,null,-1.5,"1e400 \\ud800"],"\u00e9":0}"#),
            Ok(false)
        );
        assert_eq!(flagged(r#"{"a":1e400}"#), Ok(true));
        assert_eq!(flagged(r#"{"a":-2.5E-3}"#), Ok(true));
        assert_eq!(
            flagged(&format!(r#"{{"a":{}}}"#, "9".repeat(301))),
            Ok(true)
        );
        assert_eq!(
            flagged(&format!(r#"{{"a":{}}}"#, "9".repeat(300))),
            Ok(false)
        );
        assert_eq!(flagged(r#"{"a":"x\uD83D\ude00"}"#), Ok(true));
        assert_eq!(flagged(r#"{"\udc00":1}"#), Ok(true));
        let deep = Limits {
            max_depth: 200,
            ..Default::default()
        };
        let nest = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        assert_eq!(
            scan_json(&nest(99), &deep).map(|s| s.needs_full_parse),
            Ok(false)
        );
        assert_eq!(
            scan_json(&nest(100), &deep).map(|s| s.needs_full_parse),
            Ok(true)
        );
    }

    #[test]
    fn truncation_respects_characters() {
        assert_eq!(truncate("grüße", 3), ("gr".to_owned(), true));
        assert_eq!(truncate("abc", 10), ("abc".to_owned(), false));
        for max in 0..8 {
            assert_eq!(
                truncate_owned("grüße".to_owned(), max),
                truncate("grüße", max)
            );
        }
    }
}
