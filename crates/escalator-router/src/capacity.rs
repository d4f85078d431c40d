//! Choosing the queue: the classified domain's queue unless it is full, then
//! its overflow target, and so on. Urgent and SLA-critical escalations may
//! use the whole capacity; others overflow once `1 - urgent_reserve` of it
//! is taken, so urgent work goes first when a queue is busy.

use crate::config::{Domain, Routing};

#[derive(Debug, Clone, PartialEq)]
pub struct Placement {
    pub domain: String,
    pub queue: String,
    /// The queue the classification asked for, when overflow moved it.
    pub original_queue: Option<String>,
    pub reason: String,
    pub open: u32,
    pub capacity: u32,
}

/// `open` gives the open escalations of a queue (its share of capacity is
/// `capacity / capacity_partitions`, see the settings).
pub fn place(
    routing: &Routing,
    domain: &str,
    urgent: bool,
    partitions: u32,
    open: &dyn Fn(&str) -> u32,
) -> Placement {
    let limit = |d: &Domain| {
        let share = (f64::from(d.capacity()) / f64::from(partitions.max(1)))
            .ceil()
            .max(1.0);
        let limit = if urgent {
            share
        } else {
            (share * (1.0 - routing.urgent_reserve)).floor().max(1.0)
        };
        limit as u32
    };
    let Some(mut d) = routing.domain(domain).or_else(|| routing.triage()) else {
        return Placement {
            domain: domain.to_owned(),
            queue: domain.to_owned(),
            original_queue: None,
            reason: String::new(),
            open: 0,
            capacity: 0,
        };
    };
    let first = d.queue.clone();
    let mut visited = vec![d.name.clone()];
    let mut reasons = Vec::new();
    loop {
        let n = open(&d.queue);
        if n < limit(d) {
            break;
        }
        let next = routing
            .domain(&d.overflow)
            .filter(|o| !visited.contains(&o.name));
        let Some(next) = next else {
            reasons.push(format!(
                "{} full ({n}/{}), no overflow left: queued over capacity",
                d.queue,
                d.capacity()
            ));
            break;
        };
        reasons.push(format!(
            "{} full ({n}/{}{})",
            d.queue,
            limit(d),
            if urgent { "" } else { ", urgent reserve kept" }
        ));
        visited.push(next.name.clone());
        d = next;
    }
    Placement {
        domain: d.name.clone(),
        queue: d.queue.clone(),
        original_queue: (d.queue != first).then_some(first),
        reason: reasons.join("; "),
        open: open(&d.queue),
        capacity: d.capacity(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overflow_follows_the_chain_and_urgent_goes_first() {
        let r = Routing::default_config().unwrap_or_else(|e| panic!("{e}"));
        // database: 12 capacity, reserve 20% -> non-urgent limit 9.
        let busy = |q: &str| if q == "l2-database" { 10 } else { 0 };
        let p = place(&r, "database", false, 1, &busy);
        assert_eq!(
            (p.domain.as_str(), p.original_queue.as_deref()),
            ("platform", Some("l2-database"))
        );
        let p = place(&r, "database", true, 1, &busy);
        assert_eq!(p.domain, "database", "urgent still fits in the reserve");
        let full = |_: &str| 100;
        let p = place(&r, "database", true, 1, &full);
        assert!(p.reason.contains("no overflow left"), "{}", p.reason);
    }
}
