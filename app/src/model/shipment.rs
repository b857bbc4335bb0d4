//! How an order leaves the shop: the carrier, its tracking number and the link the shopper
//! follows, and for cash on delivery the cash the courier brings back. The rules here are the
//! ones the server applies; the admin's forms show the same list.

use crate::model::AppError;
use serde::{Deserialize, Serialize};

/// A carrier staff can choose: its form value, its name, and its tracking page (the number
/// goes at the end, URL-encoded).
pub struct Carrier {
    pub key: &'static str,
    pub name: &'static str,
    pub tracking_prefix: &'static str,
}

/// The carriers with a tracking page Duka knows. `own` (the shop's own courier) and `other`
/// (any other, with a link staff paste) are the two choices without one.
pub const CARRIERS: &[Carrier] = &[
    Carrier {
        key: "aramex",
        name: "Aramex",
        tracking_prefix: "https://www.aramex.com/track/results?ShipmentNumber=",
    },
    Carrier {
        key: "dhl",
        name: "DHL Express",
        tracking_prefix: "https://www.dhl.com/global-en/home/tracking.html?tracking-id=",
    },
    Carrier {
        key: "fedex",
        name: "FedEx",
        tracking_prefix: "https://www.fedex.com/fedextrack/?trknbr=",
    },
    Carrier {
        key: "ups",
        name: "UPS",
        tracking_prefix: "https://www.ups.com/track?tracknum=",
    },
];

/// The shop's own courier: no tracking page.
pub const OWN_COURIER: &str = "own";
/// Another carrier: its name and, if it has one, a tracking link typed by staff.
pub const OTHER_CARRIER: &str = "other";

/// What staff type when an order ships.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShipmentInput {
    /// A [`CARRIERS`] key, [`OWN_COURIER`] or [`OTHER_CARRIER`].
    pub carrier: String,
    /// For [`OTHER_CARRIER`]: its name.
    pub carrier_name: String,
    pub tracking_number: String,
    /// For [`OTHER_CARRIER`]: its tracking page for this parcel (https), if it has one.
    pub tracking_url: String,
}

/// A shipment as stored on the order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shipment {
    pub carrier: String,
    pub tracking_number: Option<String>,
    pub tracking_url: Option<String>,
}

impl ShipmentInput {
    /// The shipment to store, or the field to fix. A listed carrier's link is built from its
    /// tracking number, which it then needs.
    pub fn checked(&self) -> Result<Shipment, AppError> {
        let number = self.tracking_number.trim();
        if number.chars().count() > 100 || !number.chars().all(|c| c.is_ascii_graphic() || c == ' ')
        {
            return Err(AppError::validation(
                "tracking_number",
                "a tracking number is letters, digits and dashes, at most 100",
            ));
        }
        let number = (!number.is_empty()).then(|| number.to_owned());
        let key = self.carrier.trim();
        if let Some(c) = CARRIERS.iter().find(|c| c.key == key) {
            let Some(number) = number else {
                return Err(AppError::validation(
                    "tracking_number",
                    format!("{} gives every parcel a tracking number: enter it", c.name),
                ));
            };
            let url = format!("{}{}", c.tracking_prefix, encode(&number));
            return Ok(Shipment {
                carrier: c.name.to_owned(),
                tracking_number: Some(number),
                tracking_url: Some(url),
            });
        }
        match key {
            OWN_COURIER => Ok(Shipment {
                carrier: "Our own delivery".to_owned(),
                tracking_number: number,
                tracking_url: None,
            }),
            OTHER_CARRIER => {
                let name = self.carrier_name.trim();
                if name.is_empty()
                    || name.chars().count() > 60
                    || name.chars().any(char::is_control)
                {
                    return Err(AppError::validation(
                        "carrier_name",
                        "name the carrier (at most 60 characters)",
                    ));
                }
                let url = self.tracking_url.trim();
                let url = if url.is_empty() {
                    None
                } else if url.len() <= 500
                    && url.starts_with("https://")
                    && url.len() > "https://".len()
                    && !url.chars().any(|c| c.is_whitespace() || c.is_control())
                {
                    Some(url.to_owned())
                } else {
                    return Err(AppError::validation(
                        "tracking_url",
                        "a tracking link starts with https:// (at most 500 characters)",
                    ));
                };
                Ok(Shipment {
                    carrier: name.to_owned(),
                    tracking_number: number,
                    tracking_url: url,
                })
            }
            _ => Err(AppError::validation(
                "carrier",
                "choose a carrier from the list",
            )),
        }
    }
}

/// Percent-encodes everything but unreserved characters, for a query value.
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(carrier: &str, number: &str) -> ShipmentInput {
        ShipmentInput {
            carrier: carrier.into(),
            tracking_number: number.into(),
            ..ShipmentInput::default()
        }
    }

    #[test]
    fn a_listed_carrier_links_its_tracking_page() {
        let s = input("aramex", " 4455 667/8 ").checked().expect("valid");
        assert_eq!(s.carrier, "Aramex");
        assert_eq!(s.tracking_number.as_deref(), Some("4455 667/8"));
        assert_eq!(
            s.tracking_url.as_deref(),
            Some("https://www.aramex.com/track/results?ShipmentNumber=4455%20667%2F8")
        );
        assert!(input("dhl", "").checked().is_err(), "a number is needed");
    }

    #[test]
    fn own_and_other_couriers() {
        let own = input("own", "").checked().expect("valid");
        assert_eq!((own.tracking_number, own.tracking_url), (None, None));
        let mut other = input("other", "Z-1");
        assert!(other.checked().is_err(), "a name is needed");
        other.carrier_name = "Zampost".into();
        other.tracking_url = "http://example.com/z".into();
        assert!(other.checked().is_err(), "https only");
        other.tracking_url = "https://track.example.com/z?n=Z-1".into();
        let s = other.checked().expect("valid");
        assert_eq!(s.carrier, "Zampost");
        assert_eq!(
            s.tracking_url.as_deref(),
            Some("https://track.example.com/z?n=Z-1")
        );
        assert!(input("pigeon", "1").checked().is_err());
        assert!(input("ups", "1\u{7}").checked().is_err());
    }
}
