//! The binary's integration tests, one binary: `http` drives the whole router in-process,
//! `crash` spawns the real `duka` and kills it at the worst moments of a checkout.

// The app tests' stock books and local Stripe server, shared rather than copied.
#[path = "../../../app/tests/it/support/stock.rs"]
mod stock;
#[path = "../../../app/tests/it/support/stripe.rs"]
mod stripe;

mod crash;
mod http;
