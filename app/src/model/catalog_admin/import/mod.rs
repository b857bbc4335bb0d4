//! Reading a catalog CSV: Duka's own export columns or Shopify's product CSV. Rows are
//! grouped into products by handle (a product's rows follow each other, as both exports write
//! them); each product comes out whole and checked, or as the problems that stop it, each
//! naming the row, the column as the file names it, and the reason.

mod columns;
mod html;

pub use columns::Header;
pub use html::html_to_text;

use super::{product_field_error, variant_error, variant_sku};
use crate::model::{is_slug, Currency, Money};
use columns::Field;
use serde::{Deserialize, Serialize};

/// Which columns a file has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ImportFormat {
    Duka,
    Shopify,
}

impl ImportFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Duka => "duka",
            Self::Shopify => "shopify",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "duka" => Some(Self::Duka),
            "shopify" => Some(Self::Shopify),
            _ => None,
        }
    }
}

/// An import as staff follow it in the admin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportStatus {
    pub id: i64,
    pub file_name: String,
    /// `None` until the header row is read.
    pub format: Option<ImportFormat>,
    /// `false`: a dry run, which changes nothing.
    pub apply: bool,
    /// uploading, queued, running, done or failed.
    pub state: String,
    pub percent: u8,
    pub rows_done: i32,
    pub created: i32,
    pub updated: i32,
    pub unchanged: i32,
    pub failed: i32,
    /// The first problems; `problem_count` counts them all.
    pub problems: Vec<Problem>,
    pub problem_count: i32,
    /// Why the whole file could not be read, if it could not.
    pub error: Option<String>,
    /// When it was uploaded (UTC) and by whom.
    pub at: String,
    pub by: String,
}

/// Something wrong with one cell (or row) of the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// The row as a spreadsheet numbers it: the header is row 1.
    pub row: u32,
    pub column: String,
    pub reason: String,
}

/// One variant from one row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportVariant {
    pub row: u32,
    pub sku: String,
    /// `(option, value)` in the options' order.
    pub options: Vec<(String, String)>,
    pub price: i64,
    pub compare_at: Option<i64>,
    /// `None`: the file does not set it (the stock stays as it is).
    pub stock: Option<i32>,
    pub weight_grams: Option<i32>,
    pub barcode: Option<String>,
}

/// One product from its rows. `None` fields are not in the file: a new product gets the
/// default, an existing one keeps what it has.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ImportProduct {
    pub row: u32,
    pub handle: String,
    pub name: Option<String>,
    pub status: Option<String>,
    pub brand: Option<String>,
    pub description: Option<String>,
    pub seo_title: Option<String>,
    pub seo_description: Option<String>,
    /// Category addresses (slugs), the first the main one.
    pub categories: Option<Vec<String>>,
    pub variants: Vec<ImportVariant>,
}

/// A product's rows read: how many rows it took, and the product or its problems.
#[derive(Debug)]
pub struct Group {
    pub rows: u32,
    pub product: Result<ImportProduct, Vec<Problem>>,
}

/// Groups rows into products as they come.
pub struct Grouper {
    header: Header,
    currency: Currency,
    current: Option<(ImportProduct, Vec<Problem>, u32, [String; 3])>,
}

impl Grouper {
    pub fn new(header: Header, currency: Currency) -> Self {
        Self {
            header,
            currency,
            current: None,
        }
    }

    /// Reads row `row`; returns the previous product when this row starts the next.
    pub fn push(&mut self, row: u32, cells: &[String]) -> Option<Group> {
        let handle = self
            .header
            .cell(cells, Field::Handle)
            .map(|(v, _)| v)
            .unwrap_or("");
        let same = self
            .current
            .as_ref()
            .is_some_and(|(p, ..)| p.handle == handle && !handle.is_empty());
        let done = if same { None } else { self.finish() };
        if !same {
            self.start(row, handle, cells);
        }
        let (product, problems, rows, names) =
            self.current.as_mut().expect("a product was started");
        *rows += 1;
        read_variant(
            &self.header,
            self.currency,
            row,
            cells,
            product,
            problems,
            names,
        );
        done
    }

