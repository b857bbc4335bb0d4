//! A product listing's query (sort, filters, page) as it travels in a URL, and its result.
//! Parsing is lenient: a bad or out-of-range value is dropped or clamped, never an error, so
//! any URL a person or crawler makes still shows a sensible page.

use super::{CategoryLink, Currency, Money, ProductSummary};
use serde::{Deserialize, Serialize};

pub const DEFAULT_PER_PAGE: u32 = 24;
pub const MAX_PER_PAGE: u32 = 96;
/// Attribute filters honoured per query; more are ignored.
pub const MAX_ATTRIBUTE_FILTERS: usize = 8;
/// Prefix of attribute filter parameters: `f.material=linen`.
pub const ATTRIBUTE_PREFIX: &str = "f.";

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Sort {
    #[default]
    Newest,
    PriceAsc,
    PriceDesc,
    Name,
    /// Best match first: search results only (a listing reads it as its default).
    Relevance,
}

impl Sort {
    /// The sorts a category listing offers.
    pub const ALL: [Sort; 4] = [Sort::Newest, Sort::PriceAsc, Sort::PriceDesc, Sort::Name];
    /// The sorts search results offer.
    pub const SEARCH: [Sort; 4] = [
        Sort::Relevance,
        Sort::PriceAsc,
        Sort::PriceDesc,
        Sort::Newest,
    ];

