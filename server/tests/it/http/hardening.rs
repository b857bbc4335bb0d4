//! Findings from testing Duka from outside as an attacker would, each replayed over HTTP:
//! sessions that stay in their lane, no open redirect, bad input never a 500, and security
//! headers on every response.

use super::*;
use app::server::accounts::sessions::{self, Client};
use app::server::accounts::tokens::Audience;
use axum::extract::ConnectInfo;
use std::net::SocketAddr;

/// A GET with `cookies` from the client address `ip`.
fn get_from(path: &str, cookies: &str, ip: [u8; 4]) -> Request<Body> {
    let mut req = get_with(path, cookies);
    req.extensions_mut()
        .insert(ConnectInfo(SocketAddr::from((ip, 40_000))));
    req
}

/// The value a response sets for cookie `name` (empty when it deletes it).
fn set_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// Whether the response signs the browser in (sets a non-empty access cookie `name`).
fn signs_in(headers: &HeaderMap, name: &str) -> bool {
    set_value(headers, name).is_some_and(|v| !v.is_empty())
}

const HOME: [u8; 4] = [198, 51, 100, 7];
const ELSEWHERE: [u8; 4] = [203, 0, 113, 66];

async fn live_sessions(pool: &PgPool, audience: &str) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM sessions WHERE audience = $1 AND revoked_at IS NULL")
        .bind(audience)
        .fetch_one(pool)
        .await
        .expect("counts")
}

/// A staff account with a live staff session (the second factor is the sign-in's business,
/// tested elsewhere); its `duka_staff_at` and `duka_staff_rt` cookies.
pub(super) async fn staff_session(
    pool: &PgPool,
    state: &AppState,
    email: &str,
    role: &str,
) -> (i64, String) {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO accounts (email, role, email_verified_at) VALUES ($1, $2, now()) RETURNING id",
    )
    .bind(email)
    .bind(role)
    .fetch_one(pool)
    .await
    .expect("staff account");
    let issued = sessions::start(
        pool,
        &state.accounts.keys,
        id,
        Audience::Staff,
        &Client::default(),
        app::server::auth::now(),
    )
    .await
    .expect("session");
    (
        id,
        format!(
            "duka_staff_at={}; duka_staff_rt={}",
            issued.access_token, issued.refresh_token
        ),
    )
}

