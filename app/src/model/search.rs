//! A search as it travels in a URL (`/search?q=...`), and what an engine answers.
//! Parsing is lenient like listings: odd input is trimmed, truncated or dropped, never an error.

use super::listing::{to_query_string, ListingQuery, Sort};
use super::{CategoryLink, Currency, Facet, ProductSummary};
use serde::{Deserialize, Serialize};

/// Longer queries are cut to this many characters (not refused: a pasted paragraph still
/// finds something).
pub const MAX_QUERY_CHARS: usize = 200;
/// Words of a query an engine looks at; the rest are ignored.
pub const MAX_QUERY_WORDS: usize = 8;
/// Marks a highlighted stretch in engine output (private-use characters no shop text uses).
pub const HIGHLIGHT_START: char = '\u{E000}';
pub const HIGHLIGHT_END: char = '\u{E001}';

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchQuery {
    /// What the shopper typed: trimmed, whitespace collapsed, at most [`MAX_QUERY_CHARS`].
    pub text: String,
    /// Only this category and its descendants.
    pub category: Option<String>,
    /// Sort, filters and page; the sort defaults to [`Sort::Relevance`].
    pub listing: ListingQuery,
}

impl Default for SearchQuery {
    fn default() -> Self {
        Self {
            text: String::new(),
            category: None,
            listing: ListingQuery {
                sort: Sort::Relevance,
                ..ListingQuery::default()
            },
        }
    }
}

/// Collapses whitespace and control characters, trims, and cuts to [`MAX_QUERY_CHARS`].
pub fn clean_query_text(raw: &str) -> String {
    raw.split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(MAX_QUERY_CHARS)
        .collect::<String>()
        .trim_end()
        .to_owned()
}

/// The words an engine matches: letters and digits (any script), lowercased, at most
/// [`MAX_QUERY_WORDS`]. Everything else (quotes, operators, filter syntax, emoji) separates
/// words and is never passed on as syntax.
pub fn query_words(text: &str) -> Vec<String> {
    // Folded first: a diacritic or a tatweel must not split an Arabic word in two.
    fold_arabic(text)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(MAX_QUERY_WORDS)
        .map(str::to_lowercase)
        .collect()
}

/// Arabic letters people write in several forms, folded to one (as the database's
/// `search_fold` folds what it indexes): alef with hamza or madda and alef wasla → alef,
/// alef maqsura → yeh, taa marbuta → heh, hamza on waw or yeh → the bare letter; tatweel and
/// diacritics (harakat, shadda, sukun, superscript alef) removed. Other text is unchanged.
pub fn fold_arabic(text: &str) -> String {
    text.chars()
        .filter_map(|c| match c {
            '\u{0623}' | '\u{0625}' | '\u{0622}' | '\u{0671}' => Some('\u{0627}'),
            '\u{0649}' | '\u{0626}' => Some('\u{064A}'),
            '\u{0629}' => Some('\u{0647}'),
            '\u{0624}' => Some('\u{0648}'),
            '\u{0640}' | '\u{064B}'..='\u{065F}' | '\u{0670}' => None,
            other => Some(other),
        })
        .collect()
}

