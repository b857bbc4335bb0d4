use crate::model::{ImageFormat, ProductImage};
use leptos::prelude::*;
use serde::Serialize;

/// An image ready to render: sources already built on the server, so an island that shows it
/// ships no URL-building code.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PictureData {
    pub webp_srcset: String,
    pub png_srcset: String,
    pub src: String,
    pub alt: String,
    pub width: u32,
    pub height: u32,
}

impl PictureData {
    pub fn new(image: &ProductImage, fallback_width: u32) -> Self {
        Self {
            webp_srcset: image.srcset(ImageFormat::Webp),
            png_srcset: image.srcset(ImageFormat::Png),
            src: image.src(fallback_width, ImageFormat::Png),
            alt: image.alt.clone(),
            width: image.width,
            height: image.height,
        }
    }
}

/// `<picture>` with WebP and PNG sources in every width; `width`/`height` reserve the space.
#[component]
pub fn Picture(
    data: PictureData,
    /// The `sizes` attribute: how wide the image is drawn.
    sizes: &'static str,
    #[prop(default = false)] eager: bool,
) -> impl IntoView {
    view! {
        <picture>
            <source type="image/webp" srcset=data.webp_srcset sizes=sizes />
            <img
                src=data.src
                srcset=data.png_srcset
                sizes=sizes
                alt=data.alt
                width=data.width
                height=data.height
                loading=if eager { "eager" } else { "lazy" }
                decoding="async"
            />
        </picture>
    }
}
