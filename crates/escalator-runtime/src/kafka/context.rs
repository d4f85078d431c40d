//! Rebalance callbacks. librdkafka calls them from inside `poll`, where the
//! driver never has a transaction open, so they only record what happened;
//! the driver loop restores or drops partitions right after `poll` returns
//! and before it touches any record of theirs.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use rdkafka::ClientContext;
use rdkafka::consumer::{BaseConsumer, Consumer, ConsumerContext, Rebalance};

#[derive(Debug)]
pub(crate) enum RebalanceEvent {
    Assigned(Vec<(String, i32)>),
    Revoked {
        partitions: Vec<(String, i32)>,
        lost: bool,
    },
}

#[derive(Default, Clone)]
pub(crate) struct DriverContext {
    pub events: Arc<Mutex<VecDeque<RebalanceEvent>>>,
}

impl ClientContext for DriverContext {}

fn partitions(tpl: &rdkafka::TopicPartitionList) -> Vec<(String, i32)> {
    tpl.elements()
        .iter()
        .map(|e| (e.topic().to_owned(), e.partition()))
        .collect()
}

impl ConsumerContext for DriverContext {
    fn pre_rebalance(&self, consumer: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        if let Rebalance::Revoke(tpl) = rebalance {
            let event = RebalanceEvent::Revoked {
                partitions: partitions(tpl),
                lost: consumer.assignment_lost(),
            };
            if let Ok(mut q) = self.events.lock() {
                q.push_back(event);
            }
        }
    }

    fn post_rebalance(&self, _consumer: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        match rebalance {
            Rebalance::Assign(tpl) => {
                if let Ok(mut q) = self.events.lock() {
                    q.push_back(RebalanceEvent::Assigned(partitions(tpl)));
                }
            }
            Rebalance::Error(e) => tracing::warn!(error = %e, "rebalance error"),
            Rebalance::Revoke(_) => {}
        }
    }
}
