//! A file sink for the embedded driver's outbox, idempotent across crashes:
//! each line carries the outbox sequence number, and on start the sink skips
//! what the file already holds before acknowledging.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;

use escalator_runtime::embedded::{EmbeddedError, Pipeline};

/// The highest sequence number already in `path` (0 when none).
pub fn last_seq(path: &Path) -> std::io::Result<u64> {
    let Ok(file) = std::fs::File::open(path) else {
        return Ok(0);
    };
    let mut last = 0;
    for line in BufReader::new(file).lines() {
        let line = line?;
        if let Some(seq) = line.split('\t').next().and_then(|s| s.parse::<u64>().ok()) {
            last = last.max(seq);
        }
    }
    Ok(last)
}

/// Appends every unacknowledged outbox entry to `path`, fsyncs, then acks.
pub fn drain(pipeline: &mut Pipeline, path: &Path) -> Result<usize, EmbeddedError> {
    let already = last_seq(path)?;
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    let mut written = 0;
    let mut after = 0;
    loop {
        let batch = pipeline.outbox_after(after, 1000)?;
        let Some((last, _)) = batch.last() else { break };
        after = *last;
        for (seq, out) in &batch {
            if *seq <= already {
                continue;
            }
            let key = String::from_utf8_lossy(out.key.as_deref().unwrap_or_default()).into_owned();
            writeln!(
                file,
                "{seq}\t{}\t{key}\t{}",
                out.topic,
                String::from_utf8_lossy(&out.value)
            )?;
            written += 1;
        }
    }
    file.sync_all()?;
    if after > 0 {
        pipeline.ack(after)?;
    }
    Ok(written)
}
