//! The shop's own pages and the links every page's header and footer carry.

use super::CategoryLink;
use serde::{Deserialize, Serialize};

/// One of the shop's pages (about, contact, policies), its body in the rich-text format.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StorePageView {
    pub slug: String,
    pub title: String,
    pub body: String,
}

/// A link to one of the shop's pages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageLink {
    pub slug: String,
    pub title: String,
}

/// The header's menu (top categories) and the footer's pages.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayoutLinks {
    pub categories: Vec<CategoryLink>,
    pub pages: Vec<PageLink>,
}
