//! The settings file's shape (`Leptos.toml`'s Duka sections). Every field is optional;
//! the defaults live in the section resolvers.

use serde::Deserialize;

/// The file's shape. Every field is optional; defaults live in [`Settings::load_from`].
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FileSettings {
    #[serde(default)]
    pub(super) environment: Option<String>,
    #[serde(default)]
    pub(super) site: FileSite,
    #[serde(default)]
    pub(super) store: FileStore,
    #[serde(default)]
    pub(super) database: FileDatabase,
    #[serde(default)]
    pub(super) redis: FileRedis,
    #[serde(default)]
    pub(super) log: FileLog,
    #[serde(default)]
    pub(super) search: FileSearch,
    #[serde(default)]
    pub(super) media: FileMedia,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FileMedia {
    pub(super) dir: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FileSite {
    pub(super) addr: Option<String>,
    pub(super) public_url: Option<String>,
    pub(super) root: Option<String>,
    pub(super) pkg_dir: Option<String>,
    pub(super) output_name: Option<String>,
    pub(super) hash_files: Option<bool>,
    pub(super) reload_port: Option<u32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FileStore {
    pub(super) name: Option<String>,
    pub(super) currency: Option<String>,
    pub(super) prices_include_tax: Option<bool>,
    pub(super) cart_ttl_days: Option<u32>,
    pub(super) unpaid_order_minutes: Option<u32>,
    pub(super) sweep_seconds: Option<u32>,
    pub(super) max_line_quantity: Option<u32>,
    pub(super) low_stock_threshold: Option<u32>,
    pub(super) time_zone: Option<String>,
    pub(super) tax_number: Option<String>,
    pub(super) address: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FileDatabase {
    pub(super) max_connections: Option<u32>,
    pub(super) acquire_timeout_ms: Option<u64>,
    pub(super) migrate_on_start: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FileRedis {
    pub(super) timeout_ms: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FileSearch {
    pub(super) index: Option<String>,
    pub(super) timeout_ms: Option<u64>,
    #[serde(default)]
    pub(super) synonyms: std::collections::BTreeMap<String, Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FileLog {
    pub(super) format: Option<String>,
}
