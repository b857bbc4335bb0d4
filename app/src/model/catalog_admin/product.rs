//! One product in the editor: its fields and their rules, its variants.

use super::{ProductStatus, StockMovement};
use crate::model::{is_slug, AppError, Money};
use serde::{Deserialize, Serialize};

/// One product in the editor (a plain form sends it as `product[name]`, `product[slug]`...;
/// a missing field is empty, no ticked category an empty list).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ProductForm {
    /// The version the editor was opened at; a save over a newer one is refused.
    pub version: i64,
    pub name: String,
    pub slug: String,
    pub description: String,
    pub brand: String,
    pub seo_title: String,
    pub seo_description: String,
    pub status: String,
    /// `YYYY-MM-DDTHH:MM` in UTC (a `datetime-local` field), or empty.
    pub publish_at: String,
    pub categories: Vec<i64>,
    /// The product's attributes (shown on its page, filterable), one `Name: value` per line.
    pub attributes: String,
}

/// At most this many attributes on a product.
pub const MAX_ATTRIBUTES: usize = 30;

/// The attributes' lines (`Material: linen`) as `(name, value)` pairs in order, or what is
/// wrong with them. Blank lines are skipped; a name appears once.
pub fn parse_attributes(text: &str) -> Result<Vec<(String, String)>, &'static str> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let Some((name, value)) = line.split_once(':') else {
            return Err("one attribute per line, as Name: value");
        };
        let (name, value) = (name.trim(), value.trim());
        if name.is_empty() || value.is_empty() {
            return Err("one attribute per line, as Name: value");
        }
        if name.chars().count() > 60 || value.chars().count() > 200 {
            return Err("an attribute's name has at most 60 characters, its value 200");
        }
        if out.iter().any(|(n, _)| n.eq_ignore_ascii_case(name)) {
            return Err("each attribute's name once");
        }
        out.push((name.to_owned(), value.to_owned()));
    }
    if out.len() > MAX_ATTRIBUTES {
        return Err("at most 30 attributes");
    }
    Ok(out)
}

/// The limits of each product field, as the database's checks have them.
pub mod limits {
    pub const NAME: usize = 200;
    pub const DESCRIPTION: usize = 20_000;
    pub const BRAND: usize = 120;
    pub const SEO_TITLE: usize = 200;
    pub const SEO_DESCRIPTION: usize = 500;
    pub const SKU: usize = 64;
    pub const BARCODE: usize = 64;
}

/// What is wrong with one field of a product, if anything: `(field, message)`.
pub fn product_field_error(field: &str, value: &str) -> Option<&'static str> {
    let chars = value.chars().count();
    match field {
        "name" if value.trim().is_empty() => Some("enter a name"),
        "name" if chars > limits::NAME => Some("at most 200 characters"),
        "slug" if !is_slug(value) => {
            Some("lowercase letters, digits and single hyphens, at most 120 characters")
        }
        "description" if chars > limits::DESCRIPTION => Some("at most 20,000 characters"),
        "brand" if chars > limits::BRAND => Some("at most 120 characters"),
        "seo_title" if chars > limits::SEO_TITLE => Some("at most 200 characters"),
        "seo_description" if chars > limits::SEO_DESCRIPTION => Some("at most 500 characters"),
        "status" if ProductStatus::parse(value).is_none() => Some("choose a status"),
        "publish_at" if !value.is_empty() && !is_datetime_local(value) => {
            Some("a date and time such as 2026-12-24T09:00")
        }
        "attributes" => parse_attributes(value).err(),
        _ => None,
    }
}

impl ProductForm {
    /// Every field checked; the first problem as a validation error.
    pub fn check(&self) -> Result<(), AppError> {
        for (field, value) in [
            ("name", &self.name),
            ("slug", &self.slug),
            ("description", &self.description),
            ("brand", &self.brand),
            ("seo_title", &self.seo_title),
            ("seo_description", &self.seo_description),
            ("status", &self.status),
            ("publish_at", &self.publish_at),
            ("attributes", &self.attributes),
        ] {
            if let Some(message) = product_field_error(field, value) {
                return Err(AppError::validation(field, message));
            }
        }
        Ok(())
    }
}

fn is_datetime_local(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    let in_range = |r: std::ops::Range<usize>, lo: u32, hi: u32| {
        s[r].parse::<u32>().is_ok_and(|n| (lo..=hi).contains(&n))
    };
    b.len() == 16
        && digits(0..4)
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && in_range(5..7, 1, 12)
        && in_range(8..10, 1, 31)
        && in_range(11..13, 0, 23)
        && in_range(14..16, 0, 59)
}

/// A slug made from a name: ASCII letters and digits kept (lowercased), everything else a
/// single hyphen; empty when the name has no ASCII letters or digits (the editor asks).
pub fn slugify(name: &str) -> String {
    let mut slug = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            if slug.len() >= 120 {
                break;
            }
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    while slug.ends_with('-') {
        slug.pop();
    }
    slug
}

