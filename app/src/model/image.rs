//! Product images as pages reference them: content-addressed renditions in several widths,
//! WebP with a PNG fallback, and the original's dimensions so the page reserves the space.

use serde::{Deserialize, Serialize};

/// Widths rendered for every image (those narrower than the original, plus the original's
/// own width when it is below the largest).
pub const RENDITION_WIDTHS: [u32; 4] = [320, 640, 1024, 1600];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductImage {
    /// The content hash naming the files (24 hex digits).
    pub key: String,
    pub alt: String,
    pub width: u32,
    pub height: u32,
}

impl ProductImage {
    /// The widths this image has renditions in, ascending.
    pub fn widths(&self) -> Vec<u32> {
        rendition_widths(self.width)
    }

    pub fn url(&self, width: u32, format: ImageFormat) -> String {
        format!("/media/{}-{width}.{}", self.key, format.extension())
    }

    /// `srcset` for one format: every rendition with its width.
    pub fn srcset(&self, format: ImageFormat) -> String {
        self.widths()
            .into_iter()
            .map(|w| format!("{} {w}w", self.url(w, format)))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The rendition closest to `want` pixels wide (for the `src` fallback).
    pub fn src(&self, want: u32, format: ImageFormat) -> String {
        let widths = self.widths();
        let w = widths
            .iter()
            .copied()
            .find(|w| *w >= want)
            .or(widths.last().copied())
            .unwrap_or(self.width);
        self.url(w, format)
    }
}

pub fn rendition_widths(original: u32) -> Vec<u32> {
    let largest = RENDITION_WIDTHS[RENDITION_WIDTHS.len() - 1];
    let mut widths: Vec<u32> = RENDITION_WIDTHS
        .iter()
        .copied()
        .filter(|w| *w < original)
        .collect();
    widths.push(original.min(largest));
    widths.dedup();
    widths
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageFormat {
    Webp,
    Png,
}

impl ImageFormat {
    pub fn extension(self) -> &'static str {
        match self {
            ImageFormat::Webp => "webp",
            ImageFormat::Png => "png",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_never_upscale() {
        assert_eq!(rendition_widths(800), vec![320, 640, 800]);
        assert_eq!(rendition_widths(200), vec![200]);
        assert_eq!(rendition_widths(640), vec![320, 640]);
        assert_eq!(rendition_widths(4000), vec![320, 640, 1024, 1600]);
    }

    #[test]
    fn urls_and_srcset() {
        let img = ProductImage {
            key: "ab".repeat(12),
            alt: "x".into(),
            width: 800,
            height: 600,
        };
        assert_eq!(
            img.url(320, ImageFormat::Webp),
            format!("/media/{}-320.webp", img.key)
        );
        assert_eq!(img.srcset(ImageFormat::Png).matches("w, ").count(), 2);
        assert!(img.src(500, ImageFormat::Png).ends_with("-640.png"));
        assert!(img.src(5000, ImageFormat::Png).ends_with("-800.png"));
    }
}
