//! Accounts against a real PostgreSQL: registration, sign-in, sessions with rotating refresh
//! tokens, revocation, password change and the audit log. A fresh database per test.

use app::model::{AddressInput, AppError};
use app::server::accounts::password::Hasher;
use app::server::accounts::profile;
use app::server::accounts::sealed::Sealer;
use app::server::accounts::sessions::{self, Client};
use app::server::accounts::tokens::{Audience, TokenKeys};
use app::server::accounts::{self, links, register, sign_in, staff, totp, two_factor};
use app::server::platform::mail::Site;
use app::server::platform::mail::{self, Mailer};
use app::server::Error;
use secrecy::SecretString;
use sqlx::PgPool;

const NOW: i64 = 1_800_000_000;
const PASSWORD: &str = "Tamu-Tamu-Ndizi-42";

fn keys() -> TokenKeys {
    TokenKeys::random("https://shop.test")
}

fn client() -> Client {
    Client {
        ip: Some("203.0.113.9".parse().expect("ip")),
        user_agent: "test".into(),
    }
}

fn secret(s: &str) -> SecretString {
    SecretString::from(s.to_owned())
}

fn is_unauthorized<T: std::fmt::Debug>(r: Result<T, Error>) -> bool {
    matches!(r, Err(Error::App(AppError::Unauthorized)))
}

async fn customer(pool: &PgPool, hasher: &Hasher, email: &str) -> i64 {
    let id = register(pool, hasher, &site(), email, &secret(PASSWORD), &client())
        .await
        .expect("registers")
        .expect("new account");
    let token = link_token(pool, id, "/account/verify?token=").await;
    links::verify_email(pool, &token, &client())
        .await
        .expect("verifies");
    id
}

fn site() -> Site {
    Site {
        store_name: "Duka Test".into(),
        public_url: "https://shop.test".into(),
    }
}

