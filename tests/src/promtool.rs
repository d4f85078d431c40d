//! `promtool check metrics` (Debian's prometheus package; `make test`
//! installs it) over a Prometheus text exposition.

use std::io::Write;
use std::process::{Command, Stdio};

/// Panics with promtool's findings when `body` does not pass.
pub fn check_metrics(body: &str) {
    let mut child = match Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(c) => c,
        Err(e) => panic!("promtool not found ({e}): run `make deps` (Debian package prometheus)"),
    };
    if let Some(mut stdin) = child.stdin.take() {
        if let Err(e) = stdin.write_all(body.as_bytes()) {
            panic!("writing to promtool: {e}");
        }
    }
    let out = match child.wait_with_output() {
        Ok(o) => o,
        Err(e) => panic!("promtool: {e}"),
    };
    assert!(
        out.status.success(),
        "promtool: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
