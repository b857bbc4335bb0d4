//! An identifier of the running build, so caches shared between processes (Redis) never hand
//! one build's rendered pages or serialised reads to another during a deploy.

use std::sync::OnceLock;

static BUILD_ID: OnceLock<String> = OnceLock::new();

/// 16 hex digits of the SHA-256 of this executable (computed once, about 0.1 s for a release
/// binary; call it at start-up). Read a block at a time: a release binary is over 100 MB, and
/// read whole it was most of the server's memory. Falls back to the package version when the
/// executable cannot be read.
pub fn build_id() -> &'static str {
    BUILD_ID.get_or_init(|| {
        use sha2::Digest;
        let digest = std::env::current_exe()
            .and_then(std::fs::File::open)
            .and_then(|mut file| {
                let mut hasher = sha2::Sha256::new();
                std::io::copy(&mut file, &mut hasher)?;
                Ok(hasher.finalize())
            });
        match digest {
            Ok(digest) => super::media::hex_prefix(&digest, 8),
            Err(error) => {
                tracing::warn!(%error, "cannot read the executable; build id is the version");
                concat!("v", env!("CARGO_PKG_VERSION")).to_owned()
            }
        }
    })
}
