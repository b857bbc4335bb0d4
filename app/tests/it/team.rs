//! Running the team (`server::accounts::staff_admin`): the invitation email, role changes,
//! second-factor resets, deactivation, the audit log's filters; and every staff function
//! against every role, from one table.

use crate::catalog_admin::staff;
use crate::support::shop::site;
use app::model::coupon::CouponForm;
use app::model::staff::AuditFilter;
use app::model::{AppError, Currency};
use app::server::accounts::sessions::Client;
use app::server::accounts::staff::{self as team, Permission, Role, Staff};
use app::server::accounts::{links, password::Hasher};
use app::server::{customers, promotions, reports, Error};
use secrecy::SecretString;
use sqlx::PgPool;

async fn live_session(pool: &PgPool, account_id: i64) -> i64 {
    sqlx::query_scalar(
        "INSERT INTO sessions (account_id, audience, expires_at) VALUES ($1, 'staff', now() + interval '1 day')
         RETURNING id",
    )
    .bind(account_id)
    .fetch_one(pool)
    .await
    .expect("session")
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn the_owner_invites_changes_resets_and_deactivates_and_the_log_says_so(pool: PgPool) {
    let owner = staff(&pool, Role::Owner).await;
    let client = Client::default();
    let clerk = team::create_staff(
        &pool,
        &site(),
        &owner,
        "Nia@Shop.test",
        Role::OrderClerk,
        &client,
    )
    .await
    .expect("invited");

    // The invitation is its own email: who invited them, to which shop, as what, for 7 days.
    let (subject, body): (String, String) =
        sqlx::query_as("SELECT subject, text_body FROM email_outbox WHERE account_id = $1")
            .bind(clerk)
            .fetch_one(&pool)
            .await
            .expect("invitation");
    assert!(subject.contains("owner@duka.test invited you"), "{subject}");
    assert!(
        body.contains("as order clerk") && body.contains("7 days"),
        "{body}"
    );
    let start = body.find("token=").expect("link") + "token=".len();
    let token: String = body[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    let set = links::reset_password(
        &pool,
        &Hasher::new(2),
        &token,
        &SecretString::from("Packs-And-Ships-2026".to_owned()),
        &client,
    )
    .await
    .expect("password chosen");
    assert_eq!(set, (clerk, true), "staff go on to the staff sign-in");

    // A role change applies to the next request.
    let session = live_session(&pool, clerk).await;
    team::authorize(&pool, clerk, session, Permission::ManageOrders)
        .await
        .expect("a clerk manages orders");
    team::change_role(&pool, &owner, clerk, Role::Support, &client)
        .await
        .expect("role changed");
    assert!(matches!(
        team::authorize(&pool, clerk, session, Permission::ManageOrders).await,
        Err(Error::App(AppError::Forbidden))
    ));

    // A second-factor reset removes the authenticator and ends every session.
    sqlx::query("INSERT INTO staff_recovery_codes (account_id, code_hash) VALUES ($1, decode(repeat('ab', 32), 'hex'))")
        .bind(clerk)
        .execute(&pool)
        .await
        .expect("a recovery code");
    team::reset_second_factor(&pool, &owner, clerk, &client)
        .await
        .expect("reset");
    let (codes, live): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM staff_recovery_codes WHERE account_id = $1),
                (SELECT count(*) FROM sessions WHERE account_id = $1 AND revoked_at IS NULL)",
    )
    .bind(clerk)
    .fetch_one(&pool)
    .await
    .expect("counts");
    assert_eq!((codes, live), (0, 0));

    // Deactivated: refused at once; not on oneself, not on the owner, not by an admin.
    team::set_active(&pool, &owner, clerk, false, &client)
        .await
        .expect("deactivated");
    assert!(
        team::authorize(&pool, clerk, session, Permission::OpenAdmin)
            .await
            .is_err()
    );
    let admin = staff(&pool, Role::Admin).await;
    for refused in [
        team::change_role(&pool, &owner, owner.account_id, Role::Admin, &client).await,
        team::change_role(&pool, &admin, clerk, Role::Admin, &client).await,
        team::reset_second_factor(&pool, &admin, owner.account_id, &client).await,
        team::change_role(&pool, &owner, clerk, Role::Owner, &client).await,
    ] {
        assert!(refused.is_err());
    }
    let page = team::team(&pool, &owner).await.expect("team");
    let nia = page.members.iter().find(|m| m.id == clerk).expect("listed");
    assert_eq!((nia.role.as_str(), nia.active), ("support", false));
    assert!(
        page.members
            .iter()
            .find(|m| m.id == owner.account_id)
            .expect("owner")
            .locked
    );
    assert!(!page.roles.iter().any(|(r, _)| r == "owner"));

    // The log: who, what (an action's start) and when filter it; bad filters are refused.
    let log = |who: &str, what: &str, from: &str| AuditFilter {
        who: who.into(),
        what: what.into(),
        from: from.into(),
        ..Default::default()
    };
    let actions = |page: app::model::staff::AuditPage| {
        page.rows.into_iter().map(|r| r.action).collect::<Vec<_>>()
    };
    let staff_changes = team::audit_page(&pool, &owner, &log("OWNER@", "staff.", ""))
        .await
        .expect("log");
    assert_eq!(
        actions(staff_changes),
        [
            "staff.deactivated",
            "staff.two_factor_reset",
            "staff.role_changed",
            "staff.created"
        ]
    );
    let tomorrow = team::audit_page(&pool, &owner, &log("", "", "2999-01-01"))
        .await
        .expect("log");
    assert!(tomorrow.rows.is_empty());
    assert!(team::audit_page(&pool, &owner, &log("", "'; --", ""))
        .await
        .is_err());
    assert!(team::audit_page(&pool, &owner, &log("", "", "2026-02-31"))
        .await
        .is_err());
}

