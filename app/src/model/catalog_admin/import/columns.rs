//! A catalog CSV's columns: which format a header row is, and where each column the import
//! reads sits (Duka's export columns, or Shopify's product CSV).

use super::ImportFormat;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Field {
    Handle,
    Name,
    Status,
    Published,
    Brand,
    Description,
    SeoTitle,
    SeoDescription,
    Categories,
    Sku,
    Options,
    OptionName(usize),
    OptionValue(usize),
    Price,
    CompareAt,
    Currency,
    Stock,
    Weight,
    Barcode,
}

const DUKA: &[(&str, Field)] = &[
    ("handle", Field::Handle),
    ("name", Field::Name),
    ("status", Field::Status),
    ("brand", Field::Brand),
    ("description", Field::Description),
    ("seo_title", Field::SeoTitle),
    ("seo_description", Field::SeoDescription),
    ("categories", Field::Categories),
    ("sku", Field::Sku),
    ("options", Field::Options),
    ("price", Field::Price),
    ("compare_at_price", Field::CompareAt),
    ("currency", Field::Currency),
    ("stock", Field::Stock),
    ("weight_grams", Field::Weight),
    ("barcode", Field::Barcode),
];

const SHOPIFY: &[(&str, Field)] = &[
    ("handle", Field::Handle),
    ("title", Field::Name),
    ("status", Field::Status),
    ("published", Field::Published),
    ("vendor", Field::Brand),
    ("body (html)", Field::Description),
    ("seo title", Field::SeoTitle),
    ("seo description", Field::SeoDescription),
    ("variant sku", Field::Sku),
    ("option1 name", Field::OptionName(0)),
    ("option1 value", Field::OptionValue(0)),
    ("option2 name", Field::OptionName(1)),
    ("option2 value", Field::OptionValue(1)),
    ("option3 name", Field::OptionName(2)),
    ("option3 value", Field::OptionValue(2)),
    ("variant price", Field::Price),
    ("variant compare at price", Field::CompareAt),
    ("variant inventory qty", Field::Stock),
    ("variant grams", Field::Weight),
    ("variant barcode", Field::Barcode),
];

/// The header row read: the format, and where each known column is (other columns, such as
/// Shopify's images and tags, are not imported).
#[derive(Debug, Clone)]
pub struct Header {
    pub format: ImportFormat,
    columns: Vec<(Field, usize, String)>,
}

impl Header {
    /// Reads the first row, or says why the file cannot be imported.
    pub fn read(cells: &[String]) -> Result<Self, String> {
        let names: Vec<String> = cells
            .iter()
            .map(|c| c.trim_start_matches('\u{feff}').trim().to_lowercase())
            .collect();
        let format = if names
            .iter()
            .any(|n| n == "variant sku" || n == "variant price")
        {
            ImportFormat::Shopify
        } else {
            ImportFormat::Duka
        };
        let known = match format {
            ImportFormat::Duka => DUKA,
            ImportFormat::Shopify => SHOPIFY,
        };
        let columns: Vec<(Field, usize, String)> = names
            .iter()
            .enumerate()
            .filter_map(|(i, n)| {
                known.iter().find(|(name, _)| name == n).map(|(_, f)| {
                    (
                        *f,
                        i,
                        cells[i].trim_start_matches('\u{feff}').trim().to_owned(),
                    )
                })
            })
            .collect();
        let needed: &[(&str, Field)] = match format {
            ImportFormat::Duka => &[
                ("handle", Field::Handle),
                ("sku", Field::Sku),
                ("price", Field::Price),
            ],
            ImportFormat::Shopify => &[("Handle", Field::Handle), ("Variant Price", Field::Price)],
        };
        let missing: Vec<&str> = needed
            .iter()
            .filter(|(_, f)| !columns.iter().any(|(c, ..)| c == f))
            .map(|(n, _)| *n)
            .collect();
        if !missing.is_empty() {
            return Err(format!(
                "the first row must name the columns; this file has no {} column. Use the \
                 columns of Duka's export (handle, name, sku, price...) or of Shopify's product CSV.",
                missing.join(", ")
            ));
        }
        Ok(Self { format, columns })
    }

    pub(super) fn cell<'a>(&self, cells: &'a [String], field: Field) -> Option<(&'a str, &str)> {
        self.columns
            .iter()
            .find(|(f, ..)| *f == field)
            .map(|(_, i, name)| {
                (
                    cells.get(*i).map(|c| unescape(c.trim())).unwrap_or(""),
                    name.as_str(),
                )
            })
    }
}

/// A cell the export kept from running as a formula (`'=SUM(A1)`) back as it was typed.
pub(super) fn unescape(text: &str) -> &str {
    match text.as_bytes() {
        [b'\'', b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r', ..] => &text[1..],
        _ => text,
    }
}
