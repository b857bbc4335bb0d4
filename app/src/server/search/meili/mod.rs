//! The Meilisearch engine: documents built from PostgreSQL (the source of truth), index
//! settings applied at start-up and on reindex, and searches answering the same
//! [`SearchResults`] as the PostgreSQL engine.
//!
//! Filter values reach Meilisearch only inside quoted, escaped strings ([`quote`]) or as
//! integers; sorts and field names come from fixed lists or from keys already restricted to
//! `[a-z0-9_-]` by the URL parser.

mod document;

pub use document::{documents, Document};

use super::plain_snippet;
use crate::model::{
    split_highlights, CategoryCount, CategoryLink, Currency, Facet, FacetValue, SearchHit,
    SearchQuery, SearchResults, Sort, HIGHLIGHT_END, HIGHLIGHT_START,
};
use crate::server::platform::config::{MeilisearchSettings, SearchSettings};
use crate::server::Error;
use meilisearch_sdk::client::Client;
use meilisearch_sdk::search::MatchingStrategies;
use meilisearch_sdk::search::Selectors;
use meilisearch_sdk::settings::{
    MinWordSizeForTypos, PaginationSetting, Settings, TypoToleranceSettings,
};
use meilisearch_sdk::task_info::TaskInfo;
use secrecy::ExposeSecret;
use sqlx::PgPool;
use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

/// Attribute values listed per attribute facet (as the PostgreSQL engine).
const ATTRIBUTE_FACET_VALUES: usize = 30;
const CATEGORY_FACETS: usize = 12;
/// How long a write may take to be applied before it counts as failed (and is retried).
const TASK_TIMEOUT: Duration = Duration::from_secs(60);
const TASK_POLL: Duration = Duration::from_millis(50);

/// A connection to one Meilisearch index.
#[derive(Clone)]
pub struct Meili {
    pub(super) client: Client,
    pub(super) index: String,
    pub(super) timeout: Duration,
    synonyms: BTreeMap<String, Vec<String>>,
}

