//! The plumbing the bounded contexts stand on: settings, the database, the cache, errors,
//! health, rate limits, email, media files, the audit log, metrics and the build's identity.
//! Nothing here imports a bounded context; a file belongs here when a shop owner would not
//! name it.

pub mod audit;
pub mod cache;
pub mod config;
pub mod db;
pub mod error;
pub mod executable;
pub mod health;
pub mod limits;
pub mod mail;
pub mod media;
pub mod memo;
pub mod metrics;
pub mod request;
