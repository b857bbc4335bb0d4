//! Money as integer minor units with a currency. Never floating point.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Currencies the store can price in. Each knows its ISO 4217 code and minor-unit exponent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Currency {
    /// UAE dirham: 100 fils.
    Aed,
    /// Zambian kwacha: 100 ngwee.
    Zmw,
    /// US dollar: 100 cents.
    Usd,
}

impl Currency {
    pub const ALL: [Currency; 3] = [Currency::Aed, Currency::Zmw, Currency::Usd];

    /// The ISO 4217 code, as stored in the database.
    pub const fn code(self) -> &'static str {
        match self {
            Currency::Aed => "AED",
            Currency::Zmw => "ZMW",
            Currency::Usd => "USD",
        }
    }

    /// How prices read in the store's English locale: a symbol before the amount (`$`, `K`),
    /// or the code and a space (`AED `), as shoppers in each market expect.
    pub const fn prefix(self) -> &'static str {
        match self {
            Currency::Aed => "AED ",
            Currency::Zmw => "K",
            Currency::Usd => "$",
        }
    }

    /// Digits after the decimal point (ISO 4217 minor unit).
    pub const fn exponent(self) -> u32 {
        match self {
            Currency::Aed | Currency::Zmw | Currency::Usd => 2,
        }
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Currency {
    type Err = MoneyError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Currency::ALL
            .into_iter()
            .find(|c| c.code().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| MoneyError::UnknownCurrency(s.to_owned()))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("unknown currency {0:?}; supported: AED, ZMW, USD")]
    UnknownCurrency(String),
    #[error("cannot combine {0} with {1}")]
    CurrencyMismatch(Currency, Currency),
    #[error("amount out of range")]
    Overflow,
    #[error("{0:?} is not an amount")]
    Invalid(String),
}

/// An amount of money: integer minor units (fils, ngwee, cents) and a currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    pub minor: i64,
    pub currency: Currency,
}

impl Money {
    pub const fn new(minor: i64, currency: Currency) -> Self {
        Self { minor, currency }
    }

    pub const fn zero(currency: Currency) -> Self {
        Self { minor: 0, currency }
    }

    /// Adds two amounts of the same currency; errors on a currency mismatch or overflow.
    pub fn checked_add(self, other: Money) -> Result<Money, MoneyError> {
        if self.currency != other.currency {
            return Err(MoneyError::CurrencyMismatch(self.currency, other.currency));
        }
        self.minor
            .checked_add(other.minor)
            .map(|minor| Money::new(minor, self.currency))
            .ok_or(MoneyError::Overflow)
    }

    /// Multiplies by a quantity; errors on overflow.
    pub fn checked_mul(self, quantity: i64) -> Result<Money, MoneyError> {
        self.minor
            .checked_mul(quantity)
            .map(|minor| Money::new(minor, self.currency))
            .ok_or(MoneyError::Overflow)
    }

    /// Parses a non-negative decimal amount in major units (`"49"`, `"49.5"`, `"1,049.50"`)
    /// into minor units, exactly: no floating point. More decimals than the currency has,
    /// signs, and anything past 10^15 major units are refused.
    pub fn parse_decimal(text: &str, currency: Currency) -> Result<Money, MoneyError> {
        let text: String = text.trim().chars().filter(|c| *c != ',').collect();
        let invalid = || MoneyError::Invalid(text.clone());
        let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
        let exp = currency.exponent() as usize;
        if int.is_empty() && frac.is_empty()
            || !int.bytes().all(|b| b.is_ascii_digit())
            || !frac.bytes().all(|b| b.is_ascii_digit())
            || frac.len() > exp
            || int.len() > 15
        {
            return Err(invalid());
        }
        let int: i64 = if int.is_empty() {
            0
        } else {
            int.parse().map_err(|_| invalid())?
        };
        let mut frac_minor: i64 = if frac.is_empty() {
            0
        } else {
            frac.parse().map_err(|_| invalid())?
        };
        for _ in frac.len()..exp {
            frac_minor *= 10;
        }
        int.checked_mul(10i64.pow(exp as u32))
            .and_then(|m| m.checked_add(frac_minor))
            .map(|minor| Money::new(minor, currency))
            .ok_or(MoneyError::Overflow)
    }

