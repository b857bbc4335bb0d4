//! What the cart, checkout and order pages share: a line's title and picture, the totals.

use super::picture::{Picture, PictureData};
use crate::model::{ProductImage, Quote};
use leptos::prelude::*;

/// "Linen Shirt" or "Linen Shirt (M / Sand)".
pub fn item_title(name: &str, variant: &str) -> String {
    if variant.is_empty() {
        name.to_owned()
    } else {
        format!("{name} ({variant})")
    }
}

/// A line's small square picture, or an empty frame of the same size.
#[component]
pub fn LineThumb(image: Option<ProductImage>) -> impl IntoView {
    view! {
        <div class="line-thumb">
            {image.map(|i| view! { <Picture data=PictureData::new(&i, 160) sizes="5rem" /> })}
        </div>
    }
}

/// Subtotal, discount, delivery, VAT and the total.
#[component]
pub fn Totals(quote: Quote) -> impl IntoView {
    let vat = format!("VAT ({}%)", percent(quote.tax_rate_bp));
    view! {
        <dl class="totals">
            <dt>"Subtotal"</dt><dd>{quote.subtotal.to_string()}</dd>
            {(quote.discount.minor > 0).then(|| view! { <dt>"Discount"</dt><dd>"−" {quote.discount.to_string()}</dd> })}
            <dt>"Delivery"</dt><dd>{if quote.shipping.minor == 0 { "Free".to_owned() } else { quote.shipping.to_string() }}</dd>
            {if quote.prices_include_tax {
                view! { <dt>{format!("Including {vat}")}</dt><dd>{quote.tax.to_string()}</dd> }.into_any()
            } else {
                view! { <dt>{vat}</dt><dd>{quote.tax.to_string()}</dd> }.into_any()
            }}
            <dt class="grand">"Total"</dt><dd class="grand">{quote.total.to_string()}</dd>
        </dl>
    }
}

/// Basis points as a percentage without floating point: 500 → "5", 1650 → "16.5".
pub fn percent(bp: u32) -> String {
    let (whole, rest) = (bp / 100, bp % 100);
    match rest {
        0 => whole.to_string(),
        r if r % 10 == 0 => format!("{whole}.{}", r / 10),
        r => format!("{whole}.{r:02}"),
    }
}

#[cfg(test)]
mod tests {
    use super::{item_title, percent};

    #[test]
    fn percentages_from_basis_points() {
        assert_eq!(percent(500), "5");
        assert_eq!(percent(1650), "16.5");
        assert_eq!(percent(1625), "16.25");
        assert_eq!(percent(0), "0");
    }

    #[test]
    fn item_titles_name_the_variant_when_there_is_one() {
        assert_eq!(item_title("Mug", ""), "Mug");
        assert_eq!(item_title("Shirt", "M / Sand"), "Shirt (M / Sand)");
    }
}
