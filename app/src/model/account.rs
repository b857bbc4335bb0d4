//! What the account pages show and what their forms send: addresses, sessions, the profile,
//! and the admin home.
//! Validation lives here so the same rules hold wherever an address comes from.

use super::country::{country_name, region_name, regions};
use super::AppError;
use serde::{Deserialize, Serialize};

/// An address as a form sends it. [`AddressInput::validated`] trims and checks every field.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddressInput {
    pub name: String,
    #[serde(default)]
    pub phone: String,
    pub line1: String,
    #[serde(default)]
    pub line2: String,
    pub city: String,
    #[serde(default)]
    pub region: String,
    #[serde(default)]
    pub postal_code: String,
    pub country: String,
    /// A checkbox: present ("on") when ticked.
    #[serde(default, deserialize_with = "checkbox")]
    pub is_default: bool,
}

fn checkbox<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Bool(bool),
        Text(String),
    }
    Ok(match Raw::deserialize(d)? {
        Raw::Bool(b) => b,
        Raw::Text(t) => matches!(t.as_str(), "on" | "true" | "1" | "yes"),
    })
}

/// The region as typed; in a country whose regions decide delivery (the UAE's emirates,
/// Zambia's provinces), one of them by its listed name, or empty.
fn region(country: &str, typed: &str) -> Result<String, AppError> {
    let typed = field(typed, "region", "region", 0, 100)?;
    let listed = regions(country);
    if typed.is_empty() || listed.is_empty() {
        return Ok(typed);
    }
    match region_name(country, &typed) {
        Some(name) => Ok(name.to_owned()),
        None => {
            let what = if country == "AE" {
                "an emirate"
            } else {
                "a province"
            };
            let names: Vec<&str> = listed.iter().map(|(_, n)| *n).collect();
            Err(AppError::validation(
                "region",
                format!("choose {what}: {}", names.join(", ")),
            ))
        }
    }
}

fn field(
    value: &str,
    name: &'static str,
    label: &str,
    min: usize,
    max: usize,
) -> Result<String, AppError> {
    let value: String = value.split_whitespace().collect::<Vec<_>>().join(" ");
    let chars = value.chars().count();
    if chars < min {
        return Err(AppError::validation(name, format!("enter the {label}")));
    }
    if chars > max {
        return Err(AppError::validation(
            name,
            format!("the {label} can be at most {max} characters"),
        ));
    }
    if value.chars().any(|c| c.is_control()) {
        return Err(AppError::validation(
            name,
            format!("the {label} has characters we cannot print"),
        ));
    }
    Ok(value)
}

impl AddressInput {
    /// The address with whitespace tidied, or the first field a person must fix.
    pub fn validated(&self) -> Result<AddressInput, AppError> {
        let country = self.country.trim().to_ascii_uppercase();
        if country_name(&country).is_none() {
            return Err(AppError::validation(
                "country",
                "choose a country from the list",
            ));
        }
        let phone = field(&self.phone, "phone", "phone number", 0, 30)?;
        if !phone.is_empty() {
            let digits = phone.chars().filter(char::is_ascii_digit).count();
            let shape_ok = phone
                .chars()
                .enumerate()
                .all(|(i, c)| c.is_ascii_digit() || " -()".contains(c) || (c == '+' && i == 0));
            if !shape_ok || !(6..=15).contains(&digits) {
                return Err(AppError::validation(
                    "phone",
                    "enter a phone number of 6 to 15 digits, like +971 50 123 4567",
                ));
            }
        }
        let postal_code = field(&self.postal_code, "postal_code", "postal code", 0, 20)?;
        if !postal_code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '-')
        {
            return Err(AppError::validation(
                "postal_code",
                "a postal code has only letters, digits, spaces and hyphens",
            ));
        }
        Ok(AddressInput {
            name: field(&self.name, "name", "recipient's name", 1, 200)?,
            phone,
            line1: field(&self.line1, "line1", "street address", 1, 200)?,
            line2: field(&self.line2, "line2", "second address line", 0, 200)?,
            city: field(&self.city, "city", "city", 1, 100)?,
            region: region(&country, &self.region)?,
            postal_code: postal_code.to_ascii_uppercase(),
            country,
            is_default: self.is_default,
        })
    }
}

