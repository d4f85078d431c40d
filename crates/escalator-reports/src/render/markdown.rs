use std::fmt::Write;

use escalator_proto::v1::{DeflectionReport, Report, ResolutionReport, UtilizationReport, report};

use super::{domain_label, duration, hop_label, signature_label, tier_label};

/// Markdown tables; cell text has `|` and newlines escaped.
pub fn render_markdown(report: &Report) -> String {
    let mut out = format!(
        "# Report {}\n\nGenerated at {} ms.\n\n",
        cell(&report.report_id),
        report.generated_at_ms
    );
    match &report.report {
        Some(report::Report::Resolution(r)) => resolution(&mut out, r),
        Some(report::Report::Utilization(r)) => utilization(&mut out, r),
        Some(report::Report::Deflection(r)) => deflection(&mut out, r),
        None => out.push_str("_Empty report._\n"),
    }
    out
}

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace(['\n', '\r'], " ")
}

fn resolution(out: &mut String, r: &ResolutionReport) {
    let _ = writeln!(
        out,
        "## Resolution times ({} – {})\n",
        r.window_start_ms, r.window_end_ms
    );
    out.push_str(
        "| Domain | Tier | Hop | Count | p50 | p90 | p99 |\n|---|---|---|---:|---:|---:|---:|\n",
    );
    for row in &r.rows {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} |",
            cell(domain_label(&row.domain)),
            tier_label(row.tier),
            hop_label(row.hop),
            row.count,
            duration(row.p50_ms),
            duration(row.p90_ms),
            duration(row.p99_ms)
        );
    }
}

fn utilization(out: &mut String, r: &UtilizationReport) {
    let _ = writeln!(
        out,
        "## Queues ({} – {})\n",
        r.window_start_ms, r.window_end_ms
    );
    out.push_str(
        "| Queue | Domain | Received | Resolved | Open | Mean handling | Median handling | Capacity | Utilization | Breaches | Re-routes in | Reopened |\n\
         |---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for q in &r.queues {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {:.1}% | {} | {} | {} |",
            cell(&q.queue_id),
            cell(&q.domain),
            q.received,
            q.resolved,
            q.open_wip,
            duration(q.mean_handling_ms),
            duration(q.median_handling_ms),
            q.capacity,
            q.utilization * 100.0,
            q.breaches,
            q.reroutes_in,
            q.reopened
        );
    }
    out.push_str("\n## Specialists\n\n| Specialist | Queue | Accepted | Resolved | Open | Median handling | Sent back |\n|---|---|---:|---:|---:|---:|---:|\n");
    for s in &r.specialists {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} |",
            cell(&s.specialist_id),
            cell(&s.queue_id),
            s.accepted,
            s.resolved,
            s.open_wip,
            duration(s.median_handling_ms),
            s.sent_back_to_l1
        );
    }
}

fn deflection(out: &mut String, r: &DeflectionReport) {
    let _ = writeln!(
        out,
        "## Deflectable escalations ({} – {})\n",
        r.window_start_ms, r.window_end_ms
    );
    out.push_str("| Signature | Count | Specialist hours | KB article | Examples |\n|---|---:|---:|---|---|\n");
    for row in &r.rows {
        let article = row.kb_article.as_ref().map_or(String::from("—"), |a| {
            if a.url.is_empty() {
                a.article_id.clone()
            } else {
                a.url.clone()
            }
        });
        let _ = writeln!(
            out,
            "| {} | {} | {:.2} | {} | {} |",
            cell(&signature_label(row.signature.as_ref())),
            row.count,
            row.specialist_hours,
            cell(&article),
            cell(&row.example_ticket_ids.join(", "))
        );
    }
}
