use escalator_proto::v1::Report;

/// The proto JSON mapping (camelCase, via pbjson) of the report.
pub fn render_json(report: &Report) -> String {
    // Serializing generated proto types cannot fail (no maps with non-string keys);
    // still, an error yields a JSON object rather than a panic.
    serde_json::to_string(report).unwrap_or_else(|e| format!("{{\"error\":{:?}}}", e.to_string()))
}