impl SearchQuery {
    /// Reads decoded URL parameters. Never fails.
    pub fn from_params<'a>(
        params: impl IntoIterator<Item = (&'a str, &'a str)> + Clone,
        currency: Currency,
    ) -> Self {
        let mut listing = ListingQuery::from_params(params.clone(), currency);
        listing.sort = Sort::Relevance;
        let mut query = SearchQuery {
            listing,
            ..SearchQuery::default()
        };
        for (key, value) in params {
            match key {
                "q" => query.text = clean_query_text(value),
                "category" => {
                    let slug = value.trim();
                    query.category = crate::model::is_slug(slug).then(|| slug.to_owned());
                }
                "sort" => {
                    query.listing.sort = Sort::from_param(value.trim())
                        .filter(|s| Sort::SEARCH.contains(s))
                        .unwrap_or(Sort::Relevance)
                }
                _ => {}
            }
        }
        query
    }

    /// The same query with every bound enforced again (for one that arrived as JSON).
    pub fn sanitized(self) -> Self {
        let sort = self.listing.sort;
        let mut listing = self.listing.sanitized();
        listing.sort = if Sort::SEARCH.contains(&sort) {
            sort
        } else {
            Sort::Relevance
        };
        SearchQuery {
            text: clean_query_text(&self.text),
            category: self.category.filter(|c| crate::model::is_slug(c)),
            listing,
        }
    }

    /// The parameters that say what is searched (`q`, `category`): every link between result
    /// pages keeps them.
    pub fn search_params(&self) -> Vec<(String, String)> {
        let mut params = Vec::new();
        if !self.text.is_empty() {
            params.push(("q".to_owned(), self.text.clone()));
        }
        if let Some(c) = &self.category {
            params.push(("category".to_owned(), c.clone()));
        }
        params
    }

    /// `?q=...&category=...&...`: one URL per result page, defaults left out.
    pub fn query_string(&self) -> String {
        let mut params = self.search_params();
        params.extend(self.listing.to_params_with_default(Sort::Relevance));
        to_query_string(&params)
    }

    pub fn with_category(&self, category: Option<&str>) -> Self {
        Self {
            category: category.map(str::to_owned),
            listing: self.listing.with_page(1),
            ..self.clone()
        }
    }
}

/// A stretch of text, highlighted when it matched the query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Highlighted {
    pub text: String,
    pub hit: bool,
}

