//! The admin's catalog: the products list, the editor, bulk changes and stock. Each function
//! checks the staff session and its permission (`ViewCatalog` to read, `ManageCatalog` to
//! change), then makes one call into `server::catalog::admin`, which checks again.

use crate::model::catalog_admin::{
    AdminCategory, AdminProductPage, CategoryForm, ImageEdit, OptionRow, ProductEditor,
    ProductForm, VariantFields,
};
use crate::model::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
mod glue {
    pub(crate) use crate::api::admin::require_staff as require;
    pub use crate::api::{amount, in_span, redirect};
    pub use crate::model::catalog_admin::*;
    pub use crate::model::AppError;
    pub use crate::server::accounts::staff::Permission;
    pub use crate::server::catalog::admin;
    pub use crate::server::inventory;
    pub use crate::server::state;
}

/// One page of the products list; the arguments are the list's query string.
#[server]
pub async fn get_admin_products(
    q: Option<String>,
    status: Option<String>,
    category: Option<String>,
    stock: Option<String>,
    sort: Option<String>,
    after: Option<String>,
) -> Result<AdminProductPage, AppError> {
    use glue::*;
    in_span("get_admin_products", async move {
        let state = state()?;
        let me = require(&state, Permission::ViewCatalog).await?;
        let params = [
            ("q", q),
            ("status", status),
            ("category", category),
            ("stock", stock),
            ("sort", sort),
            ("after", after),
        ];
        let query = AdminProductQuery::from_params(
            params
                .iter()
                .filter_map(|(k, v)| v.as_deref().map(|v| (*k, v))),
        )?;
        let threshold = state.shop().low_stock_threshold as i32;
        Ok(admin::products(&state.db, &me, &query, threshold).await?)
    })
    .await
}

/// The editor's page for product `id`, or an empty one.
#[server]
pub async fn get_product_editor(id: Option<i64>) -> Result<ProductEditor, AppError> {
    use glue::*;
    in_span("get_product_editor", async move {
        let state = state()?;
        let me = require(&state, Permission::ViewCatalog).await?;
        let mut editor = admin::editor(&state.db, &me, id, state.currency()).await?;
        editor.store_url = state.accounts.site.public_url.clone();
        Ok(editor)
    })
    .await
}

/// Saves the editor's product fields over the version it was opened at, or creates the
/// product (with its first variant's SKU and price) when there is no `id`. An empty slug is
/// made from the name.
#[server]
pub async fn save_product(
    id: Option<i64>,
    product: ProductForm,
    sku: Option<String>,
    price: Option<String>,
) -> Result<(), AppError> {
    use glue::*;
    in_span("save_product", async move {
        let state = state()?;
        let me = require(&state, Permission::ManageCatalog).await?;
        let ip = state.accounts.client().ip;
        let mut form = product;
        if form.slug.trim().is_empty() {
            form.slug = slugify(&form.name);
        }
        let id = match id {
            Some(id) => {
                admin::save_product(&state.db, &me, id, &form, ip).await?;
                id
            }
            None => {
                let price = amount("price", price.as_deref().unwrap_or(""), state.currency())?
                    .ok_or_else(|| AppError::validation("price", "enter a price"))?;
                let first = admin::VariantInput {
                    sku: sku.unwrap_or_default().trim().to_owned(),
                    price,
                    compare_at: None,
                    weight_grams: 0,
                    barcode: String::new(),
                    image_id: None,
                };
                let currency = state.currency();
                admin::create_product(&state.db, &me, &form, &first, currency, ip).await?
            }
        };
        redirect(&format!("/admin/products/{id}?done=saved"))
    })
    .await
}

