//! Webhook sender authentication: HMAC-SHA256 over the raw body, compared in
//! constant time, with a freshness check so a captured request cannot be
//! replayed later.
//!
//! - Zendesk: `X-Zendesk-Webhook-Signature` = base64(HMAC(secret,
//!   timestamp + body)), timestamp in `X-Zendesk-Webhook-Signature-Timestamp`.
//! - Jira (webhooks with a secret): `X-Hub-Signature: sha256=<hex HMAC(secret,
//!   body)>`; freshness from the payload's `timestamp`.
//! - Escalator's shared-secret scheme for canonical senders:
//!   `X-Escalator-Signature: t=<unix seconds>,v1=<hex HMAC(secret, "<t>.<body>")>`.

use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// No signature, or it does not match.
    BadSignature,
    /// The signature matches but the timestamp is outside the tolerance.
    Stale,
    /// The signature header cannot be read.
    Malformed,
}

impl Failure {
    pub fn as_str(self) -> &'static str {
        match self {
            Failure::BadSignature => "bad_signature",
            Failure::Stale => "stale_timestamp",
            Failure::Malformed => "malformed_signature",
        }
    }
}

fn mac(secret: &[u8], parts: &[&[u8]]) -> HmacSha256 {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut m = match HmacSha256::new_from_slice(secret) {
        Ok(m) => m,
        Err(_) => unreachable_key(),
    };
    for p in parts {
        m.update(p);
    }
    m
}

#[cold]
fn unreachable_key() -> HmacSha256 {
    // new_from_slice only fails for fixed-size-key MACs; keep a defined path.
    <HmacSha256 as Mac>::new(&Default::default())
}

fn fresh(ts_ms: i64, now_ms: i64, tolerance_ms: i64) -> bool {
    (now_ms - ts_ms).abs() <= tolerance_ms
}

pub fn zendesk(
    secret: &[u8],
    signature: &str,
    timestamp: &str,
    body: &[u8],
    now_ms: i64,
    tolerance_ms: i64,
) -> Result<(), Failure> {
    let expected = base64::engine::general_purpose::STANDARD
        .decode(signature.trim())
        .map_err(|_| Failure::Malformed)?;
    mac(secret, &[timestamp.as_bytes(), body])
        .verify_slice(&expected)
        .map_err(|_| Failure::BadSignature)?;
    let ts = crate::time::parse_rfc3339(timestamp).map_err(|_| Failure::Malformed)?;
    if !fresh(ts, now_ms, tolerance_ms) {
        return Err(Failure::Stale);
    }
    Ok(())
}

pub fn zendesk_sign(secret: &[u8], timestamp: &str, body: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(
        mac(secret, &[timestamp.as_bytes(), body])
            .finalize()
            .into_bytes(),
    )
}

/// Jira: the signature covers the body only; `payload_ts_ms` is the
/// payload's own `timestamp`.
pub fn jira(
    secret: &[u8],
    header: &str,
    body: &[u8],
    payload_ts_ms: Option<i64>,
    now_ms: i64,
    tolerance_ms: i64,
) -> Result<(), Failure> {
    let hex_sig = header
        .trim()
        .strip_prefix("sha256=")
        .ok_or(Failure::Malformed)?;
    let expected = hex_decode(hex_sig).ok_or(Failure::Malformed)?;
    mac(secret, &[body])
        .verify_slice(&expected)
        .map_err(|_| Failure::BadSignature)?;
    match payload_ts_ms {
        Some(ts) if fresh(ts, now_ms, tolerance_ms) => Ok(()),
        _ => Err(Failure::Stale),
    }
}

pub fn jira_sign(secret: &[u8], body: &[u8]) -> String {
    format!(
        "sha256={}",
        hex_encode(&mac(secret, &[body]).finalize().into_bytes())
    )
}

pub fn escalator(
    secret: &[u8],
    header: &str,
    body: &[u8],
    now_ms: i64,
    tolerance_ms: i64,
) -> Result<(), Failure> {
    let mut t = None;
    let mut v1 = None;
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", v)) => t = Some(v),
            Some(("v1", v)) => v1 = Some(v),
            _ => {}
        }
    }
    let (t, v1) = t.zip(v1).ok_or(Failure::Malformed)?;
    let expected = hex_decode(v1).ok_or(Failure::Malformed)?;
    mac(secret, &[t.as_bytes(), b".", body])
        .verify_slice(&expected)
        .map_err(|_| Failure::BadSignature)?;
    let seconds: i64 = t.parse().map_err(|_| Failure::Malformed)?;
    if !fresh(seconds.saturating_mul(1000), now_ms, tolerance_ms) {
        return Err(Failure::Stale);
    }
    Ok(())
}

pub fn escalator_sign(secret: &[u8], unix_seconds: i64, body: &[u8]) -> String {
    let t = unix_seconds.to_string();
    let sig = mac(secret, &[t.as_bytes(), b".", body])
        .finalize()
        .into_bytes();
    format!("t={t},v1={}", hex_encode(&sig))
}

fn hex_decode(s: &str) -> Option<Vec<u8>> {
    if s.len() % 2 != 0 {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

fn hex_encode(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_717_137_600_000; // 2024-05-31T06:40:00Z

    #[test]
    fn zendesk_scheme() {
        let body = br#"{"type":"zen:event-type:ticket.created"}"#;
        let ts = "2024-05-31T06:40:00Z";
        let sig = zendesk_sign(b"s3cret", ts, body);
        assert_eq!(zendesk(b"s3cret", &sig, ts, body, NOW, 300_000), Ok(()));
        assert_eq!(
            zendesk(b"other", &sig, ts, body, NOW, 300_000),
            Err(Failure::BadSignature)
        );
        assert_eq!(
            zendesk(b"s3cret", &sig, ts, b"{}", NOW, 300_000),
            Err(Failure::BadSignature)
        );
        assert_eq!(
            zendesk(b"s3cret", &sig, ts, body, NOW + 3_600_000, 300_000),
            Err(Failure::Stale)
        );
        assert_eq!(
            zendesk(b"s3cret", "%%%", ts, body, NOW, 300_000),
            Err(Failure::Malformed)
        );
    }

    #[test]
    fn jira_and_escalator_schemes() {
        let body = b"{}";
        let h = jira_sign(b"k", body);
        assert_eq!(jira(b"k", &h, body, Some(NOW), NOW, 60_000), Ok(()));
        assert_eq!(
            jira(b"k", &h, body, Some(NOW - 120_000), NOW, 60_000),
            Err(Failure::Stale)
        );
        assert_eq!(
            jira(b"x", &h, body, Some(NOW), NOW, 60_000),
            Err(Failure::BadSignature)
        );
        assert_eq!(
            jira(b"k", "md5=00", body, Some(NOW), NOW, 60_000),
            Err(Failure::Malformed)
        );

        let h = escalator_sign(b"k", NOW / 1000, body);
        assert_eq!(escalator(b"k", &h, body, NOW, 300_000), Ok(()));
        assert_eq!(
            escalator(b"k", &h, b"{ }", NOW, 300_000),
            Err(Failure::BadSignature)
        );
        assert_eq!(
            escalator(b"k", &h, body, NOW + 600_000, 300_000),
            Err(Failure::Stale)
        );
    }
}