    pub fn param(self) -> &'static str {
        match self {
            Sort::Newest => "newest",
            Sort::PriceAsc => "price-asc",
            Sort::PriceDesc => "price-desc",
            Sort::Name => "name",
            Sort::Relevance => "relevance",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Sort::Newest => "Newest",
            Sort::PriceAsc => "Price, low to high",
            Sort::PriceDesc => "Price, high to low",
            Sort::Name => "Name",
            Sort::Relevance => "Best match",
        }
    }

    /// Any sort by its URL name, including `relevance`.
    pub fn from_param(s: &str) -> Option<Sort> {
        Sort::ALL
            .into_iter()
            .chain([Sort::Relevance])
            .find(|sort| sort.param() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListingQuery {
    pub sort: Sort,
    /// 1-based. The server clamps it to the last page.
    pub page: u32,
    pub per_page: u32,
    pub min_price: Option<Money>,
    pub max_price: Option<Money>,
    pub in_stock: bool,
    /// At most one value per key, sorted by key.
    pub attributes: Vec<(String, String)>,
}

impl Default for ListingQuery {
    fn default() -> Self {
        Self {
            sort: Sort::Newest,
            page: 1,
            per_page: DEFAULT_PER_PAGE,
            min_price: None,
            max_price: None,
            in_stock: false,
            attributes: Vec::new(),
        }
    }
}

fn valid_attribute_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 40
        && key
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

fn valid_attribute_value(value: &str) -> bool {
    !value.trim().is_empty() && value.chars().count() <= 60
}

impl ListingQuery {
    /// Reads decoded URL parameters. Never fails.
    pub fn from_params<'a>(
        params: impl IntoIterator<Item = (&'a str, &'a str)>,
        currency: Currency,
    ) -> Self {
        let mut q = ListingQuery::default();
        for (key, value) in params {
            let value = value.trim();
            match key {
                "sort" => {
                    q.sort = Sort::from_param(value)
                        .filter(|s| Sort::ALL.contains(s))
                        .unwrap_or_default()
                }
                "page" => q.page = value.parse::<u32>().unwrap_or(1).max(1),
                "per_page" => {
                    q.per_page = value
                        .parse::<u32>()
                        .map(|n| n.clamp(1, MAX_PER_PAGE))
                        .unwrap_or(DEFAULT_PER_PAGE)
                }
                "min" => q.min_price = Money::parse_decimal(value, currency).ok(),
                "max" => q.max_price = Money::parse_decimal(value, currency).ok(),
                "in_stock" => q.in_stock = matches!(value, "1" | "true" | "on"),
                _ => {
                    if let Some(attr) = key.strip_prefix(ATTRIBUTE_PREFIX) {
                        if valid_attribute_key(attr)
                            && valid_attribute_value(value)
                            && q.attributes.len() < MAX_ATTRIBUTE_FILTERS
                            && !q.attributes.iter().any(|(k, _)| k == attr)
                        {
                            q.attributes.push((attr.to_owned(), value.to_owned()));
                        }
                    }
                }
            }
        }
        if let (Some(min), Some(max)) = (q.min_price, q.max_price) {
            if min.minor > max.minor {
                q.min_price = Some(max);
                q.max_price = Some(min);
            }
        }
        q.attributes.sort();
        q
    }

    /// The same query with every bound enforced again: for queries that did not come
    /// through [`ListingQuery::from_params`] (a server function's JSON body).
    pub fn sanitized(mut self) -> Self {
        self.page = self.page.max(1);
        self.per_page = self.per_page.clamp(1, MAX_PER_PAGE);
        self.min_price = self.min_price.filter(|m| m.minor >= 0);
        self.max_price = self.max_price.filter(|m| m.minor >= 0);
        let mut seen: Vec<String> = Vec::new();
        self.attributes.retain(|(k, v)| {
            let keep = valid_attribute_key(k) && valid_attribute_value(v) && !seen.contains(k);
            if keep {
                seen.push(k.clone());
            }
            keep
        });
        self.attributes.truncate(MAX_ATTRIBUTE_FILTERS);
        self.attributes.sort();
        self
    }

    /// The query as URL parameters, defaults left out, in a stable order (one URL per page).
    pub fn to_params(&self) -> Vec<(String, String)> {
        self.to_params_with_default(Sort::Newest)
    }

    /// [`ListingQuery::to_params`] for a page whose default sort is `default_sort`.
    pub fn to_params_with_default(&self, default_sort: Sort) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for (k, v) in &self.attributes {
            out.push((format!("{ATTRIBUTE_PREFIX}{k}"), v.clone()));
        }
        if self.in_stock {
            out.push(("in_stock".into(), "1".into()));
        }
        if let Some(m) = self.min_price {
            out.push(("min".into(), m.decimal()));
        }
        if let Some(m) = self.max_price {
            out.push(("max".into(), m.decimal()));
        }
        if self.sort != default_sort {
            out.push(("sort".into(), self.sort.param().into()));
        }
        if self.per_page != DEFAULT_PER_PAGE {
            out.push(("per_page".into(), self.per_page.to_string()));
        }
        if self.page > 1 {
            out.push(("page".into(), self.page.to_string()));
        }
        out
    }

    /// `?a=b&c=d`, or an empty string for the default query.
    pub fn query_string(&self) -> String {
        to_query_string(&self.to_params())
    }

    /// Pages needed to show `total` products at this query's page size (at least one).
    pub fn page_count(&self, total: u64) -> u32 {
        let per = u64::from(self.per_page.max(1));
        total.div_ceil(per).max(1).min(u64::from(u32::MAX)) as u32
    }

    /// Products before this query's page (the SQL `OFFSET`).
    pub fn offset(&self) -> i64 {
        i64::from(self.page.saturating_sub(1)) * i64::from(self.per_page)
    }

    pub fn with_page(&self, page: u32) -> Self {
        Self {
            page: page.max(1),
            ..self.clone()
        }
    }

    /// This query with one attribute filter set (or removed when `value` is `None`), back on
    /// page 1.
    pub fn with_attribute(&self, key: &str, value: Option<&str>) -> Self {
        let mut next = self.with_page(1);
        next.attributes.retain(|(k, _)| k != key);
        if let Some(v) = value {
            next.attributes.push((key.to_owned(), v.to_owned()));
            next.attributes.sort();
        }
        next
    }

    pub fn has_filters(&self) -> bool {
        self.in_stock
            || self.min_price.is_some()
            || self.max_price.is_some()
            || !self.attributes.is_empty()
    }
}

/// `?a=b&c=d` from parameters, or an empty string when there are none.
pub fn to_query_string(params: &[(String, String)]) -> String {
    if params.is_empty() {
        return String::new();
    }
    let joined: Vec<String> = params
        .iter()
        .map(|(k, v)| format!("{}={}", encode_component(k), encode_component(v)))
        .collect();
    format!("?{}", joined.join("&"))
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
pub fn encode_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// One page of a listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Listing {
    pub products: Vec<ProductSummary>,
    /// Products matching the filters, across all pages; when `capped`, a lower bound.
    pub total: u64,
    /// More products match than were counted: the page says "1,024+ products".
    #[serde(default)]
    pub capped: bool,
    /// The query actually applied (page clamped to the last page).
    pub query: ListingQuery,
    pub facets: Vec<Facet>,
    /// The facet counts are exact (else the values show without counts).
    #[serde(default)]
    pub facet_counts: bool,
}

