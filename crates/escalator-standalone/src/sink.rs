//! Where `escalator run` puts its results: per-domain JSON-lines files of
//! routed escalations (and one Markdown handoff packet per escalation), KB
//! suggestions and dead letters, under the data directory.
//!
//! Exactly once across crashes: every line carries the outbox sequence
//! number; a file receives increasing numbers, so on start the sink reads
//! each file's highest number and skips what it already holds. Files are
//! fsynced before the outbox is acknowledged, so a line torn by a crash was
//! never acknowledged: the sink cuts it off and writes it again.

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
        // Torn tails go before any number is read, or a torn line's number
        // would count as held.
        let mut files = vec![dir.join("kb-updates.jsonl"), dir.join("dead-letters.jsonl")];
        for entry in std::fs::read_dir(dir.join("routed"))? {
            let path = entry?.path();
            if path.extension().is_some_and(|e| e == "jsonl") {
                files.push(path);
            }
        }
        for path in &files {
            cut_torn_tail(path)?;
        }
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
            // One write per line: formatting straight into the file would
            // issue many small writes, and a kill between them tears the line.
            let mut buf = serde_json::to_vec(&line)?;
            buf.push(b'\n');
            file.write_all(&buf)?;
        }
        self.written.insert(path, seq);
        Ok(())
    }
}

fn open_append(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
}

/// Cuts a file back to its last complete line. Readers of the files then
/// never meet a torn line once `escalator run` has restarted.
fn cut_torn_tail(path: &Path) -> std::io::Result<()> {
    let mut file = match std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
    {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    let len = file.metadata()?.len();
    // Scan back in blocks for the last newline.
    let mut end = len;
    let mut block = [0u8; 8192];
    while end > 0 {
        let start = end.saturating_sub(block.len() as u64);
        let chunk = &mut block[..(end - start) as usize];
        file.seek(SeekFrom::Start(start))?;
        file.read_exact(chunk)?;
        if let Some(i) = chunk.iter().rposition(|b| *b == b'\n') {
            let keep = start + i as u64 + 1;
            if keep < len {
                file.set_len(keep)?;
                file.sync_all()?;
            }
            return Ok(());
        }
        end = start;
    }
    if len > 0 {
        file.set_len(0)?;
        file.sync_all()?;
    }
    Ok(())
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
    fn a_torn_last_line_is_cut_off_before_the_numbers_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.jsonl");
        // A line complete but for its newline is torn too: it was never
        // acknowledged, so it is written again.
        for torn in ["{\"outbox_se", "{\"outbox_seq\":4}"] {
            std::fs::write(&path, format!("{{\"outbox_seq\":3}}\n{torn}")).unwrap();
            cut_torn_tail(&path).unwrap();
            assert_eq!(last_seq(&path).unwrap(), 3);
            assert_eq!(
                std::fs::read_to_string(&path).unwrap(),
                "{\"outbox_seq\":3}\n"
            );
        }
        // Only a torn line: nothing is left.
        std::fs::write(&path, "{\"outb").unwrap();
        cut_torn_tail(&path).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "");
        // A long file whose last newline is more than a block back.
        let long = format!("{{\"outbox_seq\":1}}\n{}", "x".repeat(20_000));
        std::fs::write(&path, long).unwrap();
        cut_torn_tail(&path).unwrap();
        assert_eq!(last_seq(&path).unwrap(), 1);
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "{\"outbox_seq\":1}\n"
        );
        // A missing file is not an error.
        cut_torn_tail(&dir.path().join("none.jsonl")).unwrap();
    }
}
