//! The delivery forms' rules.

use super::*;

fn field_of(e: AppError) -> String {
    match e {
        AppError::Validation { field, .. } => field,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn zones_name_countries_and_regions() {
    let form = ZoneForm {
        version: 0,
        name: " Northern  Emirates ".into(),
        areas: "AE: sharjah, AE-AJ\nOman\n\nzm: lusaka".into(),
    };
    let zone = form.parse().unwrap();
    assert_eq!(zone.name, "Northern Emirates");
    let areas: Vec<(&str, &str)> = zone
        .areas
        .iter()
        .map(|(c, r)| (c.as_str(), r.as_str()))
        .collect();
    assert_eq!(
        areas,
        [
            ("AE", "Ajman"),
            ("AE", "Sharjah"),
            ("OM", ""),
            ("ZM", "Lusaka")
        ]
    );
    assert_eq!(
        areas_form(&zone.areas),
        "AE: Ajman, Sharjah\nOM\nZM: Lusaka"
    );
    assert_eq!(area_text(&zone.areas[0]), "Ajman, United Arab Emirates");
    let again = ZoneForm {
        areas: areas_form(&zone.areas),
        ..form.clone()
    };
    assert_eq!(again.parse().unwrap(), zone);
}

#[test]
fn zone_problems_are_explained() {
    let bad = |areas: &str| {
        let form = ZoneForm {
            name: "Z".into(),
            areas: areas.into(),
            ..Default::default()
        };
        field_of(form.parse().unwrap_err())
    };
    assert_eq!(bad(""), "areas");
    assert_eq!(bad("Atlantis"), "areas");
    assert_eq!(bad("AE: Lusaka"), "areas");
    assert_eq!(bad("OM: Muscat"), "areas");
    assert_eq!(bad("AE\nAE"), "areas");
    assert_eq!(bad("AE\nAE: Dubai"), "areas");
}

#[test]
fn rates_are_flat_or_by_weight() {
    let flat = RateForm {
        name: "Standard".into(),
        price: "15".into(),
        free_above: "200.00".into(),
        cash_on_delivery: "on".into(),
        cod_fee: "10".into(),
        active: "on".into(),
        ..Default::default()
    };
    let r = flat.parse(Currency::Aed).unwrap();
    assert_eq!(
        (r.price_minor, r.free_above_minor, r.cod_fee_minor),
        (1500, Some(20000), 1000)
    );
    assert!(r.bands.is_empty() && r.active && r.cash_on_delivery);
    assert_eq!(
        describe_rate(&r, Currency::Aed),
        "Standard: AED 15.00, free from AED 200.00, cash on delivery (fee AED 10.00)"
    );
    let banded = RateForm {
        bands: "5 kg: 40\nup to 0.5 kg = 12.50\n2: 20".into(),
        ..flat.clone()
    };
    let r = banded.parse(Currency::Aed).unwrap();
    assert_eq!(r.bands, [(500, 1250), (2000, 2000), (5000, 4000)]);
    assert_eq!(r.price_minor, 1250);
    assert_eq!(kg_text(500), "0.5");
    assert_eq!(kg_text(2000), "2");
    assert_eq!(kg_text(1250), "1.25");
}

#[test]
fn rate_problems_are_explained() {
    let base = RateForm {
        name: "S".into(),
        price: "5".into(),
        ..Default::default()
    };
    let bad = |f: RateForm| field_of(f.parse(Currency::Zmw).unwrap_err());
    assert_eq!(
        bad(RateForm {
            name: "".into(),
            ..base.clone()
        }),
        "name"
    );
    assert_eq!(
        bad(RateForm {
            price: "".into(),
            ..base.clone()
        }),
        "price"
    );
    assert_eq!(
        bad(RateForm {
            price: "-3".into(),
            ..base.clone()
        }),
        "price"
    );
    assert_eq!(
        bad(RateForm {
            bands: "heavy: 3".into(),
            ..base.clone()
        }),
        "bands"
    );
    assert_eq!(
        bad(RateForm {
            bands: "1: 3\n1.0: 4".into(),
            ..base.clone()
        }),
        "bands"
    );
    assert_eq!(
        bad(RateForm {
            cod_fee: "2".into(),
            ..base.clone()
        }),
        "cod_fee"
    );
    assert_eq!(
        bad(RateForm {
            position: "x".into(),
            ..base
        }),
        "position"
    );
}

#[test]
fn tax_rates_are_percentages() {
    let form = |c: &str, r: &str| TaxForm {
        version: 0,
        country: c.into(),
        rate: r.into(),
    };
    assert_eq!(form("ae", "5").parse().unwrap(), ("AE".into(), 500));
    assert_eq!(form("Zambia", "16").parse().unwrap(), ("ZM".into(), 1600));
    assert_eq!(form("OM", "7.5").parse().unwrap(), ("OM".into(), 750));
    assert_eq!(field_of(form("XX", "5").parse().unwrap_err()), "country");
    assert_eq!(field_of(form("AE", "101").parse().unwrap_err()), "rate");
}
