//! Accounts: customers and staff, passwords, sign-in sessions and second factors.
//!
//! - [`password`]: the rules for new passwords and argon2id hashing off the async runtime.
//! - [`tokens`]: access tokens (JWT, HS256, issuer and audience pinned) and opaque tokens.
//! - [`sessions`]: refresh-token families, rotation, reuse detection, revocation.

pub mod links;
pub mod password;
pub mod profile;
pub mod sealed;
pub mod sessions;
pub mod staff;
pub mod staff_admin;
pub mod tokens;
pub mod totp;
pub mod two_factor;

use crate::model::AppError;
use crate::server::platform::{audit, mail::Site};
use crate::server::Error;
use password::Hasher;
use secrecy::SecretString;
use sessions::{Client, Issued};
use sqlx::PgPool;
use tokens::{Audience, TokenKeys};

/// An email address as accounts store it: trimmed and lower-cased, checked for shape.
pub fn normalise_email(email: &str) -> Result<String, AppError> {
    let email = email.trim().to_lowercase();
    let bad = || {
        Err(AppError::validation(
            "email",
            "enter an email address like name@example.com",
        ))
    };
    if email.len() < 3 || email.len() > 254 || email.chars().any(char::is_whitespace) {
        return bad();
    }
    let Some((local, domain)) = email.rsplit_once('@') else {
        return bad();
    };
    if local.is_empty()
        || local.len() > 64
        || local.contains('@')
        || !domain.contains('.')
        || domain.starts_with('.')
        || domain.ends_with('.')
        || domain.contains("..")
    {
        return bad();
    }
    // What the mailer will take (lettre's parser, RFC 5321/5322 with the common limits), and
    // a plain host name after the `@`: an address we accept is one we can write to.
    let host_ok = domain.split('.').all(|label| {
        !label.is_empty()
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.chars().all(|c| c.is_alphanumeric() || c == '-')
    });
    if !host_ok || email.parse::<lettre::Address>().is_err() {
        return bad();
    }
    Ok(email)
}

/// Creates a customer account. An address already registered gets the same answer as a new
/// one (`Ok(None)`), so registration never says who has an account; the owner of the address
/// hears about it by email instead (with the mailer).
pub async fn register(
    db: &PgPool,
    hasher: &Hasher,
    site: &Site,
    email: &str,
    password: &SecretString,
    client: &Client,
) -> Result<Option<i64>, Error> {
    use secrecy::ExposeSecret;
    let email = normalise_email(email)?;
    password::check_new(password.expose_secret(), &email)?;
    let hash = hasher.hash(password).await?;
    let mut tx = db.begin().await?;
    let id = sqlx::query_scalar!(
        r#"INSERT INTO accounts (email, password_hash) VALUES ($1, $2)
           ON CONFLICT (email) DO NOTHING
           RETURNING id"#,
        email,
        hash,
    )
    .fetch_optional(&mut *tx)
    .await?;
    audit::record_in(
        &mut tx,
        id,
        if id.is_some() {
            "account.registered"
        } else {
            "account.register_existing"
        },
        client.ip,
        serde_json::json!({}),
    )
    .await?;
    match id {
        Some(id) => links::send_verification(&mut tx, site, id, &email).await?,
        None => links::send_already_registered(&mut tx, site, &email).await?,
    }
    tx.commit().await?;
    Ok(id)
}

/// Checks an email and password for `audience`. A wrong password and an unknown address get
/// the same error after the same work (a dummy hash is checked), so the answer says nothing
/// about who has an account; a customer's account never passes for staff, nor staff's for a
/// customer. Failures are written to the audit log.
pub async fn check_credentials(
    db: &PgPool,
    hasher: &Hasher,
    email: &str,
    password: &SecretString,
    audience: Audience,
    client: &Client,
) -> Result<i64, Error> {
    let refused = || {
        Error::App(AppError::validation(
            "password",
            "the email or password is not right",
        ))
    };
    let row = match normalise_email(email) {
        Ok(email) => {
            sqlx::query!(
                r#"SELECT id, password_hash, role, deactivated_at IS NOT NULL AS "deactivated!"
                   FROM accounts WHERE email = $1 AND erased_at IS NULL"#,
                email
            )
            .fetch_optional(db)
            .await?
        }
        Err(_) => None,
    };
    let stored = row.as_ref().and_then(|r| r.password_hash.clone());
    let matches = hasher.verify(password, stored).await?;
    let allowed = row.as_ref().is_some_and(|r| {
        !r.deactivated
            && match audience {
                Audience::Customer => r.role == "customer",
                Audience::Staff => r.role != "customer",
            }
    });
    let account_id = row.as_ref().map(|r| r.id);
    match account_id {
        Some(id) if matches && allowed => Ok(id),
        _ => {
            audit::record(
                db,
                account_id,
                "account.sign_in_failed",
                client.ip,
                serde_json::json!({ "audience": audience.as_str() }),
            )
            .await?;
            Err(refused())
        }
    }
}

