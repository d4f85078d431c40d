//! `escalator generate --seed S --tickets N [--start TIME] [--days D]
//! [--snapshot] [--out FILE]`: a realistic, seeded ticket history as
//! canonical JSON events, one per line, in event-time order. The same
//! arguments always give the same bytes. `--snapshot` puts the ticket's full
//! envelope (where the help desk shows it, its description) on every event,
//! as Zendesk and Jira send it.

use std::io::Write;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    #[arg(long, default_value_t = 1)]
    seed: u64,
    #[arg(long, default_value_t = 500)]
    tickets: usize,
    /// When the history starts (RFC 3339).
    #[arg(long, default_value = "2026-10-05T00:00:00Z")]
    start: String,
    /// Days over which tickets are created (default: from the ticket count).
    #[arg(long)]
    days: Option<u32>,
    /// Every event carries the full envelope, as help desks send it.
    #[arg(long)]
    snapshot: bool,
    /// Write here instead of standard output.
    #[arg(long)]
    out: Option<PathBuf>,
}

pub fn run(args: &Args) -> i32 {
    let start = match args.start.parse::<jiff::Timestamp>() {
        Ok(t) => t.as_millisecond(),
        Err(e) => {
            eprintln!("escalator generate: --start {:?}: {e}", args.start);
            return 1;
        }
    };
    let mut settings = escalator_generator::Settings::new(args.seed, args.tickets, start);
    if let Some(d) = args.days {
        settings.days = d.max(1);
    }
    let mut events = escalator_generator::generate(&settings);
    if args.snapshot {
        escalator_generator::snapshots(&mut events);
    }
    let written = match &args.out {
        Some(path) => std::fs::File::create(path).and_then(|f| {
            let mut w = std::io::BufWriter::new(f);
            escalator_generator::write_jsonl(&events, &mut w)?;
            w.flush()
        }),
        None => {
            let mut w = std::io::BufWriter::new(std::io::stdout().lock());
            escalator_generator::write_jsonl(&events, &mut w).and_then(|()| w.flush())
        }
    };
    match written {
        Ok(()) => {
            if let Some(path) = &args.out {
                eprintln!(
                    "escalator generate: {} events of {} tickets written to {}",
                    events.len(),
                    args.tickets,
                    path.display()
                );
            }
            0
        }
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => 0,
        Err(e) => {
            eprintln!("escalator generate: {e}");
            1
        }
    }
}