/// What one staff function needs, and a call of it as `me`.
type Call =
    for<'a> fn(&'a PgPool, &'a Staff) -> futures_util::future::BoxFuture<'a, Result<(), Error>>;

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn every_role_against_every_staff_function(pool: PgPool) {
    use futures_util::FutureExt;
    sqlx::query("INSERT INTO accounts (email) VALUES ('layla@example.com')")
        .execute(&pool)
        .await
        .expect("a customer");
    let functions: [(&str, Permission, Call); 10] = [
        ("coupons list", Permission::ManagePromotions, |db, me| {
            async move { promotions::list(db, me, None, None).await.map(drop) }.boxed()
        }),
        ("coupon editor", Permission::ManagePromotions, |db, me| {
            async move {
                promotions::editor(db, me, None, Currency::Aed)
                    .await
                    .map(drop)
            }
            .boxed()
        }),
        ("sales report", Permission::ViewReports, |db, me| {
            async move { reports::sales(db, me, Currency::Aed).await.map(drop) }.boxed()
        }),
        ("customers list", Permission::ViewCustomers, |db, me| {
            async move {
                customers::list(db, me, "", None, Currency::Aed)
                    .await
                    .map(drop)
            }
            .boxed()
        }),
        (
            "customer data export",
            Permission::ManageCustomerData,
            |db, me| {
                async move {
                    let id = sqlx::query_scalar("SELECT id FROM accounts WHERE role = 'customer'")
                        .fetch_one(db)
                        .await?;
                    customers::export(db, me, id, None).await.map(drop)
                }
                .boxed()
            },
        ),
        ("team", Permission::ManageStaff, |db, me| {
            async move { team::team(db, me).await.map(drop) }.boxed()
        }),
        ("audit log", Permission::ViewAudit, |db, me| {
            async move {
                team::audit_page(db, me, &AuditFilter::default())
                    .await
                    .map(drop)
            }
            .boxed()
        }),
        ("delivery and VAT", Permission::ManageSettings, |db, me| {
            async move {
                app::server::delivery::page(db, me, Currency::Aed)
                    .await
                    .map(drop)
            }
            .boxed()
        }),
        ("zone save", Permission::ManageSettings, |db, me| {
            async move {
                let form = app::model::delivery::ZoneForm {
                    version: 0,
                    name: format!("Z{}", me.account_id),
                    areas: "AE: Dubai".into(),
                };
                // An allowed role's zone takes Dubai: clear the way for the next.
                sqlx::query("DELETE FROM shipping_zones")
                    .execute(db)
                    .await?;
                app::server::delivery::save_zone(db, me, None, &form, None)
                    .await
                    .map(drop)
            }
            .boxed()
        }),
        ("coupon save", Permission::ManagePromotions, |db, me| {
            async move {
                let form = CouponForm {
                    code: format!("R{}", me.account_id),
                    kind: "free_shipping".into(),
                    ..Default::default()
                };
                promotions::save(db, me, None, &form, Currency::Aed, None)
                    .await
                    .map(drop)
            }
            .boxed()
        }),
    ];
    for role in Role::ALL {
        let me = staff(&pool, role).await;
        for (name, needs, call) in &functions {
            let answer = call(&pool, &me).await;
            if role.allows(*needs) {
                assert!(answer.is_ok(), "{role:?} may use {name}: {answer:?}");
            } else {
                assert!(
                    matches!(answer, Err(Error::App(AppError::Forbidden))),
                    "{role:?} may not use {name}: {answer:?}"
                );
            }
        }
    }
}
