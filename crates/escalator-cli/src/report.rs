//! `escalator report <utilization|resolution|deflection> --window 7d
//! [--end INSTANT] --format json|md|html [--url http://127.0.0.1:9465]
//! [--out FILE]`:
//! fetches a report from a running aggregator (its HTTP port), or with
//! `--events FILE` computes it offline by replaying an events file through
//! the processors, and prints it or writes it to a file.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::time::Duration;

#[derive(clap::Args)]
pub struct Args {
    /// utilization, resolution or deflection.
    kind: String,
    /// How far back the report looks, e.g. 24h, 7d, 30d.
    #[arg(long, default_value = "7d")]
    window: String,
    /// Where the window ends: RFC 3339 (2026-11-30T00:00:00Z) or Unix epoch
    /// milliseconds. Default: now (with --events, the last event).
    #[arg(long)]
    end: Option<String>,
    /// json, md or html.
    #[arg(long, default_value = "md")]
    format: String,
    /// The aggregator's HTTP address.
    #[arg(long, default_value = "http://127.0.0.1:9465")]
    url: String,
    /// Write here instead of standard output.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Compute the report offline from this events file (canonical JSON
    /// lines) instead of asking a running aggregator; the window ends at the
    /// last event.
    #[arg(long, conflicts_with = "url")]
    events: Option<PathBuf>,
    /// With --events: the escalation policy (default: the shipped one).
    #[arg(long, requires = "events")]
    policy: Option<PathBuf>,
    /// With --events: the routing configuration (default: the shipped one).
    #[arg(long, requires = "events")]
    routing: Option<PathBuf>,
}

/// The report computed from a replay of an events file.
fn offline(args: &Args, events: &std::path::Path) -> Result<String, String> {
    use escalator_standalone::{Config, events as ev, replay};
    // Checked before the replay, which can take a while.
    escalator_aggregator::http::Span::parse(&args.window, args.end.as_deref(), 0)
        .map_err(|e| format!("--{e}"))?;
    let cfg = Config::load(args.policy.as_deref(), args.routing.as_deref())?;
    let lines = ev::read_all(events).map_err(|e| format!("{}: {e}", events.display()))?;
    let outcome = replay::replay(&lines, &cfg, &replay::Options::default())
        .map_err(|e| format!("replay: {e:#}"))?;
    let last = outcome.end_ms.unwrap_or(0);
    let span = escalator_aggregator::http::Span::parse(&args.window, args.end.as_deref(), last)
        .map_err(|e| format!("--{e}"))?;
    // Everything up to and including the last event is known.
    let report = escalator_aggregator::http::report_from_states(
        &args.kind,
        outcome.aggregator,
        &cfg.queues(),
        span,
        last + 1,
    )
    .ok_or("unknown report")?;
    escalator_aggregator::http::render(&report, &args.format)
        .map(|(_, body)| body)
        .ok_or_else(|| "--format: json, md or html".to_owned())
}

pub fn run(args: &Args) -> i32 {
    if !matches!(
        args.kind.as_str(),
        "utilization" | "resolution" | "deflection"
    ) {
        eprintln!(
            "escalator report: unknown report {:?}: use utilization, resolution or deflection",
            args.kind
        );
        return 1;
    }
    let mut path = format!(
        "/reports/{}?window={}&format={}",
        args.kind,
        query_escape(&args.window),
        query_escape(&args.format)
    );
    if let Some(end) = &args.end {
        path.push_str("&end=");
        path.push_str(&query_escape(end));
    }
    let fetched = match &args.events {
        Some(events) => offline(args, events).map(|body| (200, body)),
        None => get(&args.url, &path),
    };
    match fetched {
        Ok((200, body)) => {
            let written = match &args.out {
                Some(file) => {
                    std::fs::write(file, &body).map_err(|e| format!("{}: {e}", file.display()))
                }
                None => std::io::stdout()
                    .write_all(body.as_bytes())
                    .map_err(|e| e.to_string()),
            };
            match written {
                Ok(()) => 0,
                Err(e) => {
                    eprintln!("escalator report: {e}");
                    1
                }
            }
        }
        Ok((status, body)) => {
            eprintln!(
                "escalator report: the aggregator answered {status}: {}",
                body.trim()
            );
            1
        }
        Err(e) => {
            eprintln!("escalator report: {e}");
            1
        }
    }
}

/// A plain HTTP/1.1 GET (the aggregator listens on a private address).
fn get(url: &str, path: &str) -> Result<(u16, String), String> {
    let host = url
        .strip_prefix("http://")
        .ok_or_else(|| format!("--url must start with http:// (got {url})"))?
        .trim_end_matches('/');
    let mut stream = TcpStream::connect(host)
        .map_err(|e| format!("cannot reach the aggregator at {host}: {e}"))?;
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .map_err(|e| e.to_string())?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .map_err(|e| e.to_string())?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text.split_once("\r\n\r\n").ok_or("malformed HTTP answer")?;
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or("no HTTP status")?;
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(body)
    } else {
        body.to_owned()
    };
    Ok((status, body))
}

/// Percent-escapes a query value (an RFC 3339 offset's `+` would otherwise
/// read as a space).
fn query_escape(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for b in v.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b':') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = s.split_once("\r\n") {
        let Ok(n) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        s = rest[n..].trim_start_matches("\r\n");
    }
    out
}
