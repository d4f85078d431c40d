//! The router's metrics. Labels: domain and queue names come from the
//! routing configuration (bounded); tier is l2/l3.

use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};

pub const ROUTED: &str = "escalator_router_routed_total";
pub const OVERFLOWS: &str = "escalator_router_overflows_total";
pub const MISROUTES: &str = "escalator_router_misroutes_total";
pub const OPEN: &str = "escalator_router_queue_open_escalations";
pub const UTILIZATION: &str = "escalator_router_queue_utilization_ratio";
pub const CONFIDENCE: &str = "escalator_router_classification_confidence";

pub fn describe() {
    describe_counter!(
        ROUTED,
        Unit::Count,
        "Escalations routed, by domain and tier."
    );
    describe_counter!(
        OVERFLOWS,
        Unit::Count,
        "Escalations sent past a full queue, by the queue that was full."
    );
    describe_counter!(
        MISROUTES,
        Unit::Count,
        "Escalations a specialist moved to another domain, by from and to domain."
    );
    describe_gauge!(
        OPEN,
        Unit::Count,
        "Open escalations per queue (routed, not yet resolved or sent back)."
    );
    describe_gauge!(
        UTILIZATION,
        "Open escalations per queue divided by its capacity."
    );
    describe_histogram!(
        CONFIDENCE,
        "Classification confidence of routed escalations (0-1)."
    );
}
