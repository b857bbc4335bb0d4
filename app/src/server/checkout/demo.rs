//! The demo store's delivery: zones, VAT rates and a welcome coupon.

use crate::model::Currency;
use crate::server::Error;

/// The demo store's VAT rates, delivery zones and a welcome coupon (`duka seed`), unless the
/// store already has zones.
pub async fn seed_demo_delivery(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    currency: Currency,
) -> Result<(), Error> {
    let zones = sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM shipping_zones"#)
        .fetch_one(&mut **tx)
        .await?;
    if zones > 0 {
        return Ok(());
    }
    sqlx::query!(
        "INSERT INTO tax_rates (country, rate_bp) VALUES ('AE', 500), ('SA', 1500), ('OM', 500),
             ('BH', 1000), ('ZM', 1600), ('KE', 1600), ('GB', 2000)
         ON CONFLICT (country) DO NOTHING"
    )
    .execute(&mut **tx)
    .await?;
    // (zone, countries, [(rate, price, free above, cash on delivery)]), amounts in minor units.
    type Rate = (&'static str, i64, Option<i64>, bool);
    let plan: Vec<(&str, Vec<&str>, Vec<Rate>)> = match currency {
        Currency::Aed => vec![
            (
                "United Arab Emirates",
                vec!["AE"],
                vec![
                    ("Standard delivery (2–3 days)", 1_500, Some(20_000), true),
                    ("Express delivery (next day)", 3_500, None, true),
                ],
            ),
            (
                "Gulf",
                vec!["SA", "OM", "BH", "KW", "QA"],
                vec![("Gulf delivery (4–6 days)", 6_000, Some(50_000), false)],
            ),
        ],
        Currency::Zmw => vec![(
            "Zambia",
            vec!["ZM"],
            vec![
                ("Standard delivery (2–4 days)", 5_000, Some(100_000), true),
                ("Lusaka same day", 12_000, None, true),
            ],
        )],
        Currency::Usd => vec![(
            "United States",
            vec!["US"],
            vec![("Standard shipping", 800, Some(10_000), false)],
        )],
    };
    for (position, (zone, countries, rates)) in plan.into_iter().enumerate() {
        let zone_id = sqlx::query_scalar!(
            "INSERT INTO shipping_zones (name) VALUES ($1) RETURNING id",
            zone
        )
        .fetch_one(&mut **tx)
        .await?;
        for country in countries {
            sqlx::query!(
                "INSERT INTO shipping_zone_countries (country, zone_id) VALUES ($1, $2)
                 ON CONFLICT (country, region) DO NOTHING",
                country,
                zone_id
            )
            .execute(&mut **tx)
            .await?;
        }
        for (i, (name, price, free_above, cod)) in rates.into_iter().enumerate() {
            sqlx::query!(
                "INSERT INTO shipping_rates (zone_id, name, currency, price_minor, free_above_minor,
                     cash_on_delivery, position)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
                zone_id,
                name,
                currency.code(),
                price,
                free_above,
                cod,
                (position * 10 + i) as i32
            )
            .execute(&mut **tx)
            .await?;
        }
    }
    sqlx::query!(
        "INSERT INTO coupons (code, kind, value, currency, max_uses_per_customer)
         VALUES ('WELCOME10', 'percent', 1000, $1, 1) ON CONFLICT (code) DO NOTHING",
        currency.code()
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}
