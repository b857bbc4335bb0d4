//! The shop's own settings as the admin edits them (`/admin/settings`): its name and contact
//! details, tax registration, currency, whether prices include tax, how long an unpaid order
//! waits and when stock counts as low.

use super::{AppError, Currency};
use serde::{Deserialize, Serialize};

/// The shop's settings as saved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShopSettings {
    pub name: String,
    pub email: String,
    pub phone: String,
    pub address: String,
    pub tax_number: String,
    /// The logo's media key, if there is one.
    pub logo_key: Option<String>,
    pub logo_size: Option<(u32, u32)>,
    pub currency: Currency,
    pub prices_include_tax: bool,
    pub unpaid_order_minutes: u32,
    pub low_stock_threshold: u32,
    pub version: i32,
}

impl ShopSettings {
    /// How long a card order may stay unpaid before the sweeper cancels it.
    pub fn unpaid_order_ttl(&self) -> std::time::Duration {
        std::time::Duration::from_secs(u64::from(self.unpaid_order_minutes) * 60)
    }

    /// The form filled with these settings.
    pub fn form(&self) -> ShopForm {
        ShopForm {
            version: self.version,
            name: self.name.clone(),
            email: self.email.clone(),
            phone: self.phone.clone(),
            address: self.address.clone(),
            tax_number: self.tax_number.clone(),
            currency: self.currency.code().to_owned(),
            prices_include_tax: if self.prices_include_tax { "on" } else { "" }.to_owned(),
            unpaid_order_minutes: self.unpaid_order_minutes.to_string(),
            low_stock_threshold: self.low_stock_threshold.to_string(),
        }
    }
}

/// The settings form as a plain form posts it (`shop[name]`...): text as typed.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ShopForm {
    /// The version the form was opened at; a save over a newer one is refused.
    pub version: i32,
    pub name: String,
    pub email: String,
    pub phone: String,
    pub address: String,
    pub tax_number: String,
    pub currency: String,
    /// A checkbox: "on" when ticked.
    pub prices_include_tax: String,
    pub unpaid_order_minutes: String,
    pub low_stock_threshold: String,
}

/// The settings checked (everything but the logo, which has its own upload).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShopInput {
    pub name: String,
    pub email: String,
    pub phone: String,
    pub address: String,
    pub tax_number: String,
    pub currency: Currency,
    pub prices_include_tax: bool,
    pub unpaid_order_minutes: u32,
    pub low_stock_threshold: u32,
}

/// What the settings page shows: the form as saved, who saved it, and whether the currency
/// may still change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShopEditor {
    pub settings: ShopSettings,
    /// Who last saved and when, in shop time.
    pub updated: Option<(String, String)>,
    /// Why the currency cannot change any more (the shop has prices or orders in it).
    pub currency_locked: Option<String>,
}

fn text(value: &str, field: &str, label: &str, max: usize) -> Result<String, AppError> {
    let value = value.trim();
    if value.chars().count() > max {
        return Err(AppError::validation(
            field,
            format!("the {label} can be at most {max} characters"),
        ));
    }
    if value
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r')
    {
        return Err(AppError::validation(
            field,
            format!("the {label} has characters that cannot be printed"),
        ));
    }
    Ok(value.replace("\r\n", "\n"))
}

fn whole(
    value: &str,
    field: &str,
    range: std::ops::RangeInclusive<u32>,
    what: &str,
) -> Result<u32, AppError> {
    value
        .trim()
        .parse::<u32>()
        .ok()
        .filter(|n| range.contains(n))
        .ok_or_else(|| {
            AppError::validation(
                field,
                format!(
                    "{what} is a whole number from {} to {}",
                    range.start(),
                    range.end()
                ),
            )
        })
}

