//! Demo product pictures, drawn here (no downloads): a flat background in the product's colour
//! with a simple shape for its kind. Deterministic, so equal inputs give equal bytes and the
//! media store keeps one copy.

use image::{ImageEncoder, Rgba, RgbaImage};

const SIDE: u32 = 800;

/// RGB for the demo catalog's colour names; unknown names get a neutral sand.
pub fn rgb(colour: &str) -> [u8; 3] {
    match colour.to_ascii_lowercase().as_str() {
        "white" => [238, 236, 230],
        "sand" | "natural" => [222, 202, 164],
        "indigo" | "blue" => [55, 70, 140],
        "saffron" | "gold" => [232, 160, 40],
        "olive" | "green" => [110, 125, 60],
        "black" => [40, 40, 44],
        "rose" => [214, 130, 150],
        "teal" => [30, 130, 130],
        "terracotta" | "copper" | "brown" => [176, 92, 60],
        "grey" => [140, 144, 150],
        "multicolour" => [200, 90, 120],
        _ => [210, 190, 150],
    }
}

/// A PNG of `SIDE`×`SIDE` pixels: the colour as background, shape `kind % 5` on top.
pub fn draw(kind: usize, colour: &str) -> Vec<u8> {
    let [r, g, b] = rgb(colour);
    let light = (u32::from(r) * 299 + u32::from(g) * 587 + u32::from(b) * 114) / 1000 > 140;
    let ink = if light {
        Rgba([40, 44, 52, 255])
    } else {
        Rgba([245, 242, 236, 255])
    };
    let bg = Rgba([r, g, b, 255]);
    let c = (SIDE / 2) as i64;
    let img = RgbaImage::from_fn(SIDE, SIDE, |x, y| {
        let (dx, dy) = (x as i64 - c, y as i64 - c);
        let inside = match kind % 5 {
            0 => dx * dx + dy * dy < 220 * 220,    // circle
            1 => dx.abs() < 200 && dy.abs() < 240, // tall rectangle
            2 => dy > -220 && dy < 200 && dx.abs() < (dy + 220) * 9 / 10, // triangle
            3 => dx.abs() + dy.abs() < 260,        // diamond
            _ => (dx * dx + dy * dy < 240 * 240) && (dx * dx + dy * dy > 150 * 150), // ring
        };
        if inside {
            ink
        } else {
            bg
        }
    });
    let mut out = Vec::new();
    // Drawing into memory cannot fail for valid dimensions; an empty Vec is refused by the store.
    let _ = image::codecs::png::PngEncoder::new(&mut out).write_image(
        img.as_raw(),
        SIDE,
        SIDE,
        image::ExtendedColorType::Rgba8,
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drawings_are_deterministic_pngs() {
        let a = draw(3, "indigo");
        assert_eq!(a, draw(3, "indigo"));
        assert_ne!(a, draw(3, "rose"));
        let decoded = image::load_from_memory(&a).expect("a PNG");
        assert_eq!((decoded.width(), decoded.height()), (SIDE, SIDE));
    }
}
