mod account;
mod admin;
mod admin_catalog;
mod admin_coupons;
mod admin_customers;
mod admin_dashboard;
mod admin_orders;
mod admin_settings;
mod admin_staff;
mod cart;
mod checkout;
mod collection;
mod error;
mod home;
mod not_found;
pub(crate) mod order;
mod order_lookup;
mod product;
mod search;
mod skeleton;
pub use skeleton::apart;
mod store_page;

pub use account::{
    AccountOrdersPage, AccountPage, AddressEditPage, AddressesPage, ForgotPasswordPage,
    PrivacyPage, RegisterPage, RegisteredPage, ResetPasswordPage, SessionsPage, SignInPage,
    VerifyPage,
};
pub use admin::{AdminCodePage, AdminEnrolPage, AdminHomePage, AdminSignInPage};
pub use admin_catalog::{
    AdminCategoriesPage, AdminProductsPage, ImportPage, ImportsPage, PricePreviewPage,
    ProductEditorPage, IMPORT_UPLOAD_PATH,
};
pub use admin_coupons::{AdminCouponsPage, CouponEditorPage};
pub use admin_customers::{AdminCustomersPage, CustomerPageView};
pub use admin_orders::{AdminOrderPage, AdminOrdersPage, InvoicePage, OrderRow, PackingSlipPage};
pub use admin_settings::{DeliverySettingsPage, ShopSettingsPage, ZoneEditorPage, LOGO_PATH};
pub use admin_staff::{AuditLogPage, StaffPage};
pub use cart::CartPage;
pub use checkout::CheckoutPage;
pub use collection::CollectionPage;
pub use error::ErrorPage;
pub use home::HomePage;
pub use not_found::NotFound;
pub use order::OrderPage;
pub use order_lookup::OrderLookupPage;
pub use product::ProductPage;
pub use search::SearchPage;
pub use store_page::StorePage;
