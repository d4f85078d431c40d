//! Shared pieces of the cross-crate tests: a small counting processor whose
//! correct output is easy to state, and helpers that talk to the broker named
//! by `ESCALATOR_KAFKA_BOOTSTRAP`.

pub mod counting;
pub mod kafka;
