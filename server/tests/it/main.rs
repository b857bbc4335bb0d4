//! The binary's integration tests, one binary: `http` drives the whole router in-process,
//! `crash` spawns the real `duka` and kills it at the worst moments of a checkout.

// The app tests' fixtures, stock books and local Stripe server, shared rather than copied.
#[path = "../../../app/tests/it/support/mod.rs"]
mod support;

mod crash;
mod http;