    /// The last product, at the end of the file.
    pub fn finish(&mut self) -> Option<Group> {
        let (product, problems, rows, _) = self.current.take()?;
        let product = if problems.is_empty() {
            Ok(product)
        } else {
            Err(problems)
        };
        Some(Group { rows, product })
    }

    fn start(&mut self, row: u32, handle: &str, cells: &[String]) {
        let h = &self.header;
        let text = |f: Field| h.cell(cells, f).map(|(v, _)| v.to_owned());
        let mut problems = Vec::new();
        let mut product = ImportProduct {
            row,
            handle: handle.to_owned(),
            name: text(Field::Name),
            status: text(Field::Status).map(|s| s.to_lowercase()),
            brand: text(Field::Brand),
            description: text(Field::Description).map(|d| match h.format {
                ImportFormat::Shopify => html_to_text(&d),
                ImportFormat::Duka => d,
            }),
            seo_title: text(Field::SeoTitle),
            seo_description: text(Field::SeoDescription),
            categories: text(Field::Categories)
                .map(|c| c.split_whitespace().map(str::to_owned).collect()),
            variants: Vec::new(),
        };
        if product.status.as_deref() == Some("") {
            product.status = None;
        }
        if product.status.is_none() {
            if let Some(published) = text(Field::Published).filter(|p| !p.is_empty()) {
                let on = published.eq_ignore_ascii_case("true");
                product.status = Some(if on { "active" } else { "draft" }.into());
            }
        }
        let column = |f: Field| {
            h.cell(cells, f)
                .map(|(_, n)| n.to_owned())
                .unwrap_or_default()
        };
        if handle.is_empty() {
            problems.push(Problem {
                row,
                column: column(Field::Handle),
                reason: "every row needs the product's handle".into(),
            });
        } else if !is_slug(handle) {
            problems.push(Problem {
                row,
                column: column(Field::Handle),
                reason: "a handle is lowercase letters, digits and single hyphens, at most 120 characters".into(),
            });
        }
        let checks = [
            (Field::Name, "name", product.name.clone()),
            (Field::Status, "status", product.status.clone()),
            (Field::Brand, "brand", product.brand.clone()),
            (
                Field::Description,
                "description",
                product.description.clone(),
            ),
            (Field::SeoTitle, "seo_title", product.seo_title.clone()),
            (
                Field::SeoDescription,
                "seo_description",
                product.seo_description.clone(),
            ),
        ];
        for (f, name, value) in checks {
            if let Some(reason) = value.and_then(|v| product_field_error(name, &v)) {
                let reason = if name == "status" {
                    "active, draft or archived"
                } else {
                    reason
                };
                problems.push(Problem {
                    row,
                    column: column(f),
                    reason: reason.into(),
                });
            }
        }
        if product.name.is_none() {
            problems.push(Problem {
                row,
                column: column(Field::Name),
                reason: "enter the product's name on its first row".into(),
            });
        }
        self.current = Some((product, problems, 0, Default::default()));
    }
}