/// The token in the newest email to `account_id` whose text has a link starting `path`.
async fn link_token(pool: &PgPool, account_id: i64, path: &str) -> String {
    let text: String = sqlx::query_scalar(
        "SELECT text_body FROM email_outbox WHERE account_id = $1 ORDER BY id DESC LIMIT 1",
    )
    .bind(account_id)
    .fetch_one(pool)
    .await
    .expect("an email was queued");
    let start = text.find(path).expect("the email has the link") + path.len();
    text[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

/// Amina signs in as a customer with `PASSWORD`.
async fn amina_signs_in(
    pool: &PgPool,
    hasher: &Hasher,
    keys: &TokenKeys,
) -> Result<sessions::Issued, Error> {
    sign_in(
        pool,
        hasher,
        keys,
        &site(),
        "amina@example.com",
        &secret(PASSWORD),
        &client(),
        NOW,
    )
    .await
}

async fn audit_actions(pool: &PgPool) -> Vec<String> {
    sqlx::query_scalar("SELECT action FROM audit_log ORDER BY id")
        .fetch_all(pool)
        .await
        .expect("reads")
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn register_sign_in_and_sign_out(pool: PgPool) {
    let hasher = Hasher::new(2);
    let keys = keys();
    let id = customer(&pool, &hasher, "  Amina@Example.COM ").await;
    // The same address again (any case): no second account, and no different answer.
    let again = register(
        &pool,
        &hasher,
        &site(),
        "amina@example.com",
        &secret(PASSWORD),
        &client(),
    )
    .await
    .expect("answers");
    assert_eq!(again, None);
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM accounts")
        .fetch_one(&pool)
        .await
        .expect("counts");
    assert_eq!(count, 1);

    let issued = sign_in(
        &pool,
        &hasher,
        &keys,
        &site(),
        "AMINA@example.com",
        &secret(PASSWORD),
        &client(),
        NOW,
    )
    .await
    .expect("signs in");
    assert_eq!(issued.account_id, id);
    let claims =
        sessions::authenticate(&pool, &keys, &issued.access_token, Audience::Customer, NOW)
            .await
            .expect("authenticates");
    assert_eq!(claims.account_id(), Some(id));
    // A customer token opens nothing for staff.
    assert!(is_unauthorized(
        sessions::authenticate(&pool, &keys, &issued.access_token, Audience::Staff, NOW).await
    ));

    accounts::sign_out(&pool, id, issued.session_id, &client())
        .await
        .expect("signs out");
    // The access token has not expired, but its session has ended.
    assert!(is_unauthorized(
        sessions::authenticate(&pool, &keys, &issued.access_token, Audience::Customer, NOW).await
    ));
    assert!(is_unauthorized(
        sessions::refresh(
            &pool,
            &keys,
            &issued.refresh_token,
            Audience::Customer,
            &client(),
            NOW
        )
        .await
    ));
    assert_eq!(
        audit_actions(&pool).await,
        [
            "account.registered",
            "account.email_verified",
            "account.register_existing",
            "account.signed_in",
            "account.signed_out"
        ]
    );
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn sign_in_failures_say_nothing_about_who_has_an_account(pool: PgPool) {
    let hasher = Hasher::new(2);
    customer(&pool, &hasher, "amina@example.com").await;
    let attempt = |email: &'static str, password: &'static str, audience| {
        let (pool, hasher) = (pool.clone(), hasher.clone());
        async move {
            accounts::check_credentials(
                &pool,
                &hasher,
                email,
                &secret(password),
                audience,
                &client(),
            )
            .await
            .map(|_| ())
            .map_err(|e| AppError::from(e).to_string())
        }
    };
    let wrong_password = attempt(
        "amina@example.com",
        "Not-The-Password-1",
        Audience::Customer,
    )
    .await;
    let unknown = attempt("nobody@example.com", PASSWORD, Audience::Customer).await;
    let malformed = attempt("not an email", PASSWORD, Audience::Customer).await;
    assert!(wrong_password.is_err());
    assert_eq!(wrong_password, unknown);
    assert_eq!(wrong_password, malformed);
    // A customer cannot sign in to the staff side, with the same answer.
    assert_eq!(
        attempt("amina@example.com", PASSWORD, Audience::Staff).await,
        unknown
    );
    let failures = audit_actions(&pool)
        .await
        .into_iter()
        .filter(|a| a == "account.sign_in_failed")
        .count();
    assert_eq!(failures, 4);
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn refresh_tokens_rotate_and_reuse_revokes_the_family(pool: PgPool) {
    let hasher = Hasher::new(2);
    let keys = keys();
    customer(&pool, &hasher, "amina@example.com").await;
    let first = amina_signs_in(&pool, &hasher, &keys)
        .await
        .expect("signs in");
    let second = sessions::refresh(
        &pool,
        &keys,
        &first.refresh_token,
        Audience::Customer,
        &client(),
        NOW,
    )
    .await
    .expect("rotates");
    assert_ne!(second.refresh_token, first.refresh_token);
    assert_eq!(second.session_id, first.session_id);
    let third = sessions::refresh(
        &pool,
        &keys,
        &second.refresh_token,
        Audience::Customer,
        &client(),
        NOW,
    )
    .await
    .expect("rotates again");
    // A stolen copy of the first token is replayed: refused, and the whole family ends.
    assert!(is_unauthorized(
        sessions::refresh(
            &pool,
            &keys,
            &first.refresh_token,
            Audience::Customer,
            &client(),
            NOW
        )
        .await
    ));
    assert!(is_unauthorized(
        sessions::refresh(
            &pool,
            &keys,
            &third.refresh_token,
            Audience::Customer,
            &client(),
            NOW
        )
        .await
    ));
    assert!(is_unauthorized(
        sessions::authenticate(&pool, &keys, &third.access_token, Audience::Customer, NOW).await
    ));
    let reason: Option<String> = sqlx::query_scalar("SELECT revoked_reason FROM sessions")
        .fetch_one(&pool)
        .await
        .expect("reads");
    assert_eq!(reason.as_deref(), Some("refresh_token_reused"));
    assert!(audit_actions(&pool)
        .await
        .contains(&"session.refresh_reuse".to_owned()));
    // Unknown and wrong-audience tokens are refused too.
    assert!(is_unauthorized(
        sessions::refresh(&pool, &keys, "made-up", Audience::Customer, &client(), NOW).await
    ));
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn one_refresh_token_used_concurrently_is_spent_once(pool: PgPool) {
    let hasher = Hasher::new(2);
    let keys = keys();
    customer(&pool, &hasher, "amina@example.com").await;
    let issued = amina_signs_in(&pool, &hasher, &keys)
        .await
        .expect("signs in");
    let attempts = (0..10).map(|_| {
        let (pool, keys, token) = (pool.clone(), keys.clone(), issued.refresh_token.clone());
        tokio::spawn(async move {
            sessions::refresh(&pool, &keys, &token, Audience::Customer, &client(), NOW).await
        })
    });
    let mut ok = 0;
    for a in attempts {
        match a.await.expect("joins") {
            Ok(_) => ok += 1,
            Err(Error::App(AppError::Unauthorized)) => {}
            Err(other) => panic!("unexpected error: {other}"),
        }
    }
    assert_eq!(ok, 1, "exactly one rotation wins");
    // The other nine were reuse: the session is revoked.
    let revoked: bool = sqlx::query_scalar("SELECT revoked_at IS NOT NULL FROM sessions")
        .fetch_one(&pool)
        .await
        .expect("reads");
    assert!(revoked);
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn changing_the_password_signs_out_every_other_session(pool: PgPool) {
    let hasher = Hasher::new(2);
    let keys = keys();
    let id = customer(&pool, &hasher, "amina@example.com").await;
    let mut sessions_ = Vec::new();
    for _ in 0..3 {
        sessions_.push(
            amina_signs_in(&pool, &hasher, &keys)
                .await
                .expect("signs in"),
        );
    }
    let here = &sessions_[0];
    let wrong = accounts::change_password(
        &pool,
        &hasher,
        id,
        here.session_id,
        &secret("not it at all!"),
        &secret("Another-Fine-Pass-7"),
        &client(),
    )
    .await;
    assert!(matches!(
        wrong,
        Err(Error::App(AppError::Validation { .. }))
    ));
    let weak = accounts::change_password(
        &pool,
        &hasher,
        id,
        here.session_id,
        &secret(PASSWORD),
        &secret("password1234"),
        &client(),
    )
    .await;
    assert!(matches!(weak, Err(Error::App(AppError::Validation { .. }))));
    let ended = accounts::change_password(
        &pool,
        &hasher,
        id,
        here.session_id,
        &secret(PASSWORD),
        &secret("Another-Fine-Pass-7"),
        &client(),
    )
    .await
    .expect("changes");
    assert_eq!(ended, 2);
    assert!(
        sessions::authenticate(&pool, &keys, &here.access_token, Audience::Customer, NOW)
            .await
            .is_ok()
    );
    for other in &sessions_[1..] {
        assert!(is_unauthorized(
            sessions::authenticate(&pool, &keys, &other.access_token, Audience::Customer, NOW)
                .await
        ));
    }
    // The old password no longer works; the new one does.
    assert!(amina_signs_in(&pool, &hasher, &keys).await.is_err());
    assert!(sign_in(
        &pool,
        &hasher,
        &keys,
        &site(),
        "amina@example.com",
        &secret("Another-Fine-Pass-7"),
        &client(),
        NOW
    )
    .await
    .is_ok());
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn another_accounts_session_is_not_found(pool: PgPool) {
    let hasher = Hasher::new(2);
    let keys = keys();
    let amina = customer(&pool, &hasher, "amina@example.com").await;
    let bwalya = customer(&pool, &hasher, "bwalya@example.com").await;
    let hers = amina_signs_in(&pool, &hasher, &keys)
        .await
        .expect("signs in");
    let err = sessions::revoke(&pool, bwalya, hers.session_id, "signed_out").await;
    assert!(matches!(err, Err(Error::App(AppError::NotFound))));
    assert!(
        sessions::authenticate(&pool, &keys, &hers.access_token, Audience::Customer, NOW)
            .await
            .is_ok()
    );
    // Revoking one's own ended session again is fine (idempotent).
    sessions::revoke(&pool, amina, hers.session_id, "signed_out")
        .await
        .expect("revokes");
    sessions::revoke(&pool, amina, hers.session_id, "signed_out")
        .await
        .expect("again");
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn the_audit_log_is_append_only(pool: PgPool) {
    let hasher = Hasher::new(2);
    customer(&pool, &hasher, "amina@example.com").await;
    for statement in [
        "UPDATE audit_log SET action = 'account.nothing'",
        "DELETE FROM audit_log",
    ] {
        let err = sqlx::query(statement)
            .execute(&pool)
            .await
            .expect_err(statement);
        assert!(err.to_string().contains("append-only"), "{err}");
    }
    assert_eq!(
        audit_actions(&pool).await,
        ["account.registered", "account.email_verified"]
    );
}

#[test]
fn emails_are_normalised_and_checked() {
    assert_eq!(
        accounts::normalise_email("  Amina@Example.COM ").expect("valid"),
        "amina@example.com"
    );
    for bad in [
        "",
        "a",
        "no-at-sign",
        "@example.com",
        "a@b",
        "a@.com",
        "a@b..com",
        "a b@c.com",
        "a@b.com.",
    ] {
        assert!(accounts::normalise_email(bad).is_err(), "{bad:?}");
    }
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn an_address_is_confirmed_once_through_its_link(pool: PgPool) {
    let hasher = Hasher::new(2);
    let keys = keys();
    let id = register(
        &pool,
        &hasher,
        &site(),
        "zola@example.com",
        &secret(PASSWORD),
        &client(),
    )
    .await
    .expect("registers")
    .expect("new");
    let first = link_token(&pool, id, "/account/verify?token=").await;
    // Not confirmed yet: the right password gets a new link instead of a session.
    let attempt = sign_in(
        &pool,
        &hasher,
        &keys,
        &site(),
        "zola@example.com",
        &secret(PASSWORD),
        &client(),
        NOW,
    )
    .await;
    match attempt {
        Err(Error::App(AppError::Validation { field, .. })) => assert_eq!(field, "email"),
        other => panic!("{other:?}"),
    }
    let second = link_token(&pool, id, "/account/verify?token=").await;
    assert_ne!(first, second);
    // Only the newest link works, and only once.
    assert!(links::verify_email(&pool, &first, &client()).await.is_err());
    links::verify_email(&pool, &second, &client())
        .await
        .expect("verifies");
    assert!(links::verify_email(&pool, &second, &client())
        .await
        .is_err());
    assert!(links::verify_email(&pool, "made-up", &client())
        .await
        .is_err());
    sign_in(
        &pool,
        &hasher,
        &keys,
        &site(),
        "zola@example.com",
        &secret(PASSWORD),
        &client(),
        NOW,
    )
    .await
    .expect("signs in once confirmed");
    // Registering a taken address tells its owner by email, not the person registering.
    let before: i64 = sqlx::query_scalar("SELECT count(*) FROM email_outbox")
        .fetch_one(&pool)
        .await
        .expect("counts");
    assert_eq!(
        register(
            &pool,
            &hasher,
            &site(),
            "ZOLA@example.com",
            &secret(PASSWORD),
            &client()
        )
        .await
        .expect("answers"),
        None
    );
    let subject: String =
        sqlx::query_scalar("SELECT subject FROM email_outbox ORDER BY id DESC LIMIT 1")
            .fetch_one(&pool)
            .await
            .expect("reads");
    let after: i64 = sqlx::query_scalar("SELECT count(*) FROM email_outbox")
        .fetch_one(&pool)
        .await
        .expect("counts");
    assert_eq!(after, before + 1);
    assert!(
        subject.starts_with("You already have an account"),
        "{subject}"
    );
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn a_reset_link_works_once_before_it_expires_and_ends_every_session(pool: PgPool) {
    let hasher = Hasher::new(2);
    let keys = keys();
    let id = customer(&pool, &hasher, "amina@example.com").await;
    let session = amina_signs_in(&pool, &hasher, &keys)
        .await
        .expect("signs in");
    let emails = || async {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM email_outbox")
            .fetch_one(&pool)
            .await
            .expect("counts")
    };
    // An unknown address gets the same answer and no email.
    let before = emails().await;
    links::request_reset(&pool, &site(), "nobody@example.com", &client())
        .await
        .expect("answers");
    assert_eq!(emails().await, before);
    links::request_reset(&pool, &site(), "Amina@Example.com", &client())
        .await
        .expect("answers");
    assert_eq!(emails().await, before + 1);
    let token = link_token(&pool, id, "/account/reset-password?token=").await;

    // A weak password is refused without spending the link.
    assert!(
        links::reset_password(&pool, &hasher, &token, &secret("password1234"), &client())
            .await
            .is_err()
    );
    links::reset_password(
        &pool,
        &hasher,
        &token,
        &secret("Brand-New-Secret-9"),
        &client(),
    )
    .await
    .expect("resets");
    assert!(
        links::reset_password(
            &pool,
            &hasher,
            &token,
            &secret("Another-New-One-8"),
            &client()
        )
        .await
        .is_err(),
        "single use"
    );
    assert!(
        is_unauthorized(
            sessions::authenticate(&pool, &keys, &session.access_token, Audience::Customer, NOW)
                .await
        ),
        "sessions end with a reset"
    );
    assert!(
        amina_signs_in(&pool, &hasher, &keys).await.is_err(),
        "the old password is gone"
    );

    // An expired link is refused.
    links::request_reset(&pool, &site(), "amina@example.com", &client())
        .await
        .expect("answers");
    let token = link_token(&pool, id, "/account/reset-password?token=").await;
    sqlx::query("UPDATE account_tokens SET expires_at = now() - interval '1 second' WHERE purpose = 'reset_password' AND used_at IS NULL")
        .execute(&pool).await.expect("expires");
    assert!(links::reset_password(
        &pool,
        &hasher,
        &token,
        &secret("Too-Late-Secret-7"),
        &client()
    )
    .await
    .is_err());
}

fn address(name: &str, default: bool) -> AddressInput {
    AddressInput {
        name: name.into(),
        phone: "+260 97 123 4567".into(),
        line1: "Plot 5, Cairo Road".into(),
        line2: String::new(),
        city: "Lusaka".into(),
        region: String::new(),
        postal_code: "10101".into(),
        country: "ZM".into(),
        is_default: default,
    }
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn another_accounts_address_is_not_found_and_one_default_holds(pool: PgPool) {
    let hasher = Hasher::new(2);
    let amina = customer(&pool, &hasher, "amina@example.com").await;
    let zola = customer(&pool, &hasher, "zola@example.com").await;
    let home = profile::save_address(&pool, amina, None, &address("Amina", false))
        .await
        .expect("saves");
    let work = profile::save_address(&pool, amina, None, &address("Amina at work", true))
        .await
        .expect("saves");
    let list = profile::addresses(&pool, amina).await.expect("lists");
    assert_eq!(
        list.iter()
            .filter(|a| a.fields.is_default)
            .map(|a| a.id)
            .collect::<Vec<_>>(),
        vec![work],
        "the newest default wins"
    );
    assert_eq!(list.len(), 2);

    // Zola cannot read, change or delete Amina's addresses: not found, nothing changed.
    let not_found = |r: Result<_, Error>| matches!(r, Err(Error::App(AppError::NotFound)));
    assert!(not_found(
        profile::address(&pool, zola, home).await.map(|_| ())
    ));
    assert!(not_found(
        profile::save_address(&pool, zola, Some(home), &address("Stolen", true))
            .await
            .map(|_| ())
    ));
    assert!(not_found(profile::delete_address(&pool, zola, home).await));
    assert_eq!(
        profile::address(&pool, amina, home)
            .await
            .expect("still there")
            .fields
            .name,
        "Amina"
    );
    assert!(profile::addresses(&pool, zola)
        .await
        .expect("lists")
        .is_empty());

    // Deleting the default passes the role on.
    profile::delete_address(&pool, amina, work)
        .await
        .expect("deletes");
    let left = profile::addresses(&pool, amina).await.expect("lists");
    assert_eq!(left.len(), 1);
    assert!(left[0].fields.is_default);
    // Bad input is a validation error naming the field.
    let mut bad = address("Amina", false);
    bad.country = "XX".into();
    assert!(
        matches!(profile::save_address(&pool, amina, None, &bad).await,
        Err(Error::App(AppError::Validation { ref field, .. })) if field == "country")
    );
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn export_holds_everything_and_erasure_removes_it(pool: PgPool) {
    let hasher = Hasher::new(2);
    let keys = keys();
    let id = customer(&pool, &hasher, "amina@example.com").await;
    profile::update_name(&pool, id, "  Amina   Al Hashimi ")
        .await
        .expect("names");
    profile::save_address(&pool, id, None, &address("Amina", true))
        .await
        .expect("saves");
    amina_signs_in(&pool, &hasher, &keys)
        .await
        .expect("signs in");
    let export = profile::export(&pool, id).await.expect("exports");
    assert_eq!(export["account"]["email"], "amina@example.com");
    assert_eq!(export["account"]["name"], "Amina Al Hashimi");
    assert_eq!(export["addresses"][0]["city"], "Lusaka");
    assert_eq!(export["sessions"].as_array().map(Vec::len), Some(1));
    assert!(export["security_events"]
        .as_array()
        .is_some_and(|e| !e.is_empty()));
    assert!(export["emails"].as_array().is_some_and(|e| !e.is_empty()));
    assert!(
        !export.to_string().contains("argon2"),
        "no password hash in the export"
    );

    profile::erase(&pool, id).await.expect("erases");
    let row: (String, String, Option<String>) =
        sqlx::query_as("SELECT email, name, password_hash FROM accounts WHERE id = $1")
            .bind(id)
            .fetch_one(&pool)
            .await
            .expect("row kept");
    assert_eq!(row, (format!("erased-{id}@invalid"), String::new(), None));
    for table in ["addresses", "sessions", "account_tokens", "email_outbox"] {
        let n: i64 = sqlx::query_scalar(&format!(
            "SELECT count(*) FROM {table} WHERE account_id = $1"
        ))
        .bind(id)
        .fetch_one(&pool)
        .await
        .expect("counts");
        assert_eq!(n, 0, "{table}");
    }
    assert!(amina_signs_in(&pool, &hasher, &keys).await.is_err());
    assert!(profile::erase(&pool, id).await.is_err(), "erased once");
    // The address can be used for a new account.
    customer(&pool, &hasher, "amina@example.com").await;
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn queued_email_is_delivered_once_and_retried_when_the_server_is_away(pool: PgPool) {
    let hasher = Hasher::new(2);
    let dir = std::env::temp_dir().join(format!(
        "duka-mail-{}",
        app::server::platform::error::new_reference()
    ));
    let mailer = Mailer::directory("Duka Test <no-reply@shop.test>", &dir).expect("mailer");
    let id = register(
        &pool,
        &hasher,
        &site(),
        "amina@example.com",
        &secret(PASSWORD),
        &client(),
    )
    .await
    .expect("registers")
    .expect("new");
    let pass = mail::deliver_due(&pool, &mailer).await.expect("delivers");
    assert_eq!(pass, mail::Pass { sent: 1, failed: 0 });
    assert_eq!(
        mail::deliver_due(&pool, &mailer).await.expect("delivers"),
        mail::Pass::default(),
        "sent once"
    );
    let files: Vec<_> = std::fs::read_dir(&dir)
        .expect("dir")
        .map(|e| e.expect("entry").path())
        .collect();
    assert_eq!(files.len(), 1);
    let eml = std::fs::read_to_string(&files[0]).expect("reads");
    assert!(eml.contains("Message-ID: <outbox-"), "{eml}");
    assert!(eml.contains("multipart/alternative"), "{eml}");
    assert!(eml.contains("To: amina@example.com"), "{eml}");
    let _ = std::fs::remove_dir_all(&dir);
    let _ = id;

    // SMTP where nothing listens: the message stays queued with an error and a later attempt.
    let smtp = Mailer::new(&app::server::platform::config::MailSettings {
        from: "Duka Test <no-reply@shop.test>".into(),
        transport: app::server::platform::config::MailTransport::Smtp {
            url: secret("smtp://127.0.0.1:1"),
        },
    })
    .expect("mailer");
    links::request_reset(&pool, &site(), "amina@example.com", &client())
        .await
        .expect("queues");
    let pass = mail::deliver_due(&pool, &smtp).await.expect("runs");
    assert_eq!(pass, mail::Pass { sent: 0, failed: 1 });
    let (sent, error, later): (Option<String>, Option<String>, bool) = sqlx::query_as(
        "SELECT sent_at::text, last_error, next_attempt_at > now() FROM email_outbox ORDER BY id DESC LIMIT 1")
        .fetch_one(&pool).await.expect("reads");
    assert_eq!(sent, None);
    assert!(error.is_some());
    assert!(later, "retried later, not in a tight loop");
}

// ---- Staff: the first owner, roles, and the second factor ------------------------------

async fn totp_secret(pool: &PgPool, sealer: &Sealer, account_id: i64) -> Vec<u8> {
    two_factor::stored_secret(pool, sealer, account_id)
        .await
        .expect("opens")
        .expect("enrolment started")
}

fn code_at(secret: &[u8], now: i64) -> String {
    totp::code_for_step(secret, totp::step_at(now))
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn staff_need_a_second_factor_and_each_code_works_once(pool: PgPool) {
    let hasher = Hasher::new(2);
    let keys = keys();
    let sealer = Sealer::random();
    let owner_password = secret("Keeper-Of-The-Souq-77");
    let owner = staff::create_owner(&pool, &hasher, "owner@shop.test", &owner_password)
        .await
        .expect("first owner");
    assert!(
        staff::create_owner(&pool, &hasher, "second@shop.test", &owner_password)
            .await
            .is_err(),
        "only the first owner comes from the command line"
    );
    // A customer's credentials do not open the staff side.
    customer(&pool, &hasher, "amina@example.com").await;
    assert!(staff::begin_sign_in(
        &pool,
        &hasher,
        &keys,
        "amina@example.com",
        &secret(PASSWORD),
        &client(),
        NOW
    )
    .await
    .is_err());

    // No authenticator yet: the password leads to enrolment, not a session.
    let step = staff::begin_sign_in(
        &pool,
        &hasher,
        &keys,
        "owner@shop.test",
        &owner_password,
        &client(),
        NOW,
    )
    .await
    .expect("password accepted");
    let staff::NextStep::Enrol { challenge } = step else {
        panic!("expected enrolment, got {step:?}");
    };
    // The challenge is not a staff access token.
    assert!(is_unauthorized(
        sessions::authenticate(&pool, &keys, &challenge, Audience::Staff, NOW).await
    ));
    let enrolment = two_factor::start_enrolment(&pool, &keys, &sealer, &site(), &challenge, NOW)
        .await
        .expect("enrols");
    assert!(enrolment.qr_svg.contains("<svg"));
    assert!(enrolment.otpauth_uri.contains(&enrolment.secret_base32));
    assert_eq!(enrolment.recovery_codes.len(), two_factor::RECOVERY_CODES);
    let totp_key = totp_secret(&pool, &sealer, owner).await;
    assert!(two_factor::confirm_enrolment(
        &pool,
        &keys,
        &sealer,
        &challenge,
        "000000",
        &client(),
        NOW
    )
    .await
    .is_err());
    let session = two_factor::confirm_enrolment(
        &pool,
        &keys,
        &sealer,
        &challenge,
        &code_at(&totp_key, NOW),
        &client(),
        NOW,
    )
    .await
    .expect("enrolled and signed in");
    sessions::authenticate(&pool, &keys, &session.access_token, Audience::Staff, NOW)
        .await
        .expect("a staff session");
    assert!(
        two_factor::start_enrolment(&pool, &keys, &sealer, &site(), &challenge, NOW)
            .await
            .is_err(),
        "a confirmed authenticator cannot be replaced through a sign-in challenge"
    );

    // Next sign-in: a code. The code just used is refused (replay), even in the same window.
    let later = NOW + 5;
    let staff::NextStep::Code { challenge } = staff::begin_sign_in(
        &pool,
        &hasher,
        &keys,
        "owner@shop.test",
        &owner_password,
        &client(),
        later,
    )
    .await
    .expect("password") else {
        panic!("expected a code step");
    };
    assert!(two_factor::complete_sign_in(
        &pool,
        &keys,
        &sealer,
        &challenge,
        &code_at(&totp_key, NOW),
        &client(),
        later
    )
    .await
    .is_err());
    // Drift: two steps ahead is refused; one step ahead is accepted.
    let ahead = code_at(&totp_key, later + 2 * totp::STEP_SECS);
    assert!(two_factor::complete_sign_in(
        &pool,
        &keys,
        &sealer,
        &challenge,
        &ahead,
        &client(),
        later
    )
    .await
    .is_err());
    let next = code_at(&totp_key, later + totp::STEP_SECS);
    two_factor::complete_sign_in(&pool, &keys, &sealer, &challenge, &next, &client(), later)
        .await
        .expect("one step of drift");
    // An older code than the last one used never works again.
    assert!(two_factor::complete_sign_in(
        &pool,
        &keys,
        &sealer,
        &challenge,
        &code_at(&totp_key, later),
        &client(),
        later
    )
    .await
    .is_err());

    // A recovery code works once, whatever its case or dashes.
    let recovery = enrolment.recovery_codes[0].to_uppercase().replace('-', " ");
    two_factor::complete_sign_in(
        &pool,
        &keys,
        &sealer,
        &challenge,
        &recovery,
        &client(),
        later,
    )
    .await
    .expect("recovery code");
    assert!(two_factor::complete_sign_in(
        &pool,
        &keys,
        &sealer,
        &challenge,
        &recovery,
        &client(),
        later
    )
    .await
    .is_err());

    // The challenge expires.
    let expired = later + 10 * 60;
    assert!(two_factor::complete_sign_in(
        &pool,
        &keys,
        &sealer,
        &challenge,
        &code_at(&totp_key, expired),
        &client(),
        expired
    )
    .await
    .is_err());
    let actions = audit_actions(&pool).await;
    for action in [
        "staff.owner_created",
        "staff.totp_enrolled",
        "staff.totp_failed",
        "staff.recovery_code_used",
        "staff.signed_in",
    ] {
        assert!(
            actions.iter().any(|a| a == action),
            "{action} in {actions:?}"
        );
    }
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn roles_decide_what_staff_may_do(pool: PgPool) {
    use staff::{Permission, Role};
    let hasher = Hasher::new(2);
    let owner_id = staff::create_owner(
        &pool,
        &hasher,
        "owner@shop.test",
        &secret("Keeper-Of-The-Souq-77"),
    )
    .await
    .expect("owner");
    let customer_id = customer(&pool, &hasher, "amina@example.com").await;
    let forbidden =
        |r: Result<staff::Staff, Error>| matches!(r, Err(Error::App(AppError::Forbidden)));
    // A customer calling a staff function: refused, never data.
    assert!(forbidden(
        staff::authorize(&pool, customer_id, 1, Permission::ViewAudit).await
    ));
    let owner = staff::authorize(&pool, owner_id, 1, Permission::ManageStaff)
        .await
        .expect("owner may");
    let support_id = staff::create_staff(
        &pool,
        &site(),
        &owner,
        "help@shop.test",
        Role::Support,
        &client(),
    )
    .await
    .expect("owner adds staff");
    // The new member got a link to choose a password.
    let link = link_token(&pool, support_id, "/account/reset-password?token=").await;
    assert!(!link.is_empty());
    let support = staff::authorize(&pool, support_id, 2, Permission::ViewCustomers)
        .await
        .expect("support may");
    assert!(forbidden(
        staff::authorize(&pool, support_id, 2, Permission::ViewAudit).await
    ));
    assert!(forbidden(
        staff::authorize(&pool, support_id, 2, Permission::ManageStaff).await
    ));
    // Only the owner adds staff, and nobody makes an owner from the web.
    let refused = |r: Result<i64, Error>| matches!(r, Err(Error::App(AppError::Forbidden)));
    assert!(refused(
        staff::create_staff(
            &pool,
            &site(),
            &support,
            "x@shop.test",
            Role::Support,
            &client()
        )
        .await
    ));
    assert!(refused(
        staff::create_staff(
            &pool,
            &site(),
            &owner,
            "y@shop.test",
            Role::Owner,
            &client()
        )
        .await
    ));
    // The table, spot-checked.
    assert!(
        Role::Admin.allows(Permission::ViewAudit) && !Role::Admin.allows(Permission::ManageStaff)
    );
    assert!(
        Role::CatalogManager.allows(Permission::ManageCatalog)
            && !Role::CatalogManager.allows(Permission::ManageOrders)
    );
    assert!(
        Role::OrderClerk.allows(Permission::ManageOrders)
            && !Role::OrderClerk.allows(Permission::ManageCatalog)
    );
    let listed = staff::list_staff(&pool).await.expect("lists");
    assert_eq!(
        listed.iter().map(|m| m.email.as_str()).collect::<Vec<_>>(),
        ["owner@shop.test", "help@shop.test"]
    );
    // Each role is shown the admin's sections it may open, and no other.
    let sections = |role| {
        staff::sections(role)
            .into_iter()
            .map(|(_, name)| name)
            .collect::<Vec<_>>()
    };
    for (role, shown) in [
        (
            Role::Owner,
            vec![
                "Home",
                "Orders",
                "Customers",
                "Products",
                "Categories",
                "Coupons",
                "Staff",
                "Settings",
                "Audit log",
            ],
        ),
        (
            Role::Admin,
            vec![
                "Home",
                "Orders",
                "Customers",
                "Products",
                "Categories",
                "Coupons",
                "Settings",
                "Audit log",
            ],
        ),
        (Role::CatalogManager, vec!["Home", "Products", "Categories"]),
        // Read-only catalog for the order desk: what they pack and answer questions about.
        (
            Role::OrderClerk,
            vec!["Home", "Orders", "Customers", "Products", "Categories"],
        ),
        (
            Role::Support,
            vec!["Home", "Orders", "Customers", "Products", "Categories"],
        ),
    ] {
        assert_eq!(sections(role), shown, "{role:?}");
    }
}

/// The password step of the owner's sign-in: its challenge.
async fn owner_challenge(pool: &PgPool, keys: &TokenKeys) -> String {
    let hasher = Hasher::new(2);
    let password = secret("Keeper-Of-The-Souq-77");
    staff::create_owner(pool, &hasher, "owner@shop.test", &password)
        .await
        .expect("owner");
    match staff::begin_sign_in(
        pool,
        &hasher,
        keys,
        "owner@shop.test",
        &password,
        &client(),
        NOW,
    )
    .await
    .expect("password")
    {
        staff::NextStep::Enrol { challenge } | staff::NextStep::Code { challenge } => challenge,
    }
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn reloading_the_enrolment_page_keeps_what_was_scanned(pool: PgPool) {
    let keys = keys();
    let sealer = Sealer::random();
    let challenge = owner_challenge(&pool, &keys).await;
    let first = two_factor::start_enrolment(&pool, &keys, &sealer, &site(), &challenge, NOW)
        .await
        .expect("enrols");
    // A reload, and a wrong code: the same secret and recovery codes.
    let again = two_factor::start_enrolment(&pool, &keys, &sealer, &site(), &challenge, NOW)
        .await
        .expect("shows it again");
    assert_eq!(again.secret_base32, first.secret_base32);
    assert_eq!(again.recovery_codes, first.recovery_codes);
    assert!(two_factor::confirm_enrolment(
        &pool,
        &keys,
        &sealer,
        &challenge,
        "000000",
        &client(),
        NOW
    )
    .await
    .is_err());
    let after_wrong = two_factor::start_enrolment(&pool, &keys, &sealer, &site(), &challenge, NOW)
        .await
        .expect("shows it again");
    assert_eq!(after_wrong.secret_base32, first.secret_base32);
    // The app scanned on the first load works.
    let owner: i64 = sqlx::query_scalar("SELECT id FROM accounts WHERE role = 'owner'")
        .fetch_one(&pool)
        .await
        .expect("owner");
    let code = code_at(&totp_secret(&pool, &sealer, owner).await, NOW);
    two_factor::confirm_enrolment(&pool, &keys, &sealer, &challenge, &code, &client(), NOW)
        .await
        .expect("confirmed with the first secret");
    // The codes shown are the ones that work, and they are no longer kept readable.
    let pending: Option<Vec<u8>> =
        sqlx::query_scalar("SELECT pending_codes FROM staff_totp WHERE account_id = $1")
            .bind(owner)
            .fetch_one(&pool)
            .await
            .expect("row");
    assert_eq!(pending, None);
    let recovery = &first.recovery_codes[3];
    two_factor::complete_sign_in(
        &pool,
        &keys,
        &sealer,
        &challenge,
        recovery,
        &client(),
        NOW + 1,
    )
    .await
    .expect("a recovery code from the first load");
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn an_enrolment_left_too_long_starts_over(pool: PgPool) {
    let keys = keys();
    let sealer = Sealer::random();
    let challenge = owner_challenge(&pool, &keys).await;
    let first = two_factor::start_enrolment(&pool, &keys, &sealer, &site(), &challenge, NOW)
        .await
        .expect("enrols");
    sqlx::query("UPDATE staff_totp SET created_at = now() - make_interval(secs => $1)")
        .bind(two_factor::ENROLMENT_TTL.as_secs_f64() + 1.0)
        .execute(&pool)
        .await
        .expect("ages");
    let later = two_factor::start_enrolment(&pool, &keys, &sealer, &site(), &challenge, NOW)
        .await
        .expect("enrols");
    assert_ne!(later.secret_base32, first.secret_base32);
    assert_ne!(later.recovery_codes, first.recovery_codes);
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn authenticator_secrets_are_sealed_at_rest_and_survive_a_key_rotation(pool: PgPool) {
    let keys = keys();
    let old_key = b"the-first-totp-key-0123456789abcdef".as_slice();
    let new_key = b"the-second-totp-key-0123456789abcdef".as_slice();
    let old = Sealer::new(old_key, &[]);
    let challenge = owner_challenge(&pool, &keys).await;
    let enrolment = two_factor::start_enrolment(&pool, &keys, &old, &site(), &challenge, NOW)
        .await
        .expect("enrols");
    let owner: i64 = sqlx::query_scalar("SELECT id FROM accounts WHERE role = 'owner'")
        .fetch_one(&pool)
        .await
        .expect("owner");
    let secret = totp_secret(&pool, &old, owner).await;
    assert_eq!(totp::base32(&secret), enrolment.secret_base32);
    let stored: Vec<u8> = sqlx::query_scalar("SELECT secret FROM staff_totp")
        .fetch_one(&pool)
        .await
        .expect("stored");
    assert_ne!(stored, secret, "not in clear");
    assert!(!stored.windows(secret.len()).any(|w| w == secret.as_slice()));
    two_factor::confirm_enrolment(
        &pool,
        &keys,
        &old,
        &challenge,
        &code_at(&secret, NOW),
        &client(),
        NOW,
    )
    .await
    .expect("enrolled");

    // Rotation: the new key, the old one kept for reading; start-up reseals.
    let rotating = Sealer::new(new_key, &[old_key]);
    let done = two_factor::reseal_secrets(&pool, &rotating)
        .await
        .expect("reseals");
    assert_eq!(
        done,
        two_factor::Resealed {
            resealed: 1,
            unreadable: 0
        }
    );
    assert_eq!(
        two_factor::reseal_secrets(&pool, &rotating)
            .await
            .expect("again"),
        two_factor::Resealed::default(),
        "nothing left under the old key"
    );
    // The old key can go: sign-in works with the new key alone.
    let new = Sealer::new(new_key, &[]);
    assert_eq!(totp_secret(&pool, &new, owner).await, secret);
    let later = NOW + 3 * totp::STEP_SECS;
    two_factor::complete_sign_in(
        &pool,
        &keys,
        &new,
        &challenge,
        &code_at(&secret, later),
        &client(),
        later,
    )
    .await
    .expect("signed in under the new key");
    // A key nobody has any more: reported, not silently ignored.
    let lost = Sealer::new(b"a-key-that-never-sealed-anything-0123", &[]);
    assert_eq!(
        two_factor::reseal_secrets(&pool, &lost)
            .await
            .expect("runs"),
        two_factor::Resealed {
            resealed: 0,
            unreadable: 1
        }
    );

    // A secret stored before sealing existed is sealed at the next start.
    sqlx::query("UPDATE staff_totp SET secret = $1")
        .bind(&secret)
        .execute(&pool)
        .await
        .expect("legacy row");
    assert_eq!(
        two_factor::reseal_secrets(&pool, &new)
            .await
            .expect("seals"),
        two_factor::Resealed {
            resealed: 1,
            unreadable: 0
        }
    );
    let stored: Vec<u8> = sqlx::query_scalar("SELECT secret FROM staff_totp")
        .fetch_one(&pool)
        .await
        .expect("stored");
    assert_ne!(stored, secret);
    assert_eq!(totp_secret(&pool, &new, owner).await, secret);
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn the_mail_outbox_gives_up_on_an_address_it_cannot_write_to(pool: PgPool) {
    let dir = std::env::temp_dir().join(format!("duka-mail-bad-{}", std::process::id()));
    let mailer = Mailer::directory("Duka Test <no-reply@shop.test>", &dir).expect("mailer");
    // An address from before the boundary checked addresses with the mailer's parser.
    sqlx::query(
        "INSERT INTO email_outbox (to_address, subject, text_body, html_body)
         VALUES ($1, 'Your order', 'text', '<p>html</p>')",
    )
    .bind("\">\u{2039}svg onload=alert(1)>@x.test")
    .execute(&pool)
    .await
    .expect("queued");
    assert_eq!(
        mail::deliver_due(&pool, &mailer).await.expect("runs"),
        mail::Pass { sent: 0, failed: 1 }
    );
    // Not tried again, however long the worker runs.
    sqlx::query("UPDATE email_outbox SET next_attempt_at = now() - interval '1 day'")
        .execute(&pool)
        .await
        .expect("due again");
    assert_eq!(
        mail::deliver_due(&pool, &mailer).await.expect("runs"),
        mail::Pass::default()
    );
    let (failed, error): (bool, Option<String>) =
        sqlx::query_as("SELECT failed_at IS NOT NULL, last_error FROM email_outbox")
            .fetch_one(&pool)
            .await
            .expect("row");
    assert!(failed);
    assert!(error.is_some_and(|e| e.contains("recipient")));
    // Staff see it in the audit log the admin shows.
    assert!(audit_actions(&pool)
        .await
        .iter()
        .any(|a| a == "mail.undeliverable"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn addresses_the_mailer_would_refuse_are_refused_at_registration(pool: PgPool) {
    let hasher = Hasher::new(2);
    let refused = register(
        &pool,
        &hasher,
        &site(),
        "\">\u{2039}svg onload=alert(1)>@x.test",
        &secret(PASSWORD),
        &client(),
    )
    .await;
    assert!(
        matches!(refused, Err(Error::App(AppError::Validation { ref field, .. })) if field == "email"),
        "{refused:?}"
    );
    let queued: i64 = sqlx::query_scalar("SELECT count(*) FROM email_outbox")
        .fetch_one(&pool)
        .await
        .expect("counts");
    assert_eq!(queued, 0);
}
