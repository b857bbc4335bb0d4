//! Demo data: a believable catalog generated deterministically (the same rows every time for
//! the same count), priced in the store's currency. `duka seed --products N`.
//!
//! The first products are a hand-written set the tests and the browser journey rely on; the
//! rest are generated from word lists. Inserts go in batches through `unnest`, so 100,000
//! products take seconds, not hours.

use super::artwork;
use crate::model::Currency;
use crate::server::media::{MediaStore, StoredImage};
use crate::server::Error;
use sqlx::{PgPool, Postgres, Transaction};
use std::collections::HashMap;

/// (slug, name, parent slug)
const CATEGORIES: &[(&str, &str, Option<&str>)] = &[
    ("clothing", "Clothing", None),
    ("shirts", "Shirts", Some("clothing")),
    ("dresses", "Dresses", Some("clothing")),
    ("traditional", "Traditional Wear", Some("clothing")),
    ("shoes", "Shoes", None),
    ("accessories", "Accessories", None),
    ("bags", "Bags", Some("accessories")),
    ("jewellery", "Jewellery", Some("accessories")),
    ("scarves", "Scarves", Some("accessories")),
    ("home", "Home", None),
    ("kitchen", "Kitchen", Some("home")),
    ("decor", "Decor", Some("home")),
    ("food-gifts", "Food & Gifts", None),
];

/// A hand-written product: slug, name, category, brand, description, material, colour,
/// featured, status, and its variants as (option values, AED price in fils, stock).
pub struct DemoProduct {
    pub slug: &'static str,
    pub name: &'static str,
    pub category: &'static str,
    pub brand: &'static str,
    pub description: &'static str,
    pub material: &'static str,
    pub colour: &'static str,
    pub featured: bool,
    pub status: &'static str,
    /// Option names, then per variant: values (one per option), AED price, stock.
    pub options: &'static [&'static str],
    pub variants: &'static [(&'static [&'static str], i64, i32)],
}

