//! Sessions: one per sign-in, holding a family of single-use refresh tokens. Using a refresh
//! token rotates it; using one a second time (a stolen copy) revokes the whole session and is
//! written to the audit log. An access token counts only while its session is live, so
//! signing out or changing the password ends it at once, not when it expires.

use super::tokens::{opaque_token, token_hash, Audience, Claims, TokenKeys};
use crate::model::AppError;
use crate::server::platform::audit;
use crate::server::Error;
use sqlx::PgPool;
use std::time::Duration;

/// How long a session lasts without being used.
pub const SESSION_TTL: Duration = Duration::from_secs(30 * 86_400);

/// What a client keeps after signing in or refreshing.
#[derive(Debug, Clone)]
pub struct Issued {
    pub access_token: String,
    pub refresh_token: String,
    pub session_id: i64,
    pub account_id: i64,
}

/// Where a request came from, for sessions and the audit log.
#[derive(Debug, Clone, Default)]
pub struct Client {
    pub ip: Option<std::net::IpAddr>,
    pub user_agent: String,
}

/// Starts a session for `account_id` and issues its first tokens.
pub async fn start(
    db: &PgPool,
    keys: &TokenKeys,
    account_id: i64,
    audience: Audience,
    client: &Client,
    now: i64,
) -> Result<Issued, Error> {
    let (refresh_token, hash) = opaque_token();
    let user_agent: String = client.user_agent.chars().take(400).collect();
    let mut tx = db.begin().await?;
    let session_id = sqlx::query_scalar!(
        r#"INSERT INTO sessions (account_id, audience, expires_at, user_agent, ip)
           VALUES ($1, $2, now() + make_interval(secs => $3), $4, $5::text::inet)
           RETURNING id"#,
        account_id,
        audience.as_str(),
        SESSION_TTL.as_secs_f64(),
        user_agent,
        client.ip.map(|ip| ip.to_string()),
    )
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query!(
        "INSERT INTO refresh_tokens (token_hash, session_id) VALUES ($1, $2)",
        hash,
        session_id
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Issued {
        access_token: keys.issue(account_id, session_id, audience, now),
        refresh_token,
        session_id,
        account_id,
    })
}

