//! The `hearken.v1` gRPC contracts, generated at build time from `proto/`.

#![allow(missing_debug_implementations, unreachable_pub, clippy::all)]

pub mod hearken {
    pub mod v1 {
        tonic::include_proto!("hearken.v1");
    }
}

/// Encoded descriptors of every `hearken.v1` file, for server reflection.
pub const FILE_DESCRIPTOR_SET: &[u8] = tonic::include_file_descriptor_set!("hearken_descriptor");

pub mod status;

pub use hearken::v1;
pub use {prost, prost_types, tonic};
