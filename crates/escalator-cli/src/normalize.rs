//! `escalator normalize --source <zendesk|jira|canonical|protobuf|auto> FILE`:
//! runs the ingestor's adapters on one payload and prints the resulting
//! TicketEvents as JSON lines (proto3 JSON mapping), or the error kind and
//! message with exit code 1. Mappings come from the ingestor config given
//! with `--config`, so users can check theirs before connecting a system.

use std::io::{Read, Write};
use std::path::PathBuf;

use escalator_ingestor::adapters::SOURCE_HEADER;
use escalator_ingestor::{Ingestor, IngestorSettings};
use escalator_runtime::{Header, Record};
use escalator_service::load_settings;

#[derive(clap::Args)]
pub struct Args {
    /// Source format: zendesk, jira, canonical, protobuf, or auto to detect it.
    #[arg(long, default_value = "auto")]
    source: String,
    /// Ingestor settings (TOML) holding the field mappings.
    #[arg(long)]
    config: Option<PathBuf>,
    /// The payload file; `-` reads standard input.
    file: PathBuf,
}

pub fn run(args: &Args) -> i32 {
    match normalize(args) {
        Ok(lines) => {
            let mut out = std::io::stdout().lock();
            for line in lines {
                if writeln!(out, "{line}").is_err() {
                    return 1;
                }
            }
            0
        }
        Err(message) => {
            eprintln!("escalator normalize: {message}");
            1
        }
    }
}

fn normalize(args: &Args) -> Result<Vec<String>, String> {
    let env = escalator_service::settings::process_env();
    let settings: IngestorSettings =
        load_settings(args.config.as_deref(), &env).map_err(|e| e.to_string())?;
    settings.validate()?;
    let mut bytes = Vec::new();
    if args.file.as_os_str() == "-" {
        std::io::stdin()
            .read_to_end(&mut bytes)
            .map_err(|e| format!("reading stdin: {e}"))?;
    } else {
        bytes = std::fs::read(&args.file).map_err(|e| format!("{}: {e}", args.file.display()))?;
    }
    let mut headers = Vec::new();
    if args.source != "auto" {
        if escalator_ingestor::adapters::Source::parse(&args.source).is_none() {
            return Err(format!(
                "unknown source {:?}: use zendesk, jira, canonical, protobuf or auto",
                args.source
            ));
        }
        headers.push(Header::new(SOURCE_HEADER, args.source.as_str()));
    }
    let record = Record {
        topic: "cli",
        partition: 0,
        offset: 0,
        key: None,
        value: &bytes,
        headers: &headers,
        timestamp_ms: None,
    };
    let ingestor = Ingestor::from_settings(&settings);
    let now = escalator_runtime::Clock::now_ms(&escalator_runtime::SystemClock);
    let (_, events) = ingestor
        .normalize(&record, now)
        .map_err(|e| e.to_string())?;
    events
        .iter()
        .map(|e| serde_json::to_string(e).map_err(|e| format!("printing: {e}")))
        .collect()
}