impl Listing {
    pub fn page_count(&self) -> u32 {
        self.query.page_count(self.total)
    }
}

/// A category as its collection page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryView {
    pub slug: String,
    pub name: String,
    pub description: String,
    /// Its banner picture, if it has one.
    pub image: Option<crate::model::ProductImage>,
    /// Root first, without the category itself.
    pub ancestors: Vec<CategoryLink>,
    pub children: Vec<CategoryLink>,
}

/// `/collections/{slug}`: the category and one page of its products (and its descendants').
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CollectionPage {
    pub category: CategoryView,
    pub listing: Listing,
}

/// The home page's content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HomeContent {
    pub featured: Vec<ProductSummary>,
    pub new_arrivals: Vec<ProductSummary>,
    pub categories: Vec<CategoryLink>,
}

/// Values of one attribute among the products in scope, with how many have each.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Facet {
    pub key: String,
    pub values: Vec<FacetValue>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FacetValue {
    pub value: String,
    pub count: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(pairs: &[(&str, &str)]) -> ListingQuery {
        ListingQuery::from_params(pairs.iter().copied(), Currency::Aed)
    }

    #[test]
    fn defaults_and_clamping() {
        assert_eq!(parse(&[]), ListingQuery::default());
        let q = parse(&[("page", "0"), ("per_page", "100000"), ("sort", "bogus")]);
        assert_eq!(
            (q.page, q.per_page, q.sort),
            (1, MAX_PER_PAGE, Sort::Newest)
        );
        assert_eq!(parse(&[("page", "-3")]).page, 1);
        assert_eq!(parse(&[("page", "99999999999999")]).page, 1);
        assert_eq!(parse(&[("per_page", "0")]).per_page, 1);
    }

    #[test]
    fn prices_attributes_and_stock() {
        let q = parse(&[
            ("min", "200"),
            ("max", "50.5"),
            ("in_stock", "1"),
            ("f.material", "linen"),
            ("f.colour", "white"),
            ("f.material", "cotton"),
            ("f.Bad Key", "x"),
            ("f.empty", "  "),
        ]);
        // Swapped into order.
        assert_eq!(q.min_price.map(|m| m.minor), Some(5_050));
        assert_eq!(q.max_price.map(|m| m.minor), Some(20_000));
        assert!(q.in_stock);
        assert_eq!(
            q.attributes,
            vec![
                ("colour".into(), "white".into()),
                ("material".into(), "linen".into())
            ]
        );
        assert_eq!(parse(&[("min", "-5")]).min_price, None);
    }

    #[test]
    fn round_trips_through_a_url() {
        let q = parse(&[
            ("f.colour", "off white"),
            ("sort", "price-asc"),
            ("page", "3"),
            ("min", "10"),
        ]);
        assert_eq!(
            q.query_string(),
            "?f.colour=off%20white&min=10.00&sort=price-asc&page=3"
        );
        let params = q.to_params();
        let back = ListingQuery::from_params(
            params.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            Currency::Aed,
        );
        assert_eq!(back, q);
        assert_eq!(ListingQuery::default().query_string(), "");
        assert_eq!(
            q.with_attribute("colour", None).query_string(),
            "?min=10.00&sort=price-asc"
        );
    }

    #[test]
    fn sanitizing_enforces_bounds_on_any_query() {
        let wild = ListingQuery {
            page: 0,
            per_page: 1_000_000,
            min_price: Some(Money::new(-5, Currency::Aed)),
            attributes: vec![
                ("Bad Key".into(), "x".into()),
                ("a".into(), "1".into()),
                ("a".into(), "2".into()),
            ],
            ..Default::default()
        }
        .sanitized();
        assert_eq!(
            (wild.page, wild.per_page, wild.min_price),
            (1, MAX_PER_PAGE, None)
        );
        assert_eq!(wild.attributes, vec![("a".into(), "1".into())]);
    }

    #[test]
    fn page_count() {
        let listing = |total, per_page| Listing {
            capped: false,
            facet_counts: true,
            products: vec![],
            total,
            query: ListingQuery {
                per_page,
                ..Default::default()
            },
            facets: vec![],
        };
        assert_eq!(listing(0, 24).page_count(), 1);
        assert_eq!(listing(24, 24).page_count(), 1);
        assert_eq!(listing(25, 24).page_count(), 2);
    }
}
