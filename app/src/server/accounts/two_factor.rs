//! The staff second factor: enrolling an authenticator app (a TOTP secret and recovery
//! codes), and the code step of a staff sign-in. Secrets are sealed at rest ([`Sealer`]); an
//! enrolment not yet confirmed keeps its secret and codes for [`ENROLMENT_TTL`], so reloading
//! the page never invalidates what the staff member already scanned.

use super::sealed::Sealer;
use super::sessions::{self, Client, Issued};
use super::tokens::{token_hash, Audience, TokenKeys};
use super::totp;
use crate::model::AppError;
use crate::server::platform::{audit, mail::Site};
use crate::server::Error;
use sqlx::PgPool;
use std::time::Duration;

/// An authenticator being set up: the secret (as the app shows it), its QR code, and the
/// recovery codes, shown until the first code confirms them.
#[derive(Debug, Clone)]
pub struct Enrolment {
    pub secret_base32: String,
    pub otpauth_uri: String,
    pub qr_svg: String,
    pub recovery_codes: Vec<String>,
}

/// How many recovery codes an enrolment makes.
pub const RECOVERY_CODES: usize = 10;

/// How long an unconfirmed enrolment keeps its secret and codes.
pub const ENROLMENT_TTL: Duration = Duration::from_secs(30 * 60);

const SECRET_LEN: usize = 20;

fn secret_context(account_id: i64) -> String {
    format!("staff_totp.secret:{account_id}")
}

fn codes_context(account_id: i64) -> String {
    format!("staff_totp.pending_codes:{account_id}")
}

/// The secret of a stored row: sealed, or (stored before sealing existed) plain until the next
/// start seals it.
fn open_secret(sealer: &Sealer, account_id: i64, stored: &[u8]) -> Result<Vec<u8>, Error> {
    if stored.len() == SECRET_LEN {
        return Ok(stored.to_vec());
    }
    sealer
        .open(stored, &secret_context(account_id))
        .map_err(|e| Error::other(format!("staff {account_id}'s authenticator secret: {e}")))
}

/// The account's authenticator secret, opened: what the authenticator app holds (tests act
/// as the app with it).
pub async fn stored_secret(
    db: &PgPool,
    sealer: &Sealer,
    account_id: i64,
) -> Result<Option<Vec<u8>>, Error> {
    let stored = sqlx::query_scalar!(
        "SELECT secret FROM staff_totp WHERE account_id = $1",
        account_id
    )
    .fetch_optional(db)
    .await?;
    stored
        .map(|s| open_secret(sealer, account_id, &s))
        .transpose()
}

/// Starts enrolment for the challenged account, or shows the one already started (the same
/// secret and recovery codes) while it is younger than [`ENROLMENT_TTL`]. Refused once an
/// authenticator is confirmed.
pub async fn start_enrolment(
    db: &PgPool,
    keys: &TokenKeys,
    sealer: &Sealer,
    site: &Site,
    challenge: &str,
    now: i64,
) -> Result<Enrolment, Error> {
    let account_id = keys.verify_challenge(challenge, now)?;
    let mut tx = db.begin().await?;
    let email = sqlx::query_scalar!("SELECT email FROM accounts WHERE id = $1", account_id)
        .fetch_one(&mut *tx)
        .await?;
    let pending = sqlx::query!(
        r#"SELECT secret, pending_codes, enabled_at IS NOT NULL AS "enabled!",
                  created_at > now() - make_interval(secs => $2) AS "fresh!"
           FROM staff_totp WHERE account_id = $1 FOR UPDATE"#,
        account_id,
        ENROLMENT_TTL.as_secs_f64(),
    )
    .fetch_optional(&mut *tx)
    .await?;
    if pending.as_ref().is_some_and(|p| p.enabled) {
        return Err(AppError::Conflict.into());
    }
    let kept = pending.filter(|p| p.fresh).and_then(|p| {
        let secret = open_secret(sealer, account_id, &p.secret).ok()?;
        let codes = sealer
            .open(&p.pending_codes?, &codes_context(account_id))
            .ok()?;
        let codes: Vec<String> = serde_json::from_slice(&codes).ok()?;
        Some((secret, codes))
    });
    let (secret, codes) = match kept {
        Some(kept) => kept,
        None => {
            let mut secret = vec![0u8; SECRET_LEN];
            rand::fill(&mut secret[..]);
            let codes: Vec<String> = (0..RECOVERY_CODES).map(|_| recovery_code()).collect();
            store_enrolment(&mut tx, sealer, account_id, &secret, &codes).await?;
            (secret, codes)
        }
    };
    tx.commit().await?;
    let uri = totp::otpauth_uri(&secret, &site.store_name.get(), &email);
    Ok(Enrolment {
        secret_base32: totp::base32(&secret),
        qr_svg: totp::qr_svg(&uri),
        otpauth_uri: uri,
        recovery_codes: codes,
    })
}