/// One row of the editor's variant grid as the form sends it (`rows[0][sku]`...): amounts as
/// typed, `image` a picture's id or empty.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct VariantFields {
    pub id: i64,
    pub sku: String,
    pub price: String,
    pub compare_at: String,
    pub weight_grams: i32,
    pub barcode: String,
    pub image: String,
}

/// A variant as the editor shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminVariant {
    pub id: i64,
    pub sku: String,
    /// Its option values, "Large / Blue"; empty for a product without options.
    pub title: String,
    pub price: Money,
    pub compare_at: Option<Money>,
    pub stock: i32,
    pub weight_grams: i32,
    pub barcode: String,
    /// Its own picture, one of the product's.
    pub image_id: Option<i64>,
    /// The newest movements of its stock, newest first.
    pub history: Vec<StockMovement>,
}

/// What a variant's fields must be: `(field, message)` for the first problem.
pub fn variant_error(
    sku: &str,
    price: i64,
    compare_at: Option<i64>,
    weight_grams: i32,
    barcode: &str,
) -> Option<(&'static str, &'static str)> {
    let sku_ok = !sku.is_empty()
        && sku.len() <= limits::SKU
        && sku.as_bytes()[0].is_ascii_alphanumeric()
        && sku
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if !sku_ok {
        return Some((
            "sku",
            "letters, digits, dots, hyphens and underscores, starting with a letter or digit, at most 64",
        ));
    }
    if price < 0 {
        return Some(("price", "a price cannot be negative"));
    }
    if compare_at.is_some_and(|c| c <= price) {
        return Some((
            "compare_at",
            "the compare-at price is the higher \"was\" price: leave it empty or make it higher than the price",
        ));
    }
    if weight_grams < 0 {
        return Some(("weight_grams", "a weight cannot be negative"));
    }
    if barcode.len() > limits::BARCODE || !barcode.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Some(("barcode", "digits and letters only, at most 64"));
    }
    None
}

/// One of a product's pictures in the editor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminImage {
    pub id: i64,
    pub alt: String,
    /// The smallest rendition's address, for a thumbnail.
    pub thumbnail: String,
    pub width: i32,
    pub height: i32,
}

/// One picture's new alt text and place, as the editor's form sends it (`images[0][alt]`...).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct ImageEdit {
    pub id: i64,
    pub alt: String,
    pub position: i32,
    /// Ticked: delete this picture.
    pub delete: Option<String>,
}

/// The editor's page: the product, its variants, and what the form needs to offer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductEditor {
    /// `None` for a new product.
    pub id: Option<i64>,
    pub form: ProductForm,
    pub variants: Vec<AdminVariant>,
    pub options: Vec<super::OptionSpec>,
    pub images: Vec<AdminImage>,
    /// Every category, as `(id, "Parent › Child")`.
    pub categories: Vec<(i64, String)>,
    /// Who saved last and when, for the page's header.
    pub updated: Option<(String, String)>,
    pub may_edit: bool,
    /// The storefront's address, no trailing slash (the search-result preview).
    pub store_url: String,
    /// The shop's currency: prices in the grid are checked in it as they are typed.
    pub currency: crate::model::Currency,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_from_names() {
        assert_eq!(slugify("Linen Shirt — Blue (XL)"), "linen-shirt-blue-xl");
        assert_eq!(slugify("  --Café au lait-- "), "caf-au-lait");
        assert_eq!(slugify("تمر"), "");
        assert!(is_slug(&slugify(&"ab ".repeat(100))));
    }

    #[test]
    fn product_fields_are_checked_as_the_database_would() {
        let mut form = ProductForm {
            version: 1,
            name: "Dates".into(),
            slug: "dates".into(),
            status: "draft".into(),
            ..Default::default()
        };
        assert_eq!(form.check(), Ok(()));
        form.slug = "Dates!".into();
        assert!(matches!(form.check(), Err(AppError::Validation { field, .. }) if field == "slug"));
        form.slug = "dates".into();
        form.publish_at = "2026-13-01T10:00".into();
        assert!(form.check().is_err());
        form.publish_at = "2026-12-24T09:30".into();
        assert_eq!(form.check(), Ok(()));
        assert!(product_field_error("seo_title", &"x".repeat(201)).is_some());
        assert_eq!(
            parse_attributes("Material: linen\n\n Fit :  relaxed "),
            Ok(vec![
                ("Material".into(), "linen".into()),
                ("Fit".into(), "relaxed".into())
            ])
        );
        assert!(parse_attributes("Material linen").is_err());
        assert!(parse_attributes("Fit: a\nfit: b").is_err());
        form.attributes = "Origin: Al Ahsa: oasis".into();
        assert_eq!(form.check(), Ok(()), "a value may hold a colon");
    }

    #[test]
    fn variant_rules() {
        assert_eq!(variant_error("DATES-1KG", 4_500, None, 1_000, ""), None);
        assert_eq!(
            variant_error("-bad", 1, None, 0, "").map(|e| e.0),
            Some("sku")
        );
        assert_eq!(
            variant_error("OK", 100, Some(100), 0, "").map(|e| e.0),
            Some("compare_at")
        );
        assert_eq!(
            variant_error("OK", 100, None, 0, "12 34").map(|e| e.0),
            Some("barcode")
        );
    }
}
