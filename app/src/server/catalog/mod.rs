//! The catalog: what the store sells and how shoppers see it.

mod queries;
mod seed;

pub use queries::{invalidate_listings, list_active, product_by_slug, LISTING_LIMIT};
pub use seed::{seed_demo_if_empty, DEMO_PRODUCTS};

/// Slugs are lowercase words joined by single hyphens, at most 120 characters: the same rule
/// as the database's `products_slug_format` check, applied before any query runs.
pub fn is_valid_slug(slug: &str) -> bool {
    !slug.is_empty()
        && slug.len() <= 120
        && !slug.starts_with('-')
        && !slug.ends_with('-')
        && !slug.contains("--")
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::is_valid_slug;

    #[test]
    fn slug_rules() {
        assert!(is_valid_slug("linen-shirt"));
        assert!(is_valid_slug("a1"));
        for bad in [
            "",
            "-a",
            "a-",
            "a--b",
            "A",
            "a b",
            "ü",
            "a/b",
            "../etc",
            &"a".repeat(121),
        ] {
            assert!(!is_valid_slug(bad), "{bad:?}");
        }
    }
}
