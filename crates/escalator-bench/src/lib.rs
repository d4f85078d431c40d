//! Benchmarks against the performance goals of the brief (P1-P8): each
//! measurement runs several times and reports median, min and max; the
//! table and `bench-results/latest.json` say, per goal, whether it holds.
//!
//! - `fixture`: realistic generated histories, as JSON lines and protobuf.
//! - `goals`: one function per goal, each returning samples.
//! - `load`: the load driver against a real broker (P3, P4).
//! - `table`: statistics, the printed table and its JSON form.

pub mod fixture;
pub mod goals;
pub mod load;
pub mod table;