fn read_variant(
    h: &Header,
    currency: Currency,
    row: u32,
    cells: &[String],
    product: &mut ImportProduct,
    problems: &mut Vec<Problem>,
    names: &mut [String; 3],
) {
    let get = |f: Field| h.cell(cells, f);
    let column = |f: Field| get(f).map(|(_, n)| n.to_owned()).unwrap_or_default();
    let mut problem = |f: Field, reason: String| {
        problems.push(Problem {
            row,
            column: column(f),
            reason,
        })
    };
    let mut options = Vec::new();
    match h.format {
        ImportFormat::Duka => {
            for pair in get(Field::Options)
                .map(|(v, _)| v)
                .unwrap_or("")
                .split(';')
                .filter(|p| !p.trim().is_empty())
            {
                match pair.split_once('=') {
                    Some((n, v)) if !n.trim().is_empty() && !v.trim().is_empty() => {
                        options.push((n.trim().to_owned(), v.trim().to_owned()))
                    }
                    _ => problem(
                        Field::Options,
                        format!("\"{pair}\" is not Option=Value (such as Size=M;Colour=Red)"),
                    ),
                }
            }
        }
        ImportFormat::Shopify => {
            for (i, name) in names.iter_mut().enumerate() {
                if let Some((n, _)) = get(Field::OptionName(i)).filter(|(n, _)| !n.is_empty()) {
                    *name = n.to_owned();
                }
                let value = get(Field::OptionValue(i)).map(|(v, _)| v).unwrap_or("");
                // Shopify's products without options have one: Title, Default Title.
                let default = *name == "Title" && value == "Default Title";
                if !value.is_empty() && !default {
                    if name.is_empty() {
                        problem(
                            Field::OptionValue(i),
                            format!(
                                "Option{} Value has no Option{} Name on the product's first row",
                                i + 1,
                                i + 1
                            ),
                        );
                    } else {
                        options.push((name.clone(), value.to_owned()));
                    }
                }
            }
        }
    }
    let sku = get(Field::Sku).map(|(v, _)| v).unwrap_or("");
    let price_text = get(Field::Price).map(|(v, _)| v).unwrap_or("");
    if h.format == ImportFormat::Shopify
        && sku.is_empty()
        && price_text.is_empty()
        && options.is_empty()
    {
        return; // a row that only adds a picture
    }
    // Shopify allows variants without a SKU; Duka needs one: made from the handle and values.
    let sku = if sku.is_empty() && h.format == ImportFormat::Shopify {
        let values: Vec<String> = options.iter().map(|(_, v)| v.clone()).collect();
        variant_sku(&product.handle.to_uppercase(), &values)
    } else {
        sku.to_owned()
    };
    let money = |f: Field, text: &str, problems: &mut Vec<Problem>| -> Option<i64> {
        match Money::parse_decimal(text, currency) {
            Ok(m) => Some(m.minor),
            Err(_) => {
                problems.push(Problem {
                    row,
                    column: column(f),
                    reason: format!("\"{text}\" is not an amount in {}", currency.code()),
                });
                None
            }
        }
    };
    let mut bad = Vec::new();
    let price = if price_text.is_empty() {
        bad.push(Problem {
            row,
            column: column(Field::Price),
            reason: "enter a price".into(),
        });
        None
    } else {
        money(Field::Price, price_text, &mut bad)
    };
    let compare_at = match get(Field::CompareAt).map(|(v, _)| v).unwrap_or("") {
        "" => None,
        text => money(Field::CompareAt, text, &mut bad),
    };
    let whole = |f: Field, problems: &mut Vec<Problem>| -> Option<i32> {
        let (text, _) = get(f).filter(|(v, _)| !v.is_empty())?;
        let number = text.strip_suffix(".0").unwrap_or(text);
        match number.parse::<i32>() {
            Ok(n) if (0..=10_000_000).contains(&n) => Some(n),
            _ => {
                problems.push(Problem {
                    row,
                    column: column(f),
                    reason: format!("\"{text}\" is not a whole number from 0 up"),
                });
                None
            }
        }
    };
    let stock = whole(Field::Stock, &mut bad);
    let weight_grams = whole(Field::Weight, &mut bad);
    if let Some((code, name)) = get(Field::Currency).filter(|(c, _)| !c.is_empty()) {
        if code != currency.code() {
            bad.push(Problem {
                row,
                column: name.to_owned(),
                reason: format!(
                    "prices are in {}, the shop's currency, not {code}",
                    currency.code()
                ),
            });
        }
    }
    let barcode = get(Field::Barcode).map(|(v, _)| v.to_owned());
    problems.extend(bad);
    let Some(price) = price else { return };
    if let Some((field, reason)) = variant_error(
        &sku,
        price,
        compare_at,
        weight_grams.unwrap_or(0),
        barcode.as_deref().unwrap_or(""),
    ) {
        let f = match field {
            "sku" => Field::Sku,
            "price" => Field::Price,
            "compare_at" => Field::CompareAt,
            "weight_grams" => Field::Weight,
            _ => Field::Barcode,
        };
        problems.push(Problem {
            row,
            column: column(f),
            reason: reason.into(),
        });
    }
    product.variants.push(ImportVariant {
        row,
        sku,
        options,
        price,
        compare_at,
        stock,
        weight_grams,
        barcode,
    });
}

#[cfg(test)]
mod tests;
