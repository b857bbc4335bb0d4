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
/// the new member gets a link to choose one (the password-reset link).
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
    tx.commit().await?;
    super::links::request_reset(db, site, &email, client).await?;
    Ok(id)
}

/// Offboarding: deactivates a staff account (its sign-ins are refused, every session ends at
/// once and its refresh tokens stop working), or reactivates it. Only those who manage staff
/// may, never on themselves, and an owner is changed only from the command line.
pub async fn set_active(
    db: &PgPool,
    by: &Staff,
    account_id: i64,
    active: bool,
    client: &Client,
) -> Result<(), Error> {
    if !by.role.allows(Permission::ManageStaff) {
        return Err(AppError::Forbidden.into());
    }
    if account_id == by.account_id {
        return Err(AppError::validation("account", "you cannot deactivate yourself").into());
    }
    let mut tx = db.begin().await?;
    let role = sqlx::query_scalar!(
        "SELECT role FROM accounts WHERE id = $1 AND role <> 'customer' AND erased_at IS NULL
         FOR UPDATE",
        account_id
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(AppError::NotFound)?;
    if role == Role::Owner.as_str() {
        return Err(AppError::Forbidden.into());
    }
    sqlx::query!(
        "UPDATE accounts SET deactivated_at = CASE WHEN $2 THEN NULL ELSE coalesce(deactivated_at, now()) END,
                updated_at = now()
         WHERE id = $1",
        account_id,
        active
    )
    .execute(&mut *tx)
    .await?;
    let ended = if active {
        0
    } else {
        sqlx::query!(
            "UPDATE sessions SET revoked_at = now(), revoked_reason = 'deactivated'
             WHERE account_id = $1 AND revoked_at IS NULL",
            account_id
        )
        .execute(&mut *tx)
        .await?
        .rows_affected()
    };
    audit::record_in(
        &mut tx,
        Some(by.account_id),
        if active {
            "staff.reactivated"
        } else {
            "staff.deactivated"
        },
        client.ip,
        serde_json::json!({ "account": account_id, "sessions_ended": ended }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// One line of the staff list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffMember {
    pub id: i64,
    pub email: String,
    pub role: String,
    pub two_factor: bool,
}

pub async fn list_staff(db: &PgPool) -> Result<Vec<StaffMember>, Error> {
    Ok(sqlx::query_as!(
        StaffMember,
        r#"SELECT a.id, a.email, a.role, (t.enabled_at IS NOT NULL) AS "two_factor!"
           FROM accounts a LEFT JOIN staff_totp t ON t.account_id = a.id
           WHERE a.role <> 'customer' AND a.erased_at IS NULL ORDER BY a.id"#
    )
    .fetch_all(db)
    .await?)
}

/// One audit-log line as the admin shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub at: String,
    pub account: Option<String>,
    pub action: String,
    pub ip: Option<String>,
}

/// The newest `limit` audit entries.
pub async fn recent_audit(db: &PgPool, limit: i64) -> Result<Vec<AuditEntry>, Error> {
    Ok(sqlx::query_as!(
        AuditEntry,
        r#"SELECT to_char(l.at, 'FMDD Mon YYYY, HH24:MI:SS') AS "at!", a.email AS "account?",
                  l.action, host(l.ip) AS ip
           FROM audit_log l LEFT JOIN accounts a ON a.id = l.account_id
           ORDER BY l.id DESC LIMIT $1"#,
        limit.clamp(1, 500)
    )
    .fetch_all(db)
    .await?)
}

/// The admin home for `me`: who is signed in, and the parts their role may see (the staff
/// list for those who manage staff, the newest audit entries for those who read the log).
pub async fn dashboard(db: &PgPool, me: &Staff) -> Result<Dashboard, Error> {
    let email = super::profile::profile(db, me.account_id).await?.email;
    let staff = if me.role.allows(Permission::ManageStaff) {
        let members = list_staff(db).await?;
        Some(
            members
                .into_iter()
                .map(|m| (m.email, m.role, m.two_factor))
                .collect(),
        )
    } else {
        None
    };
    let audit = if me.role.allows(Permission::ViewAudit) {
        let entries = recent_audit(db, 50).await?;
        Some(
            entries
                .into_iter()
                .map(|e| {
                    (
                        e.at,
                        e.account.unwrap_or_default(),
                        e.action,
                        e.ip.unwrap_or_default(),
                    )
                })
                .collect(),
        )
    } else {
        None
    };
    Ok(Dashboard {
        email,
        role: me.role.label().to_owned(),
        staff,
        audit,
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
    ]
    .into_iter()
    .filter(|(needs, _, _)| role.allows(*needs))
    .map(|(_, path, name)| (path.to_owned(), name.to_owned()))
    .collect()
}
