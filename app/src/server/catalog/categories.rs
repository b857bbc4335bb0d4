//! The category tree.

use super::{cached, is_valid_slug};
use crate::model::{AppError, CategoryLink, CategoryView, ProductImage};
use crate::server::platform::cache::Cache;
use crate::server::Error;
use sqlx::PgPool;

/// A category page's category, with its id for the listing query.
pub struct CategoryPage {
    pub id: i64,
    pub view: CategoryView,
}

/// The category with this slug, its ancestors (root first) and children. Two queries.
pub async fn category_page(db: &PgPool, slug: &str) -> Result<CategoryPage, Error> {
    if !is_valid_slug(slug) {
        return Err(AppError::NotFound.into());
    }
    let path = sqlx::query!(
        r#"WITH RECURSIVE up (id, parent_id, slug, name, description, depth) AS (
               SELECT id, parent_id, slug, name, description, 0
               FROM categories WHERE slug = $1
               UNION ALL
               SELECT c.id, c.parent_id, c.slug, c.name, c.description, up.depth + 1
               FROM categories c JOIN up ON c.id = up.parent_id
           )
           SELECT up.id AS "id!", up.slug AS "slug!", up.name AS "name!", up.description AS "description!",
                  c.image_key, c.image_width, c.image_height
           FROM up JOIN categories c ON c.id = up.id ORDER BY depth DESC"#,
        slug
    )
    .fetch_all(db)
    .await?;
    let Some(this) = path.last() else {
        return Err(AppError::NotFound.into());
    };
    let id = this.id;
    let children = sqlx::query_as!(
        CategoryLink,
        "SELECT slug, name FROM categories WHERE parent_id = $1 ORDER BY position, name, id",
        id
    )
    .fetch_all(db)
    .await?;
    let ancestors = path[..path.len() - 1]
        .iter()
        .map(|r| CategoryLink {
            slug: r.slug.clone(),
            name: r.name.clone(),
        })
        .collect();
    Ok(CategoryPage {
        id,
        view: CategoryView {
            slug: this.slug.clone(),
            name: this.name.clone(),
            description: this.description.clone(),
            image: match (&this.image_key, this.image_width, this.image_height) {
                (Some(key), Some(width), Some(height)) => Some(ProductImage {
                    key: key.clone(),
                    alt: this.name.clone(),
                    width: width as u32,
                    height: height as u32,
                }),
                _ => None,
            },
            ancestors,
            children,
        },
    })
}

/// Root categories in display order.
pub async fn top_categories(db: &PgPool, cache: &Cache) -> Result<Vec<CategoryLink>, Error> {
    cached(cache, "top-categories", || async {
        Ok(sqlx::query_as!(
            CategoryLink,
            "SELECT slug, name FROM categories WHERE parent_id IS NULL ORDER BY position, name, id"
        )
        .fetch_all(db)
        .await?)
    })
    .await
}

/// The ids of the category with this slug and all its descendants; `None` for an unknown slug.
pub async fn subtree_ids(db: &PgPool, slug: &str) -> Result<Option<Vec<i64>>, Error> {
    if !is_valid_slug(slug) {
        return Ok(None);
    }
    let ids = sqlx::query_scalar!(
        r#"WITH RECURSIVE tree (id) AS (
               SELECT id FROM categories WHERE slug = $1
               UNION
               SELECT c.id FROM categories c JOIN tree t ON c.parent_id = t.id
           )
           SELECT id AS "id!" FROM tree"#,
        slug
    )
    .fetch_all(db)
    .await?;
    Ok((!ids.is_empty()).then_some(ids))
}
