//! The PostgreSQL engine: `products.search_vector` (weighted: name, then brand and categories,
//! then attributes, then description) matched with `to_tsquery('english', ...)`: whole words
//! for a submitted search, the last word as a prefix as you type or when whole words find
//! nothing. Products whose name holds every word are found through `products.name_vector`.
//! Ranked by cover density without length normalisation (a long, rich description must not
//! push a product below a bare one whose name matches just as well) plus, when the name holds
//! every word, the share of the name the words make up (the product named exactly so comes
//! first, a bare "Linen Shirt" before "Linen Shirt with Pockets"). When nothing matches what
//! was typed, spelling is corrected against `search_words` by trigram distance (pg_trgm) and
//! edit distance.//!
//! [`matches`] reads the bounded best matches and their facets, [`display`] the hits' card
//! fields and marked passages, [`spelling`] corrects words that match nothing.

mod display;
mod matches;
mod spelling;

use matches::{matches, Page, Scope};
use spelling::correct;

use super::MAX_HITS;
use crate::model::{
    query_words, Currency, ListingQuery, ProductSummary, SearchQuery, SearchResults, HIGHLIGHT_END,
    HIGHLIGHT_START,
};
use crate::server::catalog::{self};
use crate::server::Error;
use sqlx::PgPool;

/// Categories listed in the results' category facet.
const CATEGORY_FACETS: i64 = 12;
/// Nearest vocabulary words (by trigram distance) considered as a correction of one word.
const CORRECTION_CANDIDATES: i64 = 8;

/// What a search looks for: every word required, the last one also as a prefix when
/// `prefix` (results as you type, or a word cut short).
#[derive(Clone, Copy)]
struct Terms<'a> {
    words: &'a [String],
    prefix: bool,
}

impl Terms<'_> {
    /// `'w1' & 'w2' & 'w3'`, or `... & 'w3':*` with `prefix`: words quoted (they hold only
    /// letters and digits anyway).
    fn tsquery(&self) -> String {
        let n = self.words.len();
        self.words
            .iter()
            .enumerate()
            .map(|(i, w)| {
                let quoted = format!("'{}'", w.replace('\'', "''"));
                if self.prefix && i + 1 == n {
                    format!("{quoted}:*")
                } else {
                    quoted
                }
            })
            .collect::<Vec<_>>()
            .join(" & ")
    }
}

