//! Command-line settings of the load driver, shared by `escalator-load` and
//! `escalator-bench` (P3, P4).

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::LoadSettings;

#[derive(clap::Args, Debug, Clone)]
pub struct LoadArgs {
    /// The broker (`make bench` starts the project's and sets this).
    #[arg(long, env = "ESCALATOR_KAFKA_BOOTSTRAP")]
    pub bootstrap: Option<String>,
    /// Services' transaction interval, ms (`kafka.batch_max_wait_ms`).
    #[arg(long, default_value_t = 20)]
    pub commit_ms: u64,
    /// Extra librdkafka properties for the services (`key=value`, repeatable),
    /// for experiments.
    #[arg(long = "service-librdkafka", value_parser = key_value)]
    pub service_librdkafka: Vec<(String, String)>,
    /// Partitions of every topic of the run.
    #[arg(long, default_value_t = 3)]
    pub partitions: i32,
    /// Flat out: most records any stage may fall behind before production
    /// pauses.
    #[arg(long, default_value_t = 20_000)]
    pub max_in_flight: i64,
    /// Left out of the throughput windows, seconds.
    #[arg(long, default_value_t = 15.0)]
    pub warmup_secs: f64,
    /// Throughput and latency window, seconds.
    #[arg(long, default_value_t = 5.0)]
    pub window_secs: f64,
    /// How long every group may take to catch up after production, seconds.
    #[arg(long, default_value_t = 120.0)]
    pub drain_secs: f64,
}

impl LoadArgs {
    /// Settings for one run: `rate` events/s (`None` flat out) for `secs`.
    pub fn settings(
        &self,
        bootstrap: &str,
        rate: Option<f64>,
        secs: f64,
        measure_latency: bool,
    ) -> anyhow::Result<LoadSettings> {
        let exe = std::env::current_exe()?;
        let bin_dir = exe
            .parent()
            .map(Path::to_path_buf)
            .ok_or_else(|| anyhow::anyhow!("no directory for {}", exe.display()))?;
        Ok(LoadSettings {
            bootstrap: bootstrap.to_owned(),
            repo: repo_root(),
            bin_dir,
            rate,
            duration: Duration::from_secs_f64(secs),
            warmup: Duration::from_secs_f64(self.warmup_secs.min(secs / 2.0)),
            window: Duration::from_secs_f64(self.window_secs),
            commit_ms: self.commit_ms,
            librdkafka: self.service_librdkafka.clone(),
            partitions: self.partitions,
            max_in_flight: self.max_in_flight,
            measure_latency,
            drain_timeout: Duration::from_secs_f64(self.drain_secs),
        })
    }
}

fn key_value(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .ok_or_else(|| format!("{s:?} is not key=value"))
}

/// The repository this crate was built from (for `deploy/`).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}
