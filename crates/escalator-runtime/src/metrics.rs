//! Every metric the runtime emits, declared once with its description.
//! Labels are bounded: topic names come from configuration and error kinds
//! from a fixed set; never a key or an offset.

use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};

pub const RECORDS_CONSUMED: &str = "escalator_runtime_records_consumed_total";
pub const RECORDS_PRODUCED: &str = "escalator_runtime_records_produced_total";
pub const DEAD_LETTERS: &str = "escalator_runtime_dead_letters_total";
pub const TRANSACTIONS: &str = "escalator_runtime_transactions_total";
pub const COMMIT_SECONDS: &str = "escalator_runtime_commit_duration_seconds";
pub const BATCH_RECORDS: &str = "escalator_runtime_batch_records";
pub const BACKPRESSURE: &str = "escalator_runtime_backpressure_waits_total";
pub const TIMERS_PENDING: &str = "escalator_runtime_timers_pending";
pub const TIMERS_FIRED: &str = "escalator_runtime_timers_fired_total";
pub const TIMER_LATENESS: &str = "escalator_runtime_timer_lateness_seconds";
pub const STATE_KEYS: &str = "escalator_runtime_state_keys";
pub const RESTORED_RECORDS: &str = "escalator_runtime_restored_records_total";
pub const RESTORE_SECONDS: &str = "escalator_runtime_restore_duration_seconds";
pub const ASSIGNED_PARTITIONS: &str = "escalator_runtime_assigned_partitions";
pub const REBALANCES: &str = "escalator_runtime_rebalances_total";
pub const BUFFERED_RECORDS: &str = "escalator_runtime_buffered_records";

pub fn describe() {
    describe_counter!(
        RECORDS_CONSUMED,
        Unit::Count,
        "Input records handed to the processor, by topic."
    );
    describe_counter!(
        RECORDS_PRODUCED,
        Unit::Count,
        "Output records written (committed or not), by topic."
    );
    describe_counter!(
        DEAD_LETTERS,
        Unit::Count,
        "Records refused by the processor and dead-lettered, by error kind."
    );
    describe_counter!(
        TRANSACTIONS,
        Unit::Count,
        "Transactions (or embedded commits) by outcome: committed or aborted."
    );
    describe_histogram!(
        COMMIT_SECONDS,
        Unit::Seconds,
        "Time to commit one batch's transaction."
    );
    describe_histogram!(BATCH_RECORDS, Unit::Count, "Input records per batch.");
    describe_counter!(
        BACKPRESSURE,
        Unit::Count,
        "Times the producer queue was full and the driver waited for it to drain."
    );
    describe_gauge!(
        TIMERS_PENDING,
        Unit::Count,
        "Deadlines armed across assigned partitions."
    );
    describe_counter!(
        TIMERS_FIRED,
        Unit::Count,
        "Deadlines that came due and fired."
    );
    describe_histogram!(
        TIMER_LATENESS,
        Unit::Seconds,
        "How long after its due time a deadline fired."
    );
    describe_gauge!(
        STATE_KEYS,
        Unit::Count,
        "Keys held in state across assigned partitions."
    );
    describe_counter!(
        RESTORED_RECORDS,
        Unit::Count,
        "Changelog records read while restoring state."
    );
    describe_histogram!(
        RESTORE_SECONDS,
        Unit::Seconds,
        "Time to restore one partition's state from its changelog."
    );
    describe_gauge!(
        ASSIGNED_PARTITIONS,
        Unit::Count,
        "Input partitions currently assigned to this instance."
    );
    describe_counter!(
        REBALANCES,
        Unit::Count,
        "Rebalance events by kind: assigned, revoked, lost."
    );
    describe_gauge!(
        BUFFERED_RECORDS,
        Unit::Count,
        "Records polled but not yet processed (bounded by the batch size)."
    );
}
