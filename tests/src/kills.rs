//! Kills that do not depend on how fast the machine is. A test decides when
//! to kill from progress it observes (lines written, offsets committed),
//! then waits a seeded random delay so kills land both inside open batches
//! and between them, and afterwards reads from the killed process's own
//! debug log whether its last batch was still open. Waits for a condition
//! poll it against a generous timeout instead of sleeping a fixed time.

use std::path::Path;
use std::process::Child;
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// What the drivers log (at debug level) when a batch starts, and when it
/// ends committed or aborted: the runtime's Kafka driver, `escalator run`
/// and the test processor's embedded mode all use these words.
pub const BATCH_OPEN: &str = "batch open";
pub const BATCH_ENDS: [&str; 2] = ["batch committed", "batch aborted"];

/// Polls `ready` every 10 ms until it holds or `timeout` passes; says
/// whether it held.
pub fn wait_for(timeout: Duration, mut ready: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + timeout;
    loop {
        if ready() {
            return true;
        }
        if Instant::now() >= end {
            return false;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Whether the last batch line in `log` opened a batch that never ended:
/// the process died with uncommitted work in hand.
pub fn batch_open_at_end(log: &Path) -> bool {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    text.lines()
        .rev()
        .find_map(|l| {
            if l.contains(BATCH_OPEN) {
                Some(true)
            } else if BATCH_ENDS.iter().any(|e| l.contains(e)) {
                Some(false)
            } else {
                None
            }
        })
        .unwrap_or(false)
}

/// SIGKILLs with a seeded random delay and counts where the kills landed.
pub struct Killer {
    rng: StdRng,
    max_delay: Duration,
    /// Kills made.
    pub kills: usize,
    /// Kills that found a batch open (begun, not committed).
    pub open: usize,
}

impl Killer {
    pub fn new(seed: u64, max_delay: Duration) -> Killer {
        Killer {
            rng: StdRng::seed_from_u64(seed),
            max_delay,
            kills: 0,
            open: 0,
        }
    }

    /// The seeded random pause between the observed progress and the kill.
    pub fn delay(&mut self) -> Duration {
        let ms = self.max_delay.as_millis() as u64;
        let d = Duration::from_millis(self.rng.random_range(0..=ms));
        std::thread::sleep(d);
        d
    }

    /// SIGKILLs `child`, which must still be running (the kill lands
    /// mid-stream), then reads its log to tell whether a batch was open.
    pub fn kill(&mut self, child: &mut Child, log: &Path) {
        assert!(
            matches!(child.try_wait(), Ok(None)),
            "the process ended before its kill: the kill would not land mid-stream (log {})",
            log.display()
        );
        let _ = child.kill();
        let _ = child.wait();
        self.kills += 1;
        if batch_open_at_end(log) {
            self.open += 1;
        }
    }

    /// Waits the seeded delay, then kills.
    pub fn delay_and_kill(&mut self, child: &mut Child, log: &Path) {
        self.delay();
        self.kill(child, log);
    }

    /// Waits (up to `timeout`) until the process's log shows a batch open,
    /// then a seeded delay of at most a tenth of the usual one, then kills:
    /// for tests whose service spends most of its time idle between
    /// batches, so some kills surely land inside one. Where it finds none
    /// open in time it kills anyway (counted as it lands).
    pub fn aim_and_kill(&mut self, child: &mut Child, log: &Path, timeout: Duration) {
        wait_for(timeout, || batch_open_at_end(log));
        let ms = self.max_delay.as_millis() as u64 / 10;
        std::thread::sleep(Duration::from_millis(self.rng.random_range(0..=ms)));
        self.kill(child, log);
    }

    pub fn summary(&self) -> String {
        format!(
            "{} kills, {} of them inside an open batch",
            self.kills, self.open
        )
    }
}
