//! A product's options (Size, Colour...) and the variant matrix they make: one variant per
//! combination of their values. The editor's island and the server check options by the same
//! rules here.

use serde::{Deserialize, Serialize};

/// At most this many options on a product.
pub const MAX_OPTIONS: usize = 3;
/// At most this many variants (combinations) on a product.
pub const MAX_VARIANTS: usize = 100;
/// An option's name or value: at most this many characters (the database's check).
pub const MAX_LABEL: usize = 60;

/// One option as the editor sends it: `options[0][name]=Size`, `options[0][values]=S, M, L`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct OptionRow {
    pub name: String,
    /// Its values, separated by commas.
    pub values: String,
}

/// One option with its values, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OptionSpec {
    pub name: String,
    pub values: Vec<String>,
}

impl OptionRow {
    /// `None` for a row left blank (how the editor offers one more option).
    pub fn spec(&self) -> Option<OptionSpec> {
        let name = self.name.trim();
        let values: Vec<String> = self
            .values
            .split(',')
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
            .collect();
        (!name.is_empty() || !values.is_empty()).then(|| OptionSpec {
            name: name.to_owned(),
            values,
        })
    }
}

/// The options' rules: `(field, message)` for the first problem, the field being
/// `options[i]`. Names are unique whatever their case, values within their option too.
pub fn options_error(options: &[OptionSpec]) -> Option<(String, String)> {
    if options.len() > MAX_OPTIONS {
        return Some(("options".into(), format!("at most {MAX_OPTIONS} options")));
    }
    for (i, option) in options.iter().enumerate() {
        let field = format!("options[{i}]");
        let name = option.name.trim();
        if name.is_empty() {
            return Some((field, "give the option a name, such as Size".into()));
        }
        if name.chars().count() > MAX_LABEL {
            return Some((field, format!("a name of at most {MAX_LABEL} characters")));
        }
        if options[..i]
            .iter()
            .any(|o| o.name.trim().to_lowercase() == name.to_lowercase())
        {
            return Some((field, format!("there is already an option called {name}")));
        }
        if option.values.is_empty() {
            return Some((field, format!("give {name} at least one value")));
        }
        for (j, value) in option.values.iter().enumerate() {
            if value.trim().is_empty() || value.chars().count() > MAX_LABEL {
                return Some((
                    field,
                    format!("each value of {name} has 1 to {MAX_LABEL} characters"),
                ));
            }
            if option.values[..j]
                .iter()
                .any(|v| v.to_lowercase() == value.to_lowercase())
            {
                return Some((field, format!("{name} lists {value} twice")));
            }
        }
    }
    let count = options.iter().map(|o| o.values.len()).product::<usize>();
    if count > MAX_VARIANTS {
        return Some((
            "options".into(),
            format!("these make {count} variants; a product has at most {MAX_VARIANTS}"),
        ));
    }
    None
}

/// Every combination of the options' values, the first option changing slowest; one empty
/// combination when there are no options.
pub fn matrix(options: &[OptionSpec]) -> Vec<Vec<String>> {
    options.iter().fold(vec![Vec::new()], |combos, option| {
        combos
            .iter()
            .flat_map(|combo| {
                option.values.iter().map(move |value| {
                    let mut next = combo.clone();
                    next.push(value.clone());
                    next
                })
            })
            .collect()
    })
}

/// A combination's identity as `variants.option_key` stores it: its value ids, ascending,
/// joined by dots.
pub fn option_key(value_ids: &[i64]) -> String {
    let mut sorted = value_ids.to_vec();
    sorted.sort_unstable();
    sorted
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(".")
}

/// A new variant's SKU: the product's first SKU and the values, as SKU characters
/// (`LINEN-SHIRT` + `Large`, `Sky blue` → `LINEN-SHIRT-LARGE-SKY-BLUE`), at most 64.
pub fn variant_sku(base: &str, values: &[String]) -> String {
    let mut sku = base.to_owned();
    for value in values {
        let part: String = value
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_uppercase()
                } else {
                    '-'
                }
            })
            .collect();
        let part = part
            .split('-')
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join("-");
        if !part.is_empty() {
            sku.push('-');
            sku.push_str(&part);
        }
    }
    sku.truncate(super::limits::SKU);
    sku.trim_end_matches(['-', '.', '_']).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(name: &str, values: &[&str]) -> OptionSpec {
        OptionSpec {
            name: name.into(),
            values: values.iter().map(|v| v.to_string()).collect(),
        }
    }

    #[test]
    fn the_matrix_has_every_combination_once() {
        let options = [
            spec("Size", &["S", "M"]),
            spec("Colour", &["Red", "Blue", "Sand"]),
        ];
        let combos = matrix(&options);
        assert_eq!(combos.len(), 6);
        assert_eq!(combos[0], ["S", "Red"]);
        assert_eq!(combos[1], ["S", "Blue"]);
        assert_eq!(combos[5], ["M", "Sand"]);
        let mut unique = combos.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 6);
        assert_eq!(matrix(&[]), vec![Vec::<String>::new()]);
        assert_eq!(option_key(&[12, 3, 40]), "3.12.40");
        assert_eq!(option_key(&[]), "");
    }

    #[test]
    fn rows_become_options_and_blank_rows_vanish() {
        let row = OptionRow {
            name: " Size ".into(),
            values: "S, M,, L ,".into(),
        };
        assert_eq!(row.spec(), Some(spec("Size", &["S", "M", "L"])));
        assert_eq!(OptionRow::default().spec(), None);
    }

    #[test]
    fn options_are_checked() {
        assert_eq!(options_error(&[spec("Size", &["S", "M"])]), None);
        let field = |o: &[OptionSpec]| options_error(o).map(|e| e.0);
        assert_eq!(field(&[spec("", &["S"])]).as_deref(), Some("options[0]"));
        assert_eq!(
            field(&[spec("Size", &["S"]), spec("size", &["M"])]).as_deref(),
            Some("options[1]")
        );
        assert!(options_error(&[spec("Size", &["S", "s"])]).is_some());
        assert!(options_error(&[spec("Size", &[])]).is_some());
        let many: Vec<String> = (0..11).map(|i| i.to_string()).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        assert_eq!(
            field(&[spec("A", &many), spec("B", &many)]).as_deref(),
            Some("options")
        );
        let four: Vec<OptionSpec> = ["A", "B", "C", "D"].map(|n| spec(n, &["x"])).into();
        assert_eq!(field(&four).as_deref(), Some("options"));
    }

    #[test]
    fn generated_skus_are_valid_skus() {
        let values = ["Large".to_string(), "Sky blue / 2".to_string()];
        assert_eq!(variant_sku("SHIRT", &values), "SHIRT-LARGE-SKY-BLUE-2");
        assert_eq!(variant_sku("SHIRT", &["أحمر".to_string()]), "SHIRT");
        let long = variant_sku(&"A".repeat(60), &values);
        assert!(long.len() <= 64 && !long.ends_with('-'));
        for sku in [long, variant_sku("X", &values)] {
            assert_eq!(super::super::variant_error(&sku, 0, None, 0, ""), None);
        }
    }
}
