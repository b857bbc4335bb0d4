//! Generated products: deterministic (the same N gives the same catalog), from the word
//! lists in [`super::data`], priced in the store's currency.

use super::super::artwork::Art;
use super::data::{DemoProduct, Options, ADJECTIVES, BRANDS, COLOURS, DEMO_PRODUCTS, KINDS};
use crate::model::Currency;

/// Converts a demo AED price into the store's currency with a fixed integer rate, rounded
/// to the nearest 50 minor units. Demo data only: real prices are set per store.
pub(super) fn demo_price(aed_minor: i64, currency: Currency) -> i64 {
    let (num, den) = match currency {
        Currency::Aed => (1, 1),
        Currency::Usd => (27, 100),
        Currency::Zmw => (7, 1),
    };
    let converted = aed_minor * num / den;
    ((converted + 25) / 50) * 50
}

/// A small deterministic generator (SplitMix64), so the same N gives the same catalog.
pub(super) struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// (option values, price, compare-at price, stock, SKU)
pub(super) type NewVariant = (Vec<String>, i64, Option<i64>, i32, String);

/// One product ready to insert.
pub(super) struct NewProduct {
    /// What its pictures show.
    pub(super) art: Art,
    /// Its colour, for the picture when it has no Colour option.
    pub(super) colour: String,
    pub(super) slug: String,
    pub(super) name: String,
    pub(super) category: String,
    pub(super) brand: String,
    pub(super) description: String,
    pub(super) attributes: serde_json::Value,
    pub(super) featured: bool,
    pub(super) status: String,
    pub(super) minutes_old: i32,
    pub(super) options: Vec<(String, Vec<String>)>,
    pub(super) variants: Vec<NewVariant>,
}

pub(super) fn demo(p: &DemoProduct, index: usize, currency: Currency) -> NewProduct {
    let options: Vec<(String, Vec<String>)> = p
        .options
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let mut values: Vec<String> = Vec::new();
            for (vals, _, _) in p.variants {
                if !values.iter().any(|v| v == vals[i]) {
                    values.push(vals[i].to_owned());
                }
            }
            (name.to_string(), values)
        })
        .collect();
    let variants = p
        .variants
        .iter()
        .map(|(vals, price, stock)| {
            let suffix: String = vals
                .iter()
                .map(|v| format!("-{}", v.to_uppercase().replace(' ', "")))
                .collect();
            let sku = format!("DK-{}{}", p.slug.to_uppercase(), suffix);
            (
                vals.iter().map(|v| v.to_string()).collect(),
                demo_price(*price, currency),
                None,
                *stock,
                sku,
            )
        })
        .collect();
    NewProduct {
        art: Art::of(p.category, p.name),
        colour: p.colour.into(),
        slug: p.slug.into(),
        name: p.name.into(),
        category: p.category.into(),
        brand: p.brand.into(),
        description: p.description.into(),
        attributes: serde_json::json!({ "material": p.material, "colour": p.colour }),
        featured: p.featured,
        status: p.status.into(),
        minutes_old: index as i32,
        options,
        variants,
    }
}

pub(super) fn generated(i: usize, currency: Currency) -> NewProduct {
    let mut rng = Rng(0xD0CA_0000 ^ i as u64);
    let (category, nouns, materials, kind, (lo, hi)) = KINDS[i % KINDS.len()];
    let noun = rng.pick(nouns);
    let material = rng.pick(materials);
    let colour = rng.pick(COLOURS);
    let adjective = rng.pick(ADJECTIVES);
    let name = format!("{adjective} {} {noun}", title_case(material));
    let slug = format!("{}-{}", slugify(&name), i);
    let base = demo_price(
        lo + rng.below(((hi - lo) / 100) as usize + 1) as i64 * 100,
        currency,
    );
    let options: Vec<(String, Vec<String>)> = match kind {
        Options::None => vec![],
        Options::Size => vec![("Size".into(), vec!["S".into(), "M".into(), "L".into()])],
        Options::ShoeSize => vec![("Size".into(), (39..=44).map(|n| n.to_string()).collect())],
        Options::Colour => vec![("Colour".into(), two_colours(&mut rng))],
        Options::SizeColour => vec![
            (
                "Size".into(),
                vec!["S".into(), "M".into(), "L".into(), "XL".into()],
            ),
            ("Colour".into(), two_colours(&mut rng)),
        ],
    };
    let combos: Vec<Vec<String>> = options.iter().fold(vec![vec![]], |acc, (_, values)| {
        acc.iter()
            .flat_map(|prefix| {
                values
                    .iter()
                    .map(move |v| [prefix.clone(), vec![v.clone()]].concat())
            })
            .collect()
    });
    let on_sale = rng.below(5) == 0;
    let variants = combos
        .into_iter()
        .enumerate()
        .map(|(n, values)| {
            let stock = if rng.below(8) == 0 {
                0
            } else {
                rng.below(40) as i32 + 1
            };
            let compare_at = on_sale.then(|| base + base / 4);
            (values, base, compare_at, stock, format!("GEN-{i}-{n}"))
        })
        .collect();
    NewProduct {
        art: Art::of(category, &name),
        colour: colour.to_string(),
        slug,
        name,
        category: category.into(),
        brand: rng.pick(BRANDS).to_string(),
        description: format!(
            "A {} {noun} in {material}, in {colour}. Generated demo product number {i}.",
            adjective.to_lowercase(),
            noun = noun.to_lowercase()
        ),
        attributes: serde_json::json!({ "material": material, "colour": colour }),
        featured: false,
        status: if rng.below(50) == 0 {
            "draft"
        } else {
            "active"
        }
        .into(),
        minutes_old: (DEMO_PRODUCTS.len() + i) as i32,
        options,
        variants,
    }
}

pub(super) fn two_colours(rng: &mut Rng) -> Vec<String> {
    let a = rng.below(COLOURS.len());
    let b = (a + 1 + rng.below(COLOURS.len() - 1)) % COLOURS.len();
    [a, b].iter().map(|&i| title_case(COLOURS[i])).collect()
}

pub(super) fn title_case(s: &str) -> String {
    s.split(' ')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect::<String>())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

pub(super) fn slugify(s: &str) -> String {
    let lowered: String = s
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    lowered
        .split('-')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}
