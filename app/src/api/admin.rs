//! Staff: the two-step sign-in (password, then a TOTP or recovery code; enrolment first when
//! no authenticator is set up), and the first admin functions. Every staff function checks the
//! staff session and the role's permission on the server; a customer gets a refusal.

use crate::model::{AppError, Dashboard};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The authenticator being set up, shown once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrolmentView {
    /// The QR code as a `data:image/svg+xml` URL (drawn on the server).
    pub qr_data_uri: String,
    pub secret: String,
    pub recovery_codes: Vec<String>,
}

#[cfg(feature = "ssr")]
pub(crate) use glue::require as require_staff;

#[cfg(feature = "ssr")]
mod glue {
    pub use crate::api::in_span;
    pub use crate::api::redirect;
    pub use crate::model::AppError;
    pub use crate::server::accounts::staff::{self, Permission};
    pub use crate::server::accounts::two_factor;
    pub use crate::server::auth::{self, set_cookies, CHALLENGE_COOKIE};
    pub use crate::server::orders::Actor;
    pub use crate::server::platform::limits;
    pub use crate::server::{state, AppState};
    pub use secrecy::SecretString;

    /// The staff member of this request if their role allows `permission`.
    pub async fn require(
        state: &AppState,
        permission: Permission,
    ) -> Result<staff::Staff, AppError> {
        let viewer = auth::staff_viewer().ok_or(AppError::Unauthorized)?;
        Ok(staff::authorize(&state.db, viewer.account_id, viewer.session_id, permission).await?)
    }

    /// The challenge from the password step, or `Unauthorized` (start again).
    pub fn challenge() -> Result<String, AppError> {
        auth::request_cookie(CHALLENGE_COOKIE).ok_or(AppError::Unauthorized)
    }

    /// Counts a code attempt against the challenged account.
    pub async fn limit_codes(state: &AppState, challenge: &str) -> Result<(), AppError> {
        let account = state
            .accounts
            .keys
            .verify_challenge(challenge, auth::now())?;
        state
            .accounts
            .limits
            .check(limits::TOTP_PER_ACCOUNT, &account.to_string())
            .await
    }

    /// Which page a code comes from.
    pub enum CodeStep {
        /// Signing in: a TOTP code or a recovery code.
        SignIn,
        /// Enrolling: the first code from the new authenticator.
        Enrol,
    }

    /// A code for the challenged account (limited per account), then the staff session.
    pub async fn code_step(code: String, step: CodeStep) -> Result<(), AppError> {
        let state = state()?;
        let challenge = challenge()?;
        limit_codes(&state, &challenge).await?;
        let a = &state.accounts;
        let (client, now) = (a.client(), auth::now());
        let issued = match step {
            CodeStep::SignIn => {
                two_factor::complete_sign_in(
                    &state.db, &a.keys, &a.sealer, &challenge, &code, &client, now,
                )
                .await?
            }
            CodeStep::Enrol => {
                two_factor::confirm_enrolment(
                    &state.db, &a.keys, &a.sealer, &challenge, &code, &client, now,
                )
                .await?
            }
        };
        signed_in(&state, &issued).await
    }

    /// Starts the staff session: its cookies set (and this browser remembered as one the
    /// member signs in from), the challenge cleared.
    pub async fn signed_in(
        state: &AppState,
        issued: &crate::server::accounts::sessions::Issued,
    ) -> Result<(), AppError> {
        let names = &state.accounts.staff_cookies;
        let email = crate::server::accounts::profile::profile(&state.db, issued.account_id)
            .await?
            .email;
        set_cookies(names.set(issued));
        set_cookies([
            names.device_cookie(&state.accounts.keys, &email),
            auth::challenge_cookie(None, names.secure),
        ]);
        redirect("/admin")
    }
}

/// The password step. Leads to the code step, or to enrolment the first time.
#[server]
pub async fn staff_sign_in(email: String, password: String) -> Result<(), AppError> {
    use glue::*;
    in_span("staff_sign_in", async move {
        let state = state()?;
        let a = &state.accounts;
        let client = a.limited_sign_in(&email, &a.staff_cookies).await?;
        let next = staff::begin_sign_in(
            &state.db,
            &a.hasher,
            &a.keys,
            &email,
            &SecretString::from(password),
            &client,
            auth::now(),
        )
        .await?;
        let (challenge, to) = match &next {
            staff::NextStep::Code { challenge } => (challenge, "/admin/two-factor"),
            staff::NextStep::Enrol { challenge } => (challenge, "/admin/enrol"),
        };
        set_cookies([auth::challenge_cookie(
            Some(challenge),
            a.staff_cookies.secure,
        )]);
        redirect(to)?;
        Ok(())
    })
    .await
}

/// The code step: a TOTP code or a recovery code.
#[server]
pub async fn staff_code(code: String) -> Result<(), AppError> {
    use glue::*;
    in_span("staff_code", code_step(code, CodeStep::SignIn)).await
}

