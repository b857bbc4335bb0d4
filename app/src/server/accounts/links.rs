//! Links sent by email: confirm an address, reset a password. Each is a random token stored
//! only as its SHA-256, usable once, expiring; the email is queued in the same transaction
//! that creates the token.

use super::normalise_email;
use super::password::{self, Hasher};
use super::sessions::Client;
use super::tokens::{opaque_token, token_hash};
use crate::model::AppError;
use crate::server::platform::mail::{self, Email};
use crate::server::platform::{audit, mail::Site};
use crate::server::Error;
use secrecy::{ExposeSecret, SecretString};
use sqlx::{PgPool, Postgres, Transaction};
use std::time::Duration;

/// How long a link works.
pub const VERIFY_TTL: Duration = Duration::from_secs(3 * 86_400);
pub const RESET_TTL: Duration = Duration::from_secs(3_600);
/// How long a staff invitation's link works.
pub const INVITATION_TTL: Duration = Duration::from_secs(7 * 24 * 3_600);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    VerifyEmail,
    ResetPassword,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::VerifyEmail => "verify_email",
            Purpose::ResetPassword => "reset_password",
        }
    }
}

/// Creates a single-use token for `account_id`; earlier unused ones for the same purpose stop
/// working, so only the newest link in the inbox does anything.
async fn new_token(
    tx: &mut Transaction<'_, Postgres>,
    account_id: i64,
    purpose: Purpose,
    ttl: Duration,
) -> Result<String, Error> {
    sqlx::query!(
        "UPDATE account_tokens SET used_at = now()
         WHERE account_id = $1 AND purpose = $2 AND used_at IS NULL",
        account_id,
        purpose.as_str()
    )
    .execute(&mut **tx)
    .await?;
    let (token, hash) = opaque_token();
    sqlx::query!(
        "INSERT INTO account_tokens (token_hash, account_id, purpose, expires_at)
         VALUES ($1, $2, $3, now() + make_interval(secs => $4))",
        hash,
        account_id,
        purpose.as_str(),
        ttl.as_secs_f64()
    )
    .execute(&mut **tx)
    .await?;
    Ok(token)
}

/// Spends a token: the account it was for, or `None` if it is unknown, used or expired.
async fn spend(
    tx: &mut Transaction<'_, Postgres>,
    token: &str,
    purpose: Purpose,
) -> Result<Option<i64>, Error> {
    if token.is_empty() || token.len() > 100 {
        return Ok(None);
    }
    Ok(sqlx::query_scalar!(
        r#"UPDATE account_tokens t SET used_at = now()
           FROM accounts a
           WHERE t.token_hash = $1 AND t.purpose = $2 AND t.used_at IS NULL
             AND t.expires_at > now() AND a.id = t.account_id AND a.erased_at IS NULL
           RETURNING t.account_id"#,
        token_hash(token),
        purpose.as_str()
    )
    .fetch_optional(&mut **tx)
    .await?)
}

/// Queues the "confirm your address" email with a fresh link.
pub async fn send_verification(
    tx: &mut Transaction<'_, Postgres>,
    site: &Site,
    account_id: i64,
    email: &str,
) -> Result<(), Error> {
    let token = new_token(tx, account_id, Purpose::VerifyEmail, VERIFY_TTL).await?;
    let link = format!("{}/account/verify?token={token}", site.public_url);
    let message = Email::with_link(
        &site.store_name.get(),
        email,
        "Confirm your email address",
        &[
            &format!("Welcome to {}.", site.store_name),
            "Confirm that this is your email address to finish creating your account. The link works once, for 3 days.",
        ],
        "Confirm my email address",
        &link,
        "If you did not create an account, ignore this email: nothing happens without the link.",
    );
    mail::enqueue(tx, Some(account_id), &message).await?;
    Ok(())
}

/// Someone tried to register an address that has an account: its owner hears about it, and
/// the page said the same as for a new address.
pub async fn send_already_registered(
    tx: &mut Transaction<'_, Postgres>,
    site: &Site,
    email: &str,
) -> Result<(), Error> {
    let account_id = sqlx::query_scalar!("SELECT id FROM accounts WHERE email = $1", email)
        .fetch_optional(&mut **tx)
        .await?;
    let message = Email::with_link(
        &site.store_name.get(),
        email,
        "You already have an account",
        &["Someone (perhaps you) tried to create an account with this email address, which already has one."],
        "Forgot your password? Choose a new one",
        &format!("{}/account/forgot-password", site.public_url),
        "If it was not you, you can ignore this email; your account has not changed.",
    );
    mail::enqueue(tx, account_id, &message).await?;
    Ok(())
}