    /// The amount as a plain decimal string without currency, e.g. `1234.50` or `-0.05`.
    pub fn decimal(&self) -> String {
        let exp = self.currency.exponent();
        let scale = 10u64.pow(exp);
        let abs = self.minor.unsigned_abs();
        let sign = if self.minor < 0 { "-" } else { "" };
        if exp == 0 {
            format!("{sign}{abs}")
        } else {
            format!(
                "{sign}{}.{:0width$}",
                abs / scale,
                abs % scale,
                width = exp as usize
            )
        }
    }
}

impl fmt::Display for Money {
    /// `AED 1,234.50`, `K1,234.50`, `$1,234.50`: the currency's prefix, then the amount with
    /// thousands separators; a minus sign goes first (`-$5.00`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let decimal = self.decimal();
        let (sign, unsigned) = match decimal.strip_prefix('-') {
            Some(rest) => ("-", rest),
            None => ("", decimal.as_str()),
        };
        let (int, frac) = unsigned.split_once('.').unwrap_or((unsigned, ""));
        let mut grouped = String::with_capacity(int.len() + int.len() / 3);
        for (i, ch) in int.chars().enumerate() {
            if i > 0 && (int.len() - i) % 3 == 0 {
                grouped.push(',');
            }
            grouped.push(ch);
        }
        write!(f, "{sign}{}{grouped}", self.currency.prefix())?;
        if !frac.is_empty() {
            write!(f, ".{frac}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_minor_units_without_floats() {
        assert_eq!(Money::new(0, Currency::Aed).to_string(), "AED 0.00");
        assert_eq!(Money::new(5, Currency::Zmw).to_string(), "K0.05");
        assert_eq!(
            Money::new(123_450, Currency::Aed).to_string(),
            "AED 1,234.50"
        );
        assert_eq!(
            Money::new(-100_000_001, Currency::Usd).to_string(),
            "-$1,000,000.01"
        );
        assert_eq!(Money::new(-500, Currency::Aed).to_string(), "-AED 5.00");
        assert_eq!(Money::new(99_999, Currency::Zmw).to_string(), "K999.99");
        assert_eq!(
            Money::new(i64::MIN, Currency::Usd).decimal(),
            "-92233720368547758.08"
        );
    }

    #[test]
    fn arithmetic_is_checked() {
        let a = Money::new(i64::MAX, Currency::Aed);
        assert_eq!(
            a.checked_add(Money::new(1, Currency::Aed)),
            Err(MoneyError::Overflow)
        );
        assert_eq!(
            Money::new(1, Currency::Aed).checked_add(Money::new(1, Currency::Usd)),
            Err(MoneyError::CurrencyMismatch(Currency::Aed, Currency::Usd))
        );
        assert_eq!(
            Money::new(250, Currency::Zmw).checked_mul(3),
            Ok(Money::new(750, Currency::Zmw))
        );
        assert_eq!(a.checked_mul(2), Err(MoneyError::Overflow));
    }

    #[test]
    fn parses_decimal_amounts_exactly() {
        let aed = |s| Money::parse_decimal(s, Currency::Aed).map(|m| m.minor);
        assert_eq!(aed("49"), Ok(4_900));
        assert_eq!(aed("49.5"), Ok(4_950));
        assert_eq!(aed("0.05"), Ok(5));
        assert_eq!(aed("1,049.50"), Ok(104_950));
        assert_eq!(aed(".5"), Ok(50));
        for bad in [
            "",
            ".",
            "-1",
            "1.234",
            "1e3",
            "abc",
            "1.2.3",
            "9999999999999999",
        ] {
            assert!(aed(bad).is_err(), "{bad:?}");
        }
        // Every amount formats and parses back to itself.
        for minor in [0, 1, 99, 100, 123_456, 999_999_999] {
            let m = Money::new(minor, Currency::Zmw);
            assert_eq!(Money::parse_decimal(&m.decimal(), Currency::Zmw), Ok(m));
        }
    }

    #[test]
    fn parses_currency_codes() {
        assert_eq!("aed".parse::<Currency>(), Ok(Currency::Aed));
        assert_eq!(" ZMW ".parse::<Currency>(), Ok(Currency::Zmw));
        assert!("EUR".parse::<Currency>().is_err());
    }
}
