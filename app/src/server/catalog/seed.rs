//! A small demo catalog so a fresh `make run` has something to show. Deterministic: the
//! same rows every time, priced in the store's currency.

use crate::model::Currency;
use crate::server::Error;
use sqlx::PgPool;

/// (slug, name, description, price in AED fils, stock, status)
pub const DEMO_PRODUCTS: &[(&str, &str, &str, i64, i32, &str)] = &[
    (
        "linen-shirt",
        "Linen Shirt",
        "Breathable stone-washed linen, cut for hot afternoons.",
        14_900,
        40,
        "active",
    ),
    (
        "cotton-thobe",
        "Cotton Thobe",
        "Classic full-length thobe in soft combed cotton.",
        22_500,
        25,
        "active",
    ),
    (
        "leather-sandals",
        "Leather Sandals",
        "Hand-stitched leather sandals with a cushioned sole.",
        18_900,
        3,
        "active",
    ),
    (
        "chitenge-tote",
        "Chitenge Tote Bag",
        "A roomy tote sewn from bright chitenge print.",
        6_500,
        60,
        "active",
    ),
    (
        "oud-candle",
        "Oud Candle",
        "Soy wax candle scented with oud and amber; 40 hours.",
        9_900,
        0,
        "active",
    ),
    (
        "copper-coffee-pot",
        "Copper Coffee Pot",
        "Hammered copper dallah for Arabic coffee.",
        27_500,
        8,
        "active",
    ),
    (
        "woven-basket",
        "Woven Basket",
        "Palm-leaf basket woven by hand; sturdy handles.",
        7_900,
        30,
        "active",
    ),
    (
        "silk-scarf",
        "Silk Scarf",
        "Lightweight silk scarf with a hand-rolled hem.",
        12_000,
        15,
        "active",
    ),
    (
        "dates-gift-box",
        "Medjool Dates Gift Box",
        "Five hundred grams of Medjool dates in a keepsake box.",
        8_500,
        100,
        "active",
    ),
    (
        "ceramic-mug",
        "Ceramic Mug",
        "Glazed stoneware mug, 350 ml, dishwasher safe.",
        4_500,
        4,
        "active",
    ),
    (
        "beaded-bracelet",
        "Beaded Bracelet",
        "Glass beads on a stretch cord, made in Lusaka.",
        3_500,
        50,
        "active",
    ),
    (
        "prayer-mat",
        "Travel Prayer Mat",
        "Folds into a pouch; padded and washable.",
        11_000,
        0,
        "draft",
    ),
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

/// Inserts the demo catalog if there are no products yet. Returns how many rows it added.
/// Safe to run concurrently: the table lock makes one runner insert and the other see rows.
pub async fn seed_demo_if_empty(db: &PgPool, currency: Currency) -> Result<u64, Error> {
    let mut tx = db.begin().await?;
    sqlx::query!("LOCK TABLE products IN SHARE ROW EXCLUSIVE MODE")
        .execute(&mut *tx)
        .await?;
    let existing = sqlx::query_scalar!(r#"SELECT count(*) AS "count!" FROM products"#)
        .fetch_one(&mut *tx)
        .await?;
    if existing > 0 {
        return Ok(0);
    }
    let mut inserted = 0;
    // Oldest first, so the first product in the list is the newest on the home page.
    for (i, (slug, name, description, price, stock, status)) in DEMO_PRODUCTS.iter().enumerate() {
        let age_minutes = (DEMO_PRODUCTS.len() - i) as i32;
        inserted += sqlx::query!(
            r#"INSERT INTO products (slug, name, description, price_minor, currency, stock, status, created_at)
               VALUES ($1, $2, $3, $4, $5, $6, $7, now() - $8::int * interval '1 minute')"#,
            slug,
            name,
            description,
            demo_price(*price, currency),
            currency.code(),
            stock,
            status,
            age_minutes,
        )
        .execute(&mut *tx)
        .await?
        .rows_affected();
    }
    tx.commit().await?;
    Ok(inserted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_prices_are_whole_and_rounded() {
        assert_eq!(demo_price(14_900, Currency::Aed), 14_900);
        assert_eq!(demo_price(14_900, Currency::Usd), 4_000); // 4023 -> 4000
        assert_eq!(demo_price(14_900, Currency::Zmw), 104_300);
        for (_, _, _, p, _, _) in DEMO_PRODUCTS {
            for c in Currency::ALL {
                let v = demo_price(*p, c);
                assert!(v > 0 && v % 50 == 0, "{c} {v}");
            }
        }
    }
}
