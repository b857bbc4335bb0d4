use super::components::admin_bar::AdminBar;
use super::components::layout::{Footer, Header};
use super::pages::{
    AccountOrdersPage, AccountPage, AddressEditPage, AddressesPage, AdminCategoriesPage,
    AdminCodePage, AdminCouponsPage, AdminCustomersPage, AdminEnrolPage, AdminHomePage,
    AdminOrderPage, AdminOrdersPage, AdminProductsPage, AdminSignInPage, AuditLogPage, CartPage,
    CheckoutPage, CollectionPage, CouponEditorPage, CustomerPageView, DeliverySettingsPage,
    ForgotPasswordPage, HomePage, ImportPage, ImportsPage, InvoicePage, NotFound, OrderLookupPage,
    OrderPage, PackingSlipPage, PricePreviewPage, PrivacyPage, ProductEditorPage, ProductPage,
    RegisterPage, RegisteredPage, ResetPasswordPage, SearchPage, SessionsPage, ShopSettingsPage,
    SignInPage, StaffPage, StorePage, VerifyPage, ZoneEditorPage,
};
use crate::model::StoreInfo;
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, MetaTags, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{path, SsrMode};

/// The HTML document around every page.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    pass_nonce_on();
    view! {
        <!DOCTYPE html>
        <html lang="en" dir="ltr">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <AutoReload options=options.clone() />
                <HydrationScripts options=options.clone() islands=true />
                <HashedStylesheet options id="leptos" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// The hydration script carries this response's nonce (`leptos_axum` makes one per render);
/// the server's security layer puts the same nonce in the Content-Security-Policy.
#[cfg(feature = "ssr")]
fn pass_nonce_on() {
    let (Some(nonce), Some(response)) = (
        leptos::nonce::use_nonce(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) else {
        return;
    };
    if let Ok(value) = http::HeaderValue::from_str(&nonce.to_string()) {
        response.insert_header(
            http::HeaderName::from_static(super::CSP_NONCE_HEADER),
            value,
        );
    }
}

/// Routes. Every page renders fully on the server before the response starts
/// (`SsrMode::Async`), so status codes are right and no inline script is needed to show it.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let store = use_context::<StoreInfo>().unwrap_or_default();
    let title_name = store.name.clone();
    view! {
        <Title formatter=move |page: String| {
            let title = if page.is_empty() {
                title_name.clone()
            } else {
                format!("{page} · {title_name}")
            };
            escape_title(&title)
        } />
        <Router>
            <Header store_name=store.name.clone() logo=store.logo.clone() />
            <AdminBar />
            <main id="main">
                <Routes fallback=|| view! { <NotFound /> }>
                    <Route path=path!("/") view=HomePage ssr=SsrMode::Async />
                    <Route path=path!("/collections/:slug") view=CollectionPage ssr=SsrMode::Async />
                    <Route path=path!("/products/:slug") view=ProductPage ssr=SsrMode::Async />
                    <Route path=path!("/search") view=SearchPage ssr=SsrMode::Async />
                    <Route path=path!("/cart") view=CartPage ssr=SsrMode::Async />
                    <Route path=path!("/checkout") view=CheckoutPage ssr=SsrMode::Async />
                    <Route path=path!("/pages/:slug") view=StorePage ssr=SsrMode::Async />
                    <Route path=path!("/orders/find") view=OrderLookupPage ssr=SsrMode::Async />
                    <Route path=path!("/orders/:number") view=OrderPage ssr=SsrMode::Async />
                    <Route path=path!("/account") view=AccountPage ssr=SsrMode::Async />
                    <Route path=path!("/account/orders") view=AccountOrdersPage ssr=SsrMode::Async />
                    <Route path=path!("/account/register") view=RegisterPage ssr=SsrMode::Async />
                    <Route path=path!("/account/registered") view=RegisteredPage ssr=SsrMode::Async />
                    <Route path=path!("/account/verify") view=VerifyPage ssr=SsrMode::Async />
                    <Route path=path!("/account/sign-in") view=SignInPage ssr=SsrMode::Async />
                    <Route path=path!("/account/forgot-password") view=ForgotPasswordPage ssr=SsrMode::Async />
                    <Route path=path!("/account/reset-password") view=ResetPasswordPage ssr=SsrMode::Async />
                    <Route path=path!("/account/addresses") view=AddressesPage ssr=SsrMode::Async />
                    <Route path=path!("/account/addresses/:id") view=AddressEditPage ssr=SsrMode::Async />
                    <Route path=path!("/account/sessions") view=SessionsPage ssr=SsrMode::Async />
                    <Route path=path!("/account/privacy") view=PrivacyPage ssr=SsrMode::Async />
                    <Route path=path!("/admin") view=AdminHomePage ssr=SsrMode::Async />
                    <Route path=path!("/admin/orders") view=AdminOrdersPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/coupons") view=AdminCouponsPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/staff") view=StaffPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/audit") view=AuditLogPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/settings") view=ShopSettingsPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/settings/delivery") view=DeliverySettingsPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/settings/zones/:id") view=ZoneEditorPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/customers") view=AdminCustomersPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/customers/:id") view=CustomerPageView ssr=SsrMode::Async />
                    <Route path=path!("/admin/coupons/:id") view=CouponEditorPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/products") view=AdminProductsPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/categories") view=AdminCategoriesPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/products/prices") view=PricePreviewPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/products/import") view=ImportsPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/products/import/:id") view=ImportPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/products/:id") view=ProductEditorPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/orders/:number") view=AdminOrderPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/orders/:number/invoice") view=InvoicePage ssr=SsrMode::Async />
                    <Route path=path!("/admin/orders/:number/packing-slip") view=PackingSlipPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/sign-in") view=AdminSignInPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/two-factor") view=AdminCodePage ssr=SsrMode::Async />
                    <Route path=path!("/admin/enrol") view=AdminEnrolPage ssr=SsrMode::Async />
                </Routes>
            </main>
            <Footer store_name=store.name />
        </Router>
    }
}

/// leptos_meta 0.8 writes the `<title>` text into the page without escaping it, so a product
/// named `</title><script>...` would inject markup. Every title goes through here first.
pub fn escape_title(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape_title;

    #[test]
    fn titles_cannot_close_the_title_element() {
        assert_eq!(
            escape_title("</title><script>x()</script> & co"),
            "&lt;/title&gt;&lt;script&gt;x()&lt;/script&gt; &amp; co"
        );
        assert_eq!(escape_title("Linen Shirt · Souq"), "Linen Shirt · Souq");
    }
}
