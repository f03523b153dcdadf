//! Compiles `proto/hearken/v1` with protox, a protobuf compiler in Rust, so that no machine
//! needs `protoc`, and keeps the descriptor set for server reflection.

use std::{env, path::PathBuf};

const PROTOS: &[&str] = &[
    "hearken/v1/mention.proto",
    "hearken/v1/ingest.proto",
    "hearken/v1/classify.proto",
    "hearken/v1/influence.proto",
    "hearken/v1/report.proto",
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = PathBuf::from(env::var("OUT_DIR")?);
    let fds = protox::compile(PROTOS, ["../../proto"])?;
    std::fs::write(
        out.join("hearken_descriptor.bin"),
        protox::prost::Message::encode_to_vec(&fds),
    )?;
    tonic_prost_build::configure().compile_fds(fds)?;
    println!("cargo:rerun-if-changed=../../proto");
    Ok(())
}
