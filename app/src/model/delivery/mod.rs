//! Delivery zones, their rates and VAT by country as the admin edits them
//! (`/admin/settings/delivery`): the forms as posted, checked here, and what the pages show.

use super::country::{country_name, region_name, regions, COUNTRIES};
use super::{AppError, Currency, Money};
use serde::{Deserialize, Serialize};

/// At most this many weight bands on one rate.
pub const MAX_BANDS: usize = 20;

/// A zone as the list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ZoneRow {
    pub id: i64,
    pub name: String,
    /// Where it delivers, as a sentence ("United Arab Emirates: Dubai, Sharjah; Oman").
    pub areas: String,
    /// Its rates, described ("Standard AED 15.00, free from AED 200.00").
    pub rates: Vec<String>,
}

/// VAT for one country, as the list shows it and its form posts it back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxRow {
    pub country: String,
    pub country_name: String,
    pub rate_bp: i32,
    pub version: i32,
}

/// The delivery and tax page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryPage {
    pub zones: Vec<ZoneRow>,
    pub taxes: Vec<TaxRow>,
    pub currency: Currency,
}

/// The zone form (`zone[name]`, `zone[areas]`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ZoneForm {
    /// The version the form was opened at (0 for a new zone).
    pub version: i32,
    pub name: String,
    /// One country per line, by code or name, optionally followed by a colon and some of
    /// its emirates or provinces: `AE: Dubai, Sharjah`, `Zambia`, `OM`.
    pub areas: String,
}

/// A zone's fields, checked: its name and its areas as (country, region or "").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZoneInput {
    pub name: String,
    pub areas: Vec<(String, String)>,
}

/// A rate's form (`rate[name]`...): text as typed.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct RateForm {
    pub version: i32,
    pub name: String,
    /// The flat price; ignored when there are weight bands.
    pub price: String,
    /// Free from this subtotal (after discounts), or empty.
    pub free_above: String,
    /// One band per line, `up to` a weight in kg and its price: `1 kg: 15.00`.
    pub bands: String,
    /// Checkboxes: "on" when ticked.
    pub cash_on_delivery: String,
    pub cod_fee: String,
    pub active: String,
    pub position: String,
}

/// A rate's fields, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateInput {
    pub name: String,
    pub price_minor: i64,
    pub free_above_minor: Option<i64>,
    /// (up to grams, price), ascending by weight; empty for a flat rate.
    pub bands: Vec<(i32, i64)>,
    pub cash_on_delivery: bool,
    pub cod_fee_minor: i64,
    pub active: bool,
    pub position: i32,
}

/// One rate on the zone page: its id, its form as saved, and a description.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateView {
    pub id: i64,
    pub form: RateForm,
    pub summary: String,
}

/// The zone page: the zone's form, its rates, and the regions that may be named.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ZoneEditor {
    pub id: Option<i64>,
    pub form: ZoneForm,
    pub rates: Vec<RateView>,
    pub currency: Currency,
    /// Who last saved the zone and when.
    pub updated: Option<(String, String)>,
}

/// The VAT form: a country and its rate in percent (`5`, `16`, `7.5`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct TaxForm {
    /// 0 to add a country, else the version of its row.
    pub version: i32,
    pub country: String,
    pub rate: String,
}

fn country_code(typed: &str) -> Option<&'static str> {
    let typed = typed.trim();
    COUNTRIES
        .iter()
        .find(|(code, name)| code.eq_ignore_ascii_case(typed) || name.eq_ignore_ascii_case(typed))
        .map(|(code, _)| *code)
}

fn checked_name(name: &str) -> Result<String, AppError> {
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() || name.chars().count() > 120 {
        return Err(AppError::validation(
            "name",
            "enter a name of 1 to 120 characters",
        ));
    }
    Ok(name)
}

