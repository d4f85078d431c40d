//! The example configuration in deploy/ loads and validates.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::path::Path;

use escalator_ingestor::IngestorSettings;

#[test]
fn the_deploy_example_is_valid() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/ingestor.example.toml");
    let s: IngestorSettings =
        escalator_service::load_settings(Some(&path), &HashMap::new()).unwrap();
    s.validate().unwrap();
    assert_eq!(s.service.kafka.group_id, "escalator-ingestor");
    assert_eq!(
        s.mappings.zendesk.groups["360011229900"].queue,
        "l2-identity"
    );
    assert_eq!(
        s.webhooks.secret_files["zendesk"],
        "/run/secrets/zendesk-webhook"
    );
}

#[test]
fn a_typo_in_a_mapping_is_refused_with_its_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.toml");
    std::fs::write(
        &path,
        "[mappings.zendesk.groups]\n\"1\" = { queue = \"q\", tier = \"l9\" }\n",
    )
    .unwrap();
    let s: IngestorSettings =
        escalator_service::load_settings(Some(&path), &HashMap::new()).unwrap();
    let err = s.validate().err().unwrap();
    assert!(err.contains("queues.1"), "{err}");
}
