//! Where `escalator run` puts its results: per-domain JSON-lines files of
//! routed escalations (and one Markdown handoff packet per escalation), KB
//! suggestions and dead letters, under the data directory.
//!
//! Exactly once across crashes: every line carries the outbox sequence
//! number; a file receives increasing numbers, so on start the sink reads
//! each file's highest number and skips what it already holds. Files are
//! fsynced before the outbox is acknowledged.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use escalator_runtime::Output;
use escalator_runtime::embedded::Pipeline;
use serde_json::json;

use crate::replay::{Decoded, decode};

pub struct FileSink {
    dir: PathBuf,
    /// Highest sequence number per file already written.
    written: HashMap<PathBuf, u64>,
    /// Print routed escalations to stdout as JSON lines too.
    stdout: bool,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Drained {
    pub routed: usize,
    pub kb_updates: usize,
    pub dead_letters: usize,
}

impl FileSink {
    pub fn new(data_dir: &Path, stdout: bool) -> std::io::Result<FileSink> {
        let dir = data_dir.to_path_buf();
        std::fs::create_dir_all(dir.join("routed"))?;
        Ok(FileSink {
            dir,
            written: HashMap::new(),
            stdout,
        })
    }

    pub fn routed_dir(&self) -> PathBuf {
        self.dir.join("routed")
    }

    /// Writes every unacknowledged outbox entry, fsyncs, then acknowledges.
    pub fn drain(&mut self, pipeline: &mut Pipeline) -> anyhow::Result<Drained> {
        let mut drained = Drained::default();
        let mut open: HashMap<PathBuf, std::fs::File> = HashMap::new();
        let mut after = 0;
        loop {
            let batch = pipeline.outbox_after(after, 1000)?;
            let Some((last, _)) = batch.last() else { break };
            after = *last;
            for (seq, out) in &batch {
                self.write(*seq, out, &mut open, &mut drained)?;
            }
        }
        for file in open.values() {
            file.sync_all()?;
        }
        if after > 0 {
            pipeline.ack(after)?;
        }
        Ok(drained)
    }

    fn write(
        &mut self,
        seq: u64,
        out: &Output,
        open: &mut HashMap<PathBuf, std::fs::File>,
        drained: &mut Drained,
    ) -> anyhow::Result<()> {
        let Some(decoded) = decode(out) else {
            return Ok(());
        };
        let (path, line) = match &decoded {
            Decoded::Routed(r) => {
                drained.routed += 1;
                let domain = safe_name(&r.domain);
                let packet = self.dir.join("routed").join(&domain);
                std::fs::create_dir_all(&packet)?;
                if let Some(md) = r.decision.as_ref().and_then(|d| d.handoff.as_ref()) {
                    // Named by escalation id: writing it again is harmless.
                    std::fs::write(
                        packet.join(format!("{}.md", safe_name(&r.escalation_id))),
                        &md.markdown,
                    )?;
                }
                let line = json!({"outbox_seq": seq, "routed_escalation": r});
                if self.stdout {
                    println!("{}", json!({"routed_escalation": r}));
                }
                (
                    self.dir.join("routed").join(format!("{domain}.jsonl")),
                    line,
                )
            }
            Decoded::Kb(k) => {
                drained.kb_updates += 1;
                (
                    self.dir.join("kb-updates.jsonl"),
                    json!({"outbox_seq": seq, "kb_update": k}),
                )
            }
            Decoded::DeadLetter(d) => {
                drained.dead_letters += 1;
                (
                    self.dir.join("dead-letters.jsonl"),
                    json!({
                        "outbox_seq": seq,
                        "error_kind": d.error_kind,
                        "message": d.message,
                        "service": d.service,
                        "payload_redacted": String::from_utf8_lossy(&out.value),
                    }),
                )
            }
        };
        let last = match self.written.get(&path) {
            Some(n) => *n,
            None => {
                let n = last_seq(&path)?;
                self.written.insert(path.clone(), n);
                n
            }
        };
        if seq <= last {
            return Ok(());
        }
        if !open.contains_key(&path) {
            open.insert(path.clone(), open_append(&path)?);
        }
        if let Some(file) = open.get_mut(&path) {
            writeln!(file, "{line}")?;
        }
        self.written.insert(path, seq);
        Ok(())
    }
}

/// Opens for appending; a line torn by a crash is closed off so the next
/// line starts clean (readers skip the torn one).
fn open_append(path: &Path) -> std::io::Result<std::fs::File> {
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .read(true)
        .append(true)
        .open(path)?;
    let len = file.metadata()?.len();
    if len > 0 {
        let mut last = [0u8; 1];
        file.seek(SeekFrom::Start(len - 1))?;
        file.read_exact(&mut last)?;
        if last[0] != b'\n' {
            file.write_all(b"\n")?;
        }
    }
    Ok(file)
}

/// The highest `outbox_seq` in a JSON-lines file (0 when none).
pub fn last_seq(path: &Path) -> std::io::Result<u64> {
    let Ok(file) = std::fs::File::open(path) else {
        return Ok(0);
    };
    let mut last = 0;
    for line in BufReader::new(file).lines() {
        let line = line?;
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(&line) {
            if let Some(seq) = v.get("outbox_seq").and_then(serde_json::Value::as_u64) {
                last = last.max(seq);
            }
        }
    }
    Ok(last)
}

/// Domain names and ids become file names: keep them to a safe alphabet.
fn safe_name(s: &str) -> String {
    let name: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if name.is_empty() || name.starts_with('.') {
        format!("_{name}")
    } else {
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_stay_inside_the_directory() {
        assert_eq!(safe_name("database"), "database");
        assert_eq!(safe_name("../etc/passwd"), "_.._etc_passwd");
        assert_eq!(safe_name(""), "_");
    }

    #[test]
    fn a_torn_last_line_is_closed_and_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.jsonl");
        std::fs::write(&path, "{\"outbox_seq\":3}\n{\"outbox_se").unwrap();
        assert_eq!(last_seq(&path).unwrap(), 3);
        let mut f = open_append(&path).unwrap();
        writeln!(f, "{{\"outbox_seq\":4}}").unwrap();
        assert_eq!(last_seq(&path).unwrap(), 4);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.ends_with("{\"outbox_se\n{\"outbox_seq\":4}\n"));
    }
}