impl ShopForm {
    /// The form checked: each problem names its field.
    pub fn parse(&self) -> Result<ShopInput, AppError> {
        let name = text(&self.name, "name", "shop's name", 120)?;
        if name.is_empty() || name.contains('\n') {
            return Err(AppError::validation(
                "name",
                "enter the shop's name, on one line",
            ));
        }
        let email = text(&self.email, "email", "email address", 254)?.to_lowercase();
        let email_ok = email.is_empty()
            || email.split_once('@').is_some_and(|(user, host)| {
                !user.is_empty() && host.contains('.') && !email.contains(char::is_whitespace)
            });
        if !email_ok {
            return Err(AppError::validation(
                "email",
                "enter an email address like hello@shop.example, or leave it empty",
            ));
        }
        let phone = text(&self.phone, "phone", "phone number", 40)?;
        let digits = phone.chars().filter(char::is_ascii_digit).count();
        if !phone.is_empty()
            && (!(6..=15).contains(&digits)
                || !phone
                    .chars()
                    .all(|c| c.is_ascii_digit() || " +-()".contains(c)))
        {
            return Err(AppError::validation(
                "phone",
                "enter a phone number of 6 to 15 digits, like +971 4 123 4567",
            ));
        }
        let address = text(&self.address, "address", "address", 300)?;
        let tax_number = text(
            &self.tax_number,
            "tax_number",
            "tax registration number",
            40,
        )?;
        if tax_number.contains('\n') {
            return Err(AppError::validation(
                "tax_number",
                "the tax registration number is one line",
            ));
        }
        let currency: Currency = self
            .currency
            .parse()
            .map_err(|_| AppError::validation("currency", "choose a currency from the list"))?;
        Ok(ShopInput {
            name,
            email,
            phone,
            address,
            tax_number,
            currency,
            prices_include_tax: !self.prices_include_tax.is_empty(),
            unpaid_order_minutes: whole(
                &self.unpaid_order_minutes,
                "unpaid_order_minutes",
                5..=10_080,
                "the minutes an unpaid order waits",
            )?,
            low_stock_threshold: whole(
                &self.low_stock_threshold,
                "low_stock_threshold",
                0..=100_000,
                "the low-stock level",
            )?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> ShopForm {
        ShopForm {
            version: 3,
            name: " Souk Al Duka ".into(),
            email: "Hello@Shop.example".into(),
            phone: "+971 4 123 4567".into(),
            address: "Unit 4, Al Quoz\r\nDubai".into(),
            tax_number: "100234567800003".into(),
            currency: "AED".into(),
            prices_include_tax: "on".into(),
            unpaid_order_minutes: "45".into(),
            low_stock_threshold: "3".into(),
        }
    }

    #[test]
    fn a_good_form_is_cleaned() {
        let input = form().parse().unwrap();
        assert_eq!(input.name, "Souk Al Duka");
        assert_eq!(input.email, "hello@shop.example");
        assert_eq!(input.address, "Unit 4, Al Quoz\nDubai");
        assert_eq!(input.currency, Currency::Aed);
        assert!(input.prices_include_tax);
        assert_eq!(
            (input.unpaid_order_minutes, input.low_stock_threshold),
            (45, 3)
        );
        let unticked = ShopForm {
            prices_include_tax: String::new(),
            ..form()
        };
        assert!(!unticked.parse().unwrap().prices_include_tax);
    }

    #[test]
    fn each_problem_names_its_field() {
        let field_of = |f: ShopForm| match f.parse() {
            Err(AppError::Validation { field, .. }) => field,
            other => panic!("expected a refusal, got {other:?}"),
        };
        assert_eq!(
            field_of(ShopForm {
                name: "  ".into(),
                ..form()
            }),
            "name"
        );
        assert_eq!(
            field_of(ShopForm {
                email: "nobody".into(),
                ..form()
            }),
            "email"
        );
        assert_eq!(
            field_of(ShopForm {
                phone: "12".into(),
                ..form()
            }),
            "phone"
        );
        assert_eq!(
            field_of(ShopForm {
                currency: "EUR".into(),
                ..form()
            }),
            "currency"
        );
        assert_eq!(
            field_of(ShopForm {
                tax_number: "x".repeat(41),
                ..form()
            }),
            "tax_number"
        );
        assert_eq!(
            field_of(ShopForm {
                unpaid_order_minutes: "4".into(),
                ..form()
            }),
            "unpaid_order_minutes"
        );
        assert_eq!(
            field_of(ShopForm {
                low_stock_threshold: "-1".into(),
                ..form()
            }),
            "low_stock_threshold"
        );
    }
}