pub const DEMO_PRODUCTS: &[DemoProduct] = &[
    DemoProduct {
        slug: "linen-shirt",
        name: "Linen Shirt",
        category: "shirts",
        brand: "Souk Studio",
        description: "Breathable **stone-washed linen**, cut for hot afternoons.\n\n- Relaxed fit\n- Mother-of-pearl buttons\n- Machine wash cold",
        material: "linen",
        colour: "white",
        featured: true,
        status: "active",
        options: &["Size", "Colour"],
        variants: &[
            (&["S", "White"], 14_900, 12),
            (&["M", "White"], 14_900, 20),
            (&["L", "White"], 14_900, 8),
            (&["XL", "White"], 15_900, 0),
            (&["S", "Sand"], 14_900, 5),
            (&["M", "Sand"], 14_900, 0),
            (&["L", "Sand"], 14_900, 2),
            (&["XL", "Sand"], 15_900, 4),
        ],
    },
    DemoProduct {
        slug: "cotton-thobe",
        name: "Cotton Thobe",
        category: "traditional",
        brand: "Al Noor",
        description: "Classic full-length thobe in soft combed cotton.",
        material: "cotton",
        colour: "white",
        featured: false,
        status: "active",
        options: &["Size"],
        variants: &[
            (&["54"], 22_500, 6),
            (&["56"], 22_500, 9),
            (&["58"], 22_500, 10),
            (&["60"], 22_500, 0),
        ],
    },
    DemoProduct {
        slug: "leather-sandals",
        name: "Leather Sandals",
        category: "shoes",
        brand: "Kalahari",
        description: "Hand-stitched leather sandals with a cushioned sole.",
        material: "leather",
        colour: "brown",
        featured: false,
        status: "active",
        options: &["Size"],
        variants: &[
            (&["40"], 18_900, 3),
            (&["41"], 18_900, 0),
            (&["42"], 18_900, 2),
            (&["43"], 18_900, 1),
        ],
    },
    DemoProduct {
        slug: "chitenge-tote",
        name: "Chitenge Tote Bag",
        category: "bags",
        brand: "Lusaka Made",
        description: "A roomy tote sewn from bright chitenge print.",
        material: "cotton",
        colour: "multicolour",
        featured: false,
        status: "active",
        options: &[],
        variants: &[(&[], 6_500, 60)],
    },
    DemoProduct {
        slug: "oud-candle",
        name: "Oud Candle",
        category: "decor",
        brand: "Bait Al Oud",
        description: "Soy wax candle scented with oud and amber; 40 hours.",
        material: "wax",
        colour: "black",
        featured: false,
        status: "active",
        options: &[],
        variants: &[(&[], 9_900, 0)],
    },
    DemoProduct {
        slug: "copper-coffee-pot",
        name: "Copper Coffee Pot",
        category: "kitchen",
        brand: "Dallah & Co",
        description: "Hammered copper dallah for Arabic coffee.",
        material: "copper",
        colour: "copper",
        featured: true,
        status: "active",
        options: &[],
        variants: &[(&[], 27_500, 8)],
    },
    DemoProduct {
        slug: "woven-basket",
        name: "Woven Basket",
        category: "decor",
        brand: "Lusaka Made",
        description: "Palm-leaf basket woven by hand; sturdy handles.",
        material: "palm",
        colour: "natural",
        featured: false,
        status: "active",
        options: &[],
        variants: &[(&[], 7_900, 30)],
    },
    DemoProduct {
        slug: "silk-scarf",
        name: "Silk Scarf",
        category: "scarves",
        brand: "Souk Studio",
        description: "Lightweight silk scarf with a hand-rolled hem.",
        material: "silk",
        colour: "blue",
        featured: true,
        status: "active",
        options: &["Colour"],
        variants: &[
            (&["Indigo"], 12_000, 7),
            (&["Saffron"], 12_000, 4),
            (&["Rose"], 13_500, 0),
        ],
    },
    DemoProduct {
        slug: "dates-gift-box",
        name: "Medjool Dates Gift Box",
        category: "food-gifts",
        brand: "Oasis Farms",
        description: "Five hundred grams of Medjool dates in a keepsake box.",
        material: "food",
        colour: "gold",
        featured: true,
        status: "active",
        options: &[],
        variants: &[(&[], 8_500, 100)],
    },
    DemoProduct {
        slug: "ceramic-mug",
        name: "Ceramic Mug",
        category: "kitchen",
        brand: "Kiln Works",
        description: "Glazed stoneware mug, 350 ml, dishwasher safe.",
        material: "ceramic",
        colour: "green",
        featured: false,
        status: "active",
        options: &[],
        variants: &[(&[], 4_500, 4)],
    },
    DemoProduct {
        slug: "beaded-bracelet",
        name: "Beaded Bracelet",
        category: "jewellery",
        brand: "Lusaka Made",
        description: "Glass beads on a stretch cord, made in Lusaka.",
        material: "glass",
        colour: "multicolour",
        featured: false,
        status: "active",
        options: &[],
        variants: &[(&[], 3_500, 50)],
    },
    DemoProduct {
        slug: "prayer-mat",
        name: "Travel Prayer Mat",
        category: "home",
        brand: "Al Noor",
        description: "Folds into a pouch; padded and washable.",
        material: "polyester",
        colour: "green",
        featured: false,
        status: "draft",
        options: &[],
        variants: &[(&[], 11_000, 0)],
    },
];

/// Converts a demo AED price into the store's currency with a fixed integer rate, rounded
/// to the nearest 50 minor units. Demo data only: real prices are set per store.
fn demo_price(aed_minor: i64, currency: Currency) -> i64 {
    let (num, den) = match currency {
        Currency::Aed => (1, 1),
        Currency::Usd => (27, 100),
        Currency::Zmw => (7, 1),
    };
    let converted = aed_minor * num / den;
    ((converted + 25) / 50) * 50
}

/// A small deterministic generator (SplitMix64), so the same N gives the same catalog.
struct Rng(u64);

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

const ADJECTIVES: &[&str] = &[
    "Classic", "Everyday", "Handmade", "Desert", "Coastal", "Heritage", "Modern", "Soft", "Woven",
    "Bright", "Evening", "Market",
];
const COLOURS: &[&str] = &[
    "white",
    "sand",
    "indigo",
    "saffron",
    "olive",
    "black",
    "rose",
    "teal",
    "terracotta",
    "grey",
];
const BRANDS: &[&str] = &[
    "Souk Studio",
    "Lusaka Made",
    "Al Noor",
    "Kalahari",
    "Kiln Works",
    "Oasis Farms",
    "Bait Al Oud",
    "Zambezi Goods",
];

/// (leaf category, nouns, materials, options kind, AED price range in fils)
type Kind = (
    &'static str,
    &'static [&'static str],
    &'static [&'static str],
    Options,
    (i64, i64),
);