impl std::fmt::Debug for Meili {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Meili")
            .field("index", &self.index)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl Meili {
    pub fn new(settings: &MeilisearchSettings, search: &SearchSettings) -> Result<Self, Error> {
        let key = settings
            .api_key
            .as_ref()
            .map(|k| k.expose_secret().to_owned());
        Ok(Self {
            client: Client::new(settings.url.clone(), key)?,
            index: settings.index.clone(),
            timeout: Duration::from_millis(settings.timeout_ms),
            synonyms: search.synonyms.clone(),
        })
    }

    /// The live index's name.
    pub fn index_name(&self) -> &str {
        &self.index
    }

    /// Deletes the live index (tests clean up with it).
    pub async fn drop_index(&self) -> Result<(), Error> {
        let task = self.client.delete_index(&self.index).await?;
        self.wait(task).await
    }

    /// Waits for a queued write to be applied; a failed or timed-out task is an error.
    pub(super) async fn wait(&self, task: TaskInfo) -> Result<(), Error> {
        let task = task
            .wait_for_completion(&self.client, Some(TASK_POLL), Some(TASK_TIMEOUT))
            .await?;
        if task.is_success() {
            Ok(())
        } else {
            Err(Error::other(format!(
                "meilisearch task failed: {}",
                task.unwrap_failure()
            )))
        }
    }

    /// Creates `index` if needed and applies the settings searches rely on.
    pub async fn configure(&self, index: &str) -> Result<(), Error> {
        // Creating an existing index fails its task with `index_already_exists`: fine.
        let created = self.client.create_index(index, Some("id")).await?;
        let _ = self.wait(created).await;
        let task = self
            .client
            .index(index)
            .set_settings(&self.settings())
            .await?;
        self.wait(task).await
    }

    /// Searchable fields in order of importance, the filters and sorts the storefront
    /// offers, typo tolerance, and the configured synonyms (both ways).
    fn settings(&self) -> Settings {
        let mut synonyms: HashMap<String, Vec<String>> = HashMap::new();
        for (word, others) in &self.synonyms {
            let group: Vec<String> = std::iter::once(word.clone())
                .chain(others.iter().cloned())
                .map(|w| w.trim().to_lowercase())
                .filter(|w| !w.is_empty())
                .collect();
            for w in &group {
                let entry = synonyms.entry(w.clone()).or_default();
                entry.extend(group.iter().filter(|o| *o != w).cloned());
                entry.sort();
                entry.dedup();
            }
        }
        Settings::new()
            .with_searchable_attributes([
                "name",
                "brand",
                "category_names",
                "attributes",
                "description",
            ])
            .with_filterable_attributes([
                "category_path",
                "categories",
                "price_min",
                "in_stock",
                "attributes",
            ])
            .with_sortable_attributes(["price_min", "created_at", "name"])
            .with_ranking_rules([
                "words",
                "typo",
                "proximity",
                "attribute",
                "sort",
                "exactness",
            ])
            // As the PostgreSQL engine: a word of 4 letters may have one typo.
            .with_typo_tolerance(TypoToleranceSettings {
                enabled: Some(true),
                disable_on_attributes: None,
                disable_on_words: None,
                min_word_size_for_typos: Some(MinWordSizeForTypos {
                    one_typo: Some(4),
                    two_typos: Some(9),
                }),
                disable_on_numbers: Some(true),
            })
            .with_synonyms(synonyms)
            .with_pagination(PaginationSetting {
                max_total_hits: super::MAX_HITS as usize,
            })
    }

    pub(super) async fn search(
        &self,
        db: &PgPool,
        currency: Currency,
        query: &SearchQuery,
        words: &[String],
    ) -> Result<SearchResults, Error> {
        let mut results = SearchResults::empty(query.clone());
        if words.is_empty() {
            return Ok(results);
        }
        let listing = &query.listing;
        let index = self.client.index(&self.index);
        let hits_filter = filter(query, true);
        let facet_filter = filter(query, false);
        // As the PostgreSQL engine: the words as typed, whole (each quoted: no typo, no
        // prefix), and only when they find nothing, typos and the last word as a prefix.
        let exact = words
            .iter()
            .map(|w| format!("\"{w}\""))
            .collect::<Vec<_>>()
            .join(" ");
        let mut probe = index.search();
        probe
            .with_query(&exact)
            .with_matching_strategy(MatchingStrategies::ALL)
            .with_limit(0);
        if !hits_filter.is_empty() {
            probe.with_filter(&hits_filter);
        }
        let probed = probe.execute::<Document>().await?;
        let text = if probed
            .total_hits
            .or(probed.estimated_total_hits)
            .unwrap_or(0)
            > 0
        {
            exact
        } else {
            words.join(" ")
        };
        let sort = sort(listing.sort);
        let crop = [("description", Some(24))];
        let page_query = |page: u32| {
            let mut q = index.search();
            // Every word must match, as in the PostgreSQL engine (Meilisearch's default
            // drops words from the end until something matches).
            q.with_query(&text)
                .with_matching_strategy(MatchingStrategies::ALL)
                .with_page(page.max(1) as usize)
                .with_hits_per_page(listing.per_page as usize)
                .with_attributes_to_highlight(Selectors::Some(&["name"]))
                .with_attributes_to_crop(Selectors::Some(&crop))
                .with_highlight_pre_tag(HIGHLIGHT_PRE)
                .with_highlight_post_tag(HIGHLIGHT_POST)
                .with_crop_marker("…");
            if !hits_filter.is_empty() {
                q.with_filter(&hits_filter);
            }
            if !sort.is_empty() {
                q.with_sort(&sort);
            }
            q
        };
        // Facets without the attribute filters, so other values stay choosable.
        let mut facets_query = index.search();
        facets_query
            .with_query(&text)
            .with_matching_strategy(MatchingStrategies::ALL)
            .with_limit(0)
            .with_facets(Selectors::All);
        if !facet_filter.is_empty() {
            facets_query.with_filter(&facet_filter);
        }
        let hits_query = page_query(listing.page);
        let (page, counts) = tokio::try_join!(
            hits_query.execute::<Document>(),
            facets_query.execute::<Document>()
        )?;
        // Meilisearch counts at most `maxTotalHits` (set to MAX_HITS): reaching it means more.
        let counted = page.total_hits.or(page.estimated_total_hits).unwrap_or(0) as u64;
        let total = counted.min(super::MAX_HITS);
        if total == 0 {
            return Ok(results);
        }
        let page = if page.hits.is_empty() {
            // Past the end: show the last page.
            results.query.listing = listing.with_page(listing.page_count(total));
            page_query(results.query.listing.page)
                .execute::<Document>()
                .await?
        } else {
            page
        };
        results.capped = counted >= super::MAX_HITS;
        results.total = total;
        results.hits = page
            .hits
            .into_iter()
            .map(|hit| {
                let formatted = |field: &str| {
                    hit.formatted_result
                        .as_ref()
                        .and_then(|f| f.get(field))
                        .and_then(|v| v.as_str())
                        .map(str::to_owned)
                };
                let name = split_highlights(&formatted("name").unwrap_or(hit.result.name.clone()));
                let snippet = plain_snippet(&formatted("description").unwrap_or_default());
                SearchHit {
                    product: hit.result.summary_row().into_summary(currency),
                    name,
                    snippet,
                }
            })
            .collect();
        let distribution = counts.facet_distribution.unwrap_or_default();
        results.facets = attribute_facets(&distribution);
        results.categories = category_counts(db, distribution.get("categories")).await?;
        Ok(results)
    }
}

// Meilisearch takes the markers as strings.
const HIGHLIGHT_PRE: &str = "\u{E000}";
const HIGHLIGHT_POST: &str = "\u{E001}";
const _: () = assert!(HIGHLIGHT_START as u32 == 0xE000 && HIGHLIGHT_END as u32 == 0xE001);

/// A string literal for a Meilisearch filter: quoted, with `\` and `"` escaped.
pub(super) fn quote(value: &str) -> String {
    format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
}

/// The query's filters as a Meilisearch filter expression.
pub(super) fn filter(query: &SearchQuery, with_attributes: bool) -> String {
    let listing = &query.listing;
    let mut parts = Vec::new();
    if let Some(category) = &query.category {
        parts.push(format!("category_path = {}", quote(category)));
    }
    if let Some(min) = listing.min_price {
        parts.push(format!("price_min >= {}", min.minor));
    }
    if let Some(max) = listing.max_price {
        parts.push(format!("price_min <= {}", max.minor));
    }
    if listing.in_stock {
        parts.push("in_stock = true".to_owned());
    }
    if with_attributes {
        for (key, value) in &listing.attributes {
            parts.push(format!(
                "{} = {}",
                quote(&format!("attributes.{key}")),
                quote(value)
            ));
        }
    }
    parts.join(" AND ")
}

fn sort(sort: Sort) -> Vec<&'static str> {
    match sort {
        Sort::Relevance => vec![],
        Sort::PriceAsc => vec!["price_min:asc"],
        Sort::PriceDesc => vec!["price_min:desc"],
        Sort::Newest => vec!["created_at:desc"],
        Sort::Name => vec!["name:asc"],
    }
}

