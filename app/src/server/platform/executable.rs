//! An identifier of the running build, so caches shared between processes (Redis) never hand
//! one build's rendered pages or serialised reads to another during a deploy.

use std::sync::OnceLock;

static BUILD_ID: OnceLock<String> = OnceLock::new();

/// 16 hex digits of the SHA-256 of this executable (computed once, about 0.1 s for a release
/// binary; call it at start-up). Falls back to the package version when the executable
/// cannot be read.
pub fn build_id() -> &'static str {
    BUILD_ID.get_or_init(|| {
        use sha2::Digest;
        match std::env::current_exe().and_then(std::fs::read) {
            Ok(bytes) => super::media::hex_prefix(&sha2::Sha256::digest(&bytes), 8),
            Err(error) => {
                tracing::warn!(%error, "cannot read the executable; build id is the version");
                concat!("v", env!("CARGO_PKG_VERSION")).to_owned()
            }
        }
    })
}
