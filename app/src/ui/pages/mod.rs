mod account;
mod admin;
mod admin_catalog;
mod collection;
mod error;
mod home;
mod not_found;
mod product;
mod search;
mod shop;

pub use account::{
    AccountPage, AddressEditPage, AddressesPage, ForgotPasswordPage, PrivacyPage, RegisterPage,
    RegisteredPage, ResetPasswordPage, SessionsPage, SignInPage, VerifyPage,
};
pub use admin::{
    AdminCodePage, AdminEnrolPage, AdminHomePage, AdminOrderPage, AdminOrdersPage, AdminSignInPage,
};
pub use admin_catalog::{
    AdminCategoriesPage, AdminProductsPage, ImportPage, ImportsPage, PricePreviewPage,
    ProductEditorPage, IMPORT_UPLOAD_PATH,
};
pub use collection::CollectionPage;
pub use error::ErrorPage;
pub use home::HomePage;
pub use not_found::NotFound;
pub use product::ProductPage;
pub use search::SearchPage;
pub use shop::{AccountOrdersPage, CartPage, CheckoutPage, OrderLookupPage, OrderPage};