impl ZoneForm {
    pub fn parse(&self) -> Result<ZoneInput, AppError> {
        let name = checked_name(&self.name)?;
        let mut areas: Vec<(String, String)> = Vec::new();
        for line in self.areas.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let (country, named) = line.split_once(':').unwrap_or((line, ""));
            let code = country_code(country).ok_or_else(|| {
                AppError::validation(
                    "areas",
                    format!(
                        "{:?} is not a country: use its code (AE) or its English name",
                        country.trim()
                    ),
                )
            })?;
            let named: Vec<&str> = named
                .split(',')
                .map(str::trim)
                .filter(|r| !r.is_empty())
                .collect();
            if named.is_empty() {
                areas.push((code.to_owned(), String::new()));
            }
            for region in named {
                if regions(code).is_empty() {
                    return Err(AppError::validation(
                        "areas",
                        format!("regions can be named for the UAE (AE) and Zambia (ZM) only, not for {code}"),
                    ));
                }
                let found = region_name(code, region).ok_or_else(|| {
                    let names: Vec<&str> = regions(code).iter().map(|(_, n)| *n).collect();
                    AppError::validation(
                        "areas",
                        format!(
                            "{region:?} is not a region of {code}: use one of {}",
                            names.join(", ")
                        ),
                    )
                })?;
                areas.push((code.to_owned(), found.to_owned()));
            }
        }
        if areas.is_empty() {
            return Err(AppError::validation("areas", "name at least one country"));
        }
        areas.sort();
        if let Some(w) = areas.windows(2).find(|w| w[0] == w[1]) {
            return Err(AppError::validation(
                "areas",
                format!("{} is named twice", area_text(&w[0])),
            ));
        }
        if let Some(w) = areas
            .windows(2)
            .find(|w| w[0].0 == w[1].0 && w[0].1.is_empty())
        {
            return Err(AppError::validation(
                "areas",
                format!("{} is named whole and by region: keep one", w[0].0),
            ));
        }
        Ok(ZoneInput { name, areas })
    }
}

/// An area as a person reads it: "Dubai, United Arab Emirates" or "Oman".
pub fn area_text((country, region): &(String, String)) -> String {
    let country = country_name(country).unwrap_or(country);
    if region.is_empty() {
        country.to_owned()
    } else {
        format!("{region}, {country}")
    }
}

/// Areas as the zone form shows them: a line per country, its regions after a colon.
pub fn areas_form(areas: &[(String, String)]) -> String {
    let mut lines: Vec<String> = Vec::new();
    let mut last = "";
    for (country, region) in areas {
        if region.is_empty() {
            lines.push(country.clone());
        } else if country == last {
            if let Some(l) = lines.last_mut() {
                l.push_str(&format!(", {region}"));
            }
        } else {
            lines.push(format!("{country}: {region}"));
        }
        last = country;
    }
    lines.join("\n")
}

fn amount(text: &str, currency: Currency, field: &str) -> Result<Option<i64>, AppError> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    Money::parse_decimal(text, currency)
        .ok()
        .filter(|m| m.minor >= 0)
        .map(|m| Some(m.minor))
        .ok_or_else(|| AppError::validation(field, "enter an amount, e.g. 15.00"))
}

/// Kilograms as typed (`0.5`, `2`, `1.25`) in grams.
fn grams(text: &str) -> Option<i32> {
    let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
    if whole.is_empty() && frac.is_empty()
        || frac.len() > 3
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let whole: i32 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let frac: i32 = format!("{frac:0<3}").parse().ok()?;
    whole
        .checked_mul(1000)?
        .checked_add(frac)
        .filter(|g| *g > 0)
}

