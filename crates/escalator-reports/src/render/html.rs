use std::fmt::Write;

use escalator_proto::v1::{
    DeflectionReport, Report, ResolutionHop, ResolutionReport, UtilizationReport, report,
};

use super::{domain_label, duration, hop_label, signature_label, tier_label};

const CSS: &str = "body{font-family:system-ui,sans-serif;margin:2rem;color:#222}\
table{border-collapse:collapse;margin:1rem 0}th,td{border:1px solid #ccc;padding:.3rem .6rem;text-align:left}\
td.n{text-align:right}th{background:#f3f3f3}svg text{font-size:12px;fill:#222}";
const BAR_COLORS: [&str; 2] = ["#4e79a7", "#f28e2b"];

/// One self-contained page: inline CSS and SVG, no scripts, every text escaped.
pub fn render_html(report: &Report) -> String {
    let title = format!("Escalator report {}", report.report_id);
    let mut body = String::new();
    match &report.report {
        Some(report::Report::Resolution(r)) => resolution(&mut body, r),
        Some(report::Report::Utilization(r)) => utilization(&mut body, r),
        Some(report::Report::Deflection(r)) => deflection(&mut body, r),
        None => body.push_str("<p>Empty report.</p>"),
    }
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{t}</title><style>{CSS}</style></head>\
         <body><h1>{t}</h1><p>Generated at {g} ms.</p>{body}</body></html>\n",
        t = esc(&title),
        g = report.generated_at_ms
    )
}

/// Escapes text for HTML element content and quoted attributes.
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Horizontal bar chart; each item has one value per series (shared scale).
fn bar_chart(
    out: &mut String,
    title: &str,
    series: &[&str],
    items: &[(String, Vec<f64>)],
    unit: &str,
) {
    if items.is_empty() {
        return;
    }
    let max = items
        .iter()
        .flat_map(|(_, v)| v.iter().copied())
        .fold(0.0_f64, f64::max);
    let (label_w, bar_w, bar_h) = (260.0, 420.0, 14.0);
    let row_h = bar_h * series.len() as f64 + 8.0;
    let height = 30.0 + row_h * items.len() as f64;
    let _ = write!(
        out,
        "<h3>{}</h3><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{height}\" role=\"img\" aria-label=\"{t}\">",
        esc(title),
        w = label_w + bar_w + 120.0,
        t = esc(title)
    );
    for (i, name) in series.iter().enumerate() {
        let color = BAR_COLORS[i % BAR_COLORS.len()];
        let x = label_w + i as f64 * 120.0;
        let _ = write!(
            out,
            "<rect x=\"{x}\" y=\"4\" width=\"10\" height=\"10\" fill=\"{color}\"/><text x=\"{}\" y=\"13\">{}</text>",
            x + 14.0,
            esc(name)
        );
    }
    for (row, (label, values)) in items.iter().enumerate() {
        let y0 = 24.0 + row as f64 * row_h;
        let _ = write!(
            out,
            "<text x=\"0\" y=\"{}\">{}</text>",
            y0 + bar_h,
            esc(&truncate(label, 40))
        );
        for (i, v) in values.iter().enumerate() {
            let w = if max > 0.0 { v / max * bar_w } else { 0.0 };
            let y = y0 + i as f64 * bar_h;
            let color = BAR_COLORS[i % BAR_COLORS.len()];
            let _ = write!(
                out,
                "<rect x=\"{label_w}\" y=\"{y}\" width=\"{w:.1}\" height=\"{}\" fill=\"{color}\"/>\
                 <text x=\"{:.1}\" y=\"{}\">{v:.2} {}</text>",
                bar_h - 2.0,
                label_w + w + 4.0,
                y + bar_h - 3.0,
                esc(unit)
            );
        }
    }
    out.push_str("</svg>");
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(max - 1).collect::<String>())
    }
}