/// Splits engine output marked with [`HIGHLIGHT_START`]/[`HIGHLIGHT_END`] into stretches.
/// Unbalanced markers are tolerated; the markers themselves never appear in the output.
pub fn split_highlights(marked: &str) -> Vec<Highlighted> {
    let mut out: Vec<Highlighted> = Vec::new();
    let mut hit = false;
    let mut current = String::new();
    let flush = |text: &mut String, hit: bool, out: &mut Vec<Highlighted>| {
        if !text.is_empty() {
            out.push(Highlighted {
                text: std::mem::take(text),
                hit,
            });
        }
    };
    for c in marked.chars() {
        match c {
            HIGHLIGHT_START => {
                flush(&mut current, hit, &mut out);
                hit = true;
            }
            HIGHLIGHT_END => {
                flush(&mut current, hit, &mut out);
                hit = false;
            }
            c => current.push(c),
        }
    }
    flush(&mut current, hit, &mut out);
    out
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchHit {
    pub product: ProductSummary,
    /// The product's name with the matched words marked.
    pub name: Vec<Highlighted>,
    /// A short passage of the description around the matches (may be empty).
    pub snippet: Vec<Highlighted>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryCount {
    pub category: CategoryLink,
    pub count: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchResults {
    pub hits: Vec<SearchHit>,
    /// Matching products across all pages; when `capped`, the ones the engine ranked.
    pub total: u64,
    /// More products match than an engine ranks (`search::MAX_HITS`, like Meilisearch's
    /// `maxTotalHits`): `total` is a lower bound and facet counts cover the best matches only,
    /// so the page shows "500+" and no counts.
    #[serde(default)]
    pub capped: bool,
    /// The query applied (page clamped to the last page; text corrected when `corrected`).
    pub query: SearchQuery,
    /// Set when nothing matched what was typed and a spelling correction did: the text searched.
    pub corrected: Option<String>,
    pub facets: Vec<Facet>,
    /// The categories the matches are in, most matches first.
    pub categories: Vec<CategoryCount>,
    /// Products to offer when nothing matched.
    pub popular: Vec<ProductSummary>,
    /// How long the engine took, in milliseconds.
    pub took_ms: u32,
    /// Which engine answered (`postgres`, `meilisearch`).
    pub engine: String,
}

/// A product offered as the shopper types in the header: formatted on the server, so the
/// browser only places strings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suggestion {
    pub name: String,
    pub href: String,
    pub price: String,
    /// The smallest WebP rendition, if the product has a picture.
    pub image: Option<String>,
}

impl From<&ProductSummary> for Suggestion {
    fn from(product: &ProductSummary) -> Self {
        Self {
            name: product.name.clone(),
            href: product.href(),
            price: product.display_price(),
            image: product.image.as_ref().map(|i| {
                let smallest = i.widths().first().copied().unwrap_or(i.width);
                i.url(smallest, super::ImageFormat::Webp)
            }),
        }
    }
}

impl SearchResults {
    /// No hits yet for `query`.
    pub fn empty(query: SearchQuery) -> Self {
        Self {
            hits: Vec::new(),
            total: 0,
            capped: false,
            query,
            corrected: None,
            facets: Vec::new(),
            categories: Vec::new(),
            popular: Vec::new(),
            took_ms: 0,
            engine: String::new(),
        }
    }

    pub fn page_count(&self) -> u32 {
        self.query.listing.page_count(self.total)
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn arabic_words_are_folded_like_the_database_folds_them() {
        assert_eq!(
            query_words("أحمد إبراهيم آمنة مكتبة على حَرِيرٌ ـــشال رئيس"),
            [
                "احمد",
                "ابراهيم",
                "امنه",
                "مكتبه",
                "علي",
                "حرير",
                "شال",
                "رييس"
            ]
        );
        assert_eq!(query_words("Linen SHIRT"), ["linen", "shirt"]);
    }

    use super::*;

    fn parse(pairs: &[(&str, &str)]) -> SearchQuery {
        SearchQuery::from_params(pairs.iter().copied(), Currency::Aed)
    }

    #[test]
    fn parses_and_round_trips_through_the_url() {
        let q = parse(&[
            ("q", "  linen   shirt "),
            ("category", "clothing"),
            ("f.material", "linen"),
            ("page", "2"),
        ]);
        assert_eq!(q.text, "linen shirt");
        assert_eq!(q.category.as_deref(), Some("clothing"));
        assert_eq!(q.listing.sort, Sort::Relevance);
        assert_eq!(
            q.query_string(),
            "?q=linen%20shirt&category=clothing&f.material=linen&page=2"
        );
        let sorted = parse(&[("q", "x"), ("sort", "newest")]);
        assert_eq!(sorted.listing.sort, Sort::Newest);
        assert_eq!(sorted.query_string(), "?q=x&sort=newest");
        assert_eq!(
            parse(&[("q", "x"), ("sort", "bogus")]).listing.sort,
            Sort::Relevance
        );
    }

    #[test]
    fn odd_input_is_cleaned_never_refused() {
        let long = "a".repeat(5_000);
        assert_eq!(parse(&[("q", &long)]).text.chars().count(), MAX_QUERY_CHARS);
        assert_eq!(parse(&[("q", "a\u{0}b\tc\n")]).text, "a b c");
        assert_eq!(parse(&[("category", "../etc")]).category, None);
        assert_eq!(
            query_words(r#""silk" -scarf OR price:<10 category = 'x' 🧣 وشاح حرير"#),
            ["silk", "scarf", "or", "price", "10", "category", "x", "وشاح"]
        );
        assert!(query_words("!!! 🧣 ***").is_empty());
    }

    #[test]
    fn listing_pages_never_take_relevance() {
        let listing = ListingQuery::from_params([("sort", "relevance")], Currency::Aed);
        assert_eq!(listing.sort, Sort::Newest);
    }

    #[test]
    fn highlights_split_on_markers_only() {
        let marked = format!("Linen {HIGHLIGHT_START}Shirt{HIGHLIGHT_END} <b>");
        assert_eq!(
            split_highlights(&marked),
            vec![
                Highlighted {
                    text: "Linen ".into(),
                    hit: false
                },
                Highlighted {
                    text: "Shirt".into(),
                    hit: true
                },
                Highlighted {
                    text: " <b>".into(),
                    hit: false
                },
            ]
        );
        assert_eq!(split_highlights(&format!("{HIGHLIGHT_END}x")).len(), 1);
        assert!(split_highlights("").is_empty());
    }
}
