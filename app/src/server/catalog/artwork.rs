//! Demo product pictures, drawn here (no downloads): a recognisable illustration of the
//! product (a shirt, a dress, a mug, a lamp...) in its colour, on a light studio background
//! with a soft floor shadow, so the first `make run` looks like a shop. Deterministic, so equal
//! inputs give equal bytes and the media store keeps one copy.
//!
//! Each illustration is a few flat shapes on a 1000×1000 canvas, top one wins. Pixels are
//! sampled at their corners; a pixel whose corners disagree (an edge) is sampled 4×4 more,
//! which smooths edges at a fraction of the cost of supersampling everything.

use image::{ImageEncoder, Rgb, RgbImage};

const SIDE: u32 = 800;
const CANVAS: f32 = 1000.0;

/// What a demo product's picture shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Art {
    Shirt,
    Dress,
    Robe,
    Shoe,
    Bag,
    Necklace,
    Scarf,
    Mug,
    Pot,
    Bowl,
    Candle,
    Basket,
    Cushion,
    Gift,
    Jar,
    Mat,
    Lamp,
}

impl Art {
    /// The picture for a product of `category` named `name` (its noun decides where a
    /// category holds several kinds of thing).
    pub fn of(category: &str, name: &str) -> Art {
        let named = |word: &str| name.split_whitespace().any(|w| w == word);
        match category {
            _ if named("Candle") => Art::Candle,
            _ if named("Basket") => Art::Basket,
            _ if named("Cushion") => Art::Cushion,
            _ if named("Pot") => Art::Pot,
            _ if named("Bowl") => Art::Bowl,
            _ if named("Jar") => Art::Jar,
            _ if named("Mat") => Art::Mat,
            "shirts" => Art::Shirt,
            "dresses" => Art::Dress,
            "traditional" | "clothing" => Art::Robe,
            "shoes" => Art::Shoe,
            "bags" => Art::Bag,
            "jewellery" | "accessories" => Art::Necklace,
            "scarves" => Art::Scarf,
            "kitchen" => Art::Mug,
            "food-gifts" => Art::Gift,
            _ => Art::Lamp,
        }
    }
}

/// RGB for the demo catalog's colour names; unknown names get a neutral sand.
pub fn rgb(colour: &str) -> [u8; 3] {
    match colour.to_ascii_lowercase().as_str() {
        "white" => [236, 233, 226],
        "sand" | "natural" => [214, 190, 148],
        "indigo" | "blue" => [55, 70, 140],
        "saffron" | "gold" => [228, 156, 36],
        "olive" | "green" => [104, 122, 58],
        "black" => [44, 44, 48],
        "rose" => [212, 126, 146],
        "teal" => [28, 128, 128],
        "terracotta" | "copper" | "brown" => [172, 90, 58],
        "grey" => [140, 144, 150],
        "multicolour" => [196, 84, 112],
        _ => [206, 186, 146],
    }
}

/// The colours a picture is painted with.
#[derive(Clone, Copy)]
enum Tone {
    Main,
    Dark,
    Light,
    Flame,
}

