//! Shared by the command-line tests.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used, dead_code)]

use std::path::Path;
use std::process::Command;

pub fn escalator() -> Command {
    Command::new(env!("CARGO_BIN_EXE_escalator"))
}

/// What `escalator ARGS` prints; it must succeed.
pub fn stdout(args: &[&str]) -> String {
    let out = escalator().args(args).output().unwrap();
    assert!(
        out.status.success(),
        "escalator {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// What `escalator replay --format json` prints for `history` (plus `extra`
/// arguments), one JSON object per routed escalation, sorted for comparison.
pub fn replay_json(history: &Path, extra: &[&str]) -> Vec<String> {
    let out = escalator()
        .args([
            "replay",
            "--events",
            history.to_str().unwrap(),
            "--format",
            "json",
        ])
        .args(extra)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut lines: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l)
                .unwrap()
                .to_string()
        })
        .collect();
    lines.sort();
    lines
}