fn table(out: &mut String, headers: &[&str], rows: &[Vec<String>]) {
    out.push_str("<table><thead><tr>");
    for h in headers {
        let _ = write!(out, "<th>{}</th>", esc(h));
    }
    out.push_str("</tr></thead><tbody>");
    for row in rows {
        out.push_str("<tr>");
        for c in row {
            let _ = write!(out, "<td>{}</td>", esc(c));
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table>");
}

fn resolution(out: &mut String, r: &ResolutionReport) {
    let _ = write!(
        out,
        "<h2>Resolution times</h2><p>Window {} – {} ms.</p>",
        r.window_start_ms, r.window_end_ms
    );
    let hours = |ms: i64| ms as f64 / 3_600_000.0;
    let items: Vec<(String, Vec<f64>)> = r
        .rows
        .iter()
        .filter(|row| {
            row.hop == ResolutionHop::Total as i32 && row.tier == 0 && !row.domain.is_empty()
        })
        .map(|row| {
            (
                row.domain.clone(),
                vec![hours(row.p50_ms), hours(row.p90_ms)],
            )
        })
        .collect();
    bar_chart(
        out,
        "Total resolution time per domain",
        &["p50", "p90"],
        &items,
        "h",
    );
    let rows: Vec<Vec<String>> = r
        .rows
        .iter()
        .map(|row| {
            vec![
                domain_label(&row.domain).to_string(),
                tier_label(row.tier).to_string(),
                hop_label(row.hop).to_string(),
                row.count.to_string(),
                duration(row.p50_ms),
                duration(row.p90_ms),
                duration(row.p99_ms),
            ]
        })
        .collect();
    table(
        out,
        &["Domain", "Tier", "Hop", "Count", "p50", "p90", "p99"],
        &rows,
    );
}

fn utilization(out: &mut String, r: &UtilizationReport) {
    let _ = write!(
        out,
        "<h2>Utilization</h2><p>Window {} – {} ms.</p>",
        r.window_start_ms, r.window_end_ms
    );
    let items: Vec<(String, Vec<f64>)> = r
        .queues
        .iter()
        .map(|q| (q.queue_id.clone(), vec![q.utilization * 100.0]))
        .collect();
    bar_chart(out, "Utilization per queue", &["utilization"], &items, "%");
    let rows: Vec<Vec<String>> = r
        .queues
        .iter()
        .map(|q| {
            vec![
                q.queue_id.clone(),
                q.domain.clone(),
                q.received.to_string(),
                q.resolved.to_string(),
                q.open_wip.to_string(),
                duration(q.median_handling_ms),
                q.capacity.to_string(),
                format!("{:.1}%", q.utilization * 100.0),
                q.breaches.to_string(),
                q.reopened.to_string(),
            ]
        })
        .collect();
    table(
        out,
        &[
            "Queue",
            "Domain",
            "Received",
            "Resolved",
            "Open",
            "Median handling",
            "Capacity",
            "Utilization",
            "Breaches",
            "Reopened",
        ],
        &rows,
    );
    let rows: Vec<Vec<String>> = r
        .specialists
        .iter()
        .map(|s| {
            vec![
                s.specialist_id.clone(),
                s.queue_id.clone(),
                s.accepted.to_string(),
                s.resolved.to_string(),
                duration(s.median_handling_ms),
            ]
        })
        .collect();
    out.push_str("<h2>Specialists</h2>");
    table(
        out,
        &[
            "Specialist",
            "Queue",
            "Accepted",
            "Resolved",
            "Median handling",
        ],
        &rows,
    );
}

fn deflection(out: &mut String, r: &DeflectionReport) {
    let _ = write!(
        out,
        "<h2>Deflectable escalations</h2><p>Window {} – {} ms.</p>",
        r.window_start_ms, r.window_end_ms
    );
    let items: Vec<(String, Vec<f64>)> = r
        .rows
        .iter()
        .map(|row| {
            (
                signature_label(row.signature.as_ref()),
                vec![row.specialist_hours],
            )
        })
        .collect();
    bar_chart(
        out,
        "Specialist hours per signature",
        &["hours"],
        &items,
        "h",
    );
    let rows: Vec<Vec<String>> = r
        .rows
        .iter()
        .map(|row| {
            vec![
                signature_label(row.signature.as_ref()),
                row.count.to_string(),
                format!("{:.2}", row.specialist_hours),
                if row.kb_article_exists { "yes" } else { "no" }.to_string(),
                row.example_ticket_ids.join(", "),
            ]
        })
        .collect();
    table(
        out,
        &[
            "Signature",
            "Count",
            "Specialist hours",
            "KB article",
            "Examples",
        ],
        &rows,
    );
}