const KINDS: &[Kind] = &[
    (
        "shirts",
        &["Shirt", "Tunic", "Overshirt"],
        &["linen", "cotton", "chambray"],
        Options::SizeColour,
        (6_900, 24_900),
    ),
    (
        "dresses",
        &["Dress", "Kaftan", "Maxi Dress"],
        &["cotton", "viscose", "silk"],
        Options::SizeColour,
        (12_900, 49_900),
    ),
    (
        "traditional",
        &["Thobe", "Abaya", "Chitenge Wrap"],
        &["cotton", "crepe", "wax print"],
        Options::Size,
        (9_900, 59_900),
    ),
    (
        "shoes",
        &["Sandals", "Loafers", "Sneakers"],
        &["leather", "suede", "canvas"],
        Options::ShoeSize,
        (9_900, 39_900),
    ),
    (
        "bags",
        &["Tote", "Crossbody Bag", "Backpack"],
        &["leather", "canvas", "cotton"],
        Options::Colour,
        (5_900, 59_900),
    ),
    (
        "jewellery",
        &["Bracelet", "Necklace", "Earrings"],
        &["silver", "brass", "glass"],
        Options::None,
        (2_900, 89_900),
    ),
    (
        "scarves",
        &["Scarf", "Shawl", "Shemagh"],
        &["silk", "wool", "cotton"],
        Options::Colour,
        (4_900, 29_900),
    ),
    (
        "kitchen",
        &["Mug", "Coffee Pot", "Serving Bowl"],
        &["ceramic", "copper", "olive wood"],
        Options::None,
        (2_900, 34_900),
    ),
    (
        "decor",
        &["Candle", "Basket", "Cushion Cover"],
        &["wax", "palm", "cotton"],
        Options::None,
        (3_900, 19_900),
    ),
    (
        "food-gifts",
        &["Dates Box", "Honey Jar", "Spice Set"],
        &["food"],
        Options::None,
        (2_500, 14_900),
    ),
];

#[derive(Clone, Copy)]
enum Options {
    None,
    Size,
    ShoeSize,
    Colour,
    SizeColour,
}

/// (option values, price, compare-at price, stock, SKU)
type NewVariant = (Vec<String>, i64, Option<i64>, i32, String);

/// One product ready to insert.
struct NewProduct {
    /// Which shape its pictures get.
    kind: usize,
    /// Its colour, for the picture when it has no Colour option.
    colour: String,
    slug: String,
    name: String,
    category: String,
    brand: String,
    description: String,
    attributes: serde_json::Value,
    featured: bool,
    status: String,
    minutes_old: i32,
    options: Vec<(String, Vec<String>)>,
    variants: Vec<NewVariant>,
}