/// Trades a refresh token for new tokens. The old one is spent; spending it again revokes the
/// session (every token of the family) and is logged. Expired, revoked or unknown: refused.
pub async fn refresh(
    db: &PgPool,
    keys: &TokenKeys,
    refresh_token: &str,
    audience: Audience,
    client: &Client,
    now: i64,
) -> Result<Issued, Error> {
    let hash = token_hash(refresh_token);
    let mut tx = db.begin().await?;
    // The session row is locked, so two uses of one token are decided one after the other.
    let row = sqlx::query!(
        r#"SELECT s.id, s.account_id, s.audience, t.used_at IS NOT NULL AS "spent!",
                  s.revoked_at IS NOT NULL AS "revoked!", s.expires_at <= now() AS "expired!",
                  a.role, a.deactivated_at IS NOT NULL OR a.erased_at IS NOT NULL AS "closed!"
           FROM refresh_tokens t JOIN sessions s ON s.id = t.session_id
                JOIN accounts a ON a.id = s.account_id
           WHERE t.token_hash = $1
           FOR UPDATE OF s"#,
        hash,
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else {
        return Err(AppError::Unauthorized.into());
    };
    if row.audience != audience.as_str()
        || !role_fits(&row.role, audience)
        || row.closed
        || row.revoked
        || row.expired
    {
        return Err(AppError::Unauthorized.into());
    }
    // A spent token is being used again: someone else holds a copy. Re-check under the lock
    // (a concurrent refresh with the same token may have spent it since).
    let spent = row.spent
        || sqlx::query_scalar!(
            r#"SELECT used_at IS NOT NULL AS "spent!" FROM refresh_tokens WHERE token_hash = $1"#,
            hash
        )
        .fetch_one(&mut *tx)
        .await?;
    if spent {
        revoke_in(&mut tx, row.id, "refresh_token_reused").await?;
        audit::record_in(
            &mut tx,
            Some(row.account_id),
            "session.refresh_reuse",
            client.ip,
            serde_json::json!({ "session": row.id }),
        )
        .await?;
        tx.commit().await?;
        tracing::warn!(
            session = row.id,
            account = row.account_id,
            "refresh token reused: session revoked"
        );
        return Err(AppError::Unauthorized.into());
    }
    let (refresh_token, new_hash) = opaque_token();
    sqlx::query!(
        "UPDATE refresh_tokens SET used_at = now() WHERE token_hash = $1",
        hash
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "INSERT INTO refresh_tokens (token_hash, session_id) VALUES ($1, $2)",
        new_hash,
        row.id
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        r#"UPDATE sessions SET last_used_at = now(),
                  expires_at = now() + make_interval(secs => $2)
           WHERE id = $1"#,
        row.id,
        SESSION_TTL.as_secs_f64(),
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Issued {
        access_token: keys.issue(row.account_id, row.id, audience, now),
        refresh_token,
        session_id: row.id,
        account_id: row.account_id,
    })
}

/// The signed-in account behind an access token: a valid token whose session is still live.
pub async fn authenticate(
    db: &PgPool,
    keys: &TokenKeys,
    access_token: &str,
    audience: Audience,
    now: i64,
) -> Result<Claims, Error> {
    let claims = keys.verify(access_token, audience, now)?;
    let role = sqlx::query_scalar!(
        r#"SELECT a.role FROM sessions s JOIN accounts a ON a.id = s.account_id
           WHERE s.id = $1 AND s.account_id = $2 AND s.audience = $3
             AND s.revoked_at IS NULL AND s.expires_at > now()
             AND a.deactivated_at IS NULL AND a.erased_at IS NULL"#,
        claims.sid,
        claims.account_id(),
        audience.as_str(),
    )
    .fetch_optional(db)
    .await?;
    match role {
        Some(role) if role_fits(&role, audience) => Ok(claims),
        _ => Err(AppError::Unauthorized.into()),
    }
}

/// A customer's account signs in only as a customer, a staff account only as staff: neither
/// is usable through the other's cookies, whatever a token says.
fn role_fits(role: &str, audience: Audience) -> bool {
    (role == "customer") == (audience == Audience::Customer)
}

/// Whether tokens a refresh handed out are still the session's current ones: the session is
/// live (not revoked, expired or its account closed) and the new refresh token is unspent.
/// The refresh grace hands a racing request these tokens only while this holds.
pub async fn successor_is_current(
    db: &PgPool,
    issued: &Issued,
    audience: Audience,
) -> Result<bool, Error> {
    let current = sqlx::query_scalar!(
        r#"SELECT EXISTS (
               SELECT 1 FROM refresh_tokens t JOIN sessions s ON s.id = t.session_id
                    JOIN accounts a ON a.id = s.account_id
               WHERE t.token_hash = $1 AND t.used_at IS NULL AND s.id = $2
                 AND s.audience = $3 AND s.revoked_at IS NULL AND s.expires_at > now()
                 AND a.deactivated_at IS NULL AND a.erased_at IS NULL) AS "current!""#,
        token_hash(&issued.refresh_token),
        issued.session_id,
        audience.as_str(),
    )
    .fetch_one(db)
    .await?;
    Ok(current)
}

/// Ends one of the account's sessions. Another account's session id is not found.
pub async fn revoke(
    db: &PgPool,
    account_id: i64,
    session_id: i64,
    reason: &str,
) -> Result<(), Error> {
    let done = sqlx::query!(
        r#"UPDATE sessions SET revoked_at = now(), revoked_reason = $3
           WHERE id = $1 AND account_id = $2 AND revoked_at IS NULL"#,
        session_id,
        account_id,
        reason,
    )
    .execute(db)
    .await?;
    if done.rows_affected() == 0 {
        let exists = sqlx::query_scalar!(
            r#"SELECT EXISTS (SELECT 1 FROM sessions WHERE id = $1 AND account_id = $2) AS "e!""#,
            session_id,
            account_id
        )
        .fetch_one(db)
        .await?;
        if !exists {
            return Err(AppError::NotFound.into());
        }
    }
    Ok(())
}

/// Ends every session of the account except `keep` (sign out everywhere, password change).
pub async fn revoke_all(
    db: &PgPool,
    account_id: i64,
    keep: Option<i64>,
    reason: &str,
) -> Result<u64, Error> {
    let done = sqlx::query!(
        r#"UPDATE sessions SET revoked_at = now(), revoked_reason = $3
           WHERE account_id = $1 AND revoked_at IS NULL AND id IS DISTINCT FROM $2"#,
        account_id,
        keep,
        reason,
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}

async fn revoke_in(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    session_id: i64,
    reason: &str,
) -> Result<(), Error> {
    sqlx::query!(
        r#"UPDATE sessions SET revoked_at = now(), revoked_reason = $2
           WHERE id = $1 AND revoked_at IS NULL"#,
        session_id,
        reason,
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}