/// Signs a customer in with email and password (see [`check_credentials`]). An address not
/// confirmed yet gets a new confirmation link instead of a session. Staff sign in through
/// [`staff::begin_sign_in`], which asks for the second factor.
// The handles (pool, hasher, keys, site), the credentials, who asks and the clock.
#[allow(clippy::too_many_arguments)]
pub async fn sign_in(
    db: &PgPool,
    hasher: &Hasher,
    keys: &TokenKeys,
    site: &Site,
    email: &str,
    password: &SecretString,
    client: &Client,
    now: i64,
) -> Result<Issued, Error> {
    let audience = Audience::Customer;
    let account_id = check_credentials(db, hasher, email, password, audience, client).await?;
    let row = sqlx::query!(
        r#"SELECT email, email_verified_at IS NOT NULL AS "verified!" FROM accounts WHERE id = $1"#,
        account_id
    )
    .fetch_one(db)
    .await?;
    if !row.verified {
        // Only someone who knows the password learns that the address is not confirmed yet.
        let mut tx = db.begin().await?;
        links::send_verification(&mut tx, site, account_id, &row.email).await?;
        tx.commit().await?;
        return Err(AppError::validation(
            "email",
            "confirm your email address first: we have sent you a new link",
        )
        .into());
    }
    let issued = sessions::start(db, keys, account_id, audience, client, now).await?;
    audit::record(
        db,
        Some(account_id),
        "account.signed_in",
        client.ip,
        serde_json::json!({ "session": issued.session_id, "audience": audience.as_str() }),
    )
    .await?;
    Ok(issued)
}

/// Signs out of one session.
pub async fn sign_out(
    db: &PgPool,
    account_id: i64,
    session_id: i64,
    client: &Client,
) -> Result<(), Error> {
    sessions::revoke(db, account_id, session_id, "signed_out").await?;
    audit::record(
        db,
        Some(account_id),
        "account.signed_out",
        client.ip,
        serde_json::json!({ "session": session_id }),
    )
    .await
}

/// Changes the password (the current one must be given) and signs out every other session.
pub async fn change_password(
    db: &PgPool,
    hasher: &Hasher,
    account_id: i64,
    current_session: i64,
    current: &SecretString,
    new: &SecretString,
    client: &Client,
) -> Result<u64, Error> {
    use secrecy::ExposeSecret;
    let row = sqlx::query!(
        "SELECT email, password_hash FROM accounts WHERE id = $1 AND erased_at IS NULL",
        account_id
    )
    .fetch_optional(db)
    .await?
    .ok_or(AppError::Unauthorized)?;
    if !hasher.verify(current, row.password_hash).await? {
        return Err(
            AppError::validation("current_password", "the current password is not right").into(),
        );
    }
    password::check_new(new.expose_secret(), &row.email)?;
    let hash = hasher.hash(new).await?;
    let mut tx = db.begin().await?;
    let ended = replace_password_in(
        &mut tx,
        account_id,
        &hash,
        false,
        Some(current_session),
        "password_changed",
        client,
    )
    .await?;
    tx.commit().await?;
    Ok(ended)
}

/// Stores a new password hash and ends the account's sessions, all but `keep`, with the
/// audit entry `account.{reason}`; `confirms_email` also marks the address confirmed (a reset
/// link proved it). Returns how many sessions ended.
pub(crate) async fn replace_password_in(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    account_id: i64,
    hash: &str,
    confirms_email: bool,
    keep: Option<i64>,
    reason: &str,
    client: &Client,
) -> Result<u64, Error> {
    sqlx::query!(
        "UPDATE accounts SET password_hash = $2, password_changed_at = now(), updated_at = now(),
                email_verified_at = CASE WHEN $3 THEN coalesce(email_verified_at, now())
                                         ELSE email_verified_at END
         WHERE id = $1",
        account_id,
        hash,
        confirms_email
    )
    .execute(&mut **tx)
    .await?;
    let ended = sqlx::query!(
        r#"UPDATE sessions SET revoked_at = now(), revoked_reason = $3
           WHERE account_id = $1 AND revoked_at IS NULL AND id IS DISTINCT FROM $2"#,
        account_id,
        keep,
        reason
    )
    .execute(&mut **tx)
    .await?
    .rows_affected();
    audit::record_in(
        tx,
        Some(account_id),
        &format!("account.{reason}"),
        client.ip,
        serde_json::json!({ "sessions_ended": ended }),
    )
    .await?;
    Ok(ended)
}

/// Checks the account's current password (before erasing the account, for instance).
pub async fn confirm_password(
    db: &PgPool,
    hasher: &Hasher,
    account_id: i64,
    password: &SecretString,
) -> Result<(), Error> {
    let stored = sqlx::query_scalar!(
        "SELECT password_hash FROM accounts WHERE id = $1 AND erased_at IS NULL",
        account_id
    )
    .fetch_optional(db)
    .await?
    .ok_or(AppError::Unauthorized)?;
    if !hasher.verify(password, stored).await? {
        return Err(AppError::validation("password", "the password is not right").into());
    }
    Ok(())
}

/// Erases the customer's account once they have given their password again (see
/// [`profile::erase`] for what is erased and what is kept).
pub async fn delete_account(
    db: &PgPool,
    hasher: &Hasher,
    account_id: i64,
    password: &SecretString,
) -> Result<(), Error> {
    confirm_password(db, hasher, account_id, password).await?;
    profile::erase(db, account_id).await
}

#[cfg(test)]
mod tests {
    use super::normalise_email;

    #[test]
    fn addresses_are_ones_the_mailer_can_write_to() {
        assert_eq!(
            normalise_email("  Amina@Example.COM ").as_deref(),
            Ok("amina@example.com")
        );
        assert!(normalise_email("first.last+tag@mail.example.ae").is_ok());
        assert!(normalise_email("user@xn--mgbh0fb.example").is_ok());
        for bad in [
            "\">\u{2039}svg onload=alert(1)>@x.test",
            "\"unbalanced@x.test",
            "a<b>@x.test",
            "a@b@x.test",
            "a@-x.test",
            "a@x_y.test",
            "a@x.test>",
            "a(comment)@x.test",
            "no-at-sign.example",
            "a@localhost",
            "a\u{0}b@x.test",
        ] {
            assert!(normalise_email(bad).is_err(), "{bad:?}");
        }
    }
}