/// A new secret and recovery codes for the challenged account (the enrolment page).
#[server]
pub async fn start_enrolment() -> Result<EnrolmentView, AppError> {
    use glue::*;
    in_span("start_enrolment", async move {
        let state = state()?;
        let e = two_factor::start_enrolment(
            &state.db,
            &state.accounts.keys,
            &state.accounts.sealer,
            &state.accounts.site,
            &challenge()?,
            auth::now(),
        )
        .await?;
        use base64::Engine as _;
        Ok(EnrolmentView {
            qr_data_uri: format!(
                "data:image/svg+xml;base64,{}",
                base64::engine::general_purpose::STANDARD.encode(e.qr_svg.as_bytes())
            ),
            secret: e.secret_base32,
            recovery_codes: e.recovery_codes,
        })
    })
    .await
}

/// Confirms enrolment with the first code from the app, and signs in.
#[server]
pub async fn confirm_enrolment(code: String) -> Result<(), AppError> {
    use glue::*;
    in_span("confirm_enrolment", code_step(code, CodeStep::Enrol)).await
}

#[server]
pub async fn staff_sign_out() -> Result<(), AppError> {
    use glue::*;
    in_span("staff_sign_out", async move {
        let state = state()?;
        if let Some(v) = auth::staff_viewer() {
            crate::server::accounts::sign_out(
                &state.db,
                v.account_id,
                v.session_id,
                &state.accounts.client(),
            )
            .await?;
        }
        set_cookies(state.accounts.staff_cookies.clear());
        redirect("/admin/sign-in")?;
        Ok(())
    })
    .await
}

/// The admin home: who is signed in, and what their role may see.
#[server]
pub async fn get_dashboard() -> Result<Dashboard, AppError> {
    use glue::*;
    in_span("get_dashboard", async move {
        let state = state()?;
        let me = require(&state, Permission::OpenAdmin).await?;
        let currency = state.currency();
        let threshold = state.shop().low_stock_threshold as i32;
        Ok(crate::server::reports::home(&state.db, &me, currency, threshold).await?)
    })
    .await
}

/// The staff bar: who is signed in, the sections their role may open, and (for those who
/// see orders) the orders waiting to be packed or shipped with the live feed's position.
/// `None` without a staff session: the bar is then simply absent, and the page's own answer
/// (a redirect to the sign-in, a 403) is the response's.
#[server]
pub async fn get_admin_nav() -> Result<Option<crate::model::AdminNav>, AppError> {
    use glue::*;
    in_span("get_admin_nav", async move {
        let state = state()?;
        let me = match require(&state, Permission::OpenAdmin).await {
            Ok(me) => me,
            Err(AppError::Unauthorized | AppError::Forbidden) => return Ok(None),
            Err(other) => return Err(other),
        };
        let orders = if me.role.allows(Permission::ViewOrders) {
            Some(crate::server::orders::waiting(&state.db).await?)
        } else {
            None
        };
        Ok(Some(crate::model::AdminNav {
            email: staff::email_of(&state.db, &me).await?,
            role: me.role.label().to_owned(),
            links: staff::sections(me.role),
            orders,
        }))
    })
    .await
}

/// Adds a staff member (owner only); they get an email link to choose a password.
#[server]
pub async fn create_staff(email: String, role: String) -> Result<(), AppError> {
    use glue::*;
    in_span("create_staff", async move {
        let state = state()?;
        let me = require(&state, Permission::ManageStaff).await?;
        let role = staff::Role::parse(&role)
            .ok_or_else(|| AppError::validation("role", "choose a role from the list"))?;
        staff::create_staff(
            &state.db,
            &state.accounts.site,
            &me,
            &email,
            role,
            &state.accounts.client(),
        )
        .await?;
        redirect("/admin/staff?done=invited")?;
        Ok(())
    })
    .await
}

/// One page of the orders list, newest first, as its query string filters it (staff who
/// manage or view orders).
#[server]
pub async fn get_admin_orders(
    params: crate::model::order_list::OrderListParams,
) -> Result<crate::model::order_list::StaffOrderPage, AppError> {
    use glue::*;
    in_span("get_admin_orders", async move {
        let state = state()?;
        let me = require(&state, Permission::ViewOrders).await?;
        let query = crate::model::order_list::OrderListQuery::from_params(params.pairs())?;
        let mut page = crate::server::orders::list::page(&state.db, &query).await?;
        page.can_manage = me.role.allows(Permission::ManageOrders);
        Ok(page)
    })
    .await
}

