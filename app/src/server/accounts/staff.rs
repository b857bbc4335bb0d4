//! Staff: roles and what each may do, the second factor every staff account must use, the
//! first owner (created from the command line), and staff created by those allowed to.
//!
//! Signing in as staff is two steps: the password gives a short-lived challenge (a token that
//! opens nothing else), and a TOTP code or a recovery code turns it into a staff session. A
//! staff account without a confirmed authenticator enrols one first; no staff session exists
//! without a second factor.

use super::normalise_email;
use super::password::{self, Hasher};
use super::sessions::Client;
pub use super::staff_admin::{
    audit_page, change_role, list_staff, reset_second_factor, set_active, team, StaffMember,
};
use super::tokens::{Audience, TokenKeys};
use crate::model::{AppError, Dashboard};
use crate::server::platform::{audit, mail::Site};
use crate::server::Error;
use secrecy::{ExposeSecret, SecretString};
use sqlx::PgPool;

/// A staff role. Customers have none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Owner,
    Admin,
    CatalogManager,
    OrderClerk,
    Support,
}

/// A staff capability: what a staff function needs. Which roles have each is [`TABLE`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// Open the admin: the dashboard (every staff role).
    OpenAdmin,
    /// Create staff accounts and change roles.
    ManageStaff,
    /// Read the audit log.
    ViewAudit,
    /// Read the catalog in the admin: products, variants, stock history.
    ViewCatalog,
    /// Create and change products, variants, pictures, categories and stock.
    ManageCatalog,
    /// Read orders: the list and one order with its timeline.
    ViewOrders,
    /// Pack, ship, cancel and refund orders.
    ManageOrders,
    /// Read customers' accounts and orders (support questions).
    ViewCustomers,
    /// Create, change, pause and delete coupons; read their report.
    ManagePromotions,
    /// Read the shop's sales figures (the dashboard).
    ViewReports,
    /// Export or erase a customer's data (GDPR requests made to the shop).
    ManageCustomerData,
    /// Change the shop's settings: its details, delivery zones and rates, VAT.
    ManageSettings,
}

/// The permission table: every staff capability and the roles that have it, in one place.
/// The owner has every one.
pub const TABLE: &[(Permission, &[Role])] = {
    use Permission::*;
    use Role::*;
    &[
        (
            OpenAdmin,
            &[Owner, Admin, CatalogManager, OrderClerk, Support],
        ),
        (ManageStaff, &[Owner]),
        (ViewAudit, &[Owner, Admin]),
        (
            ViewCatalog,
            &[Owner, Admin, CatalogManager, OrderClerk, Support],
        ),
        (ManageCatalog, &[Owner, Admin, CatalogManager]),
        (ViewOrders, &[Owner, Admin, OrderClerk, Support]),
        (ManageOrders, &[Owner, Admin, OrderClerk]),
        (ViewCustomers, &[Owner, Admin, OrderClerk, Support]),
        (ManagePromotions, &[Owner, Admin]),
        (ViewReports, &[Owner, Admin]),
        (ManageCustomerData, &[Owner, Admin]),
        (ManageSettings, &[Owner, Admin]),
    ]
};

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Owner,
        Role::Admin,
        Role::CatalogManager,
        Role::OrderClerk,
        Role::Support,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::CatalogManager => "catalog_manager",
            Role::OrderClerk => "order_clerk",
            Role::Support => "support",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Owner => "Owner",
            Role::Admin => "Admin",
            Role::CatalogManager => "Catalog manager",
            Role::OrderClerk => "Order clerk",
            Role::Support => "Support",
        }
    }

    /// Whether this role has `permission`, by [`TABLE`].
    pub fn allows(self, permission: Permission) -> bool {
        TABLE
            .iter()
            .any(|(p, roles)| *p == permission && roles.contains(&self))
    }

    /// Roles `self` may give to a new staff member: only the owner makes staff, and never
    /// another owner from the web (that is the command line's job).
    pub fn may_grant(self, role: Role) -> bool {
        self == Role::Owner && role != Role::Owner
    }
}

/// A signed-in staff member with a live staff session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Staff {
    pub account_id: i64,
    pub session_id: i64,
    pub role: Role,
}

impl Staff {
    /// `Forbidden` unless this member's role allows `permission`: the check every staff
    /// domain function makes itself.
    pub fn require(&self, permission: Permission) -> Result<(), Error> {
        if self.role.allows(permission) {
            Ok(())
        } else {
            Err(AppError::Forbidden.into())
        }
    }
}

/// The staff member behind a staff session, if their role allows `permission`. A customer,
/// or staff without the permission, is refused; the role is read now, so a change applies at
/// once.
pub async fn authorize(
    db: &PgPool,
    account_id: i64,
    session_id: i64,
    permission: Permission,
) -> Result<Staff, Error> {
    let role = sqlx::query_scalar!(
        "SELECT role FROM accounts
         WHERE id = $1 AND erased_at IS NULL AND deactivated_at IS NULL",
        account_id
    )
    .fetch_optional(db)
    .await?
    .and_then(|r| Role::parse(&r))
    .ok_or(AppError::Forbidden)?;
    if !role.allows(permission) {
        return Err(AppError::Forbidden.into());
    }
    Ok(Staff {
        account_id,
        session_id,
        role,
    })
}

/// What the password step leads to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NextStep {
    /// Enter a code from the authenticator app.
    Code { challenge: String },
    /// No authenticator yet: enrol one first.
    Enrol { challenge: String },
}

