//! Order totals: pure functions of the lines, a discount, shipping and tax rates, in integer
//! minor units. The server computes every total from the catalog with these; nothing a
//! client sends about money is used.
//!
//! # Rounding rules
//! - A line's amount is unit price × quantity, exact.
//! - A discount is worked out on the subtotal as the store shows it (gross when prices include
//!   tax, net otherwise). A percentage is rounded half up to the minor unit; any discount is
//!   capped at the subtotal. It is shared across lines in proportion to their amounts by the
//!   largest-remainder method (ties go to the larger line, then the smaller key), so the
//!   shares add up exactly to the discount and do not depend on the order of the lines.
//! - Tax is worked out per line (after its share of the discount) and for shipping, each
//!   rounded half up:
//!   - prices without tax: `tax = round(net × rate)`;
//!   - prices with tax: `net = round(gross / (1 + rate))`, `tax = gross − net` (the tax part
//!     extracted, so a shown price is what the shopper pays).
//! - Grand total = subtotal − discount + shipping, plus the tax when prices exclude it.
//!
//! Converting prices without tax to prices with tax line by line (`gross = net + round(net ×
//! rate)`) gives back the same net and tax when extracted: the two modes agree exactly.

use super::{Currency, Money};
use serde::{Deserialize, Serialize};

/// Basis points: 500 is 5 % (UAE VAT), 1600 is 16 % (Zambia VAT).
pub type BasisPoints = u32;