/// An order and who sells it, for its printed tax invoice and packing slip (staff who
/// manage or view orders).
#[server]
pub async fn get_order_document(
    number: i64,
) -> Result<(crate::model::OrderView, crate::model::Seller), AppError> {
    use glue::*;
    in_span("get_order_document", async move {
        let state = state()?;
        require(&state, Permission::ViewOrders).await?;
        let order =
            crate::server::orders::view(&state.db, number, crate::server::orders::Access::Staff)
                .await?;
        let shop = state.shop();
        let given = |text: &str| (!text.is_empty()).then(|| text.to_owned());
        let seller = crate::model::Seller {
            name: shop.name.clone(),
            address: given(&shop.address),
            tax_number: given(&shop.tax_number),
        };
        Ok((order, seller))
    })
    .await
}

/// One order with its lines, what is packed of each, and its timeline (staff who manage or
/// view orders).
#[server]
pub async fn get_admin_order(number: i64) -> Result<crate::model::OrderView, AppError> {
    use glue::*;
    in_span("get_admin_order", async move {
        let state = state()?;
        let me = require(&state, Permission::ViewOrders).await?;
        let mut order =
            crate::server::orders::view(&state.db, number, crate::server::orders::Access::Staff)
                .await?;
        if let Some(side) = order.staff.as_mut() {
            side.can_manage = me.role.allows(Permission::ManageOrders);
        }
        Ok(order)
    })
    .await
}

/// Packs `quantity` more of one line of an order (its `line_no`); the order becomes partly
/// packed, or packed once every line is.
#[server]
pub async fn pack_order_line(number: i64, line_no: i32, quantity: i32) -> Result<(), AppError> {
    use glue::*;
    in_span("pack_order_line", async move {
        let state = state()?;
        let me = require(&state, Permission::ManageOrders).await?;
        crate::server::orders::pack(
            &state.db,
            number,
            line_no,
            quantity,
            Actor::Staff(me.account_id),
        )
        .await?;
        redirect(&format!("/admin/orders/{number}?done=packed"))?;
        Ok(())
    })
    .await
}

/// Moves an order on: packed, shipped (with its carrier and tracking), delivered (a cash
/// order with the cash collected), cancelled. A move the order's status does not allow is
/// refused; the order's page then says what happened ("Order 1006 marked shipped").
#[allow(clippy::too_many_arguments)]
#[server]
pub async fn update_order_status(
    number: i64,
    status: String,
    carrier: Option<String>,
    carrier_name: Option<String>,
    tracking_number: Option<String>,
    tracking_url: Option<String>,
    cash_collected: Option<String>,
) -> Result<(), AppError> {
    use glue::*;
    in_span("update_order_status", async move {
        let state = state()?;
        let me = require(&state, Permission::ManageOrders).await?;
        let to = crate::model::OrderStatus::parse(&status)
            .ok_or_else(|| AppError::validation("status", "choose a status from the list"))?;
        let details = crate::server::orders::StatusDetails {
            shipment: crate::model::shipment::ShipmentInput {
                carrier: carrier.unwrap_or_default(),
                carrier_name: carrier_name.unwrap_or_default(),
                tracking_number: tracking_number.unwrap_or_default(),
                tracking_url: tracking_url.unwrap_or_default(),
            },
            cash_collected_minor: crate::api::amount(
                "cash_collected",
                cash_collected.as_deref().unwrap_or_default(),
                state.currency(),
            )?,
        };
        state
            .payments
            .change_order_status(number, to, Actor::Staff(me.account_id), &details)
            .await?;
        redirect(&format!("/admin/orders/{number}?done={}", to.as_str()))?;
        Ok(())
    })
    .await
}

/// Refunds `amount` of an order, in the store's currency: never "everything" by omission, an
/// empty amount is refused. A card order's money goes back through Stripe; a cash order's
/// refund records cash handed back. `request_key`, drawn with the form, makes the same form
/// sent twice refund once.
#[server]
pub async fn refund_order(
    number: i64,
    amount: String,
    reason: String,
    request_key: String,
) -> Result<(), AppError> {
    use glue::*;
    in_span("refund_order", async move {
        let state = state()?;
        let me = require(&state, Permission::ManageOrders).await?;
        let amount = crate::api::amount("amount", &amount, state.currency())?
            .ok_or_else(|| AppError::validation("amount", "enter the amount to refund"))?;
        state
            .payments
            .refund(
                number,
                Some(amount),
                &reason,
                Actor::Staff(me.account_id),
                Some(&request_key),
            )
            .await?;
        redirect(&format!("/admin/orders/{number}?done=refund"))?;
        Ok(())
    })
    .await
}

/// Adds a staff note to an order (never shown to the shopper).
#[server]
pub async fn add_order_note(number: i64, body: String) -> Result<(), AppError> {
    use glue::*;
    in_span("add_order_note", async move {
        let state = state()?;
        let me = require(&state, Permission::ManageOrders).await?;
        crate::server::orders::add_note(&state.db, number, &body, me.account_id).await?;
        redirect(&format!("/admin/orders/{number}?done=note"))?;
        Ok(())
    })
    .await
}