/// A saved address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    pub id: i64,
    #[serde(flatten)]
    pub fields: AddressInput,
}

impl Address {
    /// The address as lines to print, country last.
    pub fn lines(&self) -> Vec<String> {
        let f = &self.fields;
        let mut lines = vec![f.name.clone(), f.line1.clone()];
        if !f.line2.is_empty() {
            lines.push(f.line2.clone());
        }
        let place = [f.city.as_str(), f.region.as_str(), f.postal_code.as_str()]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(", ");
        lines.push(place);
        lines.push(country_name(&f.country).unwrap_or(&f.country).to_owned());
        if !f.phone.is_empty() {
            lines.push(f.phone.clone());
        }
        lines
    }
}

/// The account page's summary of the signed-in customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    pub email: String,
    pub name: String,
    pub email_verified: bool,
    /// `YYYY-MM-DD`.
    pub member_since: String,
}

/// One signed-in device, as the sessions page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionInfo {
    pub id: i64,
    /// `YYYY-MM-DD HH:MM` UTC.
    pub started: String,
    pub last_used: String,
    pub user_agent: String,
    pub ip: Option<String>,
    /// The session this request came with.
    pub current: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dubai() -> AddressInput {
        AddressInput {
            name: "  Amina   Al Hashimi ".into(),
            phone: "+971 50 123 4567".into(),
            line1: "Villa 12, Street 4".into(),
            line2: String::new(),
            city: "Dubai".into(),
            region: String::new(),
            postal_code: String::new(),
            country: "ae".into(),
            is_default: true,
        }
    }

    #[test]
    fn addresses_are_tidied_and_checked() {
        let ok = dubai().validated().expect("valid");
        assert_eq!(ok.name, "Amina Al Hashimi");
        assert_eq!(ok.country, "AE");

        type Break = fn(&mut AddressInput);
        let cases: [(&str, Break); 7] = [
            ("country", |a| a.country = "XX".into()),
            ("country", |a| a.country = String::new()),
            ("name", |a| a.name = "   ".into()),
            ("line1", |a| a.line1 = "x".repeat(201)),
            ("phone", |a| a.phone = "call me".into()),
            ("phone", |a| a.phone = "12+3456789".into()),
            ("postal_code", |a| a.postal_code = "<b>".into()),
        ];
        for (field_name, break_it) in cases {
            let mut a = dubai();
            break_it(&mut a);
            match a.validated() {
                Err(AppError::Validation { field, .. }) => assert_eq!(field, field_name),
                other => panic!("{field_name}: {other:?}"),
            }
        }
    }

    #[test]
    fn checkbox_values_from_forms() {
        let from = |v: serde_json::Value| {
            serde_json::from_value::<AddressInput>(serde_json::json!({
                "name": "a", "line1": "b", "city": "c", "country": "ZM", "is_default": v
            }))
            .expect("decodes")
            .is_default
        };
        assert!(from(serde_json::json!("on")));
        assert!(from(serde_json::json!(true)));
        assert!(!from(serde_json::json!("off")));
    }
}

/// What the admin home shows; each part only when the role allows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dashboard {
    pub email: String,
    pub role: String,
    /// Sales figures, for roles that read reports.
    pub report: Option<super::dashboard::SalesReport>,
    /// Orders waiting to be packed or shipped as (status, label, count), for roles that see
    /// orders.
    pub waiting: Option<Vec<(String, String, i64)>>,
    /// Variants running low, for roles that see the catalog.
    pub low_stock: Option<Vec<super::dashboard::LowStock>>,
}

/// The staff bar on every admin page: who is signed in, the sections their role may open
/// (the only links it is shown), and for those who see orders, how many wait to be packed or
/// shipped, with where the live feed that keeps the count starts.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AdminNav {
    pub email: String,
    pub role: String,
    /// (path, name)
    pub links: Vec<(String, String)>,
    /// (feed position, orders to pack or ship)
    pub orders: Option<(i64, i64)>,
}