/// The password step of a staff sign-in. Wrong password, unknown address and a customer's
/// account all get the same answer (the customer sign-in's rules).
#[allow(clippy::too_many_arguments)]
pub async fn begin_sign_in(
    db: &PgPool,
    hasher: &Hasher,
    keys: &TokenKeys,
    email: &str,
    password: &SecretString,
    client: &Client,
    now: i64,
) -> Result<NextStep, Error> {
    let account_id =
        super::check_credentials(db, hasher, email, password, Audience::Staff, client).await?;
    let enabled = sqlx::query_scalar!(
        r#"SELECT enabled_at IS NOT NULL AS "enabled!" FROM staff_totp WHERE account_id = $1"#,
        account_id
    )
    .fetch_optional(db)
    .await?
    .unwrap_or(false);
    let challenge = keys.issue_challenge(account_id, now);
    Ok(if enabled {
        NextStep::Code { challenge }
    } else {
        NextStep::Enrol { challenge }
    })
}

/// The first owner, from the command line (`duka admin create-owner`): refused when an owner
/// exists, so it cannot be used to take over a running shop.
pub async fn create_owner(
    db: &PgPool,
    hasher: &Hasher,
    email: &str,
    password: &SecretString,
) -> Result<i64, Error> {
    let email = normalise_email(email)?;
    password::check_new(password.expose_secret(), &email)?;
    let hash = hasher.hash(password).await?;
    let mut tx = db.begin().await?;
    // One creator at a time, so two runs cannot both see "no owner yet".
    sqlx::query!("LOCK TABLE accounts IN SHARE ROW EXCLUSIVE MODE")
        .execute(&mut *tx)
        .await?;
    let owners = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM accounts WHERE role = 'owner' AND erased_at IS NULL"#
    )
    .fetch_one(&mut *tx)
    .await?;
    if owners > 0 {
        return Err(AppError::validation(
            "email",
            "this shop already has an owner; the owner adds staff from the admin",
        )
        .into());
    }
    let id = sqlx::query_scalar!(
        "INSERT INTO accounts (email, password_hash, role, email_verified_at) VALUES ($1, $2, 'owner', now())
         ON CONFLICT (email) DO NOTHING RETURNING id",
        email,
        hash
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| AppError::validation("email", "an account already uses this address"))?;
    audit::record_in(
        &mut tx,
        Some(id),
        "staff.owner_created",
        None,
        serde_json::json!({ "by": "cli" }),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// A staff member added by someone allowed to: the account is created without a password and
/// the new member gets an invitation of its own with a link to choose one.
pub async fn create_staff(
    db: &PgPool,
    site: &Site,
    by: &Staff,
    email: &str,
    role: Role,
    client: &Client,
) -> Result<i64, Error> {
    if !by.role.may_grant(role) {
        return Err(AppError::Forbidden.into());
    }
    let email = normalise_email(email)?;
    let mut tx = db.begin().await?;
    let id = sqlx::query_scalar!(
        "INSERT INTO accounts (email, role, email_verified_at) VALUES ($1, $2, NULL)
         ON CONFLICT (email) DO NOTHING RETURNING id",
        email,
        role.as_str()
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| AppError::validation("email", "an account already uses this address"))?;
    audit::record_in(
        &mut tx,
        Some(by.account_id),
        "staff.created",
        client.ip,
        serde_json::json!({ "account": id, "role": role.as_str() }),
    )
    .await?;
    let inviter = sqlx::query_scalar!("SELECT email FROM accounts WHERE id = $1", by.account_id)
        .fetch_one(&mut *tx)
        .await?;
    let role = role.label().to_lowercase();
    super::links::send_invitation(&mut tx, site, id, &email, &inviter, &role).await?;
    tx.commit().await?;
    Ok(id)
}

/// The admin home for `me`: who is signed in (the figures are `reports::home`'s).
pub async fn dashboard(db: &PgPool, me: &Staff) -> Result<Dashboard, Error> {
    let email = super::profile::profile(db, me.account_id).await?.email;
    Ok(Dashboard {
        email,
        role: me.role.label().to_owned(),
        report: None,
        waiting: None,
        low_stock: None,
    })
}

/// The signed-in staff member's email.
pub async fn email_of(db: &PgPool, me: &Staff) -> Result<String, Error> {
    Ok(super::profile::profile(db, me.account_id).await?.email)
}

/// The admin's sections `role` may open, as (path, name): the only links it is shown.
pub fn sections(role: Role) -> Vec<(String, String)> {
    [
        (Permission::OpenAdmin, "/admin", "Home"),
        (Permission::ViewOrders, "/admin/orders", "Orders"),
        (Permission::ViewCustomers, "/admin/customers", "Customers"),
        (Permission::ViewCatalog, "/admin/products", "Products"),
        (Permission::ViewCatalog, "/admin/categories", "Categories"),
        (Permission::ManagePromotions, "/admin/coupons", "Coupons"),
        (Permission::ManageStaff, "/admin/staff", "Staff"),
        (Permission::ManageSettings, "/admin/settings", "Settings"),
        (Permission::ViewAudit, "/admin/audit", "Audit log"),
    ]
    .into_iter()
    .filter(|(needs, _, _)| role.allows(*needs))
    .map(|(_, path, name)| (path.to_owned(), name.to_owned()))
    .collect()
}