/// Stores a new unconfirmed enrolment: the sealed secret, the sealed codes to show again, and
/// the codes' hashes (replacing any earlier ones).
async fn store_enrolment(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    sealer: &Sealer,
    account_id: i64,
    secret: &[u8],
    codes: &[String],
) -> Result<(), Error> {
    let sealed_secret = sealer.seal(secret, &secret_context(account_id));
    let sealed_codes = sealer.seal(&serde_json::to_vec(codes)?, &codes_context(account_id));
    sqlx::query!(
        "INSERT INTO staff_totp (account_id, secret, pending_codes) VALUES ($1, $2, $3)
         ON CONFLICT (account_id) DO UPDATE
             SET secret = EXCLUDED.secret, pending_codes = EXCLUDED.pending_codes,
                 created_at = now(), last_step = 0
             WHERE staff_totp.enabled_at IS NULL",
        account_id,
        sealed_secret,
        sealed_codes,
    )
    .execute(&mut **tx)
    .await?;
    sqlx::query!(
        "DELETE FROM staff_recovery_codes WHERE account_id = $1",
        account_id
    )
    .execute(&mut **tx)
    .await?;
    let hashes: Vec<Vec<u8>> = codes
        .iter()
        .map(|c| token_hash(&normalise_code(c)))
        .collect();
    sqlx::query!(
        "INSERT INTO staff_recovery_codes (code_hash, account_id) SELECT unnest($1::bytea[]), $2",
        &hashes,
        account_id
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Ten random characters from an alphabet without look-alikes, shown as `xxxxx-xxxxx`.
fn recovery_code() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut bytes = [0u8; 10];
    rand::fill(&mut bytes);
    let chars: String = bytes
        .iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect();
    format!("{}-{}", &chars[..5], &chars[5..])
}

fn normalise_code(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Accepts a TOTP code for `account_id` at `now` at most once: the step is recorded with a
/// guarded update, so a replayed code (or an older one) fails even under concurrency.
/// Confirming an enrolment forgets its pending recovery codes (only their hashes stay).
async fn use_totp(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    sealer: &Sealer,
    account_id: i64,
    code: &str,
    now: i64,
    require_enabled: bool,
) -> Result<bool, Error> {
    let Some(row) = sqlx::query!(
        r#"SELECT secret, enabled_at IS NOT NULL AS "enabled!" FROM staff_totp
           WHERE account_id = $1 FOR UPDATE"#,
        account_id
    )
    .fetch_optional(&mut **tx)
    .await?
    else {
        return Ok(false);
    };
    if require_enabled != row.enabled {
        return Ok(false);
    }
    let secret = open_secret(sealer, account_id, &row.secret)?;
    let Some(step) = totp::matching_step(&secret, code, now) else {
        return Ok(false);
    };
    let accepted = sqlx::query!(
        "UPDATE staff_totp SET last_step = $2, enabled_at = coalesce(enabled_at, now()),
                pending_codes = NULL
         WHERE account_id = $1 AND last_step < $2",
        account_id,
        step
    )
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(accepted == 1)
}

/// Confirms enrolment with a first code from the app and starts the staff session.
pub async fn confirm_enrolment(
    db: &PgPool,
    keys: &TokenKeys,
    sealer: &Sealer,
    challenge: &str,
    code: &str,
    client: &Client,
    now: i64,
) -> Result<Issued, Error> {
    let account_id = keys.verify_challenge(challenge, now)?;
    let mut tx = db.begin().await?;
    if !use_totp(&mut tx, sealer, account_id, code, now, false).await? {
        drop(tx);
        return Err(wrong_code(db, account_id, client, "enrol").await);
    }
    audit::record_in(
        &mut tx,
        Some(account_id),
        "staff.totp_enrolled",
        client.ip,
        serde_json::json!({}),
    )
    .await?;
    tx.commit().await?;
    start_staff_session(db, keys, account_id, client, now).await
}

/// Logs a refused code and returns the error a person sees.
async fn wrong_code(db: &PgPool, account_id: i64, client: &Client, step: &str) -> Error {
    let logged = audit::record(
        db,
        Some(account_id),
        "staff.totp_failed",
        client.ip,
        serde_json::json!({ "step": step }),
    )
    .await;
    match logged {
        Err(error) => error,
        Ok(()) => AppError::validation(
            "code",
            "that code is not right; use the newest code from your app (each works once)",
        )
        .into(),
    }
}

/// The second step of a staff sign-in: a current TOTP code, or one unused recovery code.
pub async fn complete_sign_in(
    db: &PgPool,
    keys: &TokenKeys,
    sealer: &Sealer,
    challenge: &str,
    code: &str,
    client: &Client,
    now: i64,
) -> Result<Issued, Error> {
    let account_id = keys.verify_challenge(challenge, now)?;
    let mut tx = db.begin().await?;
    let by_totp = use_totp(&mut tx, sealer, account_id, code, now, true).await?;
    let by_recovery = !by_totp && {
        let normalised = normalise_code(code);
        normalised.len() == 10
            && sqlx::query!(
                "UPDATE staff_recovery_codes SET used_at = now()
                 WHERE code_hash = $1 AND account_id = $2 AND used_at IS NULL",
                token_hash(&normalised),
                account_id
            )
            .execute(&mut *tx)
            .await?
            .rows_affected()
                == 1
    };
    if !(by_totp || by_recovery) {
        drop(tx);
        return Err(wrong_code(db, account_id, client, "sign_in").await);
    }
    if by_recovery {
        audit::record_in(
            &mut tx,
            Some(account_id),
            "staff.recovery_code_used",
            client.ip,
            serde_json::json!({}),
        )
        .await?;
    }
    tx.commit().await?;
    start_staff_session(db, keys, account_id, client, now).await
}

async fn start_staff_session(
    db: &PgPool,
    keys: &TokenKeys,
    account_id: i64,
    client: &Client,
    now: i64,
) -> Result<Issued, Error> {
    let issued = sessions::start(db, keys, account_id, Audience::Staff, client, now).await?;
    audit::record(
        db,
        Some(account_id),
        "staff.signed_in",
        client.ip,
        serde_json::json!({ "session": issued.session_id }),
    )
    .await?;
    Ok(issued)
}

/// What [`reseal_secrets`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Resealed {
    /// Values sealed again under the current key (or sealed for the first time).
    pub resealed: u64,
    /// Values no configured key opens: those staff must enrol again (logged).
    pub unreadable: u64,
}

/// Seals every stored secret and pending code list under the current key: values under an
/// old key (`DUKA_TOTP_OLD_KEYS`) and secrets stored before sealing. Run at start-up, so a key
/// rotation completes with one restart. Each row is rewritten only if it did not change since
/// it was read.
pub async fn reseal_secrets(db: &PgPool, sealer: &Sealer) -> Result<Resealed, Error> {
    let rows = sqlx::query!("SELECT account_id, secret, pending_codes FROM staff_totp")
        .fetch_all(db)
        .await?;
    let mut done = Resealed::default();
    for row in rows {
        let secret_stale = row.secret.len() == SECRET_LEN || !sealer.is_current(&row.secret);
        let codes_stale = row
            .pending_codes
            .as_ref()
            .is_some_and(|c| !sealer.is_current(c));
        if !secret_stale && !codes_stale {
            continue;
        }
        let opened = open_secret(sealer, row.account_id, &row.secret).and_then(|secret| {
            let codes = match &row.pending_codes {
                Some(c) => Some(
                    sealer
                        .open(c, &codes_context(row.account_id))
                        .map_err(|e| Error::other(e.to_string()))?,
                ),
                None => None,
            };
            Ok((secret, codes))
        });
        let (secret, codes) = match opened {
            Ok(opened) => opened,
            Err(error) => {
                tracing::error!(account = row.account_id, %error, "cannot reseal a staff authenticator secret");
                done.unreadable += 1;
                continue;
            }
        };
        let updated = sqlx::query!(
            "UPDATE staff_totp SET secret = $2, pending_codes = $3
             WHERE account_id = $1 AND secret = $4",
            row.account_id,
            sealer.seal(&secret, &secret_context(row.account_id)),
            codes.map(|c| sealer.seal(&c, &codes_context(row.account_id))),
            row.secret,
        )
        .execute(db)
        .await?
        .rows_affected();
        done.resealed += updated;
    }
    Ok(done)
}
