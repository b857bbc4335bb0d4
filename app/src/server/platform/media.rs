//! Image storage on disk: originals named by a hash of their bytes, and renditions in each
//! width of [`RENDITION_WIDTHS`] as WebP and PNG, generated once when an image is stored.
//!
//! Layout under the media directory: `originals/{key}.png`, `r/{key}-{width}.{webp,png}`.
//! `/media/` serves `r/` with immutable cache headers: a name never changes its content.

use super::error::Error;
use crate::model::{rendition_widths, AppError, ImageFormat};
use image::{DynamicImage, ImageEncoder};
use sha2::Digest;
use std::path::{Path, PathBuf};

/// Refuse originals larger than this, in bytes and in pixels per side.
pub const MAX_UPLOAD_BYTES: usize = 20 * 1024 * 1024;
pub const MAX_SIDE: u32 = 8_000;

#[derive(Debug, Clone)]
pub struct MediaStore {
    dir: PathBuf,
}

/// What storing an image produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredImage {
    pub key: String,
    pub width: u32,
    pub height: u32,
}

/// The first 96 bits of the original's SHA-256, as 24 hex digits: a name that changes exactly
/// when the bytes do, so it can be cached forever.
pub fn content_key(bytes: &[u8]) -> String {
    hex_prefix(&sha2::Sha256::digest(bytes), 12)
}