/// A weight in grams as the form shows it, in kg.
pub fn kg_text(grams: i32) -> String {
    let text = format!("{}.{:03}", grams / 1000, grams % 1000);
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

impl RateForm {
    pub fn parse(&self, currency: Currency) -> Result<RateInput, AppError> {
        let name = checked_name(&self.name)?;
        let mut bands = Vec::new();
        for line in self.bands.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let bad = || {
                AppError::validation(
                    "bands",
                    format!(
                        "{line:?}: write a band as a weight in kg and its price, e.g. 1 kg: 15.00"
                    ),
                )
            };
            let cleaned = line.to_lowercase().replace("up to", "").replace("kg", "");
            let (weight, price) = cleaned.split_once([':', '=']).ok_or_else(bad)?;
            let weight = grams(weight.trim()).ok_or_else(bad)?;
            let price = amount(price, currency, "bands")?.ok_or_else(bad)?;
            bands.push((weight, price));
        }
        bands.sort();
        if bands.windows(2).any(|w| w[0].0 == w[1].0) {
            return Err(AppError::validation(
                "bands",
                "two bands end at the same weight",
            ));
        }
        if bands.len() > MAX_BANDS {
            return Err(AppError::validation(
                "bands",
                format!("at most {MAX_BANDS} bands"),
            ));
        }
        let price_minor = match bands.iter().map(|b| b.1).min() {
            Some(lowest) => lowest,
            None => amount(&self.price, currency, "price")?
                .ok_or_else(|| AppError::validation("price", "enter the price, or weight bands"))?,
        };
        let cash_on_delivery = !self.cash_on_delivery.is_empty();
        let cod_fee_minor = amount(&self.cod_fee, currency, "cod_fee")?.unwrap_or(0);
        if cod_fee_minor > 0 && !cash_on_delivery {
            return Err(AppError::validation(
                "cod_fee",
                "a cash-on-delivery fee needs cash on delivery ticked",
            ));
        }
        let position = match self.position.trim() {
            "" => 0,
            p => p
                .parse::<i32>()
                .ok()
                .filter(|p| (0..=1000).contains(p))
                .ok_or_else(|| AppError::validation("position", "a position is 0 to 1000"))?,
        };
        Ok(RateInput {
            name,
            price_minor,
            free_above_minor: amount(&self.free_above, currency, "free_above")?,
            bands,
            cash_on_delivery,
            cod_fee_minor,
            active: !self.active.is_empty(),
            position,
        })
    }
}

/// A rate described in a line: "Standard: AED 15.00, free from AED 200.00, cash on delivery
/// (fee AED 10.00)".
pub fn describe_rate(r: &RateInput, currency: Currency) -> String {
    let money = |m| Money::new(m, currency).to_string();
    let mut text = if r.bands.is_empty() {
        format!("{}: {}", r.name, money(r.price_minor))
    } else {
        let bands: Vec<String> = r
            .bands
            .iter()
            .map(|(g, p)| format!("to {} kg {}", kg_text(*g), money(*p)))
            .collect();
        format!("{}: {}", r.name, bands.join(", "))
    };
    if let Some(free) = r.free_above_minor {
        text.push_str(&format!(", free from {}", money(free)));
    }
    if r.cash_on_delivery {
        text.push_str(", cash on delivery");
        if r.cod_fee_minor > 0 {
            text.push_str(&format!(" (fee {})", money(r.cod_fee_minor)));
        }
    }
    if !r.active {
        text.push_str(" (paused)");
    }
    text
}

impl TaxForm {
    /// The country's code and its rate in basis points.
    pub fn parse(&self) -> Result<(String, i32), AppError> {
        let country = country_code(&self.country)
            .ok_or_else(|| AppError::validation("country", "choose a country from the list"))?;
        let bp = Money::parse_decimal(&self.rate, Currency::Usd)
            .ok()
            .map(|m| m.minor)
            .filter(|bp| (0..=10_000).contains(bp))
            .ok_or_else(|| {
                AppError::validation("rate", "enter a rate from 0 to 100, e.g. 5 or 16")
            })?;
        Ok((country.to_owned(), bp as i32))
    }
}

#[cfg(test)]
mod tests;