fn demo(p: &DemoProduct, index: usize, currency: Currency) -> NewProduct {
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
        kind: CATEGORIES
            .iter()
            .position(|c| c.0 == p.category)
            .unwrap_or(0),
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

fn generated(i: usize, currency: Currency) -> NewProduct {
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
        kind: i % KINDS.len(),
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

fn two_colours(rng: &mut Rng) -> Vec<String> {
    let a = rng.below(COLOURS.len());
    let b = (a + 1 + rng.below(COLOURS.len() - 1)) % COLOURS.len();
    [a, b].iter().map(|&i| title_case(COLOURS[i])).collect()
}

fn title_case(s: &str) -> String {
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

fn slugify(s: &str) -> String {
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

#[derive(Debug, Default, PartialEq, Eq)]
pub struct SeedReport {
    pub categories: u64,
    pub products: u64,
    pub variants: u64,
}

const BATCH: usize = 1_000;

/// Variant rows as columns, for one `unnest` insert.
#[derive(Default)]
struct VariantColumns {
    product: Vec<i64>,
    sku: Vec<String>,
    position: Vec<i32>,
    option_key: Vec<String>,
    price: Vec<i64>,
    compare_at: Vec<Option<i64>>,
    stock: Vec<i32>,
    weight: Vec<i32>,
    image: Vec<Option<i64>>,
}

/// Image rows as columns.
#[derive(Default)]
struct ImageColumns {
    product: Vec<i64>,
    position: Vec<i32>,
    alt: Vec<String>,
    key: Vec<String>,
    width: Vec<i32>,
    height: Vec<i32>,
    colour: Vec<String>,
}

/// Inserts the demo catalog (`products` in all: the hand-written set first) if the store has
/// no products. Safe to run concurrently: a table lock makes one runner insert and the others
/// see rows. Returns what it added (zeros when the store already had products).
pub async fn seed(
    db: &PgPool,
    media: &MediaStore,
    currency: Currency,
    products: usize,
) -> Result<SeedReport, Error> {
    let mut tx = db.begin().await?;
    sqlx::query!("LOCK TABLE products IN SHARE ROW EXCLUSIVE MODE")
        .execute(&mut *tx)
        .await?;
    let existing = sqlx::query_scalar!(r#"SELECT count(*) AS "count!" FROM products"#)
        .fetch_one(&mut *tx)
        .await?;
    if existing > 0 {
        return Ok(SeedReport::default());
    }
    let mut report = SeedReport::default();
    let category_ids = insert_categories(&mut tx, &mut report).await?;

    let total = products;
    let mut all: Vec<NewProduct> = Vec::new();
    let mut pictures = Pictures {
        media: media.clone(),
        drawn: HashMap::new(),
    };
    let mut index = 0;
    while index < total {
        let item = if index < DEMO_PRODUCTS.len() {
            demo(&DEMO_PRODUCTS[index], index, currency)
        } else {
            generated(index - DEMO_PRODUCTS.len(), currency)
        };
        all.push(item);
        index += 1;
        if all.len() == BATCH || index == total {
            insert_batch(
                &mut tx,
                &category_ids,
                &mut pictures,
                &all,
                currency,
                &mut report,
            )
            .await?;
            all.clear();
        }
    }
    crate::server::checkout::seed_demo_delivery(&mut tx, currency).await?;
    tx.commit().await?;
    Ok(report)
}

async fn insert_categories(
    tx: &mut Transaction<'_, Postgres>,
    report: &mut SeedReport,
) -> Result<HashMap<String, i64>, Error> {
    let mut ids: HashMap<String, i64> = HashMap::new();
    for (position, (slug, name, parent)) in CATEGORIES.iter().enumerate() {
        let parent_id = parent.and_then(|p| ids.get(p).copied());
        let id = sqlx::query_scalar!(
            "INSERT INTO categories (slug, name, parent_id, position, description)
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
            slug,
            name,
            parent_id,
            position as i32,
            format!("Browse our {}.", name.to_lowercase()),
        )
        .fetch_one(&mut **tx)
        .await?;
        ids.insert(slug.to_string(), id);
        report.categories += 1;
    }
    Ok(ids)
}

/// Drawn pictures, stored once per (kind, colour).
struct Pictures {
    media: MediaStore,
    drawn: HashMap<(usize, String), StoredImage>,
}

impl Pictures {
    async fn get(&mut self, kind: usize, colour: &str) -> Result<StoredImage, Error> {
        let key = (kind, colour.to_ascii_lowercase());
        if let Some(found) = self.drawn.get(&key) {
            return Ok(found.clone());
        }
        let media = self.media.clone();
        let colour = key.1.clone();
        let stored =
            tokio::task::spawn_blocking(move || media.store(&artwork::draw(kind, &colour)))
                .await
                .map_err(|e| Error::other(format!("drawing a demo picture: {e}")))??;
        self.drawn.insert(key, stored.clone());
        Ok(stored)
    }
}

async fn insert_batch(
    tx: &mut Transaction<'_, Postgres>,
    category_ids: &HashMap<String, i64>,
    pictures: &mut Pictures,
    batch: &[NewProduct],
    currency: Currency,
    report: &mut SeedReport,
) -> Result<(), Error> {
    // Products.
    let rows = sqlx::query!(
        r#"INSERT INTO products (slug, name, brand, description, attributes, featured, status, created_at)
           SELECT slug, name, brand, description, attributes, featured, status, now() - minutes * interval '1 minute'
           FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::jsonb[], $6::bool[], $7::text[], $8::int[])
                AS t(slug, name, brand, description, attributes, featured, status, minutes)
           RETURNING id, slug"#,
        &batch.iter().map(|p| p.slug.clone()).collect::<Vec<_>>(),
        &batch.iter().map(|p| p.name.clone()).collect::<Vec<_>>(),
        &batch.iter().map(|p| p.brand.clone()).collect::<Vec<_>>(),
        &batch.iter().map(|p| p.description.clone()).collect::<Vec<_>>(),
        &batch.iter().map(|p| p.attributes.clone()).collect::<Vec<_>>(),
        &batch.iter().map(|p| p.featured).collect::<Vec<_>>(),
        &batch.iter().map(|p| p.status.clone()).collect::<Vec<_>>(),
        &batch.iter().map(|p| p.minutes_old).collect::<Vec<_>>(),
    )
    .fetch_all(&mut **tx)
    .await?;
    let product_ids: HashMap<String, i64> = rows.into_iter().map(|r| (r.slug, r.id)).collect();
    report.products += batch.len() as u64;
    let pid = |p: &NewProduct| product_ids[&p.slug];

    // Category links.
    let (mut link_products, mut link_categories) = (Vec::new(), Vec::new());
    for p in batch {
        let category = category_ids
            .get(&p.category)
            .ok_or_else(|| Error::other(format!("unknown demo category {}", p.category)))?;
        link_products.push(pid(p));
        link_categories.push(*category);
    }
    sqlx::query!(
        "INSERT INTO product_categories (product_id, category_id) SELECT * FROM unnest($1::bigint[], $2::bigint[])",
        &link_products,
        &link_categories,
    )
    .execute(&mut **tx)
    .await?;

    // Pictures: one per colour the product comes in, else one.
    let mut images = ImageColumns::default();
    for p in batch {
        let colours: Vec<String> = p
            .options
            .iter()
            .find(|(name, _)| name == "Colour")
            .map(|(_, values)| values.clone())
            .unwrap_or_else(|| vec![p.colour.clone()]);
        for (pos, colour) in colours.iter().enumerate() {
            let stored = pictures.get(p.kind, colour).await?;
            images.product.push(pid(p));
            images.position.push(pos as i32);
            images.alt.push(if colours.len() > 1 {
                format!("{} in {colour}", p.name)
            } else {
                p.name.clone()
            });
            images.key.push(stored.key);
            images.width.push(stored.width as i32);
            images.height.push(stored.height as i32);
            images.colour.push(colour.clone());
        }
    }
    let image_rows = sqlx::query!(
        "INSERT INTO product_images (product_id, position, alt, storage_key, width, height)
         SELECT * FROM unnest($1::bigint[], $2::int[], $3::text[], $4::text[], $5::int[], $6::int[])
         RETURNING id, product_id, position",
        &images.product,
        &images.position,
        &images.alt,
        &images.key,
        &images.width,
        &images.height,
    )
    .fetch_all(&mut **tx)
    .await?;
    // (product, colour) -> image id, for the variants that come in that colour.
    let colour_of: HashMap<(i64, i32), String> = (0..images.product.len())
        .map(|i| {
            (
                (images.product[i], images.position[i]),
                images.colour[i].clone(),
            )
        })
        .collect();
    let image_ids: HashMap<(i64, String), i64> = image_rows
        .into_iter()
        .filter_map(|r| {
            colour_of
                .get(&(r.product_id, r.position))
                .map(|c| ((r.product_id, c.clone()), r.id))
        })
        .collect();

    // Options, then their values.
    let (mut o_products, mut o_positions, mut o_names) = (Vec::new(), Vec::new(), Vec::new());
    for p in batch {
        for (pos, (name, _)) in p.options.iter().enumerate() {
            o_products.push(pid(p));
            o_positions.push(pos as i32);
            o_names.push(name.clone());
        }
    }
    let option_rows = sqlx::query!(
        "INSERT INTO product_options (product_id, position, name)
         SELECT * FROM unnest($1::bigint[], $2::int[], $3::text[]) RETURNING id, product_id, name",
        &o_products,
        &o_positions,
        &o_names,
    )
    .fetch_all(&mut **tx)
    .await?;
    let option_ids: HashMap<(i64, String), i64> = option_rows
        .into_iter()
        .map(|r| ((r.product_id, r.name), r.id))
        .collect();

    let (mut v_options, mut v_positions, mut v_values) = (Vec::new(), Vec::new(), Vec::new());
    for p in batch {
        for (name, values) in &p.options {
            let oid = option_ids[&(pid(p), name.clone())];
            for (pos, value) in values.iter().enumerate() {
                v_options.push(oid);
                v_positions.push(pos as i32);
                v_values.push(value.clone());
            }
        }
    }
    let value_rows = sqlx::query!(
        "INSERT INTO product_option_values (option_id, position, value)
         SELECT * FROM unnest($1::bigint[], $2::int[], $3::text[]) RETURNING id, option_id, value",
        &v_options,
        &v_positions,
        &v_values,
    )
    .fetch_all(&mut **tx)
    .await?;
    let value_ids: HashMap<(i64, String), i64> = value_rows
        .into_iter()
        .map(|r| ((r.option_id, r.value), r.id))
        .collect();

    // Variants, with their combination key, then which value each takes.
    let mut vars = VariantColumns::default();
    let mut chosen: HashMap<String, Vec<(i64, i64)>> = HashMap::new();
    for p in batch {
        for (pos, (values, price, compare_at, stock, sku)) in p.variants.iter().enumerate() {
            let mut pairs: Vec<(i64, i64)> = p
                .options
                .iter()
                .zip(values)
                .map(|((name, _), value)| {
                    let oid = option_ids[&(pid(p), name.clone())];
                    (oid, value_ids[&(oid, value.clone())])
                })
                .collect();
            let mut ids: Vec<i64> = pairs.iter().map(|(_, v)| *v).collect();
            ids.sort_unstable();
            let key = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(".");
            vars.product.push(pid(p));
            vars.sku.push(sku.clone());
            vars.position.push(pos as i32);
            vars.option_key.push(key);
            vars.price.push(*price);
            vars.compare_at.push(*compare_at);
            vars.stock.push(*stock);
            vars.weight
                .push(if p.options.is_empty() { 400 } else { 600 });
            let colour_at = p.options.iter().position(|(name, _)| name == "Colour");
            vars.image
                .push(colour_at.and_then(|i| image_ids.get(&(pid(p), values[i].clone())).copied()));
            pairs.sort_unstable();
            chosen.insert(sku.clone(), pairs);
        }
    }
    let variant_rows = sqlx::query!(
        r#"INSERT INTO variants (product_id, sku, position, option_key, price_minor, compare_at_minor, currency, stock, weight_grams, image_id)
           SELECT product_id, sku, position, option_key, price, compare_at, $9, stock, weight, image
           FROM unnest($1::bigint[], $2::text[], $3::int[], $4::text[], $5::bigint[], $6::bigint[], $7::int[], $8::int[], $10::bigint[])
                AS t(product_id, sku, position, option_key, price, compare_at, stock, weight, image)
           RETURNING id, sku"#,
        &vars.product,
        &vars.sku,
        &vars.position,
        &vars.option_key,
        &vars.price,
        &vars.compare_at as &[Option<i64>],
        &vars.stock,
        &vars.weight,
        currency.code(),
        &vars.image as &[Option<i64>],
    )
    .fetch_all(&mut **tx)
    .await?;
    report.variants += variant_rows.len() as u64;
    let (mut vov_variant, mut vov_option, mut vov_value) = (Vec::new(), Vec::new(), Vec::new());
    for r in variant_rows {
        for (oid, vid) in chosen.get(&r.sku).into_iter().flatten() {
            vov_variant.push(r.id);
            vov_option.push(*oid);
            vov_value.push(*vid);
        }
    }
    sqlx::query!(
        "INSERT INTO variant_option_values (variant_id, option_id, option_value_id)
         SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[])",
        &vov_variant,
        &vov_option,
        &vov_value,
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_prices_are_whole_and_rounded() {
        assert_eq!(demo_price(14_900, Currency::Aed), 14_900);
        assert_eq!(demo_price(14_900, Currency::Usd), 4_000); // 4023 -> 4000
        assert_eq!(demo_price(14_900, Currency::Zmw), 104_300);
    }

    #[test]
    fn generation_is_deterministic_and_well_formed() {
        for i in 0..500 {
            let a = generated(i, Currency::Aed);
            let b = generated(i, Currency::Aed);
            assert_eq!(
                (&a.slug, &a.name, a.variants.len()),
                (&b.slug, &b.name, b.variants.len())
            );
            assert!(crate::server::catalog::is_valid_slug(&a.slug), "{}", a.slug);
            let combos: usize = a.options.iter().map(|(_, v)| v.len()).product();
            assert_eq!(a.variants.len(), combos.max(1));
            for (values, price, compare_at, stock, sku) in &a.variants {
                assert_eq!(values.len(), a.options.len());
                assert!(*price > 0 && *stock >= 0 && sku.len() <= 64);
                assert!(compare_at.is_none_or(|c| c > *price));
            }
        }
    }

    #[test]
    fn demo_variants_match_their_options() {
        for p in DEMO_PRODUCTS {
            for (values, _, _) in p.variants {
                assert_eq!(values.len(), p.options.len(), "{}", p.slug);
            }
        }
    }
}
