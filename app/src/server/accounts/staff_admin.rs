//! Running the team: the staff list, deactivating and reactivating (sessions end at once),
//! changing a role, resetting a second factor (they enrol again), and reading the audit log
//! with filters. Only those who manage staff change anyone, never themselves, and the owner
//! only from the command line; every change is audited.

use super::sessions::Client;
use super::staff::{Permission, Role, Staff};
use crate::model::staff::{AuditFilter, AuditPage, AuditRow, StaffMemberView, TeamPage};
use crate::model::AppError;
use crate::server::platform::audit;
use crate::server::platform::db::contains_pattern;
use crate::server::Error;
use sqlx::{PgConnection, PgPool};

/// Locks staff account `account_id` for a change by `by` and returns its role: refused for
/// those who may not manage staff, on themselves, and on the owner.
async fn lock_member(tx: &mut PgConnection, by: &Staff, account_id: i64) -> Result<Role, Error> {
    by.require(Permission::ManageStaff)?;
    if account_id == by.account_id {
        return Err(
            AppError::validation("account", "you cannot change your own account here").into(),
        );
    }
    let role = sqlx::query_scalar!(
        "SELECT role FROM accounts WHERE id = $1 AND role <> 'customer' AND erased_at IS NULL
         FOR UPDATE",
        account_id
    )
    .fetch_optional(&mut *tx)
    .await?
    .and_then(|r| Role::parse(&r))
    .ok_or(AppError::NotFound)?;
    if role == Role::Owner {
        return Err(AppError::Forbidden.into());
    }
    Ok(role)
}

/// Ends every session of `account_id` in the caller's transaction; returns how many.
async fn end_sessions(tx: &mut PgConnection, account_id: i64, reason: &str) -> Result<u64, Error> {
    Ok(sqlx::query!(
        "UPDATE sessions SET revoked_at = now(), revoked_reason = $2
         WHERE account_id = $1 AND revoked_at IS NULL",
        account_id,
        reason
    )
    .execute(&mut *tx)
    .await?
    .rows_affected())
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
    let mut tx = db.begin().await?;
    lock_member(&mut tx, by, account_id).await?;
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
        end_sessions(&mut tx, account_id, "deactivated").await?
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
    pub active: bool,
}

pub async fn list_staff(db: &PgPool) -> Result<Vec<StaffMember>, Error> {
    Ok(sqlx::query_as!(
        StaffMember,
        r#"SELECT a.id, a.email, a.role, (t.enabled_at IS NOT NULL) AS "two_factor!",
                  (a.deactivated_at IS NULL) AS "active!"
           FROM accounts a LEFT JOIN staff_totp t ON t.account_id = a.id
           WHERE a.role <> 'customer' AND a.erased_at IS NULL ORDER BY a.id"#
    )
    .fetch_all(db)
    .await?)
}

/// The team page for `me` (who manages staff).
pub async fn team(db: &PgPool, me: &Staff) -> Result<TeamPage, Error> {
    me.require(Permission::ManageStaff)?;
    let members = list_staff(db)
        .await?
        .into_iter()
        .map(|m| {
            let role = Role::parse(&m.role);
            StaffMemberView {
                locked: m.id == me.account_id || role == Some(Role::Owner),
                role_label: role.map_or(m.role.clone(), |r| r.label().to_owned()),
                id: m.id,
                email: m.email,
                role: m.role,
                two_factor: m.two_factor,
                active: m.active,
            }
        })
        .collect();
    let roles = Role::ALL
        .into_iter()
        .filter(|r| me.role.may_grant(*r))
        .map(|r| (r.as_str().to_owned(), r.label().to_owned()))
        .collect();
    Ok(TeamPage { members, roles })
}