fn refresh_cookie(cookies: &str, name: &str) -> String {
    cookies
        .split("; ")
        .find(|c| c.starts_with(&format!("{name}=")))
        .expect("refresh cookie")
        .trim_start_matches(&format!("{name}="))
        .to_owned()
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn a_refresh_token_never_crosses_between_customer_and_staff_cookies(pool: PgPool) {
    use app::api::account::UpdateProfile;
    let site = Site::new();
    let st = state(pool.clone(), &site.0, false);
    let app = duka_server::router(st.clone());

    // A customer's refresh token, just used (its grace window open), in the staff cookie.
    let amina = sign_up(&app, &pool, "amina%40example.com").await;
    let rt = refresh_cookie(&amina, "duka_rt");
    let (status, headers, _) =
        send(&app, get_from("/account", &format!("duka_rt={rt}"), HOME)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(signs_in(&headers, "duka_at"));
    let (status, headers, _) = send(
        &app,
        get_from("/admin", &format!("duka_staff_rt={rt}"), HOME),
    )
    .await;
    assert_eq!(
        (status, location(&headers)),
        (StatusCode::FOUND, "/admin/sign-in")
    );
    assert!(!signs_in(&headers, "duka_staff_at"), "{headers:?}");
    assert_eq!(live_sessions(&pool, "staff").await, 0);

    // A staff member's refresh token, just used, in the customer cookie: no customer session,
    // and no customer function changes the staff account.
    let (boss, staff) = staff_session(&pool, &st, "boss@shop.test", "owner").await;
    let staff_rt = refresh_cookie(&staff, "duka_staff_rt");
    let (status, headers, _) = send(
        &app,
        get_from("/admin", &format!("duka_staff_rt={staff_rt}"), HOME),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(signs_in(&headers, "duka_staff_at"));
    let as_customer = format!("duka_rt={staff_rt}");
    let (status, headers, _) = send(&app, get_from("/account", &as_customer, HOME)).await;
    assert_eq!(status, StatusCode::FOUND);
    assert!(location(&headers).starts_with("/account/sign-in"));
    assert!(!signs_in(&headers, "duka_at"));
    let rename = Request::post(path_of::<UpdateProfile>())
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ORIGIN, ORIGIN)
        .header(header::COOKIE, &as_customer)
        .body(Body::from("name=Mallory"))
        .expect("request");
    let (status, _, _) = send(&app, rename).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let name: String = sqlx::query_scalar("SELECT name FROM accounts WHERE id = $1")
        .bind(boss)
        .fetch_one(&pool)
        .await
        .expect("name");
    assert_eq!(name, "");

    // Staff access tokens are not customer access tokens either, nor the other way round.
    let staff_at = refresh_cookie(&staff, "duka_staff_at");
    let (status, _, _) = send(&app, get_with("/account", &format!("duka_at={staff_at}"))).await;
    assert_eq!(status, StatusCode::FOUND);
    let amina_at = refresh_cookie(&amina, "duka_at");
    let (status, headers, _) = send(
        &app,
        get_with("/admin", &format!("duka_staff_at={amina_at}")),
    )
    .await;
    assert_eq!(
        (status, location(&headers)),
        (StatusCode::FOUND, "/admin/sign-in")
    );
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn the_refresh_grace_ends_at_sign_out_and_hands_out_nothing_newer(pool: PgPool) {
    use app::api::account::{SaveAddress, SignOut};
    let site = Site::new();
    let app = duka_server::router(state(pool.clone(), &site.0, false));
    let amina = sign_up(&app, &pool, "amina%40example.com").await;
    let rt1 = format!("duka_rt={}", refresh_cookie(&amina, "duka_rt"));

    // Two tabs race with the same refresh token: both are signed in, with the same tokens.
    let (_, first, _) = send(&app, get_from("/account", &rt1, HOME)).await;
    let (status, second, _) = send(&app, get_from("/account", &rt1, HOME)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(set_value(&first, "duka_rt"), set_value(&second, "duka_rt"));
    let renewed = cookies_set(&first);

    // Signing out ends the session: the old token's grace ends with it.
    let (status, _, _) = send(
        &app,
        form_post(path_of::<SignOut>(), "/account", "", &renewed),
    )
    .await;
    assert_eq!(status, StatusCode::FOUND);
    let (status, headers, _) = send(&app, get_from("/account", &rt1, HOME)).await;
    assert_eq!(status, StatusCode::FOUND, "not signed back in");
    assert!(!signs_in(&headers, "duka_at"));
    let fields = "address%5Bname%5D=Amina&address%5Bline1%5D=Plot+5&address%5Bcity%5D=Lusaka&address%5Bcountry%5D=ZM";
    let mut save = form_post(path_of::<SaveAddress>(), "/account/addresses", fields, &rt1);
    save.extensions_mut()
        .insert(ConnectInfo(SocketAddr::from((HOME, 40_000))));
    let (_, headers, _) = send(&app, save).await;
    assert!(location(&headers).contains("__err="), "{headers:?}");
    let addresses: i64 = sqlx::query_scalar("SELECT count(*) FROM addresses")
        .fetch_one(&pool)
        .await
        .expect("counts");
    assert_eq!(addresses, 0, "nothing saved to the signed-out account");
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn a_spent_refresh_token_replayed_gets_nothing_and_ends_the_family(pool: PgPool) {
    let site = Site::new();
    let app = duka_server::router(state(pool.clone(), &site.0, false));

    // From another client address, within the grace: reuse, not a racing tab.
    let amina = sign_up(&app, &pool, "amina%40example.com").await;
    let rt1 = format!("duka_rt={}", refresh_cookie(&amina, "duka_rt"));
    let (_, owner, _) = send(&app, get_from("/account", &rt1, HOME)).await;
    assert!(signs_in(&owner, "duka_at"));
    let (status, thief, _) = send(&app, get_from("/account", &rt1, ELSEWHERE)).await;
    assert_eq!(status, StatusCode::FOUND);
    assert!(!signs_in(&thief, "duka_at") && !signs_in(&thief, "duka_rt"));
    // The whole family is revoked: the owner's fresh cookies stop working too.
    let (status, _, _) = send(&app, get_with("/account", &cookies_set(&owner))).await;
    assert_eq!(status, StatusCode::FOUND);
    assert_eq!(live_sessions(&pool, "customer").await, 0);

    // From the same address, after the next token was spent too: nothing newer is handed out.
    let zola = sign_up(&app, &pool, "zola%40example.com").await;
    let rt1 = format!("duka_rt={}", refresh_cookie(&zola, "duka_rt"));
    let (_, first, _) = send(&app, get_from("/account", &rt1, HOME)).await;
    let rt2 = format!("duka_rt={}", set_value(&first, "duka_rt").expect("rotated"));
    let (_, second, _) = send(&app, get_from("/account", &rt2, HOME)).await;
    assert!(signs_in(&second, "duka_rt"));
    let (status, late, _) = send(&app, get_from("/account", &rt1, HOME)).await;
    assert_eq!(status, StatusCode::FOUND);
    assert!(!signs_in(&late, "duka_at"), "{late:?}");
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn a_deactivated_staff_member_is_out_at_once(pool: PgPool) {
    use app::server::accounts::staff::{self, Permission};
    let site = Site::new();
    let st = state(pool.clone(), &site.0, false);
    let app = duka_server::router(st.clone());
    let (owner_id, owner) = staff_session(&pool, &st, "boss@shop.test", "owner").await;
    let (clerk_id, clerk) = staff_session(&pool, &st, "clerk@shop.test", "order_clerk").await;
    let (status, _, _) = send(&app, get_with("/admin", &clerk)).await;
    assert_eq!(status, StatusCode::OK);

    let by = staff::authorize(&pool, owner_id, 0, Permission::ManageStaff)
        .await
        .expect("the owner");
    // Nobody deactivates themselves, and only those who manage staff deactivate anyone.
    assert!(
        staff::set_active(&pool, &by, owner_id, false, &Client::default())
            .await
            .is_err()
    );
    let clerk_staff = staff::authorize(&pool, clerk_id, 0, Permission::ManageOrders)
        .await
        .expect("the clerk");
    assert!(
        staff::set_active(&pool, &clerk_staff, owner_id, false, &Client::default())
            .await
            .is_err()
    );
    staff::set_active(&pool, &by, clerk_id, false, &Client::default())
        .await
        .expect("deactivated");

    // The access token and the refresh token both stop working at once.
    let (status, headers, _) = send(&app, get_with("/admin", &clerk)).await;
    assert_eq!(
        (status, location(&headers)),
        (StatusCode::FOUND, "/admin/sign-in")
    );
    let rt = format!("duka_staff_rt={}", refresh_cookie(&clerk, "duka_staff_rt"));
    let (status, headers, _) = send(&app, get_with("/admin", &rt)).await;
    assert_eq!(status, StatusCode::FOUND);
    assert!(!signs_in(&headers, "duka_staff_at"));
    let (status, _, _) = send(&app, get_with("/admin", &owner)).await;
    assert_eq!(status, StatusCode::OK, "the owner is still in");
    let actions: Vec<String> = sqlx::query_scalar("SELECT action FROM audit_log ORDER BY id")
        .fetch_all(&pool)
        .await
        .expect("audit");
    assert!(
        actions.iter().any(|a| a == "staff.deactivated"),
        "{actions:?}"
    );

    // Reactivated, the member signs in again (a new sign-in; the old sessions stay ended).
    staff::set_active(&pool, &by, clerk_id, true, &Client::default())
        .await
        .expect("reactivated");
    let (status, _, _) = send(&app, get_with("/admin", &clerk)).await;
    assert_eq!(status, StatusCode::FOUND);
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn next_after_sign_in_is_a_local_path_whatever_it_holds(pool: PgPool) {
    use app::api::account::SignIn;
    let site = Site::new();
    let app = duka_server::router(state(pool.clone(), &site.0, false));
    // Two accounts, so the attempts stay within each one's sign-in allowance.
    sign_up(&app, &pool, "amina%40example.com").await;
    sign_up(&app, &pool, "zola%40example.com").await;
    let sessions_before = live_sessions(&pool, "customer").await;
    // As sent in the form body (percent-encoded once more by the browser).
    let attempts = [
        "%2F%2Fevil.example",
        "%2F%5Cevil.example",
        "%5C%2Fevil.example",
        "%2F%09%2Fevil.example",
        "%2F%2509%2Fevil.example",
        "%252f%252fevil.example",
        "https%3A%2F%2Fevil.example",
        "https%3Aevil.example",
        "javascript%3Aalert(1)",
        // Line breaks may be in a form (multi-line text), but not in where to go next.
        "%2F%0D%0ASet-Cookie%3A+x%3D1",
        "%2Fcaf%C3%A9",
    ];
    for (n, next) in attempts.iter().enumerate() {
        let (status, headers, _) = send(
            &app,
            form_post(
                path_of::<SignIn>(),
                "/account/sign-in",
                &format!(
                    "email={}%40example.com&password=Tamu-Tamu-Ndizi-42&next={next}",
                    ["amina", "zola"][n % 2]
                ),
                "",
            ),
        )
        .await;
        assert_eq!(status, StatusCode::FOUND, "{next}");
        assert_eq!(location(&headers), "/account", "{next}");
        assert!(signs_in(&headers, "duka_at"), "cookies arrive: {next}");
        assert_eq!(
            live_sessions(&pool, "customer").await,
            sessions_before + n as i64 + 1,
            "one session per sign-in, each with its cookies"
        );
    }
    // Control characters (which crashed the redirect after the password was accepted) are
    // refused before the password is even checked: a 400 and no session at all.
    for next in ["%2F%00", "%2F%01", "%2F%7F", "%2F%0B", "%2F%0C", "%2F%1B"] {
        let (status, headers, _) = send(
            &app,
            form_post(
                path_of::<SignIn>(),
                "/account/sign-in",
                &format!("email=amina%40example.com&password=Tamu-Tamu-Ndizi-42&next={next}"),
                "",
            ),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{next}");
        assert!(!signs_in(&headers, "duka_at"), "{next}");
    }
    assert_eq!(
        live_sessions(&pool, "customer").await,
        sessions_before + attempts.len() as i64,
        "no session without its cookies"
    );
    // The crafted link itself: the sign-in page answers 400 rather than carry the value on.
    let (status, _, _) = get(&app, "/account/sign-in?next=%2F%01").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn a_nul_or_control_character_anywhere_is_a_4xx_never_a_500(pool: PgPool) {
    use app::api::account::{ForgotPassword, Register, SignIn};
    use app::api::admin::StaffSignIn;
    use app::api::cart::{AddToCart, SaveCheckoutDetails};
    use app::api::orders::LookupOrder;
    let site = Site::new();
    let app = seeded_app(pool.clone(), &site).await;
    let posts = [
        (path_of::<SignIn>(), "email=a%00b%40x.test&password=whatever-123"),
        (path_of::<Register>(), "email=a%00b%40x.test&password=Tamu-Tamu-Ndizi-42"),
        (path_of::<ForgotPassword>(), "email=a%00b%40x.test"),
        (path_of::<StaffSignIn>(), "email=boss%00%40shop.test&password=x"),
        (path_of::<AddToCart>(), "sku=AB%00C&quantity=1"),
        (path_of::<LookupOrder>(), "email=a%00b%40x.test&number=1001"),
        (
            path_of::<SaveCheckoutDetails>(),
            "email=a%1Bb%40x.test&address%5Bname%5D=A&address%5Bline1%5D=B&address%5Bcity%5D=C&address%5Bcountry%5D=AE",
        ),
    ];
    for (path, body) in posts {
        let (status, _, text) = send(&app, form_post(path, "/", body, "")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {text}");
        // From code (no HTML wanted): the client-safe error as JSON.
        let req = Request::post(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ORIGIN, ORIGIN)
            .body(Body::from(body))
            .expect("request");
        let (status, _, text) = send(&app, req).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}");
        let error: app::model::AppError = serde_json::from_str(&text).expect("an AppError");
        assert!(
            matches!(error, app::model::AppError::Validation { .. }),
            "{error:?}"
        );
    }
    for path in [
        "/collections/clothing?f.material=a%00b",
        "/search?q=linen%00",
        "/search?q=%1B",
        "/products/linen%00shirt",
        "/search/suggest?q=a%00",
        "/orders/1001?key=a%00",
    ] {
        let (status, _, _) = get(&app, path).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}");
    }
    // JSON bodies (the collection and search functions take JSON): the same rule.
    let req = Request::post(path_of::<app::api::search::SearchProducts>())
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ORIGIN, ORIGIN)
        .body(Body::from(r#"{"query":{"q":"linen\u0000"}}"#))
        .expect("request");
    let (status, _, _) = send(&app, req).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // Multi-line text keeps its line breaks and tabs.
    let (status, _, _) = get(&app, "/search?q=linen%0Ashirt%09").await;
    assert_eq!(status, StatusCode::OK);
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn a_number_too_large_is_explained_in_words(pool: PgPool) {
    use app::api::cart::AddToCart;
    let site = Site::new();
    let app = seeded_app(pool.clone(), &site).await;
    let (status, headers, _) = send(
        &app,
        form_post(
            path_of::<AddToCart>(),
            "/products/x",
            "sku=ANY&quantity=100000000000000000000",
            "",
        ),
    )
    .await;
    assert_eq!(status, StatusCode::FOUND);
    let back = location(&headers).to_owned();
    assert!(back.contains("__err="), "{back}");
    let (_, _, page) = get(&app, back.trim_start_matches(ORIGIN)).await;
    assert!(
        !page.to_lowercase().contains("target type"),
        "no parser words on the page"
    );
    let req = Request::post(path_of::<AddToCart>())
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ORIGIN, ORIGIN)
        .body(Body::from("sku=ANY&quantity=100000000000000000000"))
        .expect("request");
    let (status, _, body) = send(&app, req).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.contains("a number in the form is not valid"), "{body}");
    assert!(!body.to_lowercase().contains("target type"), "{body}");
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn every_admin_page_sends_a_visitor_without_a_staff_session_to_the_staff_sign_in(
    pool: PgPool,
) {
    let site = Site::new();
    let app = duka_server::router(state(pool.clone(), &site.0, false));
    for path in [
        "/admin",
        "/admin/orders",
        "/admin/customers",
        "/admin/customers/1",
        "/admin/coupons",
        "/admin/coupons/new",
        "/admin/staff",
        "/admin/audit",
        "/admin/products",
        "/admin/settings",
        "/admin/settings/delivery",
        "/admin/settings/zones/new",
    ] {
        let (status, headers, _) = get(&app, path).await;
        assert_eq!(
            (status, location(&headers)),
            (StatusCode::FOUND, "/admin/sign-in"),
            "{path}"
        );
    }
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn redirects_and_panics_carry_the_security_headers_too(pool: PgPool) {
    let site = Site::new();
    let st = state(pool.clone(), &site.0, false);
    let check = |headers: &HeaderMap, what: &str| {
        assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff", "{what}");
        assert_eq!(headers[header::X_FRAME_OPTIONS], "DENY", "{what}");
        assert!(headers.contains_key(header::REFERRER_POLICY), "{what}");
        let csp = headers[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .expect("ascii");
        assert!(csp.starts_with("default-src 'none'"), "{what}: {csp}");
    };
    let app = duka_server::router(st.clone());
    let (status, headers, _) = get(&app, "/collections/clothing/").await;
    assert_eq!(status, StatusCode::PERMANENT_REDIRECT);
    check(&headers, "308");

    let panicking = axum::Router::new().route(
        "/boom",
        axum::routing::get(|| async {
            if std::hint::black_box(true) {
                panic!("boom");
            }
            "never"
        }),
    );
    let app = duka_server::http::with_layers(panicking, st);
    let (status, headers, body) = get(&app, "/boom").await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(!body.contains("boom"));
    check(&headers, "panic");
    // The reference the page gives is the request's id: the one in its log lines.
    let id = headers["x-request-id"].to_str().expect("ascii");
    assert_eq!(id.len(), 12, "{id}");
    assert!(body.contains(id), "{body}");
    let (_, again, _) = get(&app, "/boom").await;
    assert_ne!(again["x-request-id"], id, "each request has its own");
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn strangers_guessing_a_password_do_not_lock_the_owner_out(pool: PgPool) {
    use app::api::account::SignIn;
    let site = Site::new();
    let app = duka_server::router(state(pool.clone(), &site.0, false));
    // Amina has signed in from her browser before: it keeps a device cookie.
    let amina = sign_up(&app, &pool, "amina%40example.com").await;
    let device = amina
        .split("; ")
        .find(|c| c.starts_with("duka_device="))
        .expect("a device cookie after signing in")
        .to_owned();
    // Called from code (no HTML wanted), so refusals are statuses, not redirects to the form.
    let attempt = |password: &str, cookies: &str| {
        let mut req = Request::post(path_of::<SignIn>())
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ORIGIN, ORIGIN);
        if !cookies.is_empty() {
            req = req.header(header::COOKIE, cookies);
        }
        req.body(Body::from(format!(
            "email=amina%40example.com&password={password}"
        )))
        .expect("request")
    };
    // A stranger spends the account's whole allowance, and then some.
    let limit = app::server::platform::limits::SIGN_IN_PER_ACCOUNT.max as usize;
    for n in 0..limit {
        send(&app, attempt(&format!("Guess-Number-{n:04}"), "")).await;
    }
    let (status, _, _) = send(&app, attempt("Tamu-Tamu-Ndizi-42", "")).await;
    assert_eq!(
        status,
        StatusCode::TOO_MANY_REQUESTS,
        "without the device cookie even the right password waits"
    );
    // Amina, from her own browser, is not locked out.
    let (status, headers, body) = send(&app, attempt("Tamu-Tamu-Ndizi-42", &device)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(signs_in(&headers, "duka_at"));
    // A device cookie for another address, or a made-up one, buys nothing.
    let forged = "duka_device=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    let (status, _, _) = send(&app, attempt("Tamu-Tamu-Ndizi-42", forged)).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn registering_an_address_again_and_again_does_not_flood_its_inbox(pool: PgPool) {
    use app::api::account::Register;
    let site = Site::new();
    let app = duka_server::router(state(pool.clone(), &site.0, false));
    sign_up(&app, &pool, "amina%40example.com").await;
    let before: i64 = sqlx::query_scalar("SELECT count(*) FROM email_outbox")
        .fetch_one(&pool)
        .await
        .expect("counts");
    for n in 0..5u8 {
        let mut req = form_post(
            path_of::<Register>(),
            "/account/register",
            "email=Amina%40Example.com&password=Another-Long-Pass-9",
            "",
        );
        req.extensions_mut()
            .insert(ConnectInfo(SocketAddr::from(([192, 0, 2, n + 1], 40_000))));
        send(&app, req).await;
    }
    let after: i64 = sqlx::query_scalar("SELECT count(*) FROM email_outbox")
        .fetch_one(&pool)
        .await
        .expect("counts");
    let allowed = app::server::platform::limits::REGISTER_PER_ACCOUNT.max as i64;
    // sign_up itself registered the address once.
    assert_eq!(
        after - before,
        allowed - 1,
        "at most the per-address allowance"
    );
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn every_staff_action_on_an_order_is_in_the_audit_log(pool: PgPool) {
    use app::api::admin::{PackOrderLine, RefundOrder, UpdateOrderStatus};
    let site = Site::new();
    catalog::seed(&pool, &media(&site), Currency::Aed, 4)
        .await
        .expect("seeds");
    let st = state(pool.clone(), &site.0, false);
    let app = duka_server::router(st.clone());
    let (clerk_id, clerk) = staff_session(&pool, &st, "clerk@shop.test", "order_clerk").await;
    let number = cash_order(&app, &pool).await;
    let page = format!("/admin/orders/{number}");
    for (path, body) in [
        (
            path_of::<PackOrderLine>(),
            format!("number={number}&line_no=1&quantity=1"),
        ),
        (
            path_of::<PackOrderLine>(),
            format!("number={number}&line_no=1&quantity=1"),
        ),
        (
            path_of::<UpdateOrderStatus>(),
            format!("number={number}&status=shipped&carrier=aramex&tracking_number=TRK-1"),
        ),
    ] {
        let (status, headers, _) = send(&app, form_post(path, &page, &body, &clerk)).await;
        assert_eq!(status, StatusCode::FOUND, "{path}");
        assert!(
            !location(&headers).contains("__err="),
            "{path}: {}",
            location(&headers)
        );
    }
    let entries: Vec<(String, serde_json::Value)> = sqlx::query_as(
        "SELECT action, details FROM audit_log WHERE account_id = $1 AND action LIKE 'order.%'
         ORDER BY id",
    )
    .bind(clerk_id)
    .fetch_all(&pool)
    .await
    .expect("audit");
    let moves: Vec<(&str, Option<&str>)> = entries
        .iter()
        .map(|(a, d)| (a.as_str(), d["to"].as_str()))
        .collect();
    assert_eq!(
        moves,
        vec![
            ("order.status_changed", Some("partially_fulfilled")),
            ("order.status_changed", Some("fulfilled")),
            ("order.status_changed", Some("shipped")),
        ],
        "{entries:?}"
    );
    // A refund by staff too (a cash order delivered, then refunded).
    let number = cash_order(&app, &pool).await;
    let total: i64 = sqlx::query_scalar("SELECT total_minor FROM orders WHERE number = $1")
        .bind(number)
        .fetch_one(&pool)
        .await
        .expect("total");
    let collected = format!("{}.{:02}", total / 100, total % 100);
    for details in [
        "status=fulfilled".to_owned(),
        "status=shipped&carrier=own".to_owned(),
        format!("status=delivered&cash_collected={collected}"),
    ] {
        let (_, headers, _) = send(
            &app,
            form_post(
                path_of::<UpdateOrderStatus>(),
                &page,
                &format!("number={number}&{details}"),
                &clerk,
            ),
        )
        .await;
        assert!(
            !location(&headers).contains("__err="),
            "{details}: {}",
            location(&headers)
        );
    }
    // An empty amount is refused, never "everything".
    let (_, headers, _) = send(
        &app,
        form_post(
            path_of::<RefundOrder>(),
            &page,
            &format!("number={number}&amount=&reason=Damaged+in+transit&request_key=form-0123456789abcdef"),
            &clerk,
        ),
    )
    .await;
    assert!(
        location(&headers).contains("__err="),
        "{}",
        location(&headers)
    );
    let (_, headers, _) = send(
        &app,
        form_post(
            path_of::<RefundOrder>(),
            &page,
            &format!("number={number}&amount={collected}&reason=Damaged+in+transit&request_key=form-0123456789abcdef"),
            &clerk,
        ),
    )
    .await;
    assert!(
        !location(&headers).contains("__err="),
        "{}",
        location(&headers)
    );
    let refunded: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_log WHERE account_id = $1 AND details->>'to' = 'refunded'",
    )
    .bind(clerk_id)
    .fetch_one(&pool)
    .await
    .expect("audit");
    assert_eq!(refunded, 1);
}

/// Support staff may read orders but not act on them: their list and order pages offer no
/// buttons that would answer 403 (a clerk's do), and the live feed draws rows the same way.
#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn staff_who_may_only_view_orders_are_offered_no_actions(pool: PgPool) {
    let site = Site::new();
    catalog::seed(&pool, &media(&site), Currency::Aed, 4)
        .await
        .expect("seeds");
    let st = state(pool.clone(), &site.0, false);
    let app = duka_server::router(st.clone());
    let (_, support) = staff_session(&pool, &st, "help@shop.test", "support").await;
    let (_, clerk) = staff_session(&pool, &st, "clerk@shop.test", "order_clerk").await;
    let number = cash_order(&app, &pool).await;
    let order = format!("/admin/orders/{number}");
    for (cookies, acts) in [(&support, false), (&clerk, true)] {
        let (status, _, list) = send(&app, get_with("/admin/orders", cookies)).await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            list.contains(&format!("href=\"{order}\"")),
            "the order is listed"
        );
        assert_eq!(list.contains("Mark packed"), acts, "{cookies}");
        let (status, _, page) = send(&app, get_with(&order, cookies)).await;
        assert_eq!(status, StatusCode::OK);
        for button in ["Mark all packed", "Cancel order", "Add note"] {
            assert_eq!(page.contains(button), acts, "{button}");
        }
        assert!(page.contains("Notes"), "notes are shown to both");
    }
    let row = app::server::orders::list::rows(&pool, &[1])
        .await
        .expect("row")
        .pop()
        .expect("the order");
    assert!(!app::ui::fragments::order_rows(vec![row.clone()], false).contains("<form"));
    assert!(app::ui::fragments::order_rows(vec![row], true).contains("Mark packed"));
}