/// A shape on the 1000×1000 canvas.
enum Shape {
    Poly(&'static [(f32, f32)]),
    /// Centre, radii.
    Ellipse(f32, f32, f32, f32),
    /// Centre, outer and inner radius, and whether only the half above (`true`) or the
    /// right half is kept (`false`); `None` keeps the whole ring.
    Ring(f32, f32, f32, f32, Option<bool>),
    Rect(f32, f32, f32, f32),
}

impl Shape {
    fn contains(&self, x: f32, y: f32) -> bool {
        match *self {
            Shape::Poly(points) => {
                let mut inside = false;
                let mut j = points.len() - 1;
                for i in 0..points.len() {
                    let ((xi, yi), (xj, yj)) = (points[i], points[j]);
                    if (yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi {
                        inside = !inside;
                    }
                    j = i;
                }
                inside
            }
            Shape::Ellipse(cx, cy, rx, ry) => {
                let (dx, dy) = ((x - cx) / rx, (y - cy) / ry);
                dx * dx + dy * dy <= 1.0
            }
            Shape::Ring(cx, cy, outer, inner, half) => {
                let d = (x - cx).powi(2) + (y - cy).powi(2);
                let kept = match half {
                    Some(true) => y <= cy,
                    Some(false) => x >= cx,
                    None => true,
                };
                kept && d <= outer * outer && d >= inner * inner
            }
            Shape::Rect(x0, y0, x1, y1) => x >= x0 && x <= x1 && y >= y0 && y <= y1,
        }
    }
}

use Shape::{Ellipse, Poly, Rect, Ring};
use Tone::{Dark, Flame, Light, Main};

/// The floor shadow every object stands on.
const SHADOW: (Shape, Option<Tone>) = (Ellipse(500.0, 860.0, 300.0, 36.0), None);

/// The shapes of `art`, bottom first; `None` as a tone is the shadow.
#[rustfmt::skip]
fn shapes(art: Art) -> Vec<(Shape, Option<Tone>)> {
    let s = |shape: Shape, tone: Tone| (shape, Some(tone));
    let mut out = vec![SHADOW];
    out.extend(match art {
        Art::Shirt => vec![
            s(Poly(&[(390.0, 190.0), (610.0, 190.0), (770.0, 300.0), (705.0, 410.0), (645.0, 370.0), (645.0, 820.0), (355.0, 820.0), (355.0, 370.0), (295.0, 410.0), (230.0, 300.0)]), Main),
            s(Poly(&[(440.0, 190.0), (560.0, 190.0), (500.0, 290.0)]), Dark),
            s(Rect(494.0, 290.0, 506.0, 820.0), Dark),
            s(Ellipse(520.0, 360.0, 11.0, 11.0), Light),
            s(Ellipse(520.0, 460.0, 11.0, 11.0), Light),
            s(Ellipse(520.0, 560.0, 11.0, 11.0), Light),
            s(Rect(560.0, 430.0, 625.0, 440.0), Dark),
        ],
        Art::Dress => vec![
            s(Poly(&[(420.0, 170.0), (580.0, 170.0), (600.0, 340.0), (565.0, 420.0), (740.0, 830.0), (260.0, 830.0), (435.0, 420.0), (400.0, 340.0)]), Main),
            s(Rect(430.0, 400.0, 570.0, 435.0), Dark),
            s(Poly(&[(455.0, 170.0), (545.0, 170.0), (500.0, 245.0)]), Light),
            s(Poly(&[(500.0, 435.0), (520.0, 435.0), (600.0, 830.0), (580.0, 830.0)]), Dark),
        ],
        Art::Robe => vec![
            s(Poly(&[(400.0, 160.0), (600.0, 160.0), (740.0, 290.0), (690.0, 350.0), (630.0, 310.0), (660.0, 840.0), (340.0, 840.0), (370.0, 310.0), (310.0, 350.0), (260.0, 290.0)]), Main),
            s(Poly(&[(455.0, 160.0), (545.0, 160.0), (500.0, 230.0)]), Dark),
            s(Rect(492.0, 230.0, 508.0, 520.0), Dark),
            s(Rect(690.0, 300.0, 745.0, 350.0), Light),
            s(Rect(255.0, 300.0, 310.0, 350.0), Light),
        ],
        Art::Shoe => vec![
            s(Rect(200.0, 640.0, 800.0, 700.0), Dark),
            s(Poly(&[(210.0, 640.0), (230.0, 500.0), (360.0, 470.0), (520.0, 400.0), (650.0, 440.0), (770.0, 560.0), (800.0, 640.0)]), Main),
            s(Poly(&[(360.0, 470.0), (520.0, 400.0), (560.0, 470.0), (400.0, 530.0)]), Light),
            s(Rect(200.0, 600.0, 800.0, 612.0), Dark),
        ],
        Art::Bag => vec![
            s(Ring(500.0, 400.0, 180.0, 150.0, Some(true)), Dark),
            s(Poly(&[(270.0, 390.0), (730.0, 390.0), (770.0, 830.0), (230.0, 830.0)]), Main),
            s(Rect(270.0, 390.0, 730.0, 440.0), Dark),
            s(Rect(420.0, 520.0, 580.0, 640.0), Light),
        ],
        Art::Necklace => vec![
            s(Ring(500.0, 380.0, 250.0, 232.0, None), Dark),
            s(Rect(240.0, 120.0, 760.0, 380.0), Light),
            s(Poly(&[(500.0, 600.0), (580.0, 700.0), (500.0, 820.0), (420.0, 700.0)]), Main),
            s(Ellipse(500.0, 705.0, 34.0, 44.0), Light),
        ],
        Art::Scarf => vec![
            s(Poly(&[(300.0, 160.0), (480.0, 160.0), (540.0, 520.0), (640.0, 800.0), (470.0, 840.0), (410.0, 540.0)]), Main),
            s(Poly(&[(330.0, 260.0), (500.0, 260.0), (505.0, 300.0), (336.0, 300.0)]), Light),
            s(Poly(&[(395.0, 520.0), (545.0, 520.0), (555.0, 560.0), (402.0, 560.0)]), Light),
            s(Poly(&[(470.0, 840.0), (640.0, 800.0), (650.0, 840.0), (480.0, 880.0)]), Dark),
        ],
        Art::Mug => vec![
            s(Ring(640.0, 580.0, 120.0, 78.0, Some(false)), Dark),
            s(Poly(&[(290.0, 380.0), (650.0, 380.0), (640.0, 790.0), (600.0, 830.0), (340.0, 830.0), (300.0, 790.0)]), Main),
            s(Ellipse(470.0, 382.0, 180.0, 34.0), Dark),
            s(Ellipse(470.0, 382.0, 160.0, 24.0), Light),
            s(Rect(290.0, 500.0, 650.0, 530.0), Light),
        ],
        Art::Pot => vec![
            s(Poly(&[(640.0, 560.0), (800.0, 350.0), (830.0, 370.0), (690.0, 620.0)]), Dark),
            s(Ring(330.0, 560.0, 130.0, 95.0, None), Dark),
            s(Ellipse(500.0, 640.0, 190.0, 190.0), Main),
            s(Rect(430.0, 320.0, 570.0, 480.0), Main),
            s(Poly(&[(420.0, 320.0), (580.0, 320.0), (500.0, 200.0)]), Dark),
            s(Rect(310.0, 620.0, 690.0, 650.0), Light),
        ],
        Art::Bowl => vec![
            s(Poly(&[(200.0, 520.0), (800.0, 520.0), (700.0, 740.0), (580.0, 800.0), (420.0, 800.0), (300.0, 740.0)]), Main),
            s(Ellipse(500.0, 520.0, 300.0, 50.0), Dark),
            s(Ellipse(500.0, 520.0, 280.0, 38.0), Light),
            s(Rect(420.0, 800.0, 580.0, 830.0), Dark),
        ],
        Art::Candle => vec![
            s(Rect(340.0, 430.0, 660.0, 830.0), Main),
            s(Ellipse(500.0, 430.0, 160.0, 32.0), Light),
            s(Rect(340.0, 600.0, 660.0, 680.0), Dark),
            s(Rect(495.0, 360.0, 505.0, 430.0), Dark),
            s(Ellipse(500.0, 320.0, 30.0, 58.0), Flame),
        ],
        Art::Basket => vec![
            s(Ring(500.0, 440.0, 220.0, 190.0, Some(true)), Dark),
            s(Poly(&[(250.0, 430.0), (750.0, 430.0), (690.0, 830.0), (310.0, 830.0)]), Main),
            s(Poly(&[(262.0, 510.0), (738.0, 510.0), (734.0, 540.0), (266.0, 540.0)]), Dark),
            s(Poly(&[(274.0, 610.0), (726.0, 610.0), (721.0, 640.0), (279.0, 640.0)]), Dark),
            s(Poly(&[(289.0, 710.0), (711.0, 710.0), (706.0, 740.0), (294.0, 740.0)]), Dark),
        ],
        Art::Cushion => vec![
            s(Poly(&[(230.0, 300.0), (500.0, 270.0), (770.0, 300.0), (740.0, 560.0), (770.0, 820.0), (500.0, 790.0), (230.0, 820.0), (260.0, 560.0)]), Main),
            s(Ellipse(500.0, 545.0, 110.0, 110.0), Light),
            s(Ellipse(500.0, 545.0, 60.0, 60.0), Dark),
        ],
        Art::Gift => vec![
            s(Rect(280.0, 430.0, 720.0, 830.0), Main),
            s(Rect(260.0, 370.0, 740.0, 450.0), Dark),
            s(Rect(470.0, 370.0, 530.0, 830.0), Light),
            s(Poly(&[(500.0, 370.0), (390.0, 280.0), (400.0, 370.0)]), Light),
            s(Poly(&[(500.0, 370.0), (610.0, 280.0), (600.0, 370.0)]), Light),
        ],
        Art::Jar => vec![
            s(Poly(&[(340.0, 400.0), (660.0, 400.0), (700.0, 480.0), (700.0, 790.0), (660.0, 830.0), (340.0, 830.0), (300.0, 790.0), (300.0, 480.0)]), Main),
            s(Rect(360.0, 320.0, 640.0, 400.0), Dark),
            s(Rect(330.0, 560.0, 670.0, 700.0), Light),
        ],
        Art::Mat => vec![
            s(Rect(300.0, 140.0, 700.0, 850.0), Main),
            s(Rect(330.0, 170.0, 670.0, 820.0), Light),
            s(Rect(350.0, 190.0, 650.0, 800.0), Main),
            s(Poly(&[(400.0, 420.0), (400.0, 320.0), (500.0, 230.0), (600.0, 320.0), (600.0, 420.0)]), Dark),
            s(Rect(300.0, 850.0, 700.0, 870.0), Dark),
        ],
        Art::Lamp => vec![
            s(Ellipse(500.0, 820.0, 150.0, 34.0), Dark),
            s(Rect(488.0, 470.0, 512.0, 820.0), Dark),
            s(Poly(&[(360.0, 200.0), (640.0, 200.0), (730.0, 480.0), (270.0, 480.0)]), Main),
            s(Rect(300.0, 440.0, 700.0, 460.0), Light),
        ],
    });
    out
}

/// A PNG of `SIDE`×`SIDE` pixels: `art` in `colour` on a light background.
pub fn draw(art: Art, colour: &str) -> Vec<u8> {
    let main = rgb(colour);
    let mix = |c: [u8; 3], with: [u8; 3], t: f32| -> [u8; 3] {
        let m = |a: u8, b: u8| (f32::from(a) * (1.0 - t) + f32::from(b) * t).round() as u8;
        [m(c[0], with[0]), m(c[1], with[1]), m(c[2], with[2])]
    };
    let background = [243, 241, 236];
    let palette = |tone: Option<Tone>| -> [u8; 3] {
        match tone {
            None => [226, 223, 216],
            Some(Main) => main,
            Some(Dark) => mix(main, [20, 20, 24], 0.35),
            Some(Light) => mix(main, [255, 255, 255], 0.45),
            Some(Flame) => [245, 170, 40],
        }
    };
    let shapes = shapes(art);
    let scale = CANVAS / SIDE as f32;
    // The colour at a canvas point: the top shape there, else the background.
    let at = |x: f32, y: f32| -> [u8; 3] {
        shapes
            .iter()
            .rev()
            .find(|(shape, _)| shape.contains(x, y))
            .map_or(background, |(_, tone)| palette(*tone))
    };
    // Colours at the pixel corners, a row at a time.
    let corners: Vec<Vec<[u8; 3]>> = (0..=SIDE)
        .map(|y| {
            (0..=SIDE)
                .map(|x| at(x as f32 * scale, y as f32 * scale))
                .collect()
        })
        .collect();
    let img = RgbImage::from_fn(SIDE, SIDE, |x, y| {
        let (xi, yi) = (x as usize, y as usize);
        let c = [
            corners[yi][xi],
            corners[yi][xi + 1],
            corners[yi + 1][xi],
            corners[yi + 1][xi + 1],
        ];
        if c.iter().all(|k| *k == c[0]) {
            return Rgb(c[0]);
        }
        let mut sum = [0u32; 3];
        for sy in 0..4 {
            for sx in 0..4 {
                let p = at(
                    (x as f32 + (sx as f32 + 0.5) / 4.0) * scale,
                    (y as f32 + (sy as f32 + 0.5) / 4.0) * scale,
                );
                for i in 0..3 {
                    sum[i] += u32::from(p[i]);
                }
            }
        }
        Rgb(sum.map(|v| (v / 16) as u8))
    });
    let mut out = Vec::new();
    // Drawing into memory cannot fail for valid dimensions; an empty Vec is refused by the store.
    let _ = image::codecs::png::PngEncoder::new(&mut out).write_image(
        img.as_raw(),
        SIDE,
        SIDE,
        image::ExtendedColorType::Rgb8,
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drawings_are_deterministic_pngs() {
        let a = draw(Art::Mug, "indigo");
        assert_eq!(a, draw(Art::Mug, "indigo"));
        assert_ne!(a, draw(Art::Mug, "rose"));
        assert_ne!(a, draw(Art::Lamp, "indigo"));
        let decoded = image::load_from_memory(&a).expect("a PNG").to_rgb8();
        assert_eq!((decoded.width(), decoded.height()), (SIDE, SIDE));
        // The corner is the studio background; the middle of the mug is indigo.
        assert_eq!(decoded.get_pixel(5, 5).0, [243, 241, 236]);
        assert_eq!(decoded.get_pixel(370, 560).0, rgb("indigo"));
    }

    #[test]
    fn products_get_the_picture_of_what_they_are() {
        assert_eq!(Art::of("shirts", "Airy Linen Shirt"), Art::Shirt);
        assert_eq!(Art::of("kitchen", "Copper Coffee Pot"), Art::Pot);
        assert_eq!(Art::of("decor", "Oud Candle"), Art::Candle);
        assert_eq!(Art::of("home", "Prayer Mat"), Art::Mat);
        assert_eq!(Art::of("food-gifts", "Dates Gift Box"), Art::Gift);
        assert_eq!(Art::of("decor", "Lantern"), Art::Lamp);
    }
}
