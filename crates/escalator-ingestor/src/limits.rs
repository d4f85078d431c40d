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

/// Scans JSON text for its nesting depth without parsing it, stopping as
/// soon as the limit is passed.
pub fn check_depth(text: &str, limits: &Limits) -> Result<()> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for b in text.bytes() {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                if depth > limits.max_depth {
                    return Err(NormalizeError::new(
                        ErrorKind::NestingTooDeep,
                        format!("JSON nesting deeper than {}", limits.max_depth),
                    ));
                }
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
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
    fn truncation_respects_characters() {
        assert_eq!(truncate("grüße", 3), ("gr".to_owned(), true));
        assert_eq!(truncate("abc", 10), ("abc".to_owned(), false));
    }
}
