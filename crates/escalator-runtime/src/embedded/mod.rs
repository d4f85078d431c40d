//! The embedded driver: processors wired in one process, connected in memory,
//! with state, timers, source positions and undelivered outputs kept in a
//! local data directory (one redb file). A commit writes everything a batch
//! changed in one durable transaction, so a restart resumes exactly where the
//! last commit left off.
//!
//! - `node`: a processor with its task, behind an object-safe trait.
//! - `persist`: the database tables and the outbox record encoding.
//! - `pipeline`: routing records between nodes, timers, commit and restore.

mod node;
mod persist;
mod pipeline;

pub use pipeline::{EmbeddedError, Pipeline, Sent};