fn attribute_facets(distribution: &HashMap<String, HashMap<String, usize>>) -> Vec<Facet> {
    let mut facets: Vec<Facet> = distribution
        .iter()
        .filter_map(|(field, values)| {
            let key = field.strip_prefix("attributes.")?;
            let mut values: Vec<FacetValue> = values
                .iter()
                .map(|(value, count)| FacetValue {
                    value: value.clone(),
                    count: *count as u64,
                })
                .collect();
            values.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
            values.truncate(ATTRIBUTE_FACET_VALUES);
            Some(Facet {
                key: key.to_owned(),
                values,
            })
        })
        .filter(|f| !f.values.is_empty())
        .collect();
    facets.sort_by(|a, b| a.key.cmp(&b.key));
    facets
}

async fn category_counts(
    db: &PgPool,
    counts: Option<&HashMap<String, usize>>,
) -> Result<Vec<CategoryCount>, Error> {
    let Some(counts) = counts.filter(|c| !c.is_empty()) else {
        return Ok(Vec::new());
    };
    let slugs: Vec<String> = counts.keys().cloned().collect();
    let names = sqlx::query!(
        "SELECT slug, name FROM categories WHERE slug = ANY ($1)",
        &slugs
    )
    .fetch_all(db)
    .await?;
    let mut categories: Vec<CategoryCount> = names
        .into_iter()
        .map(|r| CategoryCount {
            count: counts.get(&r.slug).copied().unwrap_or(0) as u64,
            category: CategoryLink {
                slug: r.slug,
                name: r.name,
            },
        })
        .collect();
    categories.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then_with(|| a.category.name.cmp(&b.category.name))
    });
    categories.truncate(CATEGORY_FACETS);
    Ok(categories)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ListingQuery, Money};

    #[test]
    fn filter_values_are_quoted_data() {
        let query = SearchQuery {
            text: "x".into(),
            category: Some("clothing".into()),
            listing: ListingQuery {
                min_price: Some(Money::new(500, Currency::Aed)),
                in_stock: true,
                // A value trying to close the string and add a clause, ending in `\"`.
                attributes: vec![("material".into(), "linen\" OR in_stock = false \\\"".into())],
                ..ListingQuery::default()
            },
        };
        assert_eq!(
            filter(&query, true),
            r##"category_path = "clothing" AND price_min >= 500 AND in_stock = true AND "attributes.material" = "linen\" OR in_stock = false \\\"""##
        );
        assert_eq!(
            filter(&query, false),
            r#"category_path = "clothing" AND price_min >= 500 AND in_stock = true"#
        );
        assert_eq!(filter(&SearchQuery::default(), true), "");
    }
}