/// The first `n` bytes of `digest` in lowercase hex.
pub(crate) fn hex_prefix(digest: &[u8], n: usize) -> String {
    use std::fmt::Write;
    digest
        .iter()
        .take(n)
        .fold(String::with_capacity(n * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

impl MediaStore {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The directory `/media/` serves.
    pub fn renditions_dir(&self) -> PathBuf {
        self.dir.join("r")
    }

    fn rendition_path(&self, key: &str, width: u32, format: ImageFormat) -> PathBuf {
        self.renditions_dir()
            .join(format!("{key}-{width}.{}", format.extension()))
    }

    /// Decodes, checks and stores an image, and writes every rendition that is missing.
    /// Storing the same bytes twice does the work once. Blocking: call from a blocking task.
    pub fn store(&self, bytes: &[u8]) -> Result<StoredImage, Error> {
        if bytes.len() > MAX_UPLOAD_BYTES {
            return Err(AppError::validation("image", "is larger than 20 MB").into());
        }
        let key = content_key(bytes);
        let mut reader = image::ImageReader::new(std::io::Cursor::new(bytes))
            .with_guessed_format()
            .map_err(|e| Error::other(format!("reading image: {e}")))?;
        let mut limits = image::Limits::default();
        limits.max_image_width = Some(MAX_SIDE);
        limits.max_image_height = Some(MAX_SIDE);
        limits.max_alloc = Some(512 * 1024 * 1024);
        reader.limits(limits);
        let img = reader.decode().map_err(|_| {
            AppError::validation(
                "image",
                "is not a PNG, WebP or JPEG image within 8000×8000 pixels",
            )
        })?;
        let (width, height) = (img.width(), img.height());
        std::fs::create_dir_all(self.dir.join("originals")).map_err(io)?;
        std::fs::create_dir_all(self.renditions_dir()).map_err(io)?;
        let original = self.dir.join("originals").join(format!("{key}.png"));
        if !original.exists() {
            write_atomically(&original, &encode(&img, ImageFormat::Png)?)?;
        }
        for w in rendition_widths(width) {
            let h = ((u64::from(height) * u64::from(w) + u64::from(width) / 2) / u64::from(width))
                .max(1) as u32;
            let mut resized: Option<DynamicImage> = None;
            for format in [ImageFormat::Webp, ImageFormat::Png] {
                let path = self.rendition_path(&key, w, format);
                if path.exists() {
                    continue;
                }
                let r = resized.get_or_insert_with(|| {
                    if w == width {
                        img.clone()
                    } else {
                        img.resize_exact(w, h, image::imageops::FilterType::Triangle)
                    }
                });
                write_atomically(&path, &encode(r, format)?)?;
            }
        }
        Ok(StoredImage { key, width, height })
    }
}

fn io(e: std::io::Error) -> Error {
    Error::other(format!("media storage: {e}"))
}

fn encode(img: &DynamicImage, format: ImageFormat) -> Result<Vec<u8>, Error> {
    let rgba = img.to_rgba8();
    let mut out = Vec::new();
    let result = match format {
        ImageFormat::Png => image::codecs::png::PngEncoder::new(&mut out).write_image(
            rgba.as_raw(),
            rgba.width(),
            rgba.height(),
            image::ExtendedColorType::Rgba8,
        ),
        ImageFormat::Webp => image::codecs::webp::WebPEncoder::new_lossless(&mut out).write_image(
            rgba.as_raw(),
            rgba.width(),
            rgba.height(),
            image::ExtendedColorType::Rgba8,
        ),
    };
    result.map_err(|e| Error::other(format!("encoding {}: {e}", format.extension())))?;
    Ok(out)
}

/// Write to a temporary name, then rename: a crash never leaves half a file under a name
/// that browsers are told to cache forever.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    static SEQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let seq = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = path.with_extension(format!("tmp{}-{seq}", std::process::id()));
    {
        use std::io::Write;
        let mut file = std::fs::File::create(&tmp).map_err(io)?;
        file.write_all(bytes).map_err(io)?;
        // On disk before it gets its final name: the name is cached forever.
        file.sync_all().map_err(io)?;
    }
    std::fs::rename(&tmp, path).map_err(io)?;
    if let Some(dir) = path.parent() {
        // Make the rename itself durable (best effort where directories cannot be synced).
        let _ = std::fs::File::open(dir).and_then(|d| d.sync_all());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_store(name: &str) -> MediaStore {
        let dir = std::env::temp_dir().join(format!("duka-media-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        MediaStore::new(dir)
    }

    fn png(width: u32, height: u32) -> Vec<u8> {
        let img = image::RgbaImage::from_fn(width, height, |x, y| {
            image::Rgba([(x % 256) as u8, (y % 256) as u8, 90, 255])
        });
        encode(&DynamicImage::ImageRgba8(img), ImageFormat::Png).expect("encodes")
    }

    #[test]
    fn stores_once_with_every_rendition() {
        let store = temp_store("renditions");
        let bytes = png(700, 350);
        let stored = store.store(&bytes).expect("stores");
        assert_eq!((stored.width, stored.height), (700, 350));
        assert_eq!(stored.key, content_key(&bytes));
        for (w, h) in [(320, 160), (640, 320), (700, 350)] {
            for format in [ImageFormat::Webp, ImageFormat::Png] {
                let path = store.rendition_path(&stored.key, w, format);
                let decoded = image::open(&path).expect("a readable rendition");
                assert_eq!((decoded.width(), decoded.height()), (w, h), "{path:?}");
            }
        }
        // Again: same key, nothing rewritten.
        let modified = std::fs::metadata(store.rendition_path(&stored.key, 320, ImageFormat::Png))
            .and_then(|m| m.modified())
            .expect("metadata");
        assert_eq!(store.store(&bytes).expect("stores").key, stored.key);
        let again = std::fs::metadata(store.rendition_path(&stored.key, 320, ImageFormat::Png))
            .and_then(|m| m.modified())
            .expect("metadata");
        assert_eq!(modified, again);
        let _ = std::fs::remove_dir_all(store.dir());
    }

    #[test]
    fn refuses_what_is_not_an_image() {
        let store = temp_store("refuse");
        for bad in [
            &b"not an image"[..],
            &b"\x89PNG\r\n\x1a\ngarbage"[..],
            &[][..],
        ] {
            let err = store.store(bad).expect_err("refused");
            assert!(
                matches!(err, Error::App(AppError::Validation { .. })),
                "{err:?}"
            );
        }
        let _ = std::fs::remove_dir_all(store.dir());
    }
}