fn headline_options(whole: bool) -> String {
    let common = format!(r#"StartSel="{HIGHLIGHT_START}", StopSel="{HIGHLIGHT_END}""#);
    if whole {
        format!("{common}, HighlightAll=true")
    } else {
        format!("{common}, MaxWords=24, MinWords=12, MaxFragments=1")
    }
}

pub(super) async fn search(
    db: &PgPool,
    currency: Currency,
    query: &SearchQuery,
) -> Result<SearchResults, Error> {
    let mut results = SearchResults::empty(query.clone());
    let words = query_words(&query.text);
    if words.is_empty() {
        return Ok(results);
    }
    let categories = match &query.category {
        Some(slug) => match catalog::subtree_ids(db, slug).await? {
            Some(ids) => Some(ids),
            None => return Ok(results), // an unknown category holds nothing
        },
        None => None,
    };
    let scope = Scope {
        categories: categories.as_deref(),
        listing: &query.listing,
        bound: MAX_HITS as i64,
    };

    let mut found = best_matches(db, currency, words, &scope, Typing::Submitted).await?;
    if found.corrected {
        results.corrected = Some(found.words.join(" "));
        results.query.text = found.words.join(" ");
    }
    let page = &mut found.page;
    if page.total == 0 {
        return Ok(results);
    }
    if page.hits.is_empty() {
        // Past the end: show the last page (the facets do not depend on the page).
        results.query.listing = query
            .listing
            .with_page(query.listing.page_count(page.total));
        let listing = results.query.listing.clone();
        let last = Scope {
            listing: &listing,
            ..scope
        };
        let terms = Terms {
            words: &found.words,
            prefix: found.prefix,
        };
        page.hits = matches(db, currency, terms, &last, false).await?.hits;
    }
    results.hits = std::mem::take(&mut page.hits);
    results.total = page.total;
    results.capped = page.capped;
    results.facets = std::mem::take(&mut page.facets);
    results.categories = std::mem::take(&mut page.categories);
    Ok(results)
}

/// Matches read for suggestions: enough to find the closest names (the exact name is always
/// among them), fewer than a search's.
const SUGGESTION_READS: i64 = 200;

pub(super) async fn suggest(
    db: &PgPool,
    currency: Currency,
    words: &[String],
) -> Result<Vec<ProductSummary>, Error> {
    let listing = ListingQuery {
        sort: crate::model::Sort::Relevance,
        per_page: super::SUGGESTIONS as u32,
        ..ListingQuery::default()
    };
    let scope = Scope {
        categories: None,
        listing: &listing,
        bound: SUGGESTION_READS,
    };
    let found = best_matches(db, currency, words.to_vec(), &scope, Typing::AsYouType).await?;
    Ok(found.page.hits.into_iter().map(|h| h.product).collect())
}

/// How the words were typed, which decides whether the last one is a prefix.
#[derive(Clone, Copy, PartialEq)]
enum Typing {
    /// Suggestions: the last word is being typed, so it is always a prefix.
    AsYouType,
    /// A submitted search: whole words first ("dress" finds dresses, not every dresser), the
    /// last word as a prefix only when whole words find nothing ("perf" finds perfume).
    Submitted,
}

/// What [`best_matches`] found, and for which words.
struct Found {
    words: Vec<String>,
    prefix: bool,
    /// `words` are a spelling correction of what was typed.
    corrected: bool,
    page: Page,
}

/// Matches for `words` (see [`Typing`]); when there are none, matches for their spelling
/// correction if that finds any.
///
/// A submitted search that finds nothing as typed tries the last word as a prefix before the
/// correction ("perf" finds perfume), except when the correction changes a word before the
/// last: then the prefix search could only find products holding that misspelt word, and it
/// is the costly one, since its index scan gathers every product with a word so begun
/// ("cottn dres": every dress, dresser and dressing, 3 ms at 100,000 products). The
/// correction goes first then, and the prefix search only if the correction finds nothing.
async fn best_matches(
    db: &PgPool,
    currency: Currency,
    words: Vec<String>,
    scope: &Scope<'_>,
    typing: Typing,
) -> Result<Found, Error> {
    let as_you_type = typing == Typing::AsYouType;
    let with_facets = !as_you_type;
    let attempt = async |words: &[String], prefix: bool| {
        let terms = Terms { words, prefix };
        matches(db, currency, terms, scope, with_facets).await
    };
    let found = |words, prefix, corrected, page| Found {
        words,
        prefix,
        corrected,
        page,
    };
    let page = attempt(&words, as_you_type).await?;
    if page.total > 0 {
        return Ok(found(words, as_you_type, false, page));
    }
    // The correction, computed once, and whether it was already searched for.
    let (mut fixed, mut fixed_tried) = (None, false);
    if !as_you_type {
        if words.len() > 1 {
            let correction = correct(db, &words).await?;
            let before_last = words.len() - 1;
            if correction[..before_last] != words[..before_last] {
                let retry = attempt(&correction, false).await?;
                if retry.total > 0 {
                    return Ok(found(correction, false, true, retry));
                }
                fixed_tried = true;
            }
            fixed = Some(correction);
        }
        let retry = attempt(&words, true).await?;
        if retry.total > 0 {
            return Ok(found(words, true, false, retry));
        }
    }
    if !fixed_tried {
        let fixed = match fixed {
            Some(fixed) => fixed,
            None => correct(db, &words).await?,
        };
        if fixed != words {
            let retry = attempt(&fixed, as_you_type).await?;
            if retry.total > 0 {
                return Ok(found(fixed, as_you_type, true, retry));
            }
        }
    }
    Ok(found(words, as_you_type, false, page))
}

#[cfg(test)]
mod tests {
    use super::spelling::edit_distance;
    use super::*;
    use crate::server::search::plain_snippet;

    #[test]
    fn tsquery_quotes_words_and_prefixes_the_last() {
        let words = vec!["linen".to_owned(), "sh".to_owned(), "o'neill".to_owned()];
        let terms = |prefix| Terms {
            words: &words,
            prefix,
        };
        assert_eq!(terms(false).tsquery(), "'linen' & 'sh' & 'o''neill'");
        assert_eq!(terms(true).tsquery(), "'linen' & 'sh' & 'o''neill':*");
    }

    #[test]
    fn edit_distance_counts_swaps_as_one() {
        assert_eq!(edit_distance("shrit", "shirt"), 1);
        assert_eq!(edit_distance("linnen", "linen"), 1);
        assert_eq!(edit_distance("sandels", "sandals"), 1);
        assert_eq!(edit_distance("scraf", "scarf"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("حرير", "حرير"), 0);
    }

    #[test]
    fn snippets_lose_rich_text_markers() {
        let marked = format!("**Soft** {HIGHLIGHT_START}linen{HIGHLIGHT_END}\n- Relaxed fit");
        let text: String = plain_snippet(&marked)
            .iter()
            .map(|h| h.text.as_str())
            .collect();
        assert_eq!(text, "Soft linen Relaxed fit");
    }
}