/// Saves the variant grid: every row over the product's version, all or nothing.
#[server]
pub async fn save_variants(
    product_id: i64,
    version: i64,
    rows: Vec<VariantFields>,
) -> Result<(), AppError> {
    use glue::*;
    in_span("save_variants", async move {
        let state = state()?;
        let me = require(&state, Permission::ManageCatalog).await?;
        let currency = state.currency();
        let mut grid = Vec::with_capacity(rows.len());
        for row in rows {
            let sku = row.sku.trim().to_owned();
            let named = |e: AppError| match e {
                AppError::Validation { field, message } => {
                    AppError::validation(field, format!("{sku}: {message}"))
                }
                other => other,
            };
            let input = admin::VariantInput {
                price: amount("price", &row.price, currency)
                    .map_err(named)?
                    .ok_or_else(|| named(AppError::validation("price", "enter a price")))?,
                compare_at: amount("compare_at", &row.compare_at, currency).map_err(named)?,
                weight_grams: row.weight_grams,
                barcode: row.barcode.trim().to_owned(),
                image_id: row.image.trim().parse().ok(),
                sku,
            };
            grid.push(admin::GridRow { id: row.id, input });
        }
        let ip = state.accounts.client().ip;
        admin::save_variants(&state.db, &me, product_id, version, &grid, ip).await?;
        redirect(&format!("/admin/products/{product_id}?done=variants"))
    })
    .await
}

/// Sets the product's options (rows left blank are dropped) and regenerates its variants;
/// removing variants needs `confirm`.
#[server]
pub async fn save_options(
    product_id: i64,
    version: i64,
    options: Option<Vec<OptionRow>>,
    confirm: Option<String>,
) -> Result<(), AppError> {
    use glue::*;
    in_span("save_options", async move {
        let state = state()?;
        let me = require(&state, Permission::ManageCatalog).await?;
        let specs: Vec<OptionSpec> = options
            .unwrap_or_default()
            .iter()
            .filter_map(OptionRow::spec)
            .collect();
        let ip = state.accounts.client().ip;
        let confirm = confirm.is_some();
        admin::set_options(&state.db, &me, product_id, version, &specs, confirm, ip).await?;
        redirect(&format!("/admin/products/{product_id}?done=options"))
    })
    .await
}

/// Saves the pictures' alt text and order and deletes those ticked.
#[server]
pub async fn save_images(product_id: i64, images: Option<Vec<ImageEdit>>) -> Result<(), AppError> {
    use glue::*;
    in_span("save_images", async move {
        let state = state()?;
        let me = require(&state, Permission::ManageCatalog).await?;
        let ip = state.accounts.client().ip;
        let images = images.unwrap_or_default();
        admin::save_images(&state.db, &me, product_id, &images, ip).await?;
        redirect(&format!("/admin/products/{product_id}?done=pictures"))
    })
    .await
}

/// Changes a variant's stock: units in or out (`mode` "by"), or a count (`mode` "count"),
/// with a reason; recorded in the stock ledger.
#[server]
pub async fn adjust_stock(
    product_id: i64,
    variant_id: i64,
    reason: String,
    mode: String,
    quantity: i32,
    note: String,
) -> Result<(), AppError> {
    use glue::*;
    in_span("adjust_stock", async move {
        let state = state()?;
        let me = require(&state, Permission::ManageCatalog).await?;
        let reason = StockReason::parse(&reason)
            .ok_or_else(|| AppError::validation("reason", "choose a reason from the list"))?;
        let change = match mode.as_str() {
            "count" => inventory::StockChange::CountedTo(quantity),
            _ => inventory::StockChange::By(quantity),
        };
        let ip = state.accounts.client().ip;
        inventory::adjust_stock(&state.db, &me, variant_id, reason, change, &note, ip).await?;
        redirect(&format!("/admin/products/{product_id}?done=stock"))
    })
    .await
}