/// Confirms the address the link was sent to. An unknown, used or expired link is refused
/// with a message that says what to do.
pub async fn verify_email(db: &PgPool, token: &str, client: &Client) -> Result<i64, Error> {
    let mut tx = db.begin().await?;
    let Some(account_id) = spend(&mut tx, token, Purpose::VerifyEmail).await? else {
        return Err(AppError::validation(
            "token",
            "this link has expired or was already used; sign in to get a new one",
        )
        .into());
    };
    sqlx::query!(
        "UPDATE accounts SET email_verified_at = coalesce(email_verified_at, now()), updated_at = now()
         WHERE id = $1",
        account_id
    )
    .execute(&mut *tx)
    .await?;
    audit::record_in(
        &mut tx,
        Some(account_id),
        "account.email_verified",
        client.ip,
        serde_json::json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(account_id)
}

/// Sends a reset link if `email` has an account. The answer is the same either way, so it
/// says nothing about who has an account.
pub async fn request_reset(
    db: &PgPool,
    site: &Site,
    email: &str,
    client: &Client,
) -> Result<(), Error> {
    let Ok(email) = normalise_email(email) else {
        return Err(
            AppError::validation("email", "enter an email address like name@example.com").into(),
        );
    };
    let mut tx = db.begin().await?;
    let account_id = sqlx::query_scalar!(
        "SELECT id FROM accounts WHERE email = $1 AND erased_at IS NULL",
        email
    )
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(account_id) = account_id {
        let token = new_token(&mut tx, account_id, Purpose::ResetPassword, RESET_TTL).await?;
        let link = format!("{}/account/reset-password?token={token}", site.public_url);
        let message = Email::with_link(
            &site.store_name.get(),
            &email,
            "Choose a new password",
            &["We received a request to reset the password of your account. The link works once, for one hour."],
            "Choose a new password",
            &link,
            "If you did not ask for this, ignore this email: your password has not changed.",
        );
        mail::enqueue(&mut tx, Some(account_id), &message).await?;
    }
    audit::record_in(
        &mut tx,
        account_id,
        "account.reset_requested",
        client.ip,
        serde_json::json!({ "known": account_id.is_some() }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Queues a new staff member's invitation: who invited them, to which shop and as what, with
/// a link to choose a password that works once, for 7 days.
pub async fn send_invitation(
    tx: &mut Transaction<'_, Postgres>,
    site: &Site,
    account_id: i64,
    email: &str,
    invited_by: &str,
    role: &str,
) -> Result<(), Error> {
    let token = new_token(tx, account_id, Purpose::ResetPassword, INVITATION_TTL).await?;
    let link = format!("{}/account/reset-password?token={token}", site.public_url);
    let subject = format!("{invited_by} invited you to run {}", site.store_name);
    let invited = format!(
        "{invited_by} invited you to help run {} as {role}.",
        site.store_name
    );
    let message = Email::with_link(
        &site.store_name.get(),
        email,
        &subject,
        &[
            &invited,
            "Choose a password, then sign in to the staff area and set up two-step verification \
             with an authenticator app. The link works once, for 7 days.",
        ],
        "Choose your password",
        &link,
        "If you did not expect this, ignore this email: no one can use the account without the link.",
    );
    mail::enqueue(tx, Some(account_id), &message).await?;
    Ok(())
}

/// Sets a new password through a reset link: the link is spent, every session ends, and the
/// address counts as confirmed (the link proved it). Returns the account and whether it is
/// staff's (whose sign-in is the staff one).
pub async fn reset_password(
    db: &PgPool,
    hasher: &Hasher,
    token: &str,
    new: &SecretString,
    client: &Client,
) -> Result<(i64, bool), Error> {
    let refused = || {
        AppError::validation(
            "token",
            "this link has expired or was already used; ask for a new one",
        )
    };
    // Check the link and the password before the slow hash, then spend the link with the
    // update, in one transaction.
    let found = sqlx::query!(
        r#"SELECT a.email, a.role <> 'customer' AS "staff!"
           FROM account_tokens t JOIN accounts a ON a.id = t.account_id
           WHERE t.token_hash = $1 AND t.purpose = 'reset_password' AND t.used_at IS NULL
             AND t.expires_at > now() AND a.erased_at IS NULL"#,
        token_hash(token)
    )
    .fetch_optional(db)
    .await?
    .ok_or_else(refused)?;
    password::check_new(new.expose_secret(), &found.email)?;
    let hash = hasher.hash(new).await?;
    let mut tx = db.begin().await?;
    let account_id = spend(&mut tx, token, Purpose::ResetPassword)
        .await?
        .ok_or_else(refused)?;
    super::replace_password_in(
        &mut tx,
        account_id,
        &hash,
        true,
        None,
        "password_reset",
        client,
    )
    .await?;
    tx.commit().await?;
    Ok((account_id, found.staff))
}
