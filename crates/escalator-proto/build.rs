//! Compiles `proto/escalator/v1/*.proto` with protox (a protobuf compiler
//! written in Rust), so the build needs no protoc on the machine.

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR")?).join("../../proto");
    let dir = root.join("escalator/v1");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "proto"))
        .collect();
    files.sort();
    println!("cargo:rerun-if-changed={}", dir.display());
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
    }
    let descriptors = protox::compile(&files, [&root])?;
    let descriptor_bytes = prost::Message::encode_to_vec(&descriptors);
    prost_build::Config::new()
        .enable_type_names()
        .compile_fds(descriptors)?;
    // serde impls following the proto3 JSON mapping, for the CLI and tools.
    pbjson_build::Builder::new()
        .register_descriptors(&descriptor_bytes)?
        .build(&[".escalator"])?;
    Ok(())
}