/// Whether the store's prices include tax.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TaxMode {
    Inclusive,
    Exclusive,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineInput {
    /// A stable key (the variant id): ties in the discount share are broken by it.
    pub key: i64,
    /// Minor units, as the catalog stores it (with or without tax, per [`TaxMode`]).
    pub unit_price: i64,
    pub quantity: u32,
    pub tax_rate: BasisPoints,
    /// Whether the discount applies to this line (a coupon limited to some products or
    /// categories leaves the others at full price).
    pub discountable: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Discount {
    None,
    /// Basis points of the subtotal: 1000 is 10 %.
    Percent(BasisPoints),
    /// Minor units off the subtotal.
    Fixed(i64),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TotalsInput {
    pub currency: Currency,
    pub mode: TaxMode,
    pub lines: Vec<LineInput>,
    pub discount: Discount,
    /// Shipping as shown (with or without tax, per `mode`).
    pub shipping: i64,
    pub shipping_tax_rate: BasisPoints,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineTotal {
    pub key: i64,
    /// Unit price × quantity, as shown.
    pub amount: Money,
    /// This line's share of the discount.
    pub discount: Money,
    pub tax: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    pub lines: Vec<LineTotal>,
    pub subtotal: Money,
    pub discount: Money,
    pub shipping: Money,
    /// All tax: added on top (exclusive) or contained in the other amounts (inclusive).
    pub tax: Money,
    pub total: Money,
    pub mode: TaxMode,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TotalsError {
    #[error("a price, quantity or rate is out of range")]
    OutOfRange,
}

/// `round(numerator / denominator)`, halves away from zero, for non-negative values.
fn div_round(numerator: i128, denominator: i128) -> i128 {
    (2 * numerator + denominator) / (2 * denominator)
}

/// The tax in `amount` (inclusive) or on `amount` (exclusive), rounded half up.
pub fn tax_of(amount: i64, rate: BasisPoints, mode: TaxMode) -> i64 {
    let (amount, rate) = (i128::from(amount.max(0)), i128::from(rate));
    let tax = match mode {
        TaxMode::Exclusive => div_round(amount * rate, 10_000),
        TaxMode::Inclusive => amount - div_round(amount * 10_000, 10_000 + rate),
    };
    tax as i64
}

/// Every total of an order. Errors only on amounts beyond any real order (overflow).
pub fn compute(input: &TotalsInput) -> Result<Totals, TotalsError> {
    const MAX_RATE: BasisPoints = 10_000;
    let money = |minor: i64| Money::new(minor, input.currency);
    if input.shipping < 0
        || input.shipping_tax_rate > MAX_RATE
        || input
            .lines
            .iter()
            .any(|l| l.unit_price < 0 || l.tax_rate > MAX_RATE)
    {
        return Err(TotalsError::OutOfRange);
    }
    let amounts: Vec<i64> = input
        .lines
        .iter()
        .map(|l| l.unit_price.checked_mul(i64::from(l.quantity)))
        .collect::<Option<_>>()
        .ok_or(TotalsError::OutOfRange)?;
    let subtotal = amounts
        .iter()
        .try_fold(0i64, |sum, a| sum.checked_add(*a))
        .ok_or(TotalsError::OutOfRange)?;
    // The discount is taken from the discountable lines only, and shared among them.
    let eligible: Vec<i64> = amounts
        .iter()
        .zip(&input.lines)
        .map(|(a, l)| if l.discountable { *a } else { 0 })
        .collect();
    let base: i64 = eligible.iter().sum();
    let discount = match input.discount {
        Discount::None => 0,
        Discount::Percent(bp) => {
            div_round(i128::from(base) * i128::from(bp.min(10_000)), 10_000) as i64
        }
        Discount::Fixed(minor) => minor.max(0),
    }
    .min(base);
    let shares = share(discount, &eligible, &input.lines);
    let mut tax = tax_of(input.shipping, input.shipping_tax_rate, input.mode);
    let mut lines = Vec::with_capacity(input.lines.len());
    for ((line, amount), share) in input.lines.iter().zip(&amounts).zip(&shares) {
        let line_tax = tax_of(amount - share, line.tax_rate, input.mode);
        tax = tax.checked_add(line_tax).ok_or(TotalsError::OutOfRange)?;
        lines.push(LineTotal {
            key: line.key,
            amount: money(*amount),
            discount: money(*share),
            tax: money(line_tax),
        });
    }
    let mut total = (subtotal - discount)
        .checked_add(input.shipping)
        .ok_or(TotalsError::OutOfRange)?;
    if input.mode == TaxMode::Exclusive {
        total = total.checked_add(tax).ok_or(TotalsError::OutOfRange)?;
    }
    Ok(Totals {
        lines,
        subtotal: money(subtotal),
        discount: money(discount),
        shipping: money(input.shipping),
        tax: money(tax),
        total: money(total),
        mode: input.mode,
    })
}

/// Shares `discount` across lines in proportion to `amounts` (largest remainder; ties to the
/// larger amount, then the smaller key), independent of the lines' order.
fn share(discount: i64, amounts: &[i64], lines: &[LineInput]) -> Vec<i64> {
    let total: i128 = amounts.iter().map(|a| i128::from(*a)).sum();
    if discount == 0 || total == 0 {
        return vec![0; amounts.len()];
    }
    let exact: Vec<(i128, i128)> = amounts
        .iter()
        .map(|a| {
            let n = i128::from(*a) * i128::from(discount);
            (n / total, n % total)
        })
        .collect();
    let mut shares: Vec<i64> = exact.iter().map(|(q, _)| *q as i64).collect();
    let left = discount - shares.iter().sum::<i64>();
    let mut order: Vec<usize> = (0..amounts.len()).collect();
    order.sort_by(|&a, &b| {
        exact[b]
            .1
            .cmp(&exact[a].1)
            .then(amounts[b].cmp(&amounts[a]))
            .then(lines[a].key.cmp(&lines[b].key))
    });
    for &i in order.iter().take(left as usize) {
        shares[i] += 1;
    }
    shares
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(key: i64, unit_price: i64, quantity: u32, tax_rate: BasisPoints) -> LineInput {
        LineInput {
            key,
            unit_price,
            quantity,
            tax_rate,
            discountable: true,
        }
    }

    #[test]
    fn uae_prices_include_five_percent_vat() {
        // AED 105.00 incl. 5 % VAT: AED 5.00 of it is tax.
        let t = compute(&TotalsInput {
            currency: Currency::Aed,
            mode: TaxMode::Inclusive,
            lines: vec![line(1, 10_500, 2, 500)],
            discount: Discount::None,
            shipping: 1_500,
            shipping_tax_rate: 500,
        })
        .expect("totals");
        assert_eq!(t.subtotal.minor, 21_000);
        assert_eq!(t.tax.minor, 1_000 + 71); // 15.00 shipping holds 0.71 VAT
        assert_eq!(t.total.minor, 22_500);
    }

    #[test]
    fn zambian_prices_exclude_sixteen_percent_vat_with_a_coupon() {
        let t = compute(&TotalsInput {
            currency: Currency::Zmw,
            mode: TaxMode::Exclusive,
            lines: vec![line(1, 10_000, 1, 1_600), line(2, 5_000, 1, 0)],
            discount: Discount::Percent(1_000),
            shipping: 0,
            shipping_tax_rate: 1_600,
        })
        .expect("totals");
        assert_eq!(t.discount.minor, 1_500);
        assert_eq!(t.lines[0].discount.minor, 1_000);
        assert_eq!(t.lines[1].discount.minor, 500);
        assert_eq!(t.tax.minor, 1_440); // 16 % of 90.00
        assert_eq!(t.total.minor, 15_000 - 1_500 + 1_440);
    }

    #[test]
    fn a_fixed_discount_never_takes_the_total_below_shipping() {
        let t = compute(&TotalsInput {
            currency: Currency::Aed,
            mode: TaxMode::Inclusive,
            lines: vec![line(1, 1_000, 1, 500)],
            discount: Discount::Fixed(99_999),
            shipping: 700,
            shipping_tax_rate: 500,
        })
        .expect("totals");
        assert_eq!(t.discount.minor, 1_000);
        assert_eq!(t.total.minor, 700);
    }

    #[test]
    fn a_coupon_limited_to_some_lines_discounts_only_those() {
        let left_out = LineInput {
            discountable: false,
            ..line(2, 5_000, 2, 500)
        };
        let input = |discount| TotalsInput {
            currency: Currency::Aed,
            mode: TaxMode::Inclusive,
            lines: vec![line(1, 3_000, 1, 500), left_out.clone()],
            discount,
            shipping: 0,
            shipping_tax_rate: 500,
        };
        let t = compute(&input(Discount::Percent(5_000))).expect("totals");
        assert_eq!((t.discount.minor, t.lines[1].discount.minor), (1_500, 0));
        let t = compute(&input(Discount::Fixed(4_000))).expect("totals");
        assert_eq!(t.discount.minor, 3_000, "no more than the lines it covers");
        assert_eq!(t.total.minor, 10_000);
    }

    #[test]
    fn out_of_range_input_is_an_error_not_a_panic() {
        let input = TotalsInput {
            currency: Currency::Usd,
            mode: TaxMode::Exclusive,
            lines: vec![line(1, i64::MAX, u32::MAX, 500)],
            discount: Discount::None,
            shipping: 0,
            shipping_tax_rate: 0,
        };
        assert_eq!(compute(&input), Err(TotalsError::OutOfRange));
        let negative = TotalsInput {
            lines: vec![line(1, -5, 1, 0)],
            ..input
        };
        assert_eq!(compute(&negative), Err(TotalsError::OutOfRange));
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        fn lines() -> impl Strategy<Value = Vec<LineInput>> {
            prop::collection::vec(
                (
                    0i64..50,
                    0i64..5_000_000,
                    1u32..100,
                    prop::sample::select(vec![0u32, 500, 1_600, 2_000]),
                    prop::bool::weighted(0.8),
                ),
                0..8,
            )
            .prop_map(|v| {
                v.into_iter()
                    .map(
                        |(key, unit_price, quantity, tax_rate, discountable)| LineInput {
                            key,
                            unit_price,
                            quantity,
                            tax_rate,
                            discountable,
                        },
                    )
                    .collect()
            })
        }

        fn discount() -> impl Strategy<Value = Discount> {
            prop_oneof![
                Just(Discount::None),
                (0u32..=10_000).prop_map(Discount::Percent),
                (0i64..100_000_000).prop_map(Discount::Fixed),
            ]
        }

        fn input() -> impl Strategy<Value = TotalsInput> {
            (lines(), discount(), 0i64..1_000_000, prop::bool::ANY).prop_map(
                |(lines, discount, shipping, inclusive)| TotalsInput {
                    currency: Currency::Aed,
                    mode: if inclusive {
                        TaxMode::Inclusive
                    } else {
                        TaxMode::Exclusive
                    },
                    lines,
                    discount,
                    shipping,
                    shipping_tax_rate: 500,
                },
            )
        }

        proptest! {
            #[test]
            fn totals_are_never_negative_and_add_up(input in input()) {
                let t = compute(&input).expect("in range");
                for m in [t.subtotal, t.discount, t.shipping, t.tax, t.total] {
                    prop_assert!(m.minor >= 0, "{t:?}");
                }
                prop_assert!(t.discount.minor <= t.subtotal.minor);
                prop_assert_eq!(t.lines.iter().map(|l| l.discount.minor).sum::<i64>(), t.discount.minor);
                for (l, input) in t.lines.iter().zip(&input.lines) {
                    prop_assert!(l.discount.minor <= l.amount.minor && l.tax.minor >= 0);
                    prop_assert!(input.discountable || l.discount.minor == 0, "a line the coupon leaves out keeps its price");
                }
                let before_tax = t.subtotal.minor - t.discount.minor + t.shipping.minor;
                let expected = match t.mode {
                    TaxMode::Exclusive => before_tax + t.tax.minor,
                    TaxMode::Inclusive => before_tax,
                };
                prop_assert_eq!(t.total.minor, expected);
            }

            #[test]
            fn the_order_of_lines_does_not_matter(input in input(), seed in any::<u64>()) {
                let mut shuffled = input.clone();
                // A deterministic shuffle from the seed.
                let n = shuffled.lines.len();
                let mut s = seed;
                for i in (1..n).rev() {
                    s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                    shuffled.lines.swap(i, (s >> 33) as usize % (i + 1));
                }
                let (a, b) = (compute(&input).expect("totals"), compute(&shuffled).expect("totals"));
                prop_assert_eq!((a.subtotal, a.discount, a.tax, a.total), (b.subtotal, b.discount, b.tax, b.total));
                let mut la = a.lines.clone();
                let mut lb = b.lines.clone();
                let key = |l: &LineTotal| (l.key, l.amount.minor, l.discount.minor, l.tax.minor);
                la.sort_by_key(key);
                lb.sort_by_key(key);
                prop_assert_eq!(la, lb);
            }

            #[test]
            fn prices_with_and_without_tax_agree(lines in lines(), shipping in 0i64..1_000_000) {
                // The same goods priced without tax, then with it (line by line, as a store
                // converting its catalogue would): same tax, same total.
                let exclusive = TotalsInput {
                    currency: Currency::Zmw,
                    mode: TaxMode::Exclusive,
                    lines: lines.iter().map(|l| LineInput { quantity: 1, unit_price: l.unit_price * i64::from(l.quantity), ..l.clone() }).collect(),
                    discount: Discount::None,
                    shipping,
                    shipping_tax_rate: 1_600,
                };
                let inclusive = TotalsInput {
                    mode: TaxMode::Inclusive,
                    lines: exclusive.lines.iter().map(|l| LineInput {
                        unit_price: l.unit_price + tax_of(l.unit_price, l.tax_rate, TaxMode::Exclusive),
                        ..l.clone()
                    }).collect(),
                    shipping: shipping + tax_of(shipping, 1_600, TaxMode::Exclusive),
                    ..exclusive.clone()
                };
                let (ex, inc) = (compute(&exclusive).expect("totals"), compute(&inclusive).expect("totals"));
                prop_assert_eq!(ex.tax, inc.tax);
                prop_assert_eq!(ex.total, inc.total);
            }
        }
    }
}