/// A change to the selected products: `action` is `status`, `add_category`,
/// `remove_category` or `price` (after its preview: `change` as typed there).
#[server]
pub async fn bulk_products(
    ids: Option<Vec<i64>>,
    action: String,
    status: Option<String>,
    category: Option<String>,
    change: Option<String>,
    back: Option<String>,
) -> Result<(), AppError> {
    use glue::*;
    in_span("bulk_products", async move {
        let state = state()?;
        let me = require(&state, Permission::ManageCatalog).await?;
        let ids = ids.unwrap_or_default();
        let category = || {
            category
                .as_deref()
                .and_then(|c| c.parse::<i64>().ok())
                .ok_or_else(|| AppError::validation("category", "choose a category"))
        };
        let action = match action.as_str() {
            "status" => BulkAction::SetStatus(
                status
                    .as_deref()
                    .and_then(ProductStatus::parse)
                    .ok_or_else(|| AppError::validation("status", "choose a status"))?,
            ),
            "add_category" => BulkAction::AddToCategory(category()?),
            "remove_category" => BulkAction::RemoveFromCategory(category()?),
            "price" => parse_price_change(change.as_deref().unwrap_or(""), state.currency())
                .map_err(|m| AppError::validation("change", m))?,
            _ => return Err(AppError::validation("action", "choose what to change")),
        };
        let ip = state.accounts.client().ip;
        admin::apply_bulk(&state.db, &me, &ids, &action, ip).await?;
        let back = back
            .filter(|b| b.starts_with("/admin/products"))
            .unwrap_or_else(|| "/admin/products".into());
        let join = if back.contains('?') { '&' } else { '?' };
        redirect(&format!("{back}{join}done=bulk"))
    })
    .await
}

/// What a price change would do to the selected products, before it is applied.
#[server]
pub async fn preview_price_change(
    ids: Vec<i64>,
    change: String,
) -> Result<Vec<(String, String, String, String)>, AppError> {
    use glue::*;
    in_span("preview_price_change", async move {
        let state = state()?;
        let me = require(&state, Permission::ViewCatalog).await?;
        let currency = state.currency();
        let action =
            parse_price_change(&change, currency).map_err(|m| AppError::validation("change", m))?;
        let rows = admin::preview_prices(&state.db, &me, &ids, &action, currency).await?;
        Ok(rows
            .into_iter()
            .map(|r| (r.product, r.sku, r.before.to_string(), r.after.to_string()))
            .collect())
    })
    .await
}

/// The category tree, and whether this member may change it.
#[server]
pub async fn get_admin_categories() -> Result<(Vec<AdminCategory>, bool), AppError> {
    use glue::*;
    in_span("get_admin_categories", async move {
        let state = state()?;
        let me = require(&state, Permission::ViewCatalog).await?;
        let tree = admin::category_tree(&state.db, &me).await?;
        Ok((tree, me.role.allows(Permission::ManageCatalog)))
    })
    .await
}

/// Creates a category (no `id`) or changes one; an empty slug is made from the name.
#[server]
pub async fn save_category(id: Option<i64>, category: CategoryForm) -> Result<(), AppError> {
    use glue::*;
    in_span("save_category", async move {
        let state = state()?;
        let me = require(&state, Permission::ManageCatalog).await?;
        let mut form = category;
        if form.slug.trim().is_empty() {
            form.slug = slugify(&form.name);
        }
        let ip = state.accounts.client().ip;
        admin::save_category(&state.db, &me, id, &form, ip).await?;
        redirect("/admin/categories?done=saved")
    })
    .await
}

/// Deletes a category; `move_to` is where its products go: a category's id, `none` (only out
/// of this one), or empty when it holds none.
#[server]
pub async fn delete_category(id: i64, move_to: String) -> Result<(), AppError> {
    use glue::*;
    in_span("delete_category", async move {
        let state = state()?;
        let me = require(&state, Permission::ManageCatalog).await?;
        let products = match move_to.trim() {
            "" => None,
            "none" => Some(admin::ProductsGo::Nowhere),
            to => Some(admin::ProductsGo::To(to.parse().map_err(|_| {
                AppError::validation("move_to", "choose a category from the list")
            })?)),
        };
        let ip = state.accounts.client().ip;
        admin::delete_category(&state.db, &me, id, products, ip).await?;
        redirect("/admin/categories?done=deleted")
    })
    .await
}
