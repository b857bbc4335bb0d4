//! Server-only code (feature `ssr`): one module per bounded context holding its rules and
//! its SQL, the plumbing they stand on in [`platform`], and the [`state`] that wires them.

pub mod accounts;
pub mod auth;
pub mod cart;
pub mod catalog;
pub mod checkout;
pub mod content;
pub mod customers;
pub mod delivery;
pub mod inventory;
pub mod jobs;
pub mod orders;
pub mod payments;
pub mod platform;
pub mod promotions;
pub mod reports;
pub mod search;
pub mod shop;
pub mod state;

pub use platform::error::Error;
pub use state::{state, AccountServices, AppState, Services};
