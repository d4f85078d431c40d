//! A throwaway deployment for one load run: topics named for the run, one
//! config file per service (the shipped policy and routing, wall clock,
//! exactly-once), the four release binaries as processes, and removal of
//! every topic of the run afterwards (the load writes gigabytes).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use escalator_runtime::kafka::{KafkaSettings, TopicSpec, ensure_topics};
use escalator_tests::http::{free_port, request, wait_ok};
use escalator_tests::process::KillOnDrop;
use escalator_tests::services::{self, Topics};
use rdkafka::ClientConfig;
use rdkafka::admin::{AdminClient, AdminOptions};
use rdkafka::client::DefaultClientContext;
use rdkafka::consumer::{BaseConsumer, Consumer};

pub use escalator_tests::services::SERVICES;

pub struct Deployment {
    pub bootstrap: String,
    /// Every topic and group of the run starts with this.
    pub prefix: String,
    pub raw: String,
    pub events: String,
    pub decisions: String,
    pub routed: Vec<String>,
    /// The aggregator's own problems topic (also one of its inputs).
    pub problems: String,
    pub partitions: i32,
    pub dir: tempfile::TempDir,
    configs: BTreeMap<&'static str, PathBuf>,
    http: BTreeMap<&'static str, String>,
    children: Vec<KillOnDrop>,
}

impl Deployment {
    /// Topics and configs; `commit_ms` is the services' batch (transaction)
    /// interval.
    pub fn new(
        bootstrap: &str,
        repo: &Path,
        partitions: i32,
        commit_ms: u64,
        librdkafka: &[(String, String)],
    ) -> anyhow::Result<Deployment> {
        let dir = tempfile::tempdir()?;
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let p = format!("bench-{}-{nanos}", std::process::id());
        let routing = repo.join("deploy/routing.toml");
        let policy = repo.join("deploy/policy.toml");
        let domains: Vec<String> = escalator_router::Routing::load(&routing)
            .map_err(|e| anyhow::anyhow!("{e}"))?
            .domains
            .iter()
            .map(|d| d.name.clone())
            .collect();
        let topics = Topics::named(&p, domains);
        let routed = topics.routed();
        let mut specs: Vec<TopicSpec> = [
            &topics.raw,
            &topics.events,
            &topics.decisions,
            &topics.kb_updates,
            &topics.problems,
            &topics.dead_letters,
        ]
        .into_iter()
        .chain(&routed)
        .map(|n| TopicSpec::new(n.clone(), partitions))
        .collect();
        for s in &mut specs {
            // Dropped at the end anyway; keeps a long run from filling the disk.
            s.config
                .push(("retention.bytes".into(), "1073741824".into()));
        }
        let admin = KafkaSettings {
            bootstrap_servers: bootstrap.to_owned(),
            ..Default::default()
        };
        ensure_topics(&admin, &specs).map_err(|e| anyhow::anyhow!(e))?;

        let mut extra = String::new();
        if !librdkafka.is_empty() {
            extra.push_str("[kafka.librdkafka]\n");
            for (k, v) in librdkafka {
                extra.push_str(&format!("{k:?} = {v:?}\n"));
            }
        }
        let kafka = format!("time = \"wall\"\nbatch_max_wait_ms = {commit_ms}\n");
        let mut configs = BTreeMap::new();
        let mut http = BTreeMap::new();
        for service in SERVICES {
            let listen = format!("127.0.0.1:{}", free_port());
            let text = services::config(
                service,
                &topics,
                &policy,
                &routing,
                bootstrap,
                &format!("{p}-{service}"),
                &kafka,
                &listen,
                &extra,
            );
            let path = dir.path().join(format!("{service}.toml"));
            std::fs::write(&path, text)?;
            configs.insert(service, path);
            http.insert(service, listen);
        }
        Ok(Deployment {
            bootstrap: bootstrap.to_owned(),
            prefix: p,
            raw: topics.raw.clone(),
            events: topics.events.clone(),
            decisions: topics.decisions.clone(),
            routed,
            problems: topics.problems.clone(),
            partitions,
            dir,
            configs,
            http,
            children: Vec::new(),
        })
    }

    pub fn group(&self, service: &str) -> String {
        format!("{}-{service}", self.prefix)
    }

    /// Starts the four services from `bin_dir` and waits until each is ready.
    pub fn start(&mut self, bin_dir: &Path) -> anyhow::Result<()> {
        self.start_services(bin_dir, &SERVICES)
    }

    /// Starts `services` and waits until each is ready.
    pub fn start_services(
        &mut self,
        bin_dir: &Path,
        services: &[&'static str],
    ) -> anyhow::Result<()> {
        for service in services {
            let bin = bin_dir.join(format!("escalator-{service}"));
            anyhow::ensure!(
                bin.exists(),
                "{} missing: `make bench` builds the service binaries in release mode",
                bin.display()
            );
            let log = self.dir.path().join(format!("{service}.log"));
            let child = Command::new(&bin)
                .args(["--config", &self.configs[service].display().to_string()])
                .stdout(Stdio::null())
                .stderr(Stdio::from(
                    std::fs::OpenOptions::new()
                        .create(true)
                        .append(true)
                        .open(&log)?,
                ))
                .spawn()?;
            self.children.push(KillOnDrop(child));
        }
        for service in services {
            anyhow::ensure!(
                wait_ok(&self.http[service], "/readyz", Duration::from_secs(300)),
                "{service} never became ready (log in {})",
                self.dir.path().display()
            );
        }
        Ok(())
    }

    /// Kills every service started so far.
    pub fn stop(&mut self) {
        self.children.clear();
    }

    /// The service's Prometheus metrics.
    pub fn metrics(&self, service: &str) -> anyhow::Result<String> {
        let addr = self
            .http
            .get(service)
            .ok_or_else(|| anyhow::anyhow!("no service {service}"))?;
        let r = request(addr, "GET", "/metrics", &[], b"")?;
        anyhow::ensure!(r.status == 200, "/metrics of {service}: HTTP {}", r.status);
        Ok(r.body)
    }

    /// Stops the services, then deletes every topic of the run.
    pub fn remove(mut self) -> anyhow::Result<()> {
        self.children.clear();
        let consumer: BaseConsumer = ClientConfig::new()
            .set("bootstrap.servers", &self.bootstrap)
            .create()?;
        let metadata = consumer.fetch_metadata(None, Duration::from_secs(10))?;
        let names: Vec<String> = metadata
            .topics()
            .iter()
            .map(|t| t.name().to_owned())
            .filter(|n| n.starts_with(&self.prefix))
            .collect();
        if names.is_empty() {
            return Ok(());
        }
        let admin: AdminClient<DefaultClientContext> = ClientConfig::new()
            .set("bootstrap.servers", &self.bootstrap)
            .create()?;
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let results =
            futures::executor::block_on(admin.delete_topics(&refs, &AdminOptions::new()))?;
        for r in results {
            if let Err((topic, e)) = r {
                anyhow::bail!("deleting {topic}: {e}");
            }
        }
        Ok(())
    }
}