/// Gives staff member `account_id` the role `role`; it applies to their next request (roles
/// are read on each one).
pub async fn change_role(
    db: &PgPool,
    by: &Staff,
    account_id: i64,
    role: Role,
    client: &Client,
) -> Result<(), Error> {
    if !by.role.may_grant(role) {
        return Err(AppError::Forbidden.into());
    }
    let mut tx = db.begin().await?;
    let before = lock_member(&mut tx, by, account_id).await?;
    sqlx::query!(
        "UPDATE accounts SET role = $2, updated_at = now() WHERE id = $1",
        account_id,
        role.as_str()
    )
    .execute(&mut *tx)
    .await?;
    let details = serde_json::json!({
        "account": account_id, "before": before.as_str(), "after": role.as_str()
    });
    audit::record_in(
        &mut tx,
        Some(by.account_id),
        "staff.role_changed",
        client.ip,
        details,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Resets staff member `account_id`'s second factor (a lost phone): the authenticator and
/// recovery codes are removed and every session ends, so their next sign-in enrols again.
pub async fn reset_second_factor(
    db: &PgPool,
    by: &Staff,
    account_id: i64,
    client: &Client,
) -> Result<(), Error> {
    let mut tx = db.begin().await?;
    lock_member(&mut tx, by, account_id).await?;
    sqlx::query!("DELETE FROM staff_totp WHERE account_id = $1", account_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query!(
        "DELETE FROM staff_recovery_codes WHERE account_id = $1",
        account_id
    )
    .execute(&mut *tx)
    .await?;
    let ended = end_sessions(&mut tx, account_id, "second_factor_reset").await?;
    let details = serde_json::json!({ "account": account_id, "sessions_ended": ended });
    audit::record_in(
        &mut tx,
        Some(by.account_id),
        "staff.two_factor_reset",
        client.ip,
        details,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

const AUDIT_PAGE: i64 = 100;

/// A page of the audit log, newest first, as `filter` narrows it (who: part of an email;
/// what: an action or its start; from and to: shop days, both included).
pub async fn audit_page(db: &PgPool, me: &Staff, filter: &AuditFilter) -> Result<AuditPage, Error> {
    me.require(Permission::ViewAudit)?;
    filter.check()?;
    let mut sql = sqlx::QueryBuilder::<sqlx::Postgres>::new(
        "SELECT l.id, to_char(l.at, 'FMDD Mon YYYY, HH24:MI:SS') AS at,
                COALESCE(a.email, '') AS who, l.action, COALESCE(host(l.ip), '') AS ip,
                l.details::TEXT AS details
         FROM audit_log l LEFT JOIN accounts a ON a.id = l.account_id WHERE true",
    );
    if !filter.who.trim().is_empty() {
        sql.push(" AND a.email LIKE ")
            .push_bind(contains_pattern(&filter.who.trim().to_lowercase()));
    }
    if !filter.what.is_empty() {
        sql.push(" AND l.action LIKE ")
            .push_bind(format!("{}%", filter.what.replace('_', "\\_")));
    }
    if !filter.from.is_empty() {
        sql.push(" AND l.at >= ")
            .push_bind(filter.from.clone())
            .push("::DATE");
    }
    if !filter.to.is_empty() {
        sql.push(" AND l.at < ")
            .push_bind(filter.to.clone())
            .push("::DATE + 1");
    }
    if let Some(before) = filter.before {
        sql.push(" AND l.id < ").push_bind(before);
    }
    sql.push(" ORDER BY l.id DESC LIMIT ")
        .push_bind(AUDIT_PAGE + 1);
    let mut rows: Vec<(i64, String, String, String, String, String)> =
        sql.build_query_as().fetch_all(db).await.map_err(|e| {
            match e.as_database_error().and_then(|d| d.code()) {
                // A date the shape check let through but the calendar has not (31 February).
                Some(code) if code.starts_with("22") => {
                    AppError::validation("from", "enter a real date as YYYY-MM-DD").into()
                }
                _ => Error::from(e),
            }
        })?;
    let next = (rows.len() as i64 > AUDIT_PAGE).then(|| {
        rows.truncate(AUDIT_PAGE as usize);
        rows.last().map_or(0, |r| r.0)
    });
    Ok(AuditPage {
        rows: rows
            .into_iter()
            .map(|(id, at, who, action, ip, details)| AuditRow {
                id,
                at,
                who,
                action,
                ip,
                details,
            })
            .collect(),
        next,
    })
}
