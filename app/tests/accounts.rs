//! Accounts against a real PostgreSQL: registration, sign-in, sessions with rotating refresh
//! tokens, revocation, password change and the audit log. A fresh database per test.

use app::model::AppError;
use app::server::accounts::password::Hasher;
use app::server::accounts::sessions::{self, Client};
use app::server::accounts::tokens::{Audience, TokenKeys};
use app::server::accounts::{self, register, sign_in};
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
    register(pool, hasher, email, &secret(PASSWORD), &client())
        .await
        .expect("registers")
        .expect("new account")
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
        "amina@example.com",
        &secret(PASSWORD),
        Audience::Customer,
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

#[sqlx::test(migrator = "app::server::db::MIGRATOR")]
async fn register_sign_in_and_sign_out(pool: PgPool) {
    let hasher = Hasher::new(2);
    let keys = keys();
    let id = customer(&pool, &hasher, "  Amina@Example.COM ").await;
    // The same address again (any case): no second account, and no different answer.
    let again = register(
        &pool,
        &hasher,
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
        "AMINA@example.com",
        &secret(PASSWORD),
        Audience::Customer,
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
            "account.register_existing",
            "account.signed_in",
            "account.signed_out"
        ]
    );
}

#[sqlx::test(migrator = "app::server::db::MIGRATOR")]
async fn sign_in_failures_say_nothing_about_who_has_an_account(pool: PgPool) {
    let hasher = Hasher::new(2);
    let keys = keys();
    customer(&pool, &hasher, "amina@example.com").await;
    let attempt = |email: &'static str, password: &'static str, audience| {
        let (pool, hasher, keys) = (pool.clone(), hasher.clone(), keys.clone());
        async move {
            sign_in(
                &pool,
                &hasher,
                &keys,
                email,
                &secret(password),
                audience,
                &client(),
                NOW,
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

#[sqlx::test(migrator = "app::server::db::MIGRATOR")]
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

#[sqlx::test(migrator = "app::server::db::MIGRATOR")]
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

#[sqlx::test(migrator = "app::server::db::MIGRATOR")]
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
        "amina@example.com",
        &secret("Another-Fine-Pass-7"),
        Audience::Customer,
        &client(),
        NOW
    )
    .await
    .is_ok());
}

#[sqlx::test(migrator = "app::server::db::MIGRATOR")]
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

#[sqlx::test(migrator = "app::server::db::MIGRATOR")]
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
    assert_eq!(audit_actions(&pool).await, ["account.registered"]);
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
