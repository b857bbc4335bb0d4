//! Backups restore (README: Backups): a seeded shop with orders and pictures is backed up
//! with `scripts/backup.sh`, restored with `scripts/restore.sh` into a new database and media
//! directory, and a server started on the copy shows the same catalog, orders, stock and
//! pictures. A damaged backup and a database that is not empty are refused.

use super::*;
use crate::support::shop as fixtures;
use std::process::Command;

/// `script` run with the project's environment and `env`: (success, what it printed).
fn run(script: &str, args: &[&Path], env: &[(&str, &str)]) -> (bool, String) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let out = Command::new("bash")
        .arg(root.join("scripts").join(script))
        .args(args)
        .envs(env.iter().copied())
        .output()
        .expect("bash runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// What must survive: the catalog, stock, orders and their lines, the audit log.
async fn snapshot(pool: &PgPool) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT 'product ' || id || ' ' || slug || ' ' || name FROM products
         UNION ALL SELECT 'variant ' || id || ' ' || sku || ' ' || stock || ' ' || price_minor FROM variants
         UNION ALL SELECT 'order ' || number || ' ' || status || ' ' || total_minor || ' ' || email FROM orders
         UNION ALL SELECT 'line ' || order_id || ' ' || line_no || ' ' || quantity FROM order_lines
         UNION ALL SELECT 'image ' || id || ' ' || storage_key FROM product_images
         UNION ALL SELECT 'audit ' || count(*) FROM audit_log
         ORDER BY 1",
    )
    .fetch_all(pool)
    .await
    .expect("snapshot")
}

/// Every file under `dir` with its size, relative to it.
fn files(dir: &Path) -> Vec<(String, u64)> {
    let mut out = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(d) = pending.pop() {
        for entry in std::fs::read_dir(&d).expect("readable").flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let size = entry.metadata().expect("metadata").len();
                let name = path.strip_prefix(dir).expect("under").display().to_string();
                out.push((name, size));
            }
        }
    }
    out.sort();
    out
}

#[sqlx::test(migrator = "app::server::platform::db::MIGRATOR")]
async fn a_backup_restores_into_a_new_database_and_serves_the_same_shop(pool: PgPool) {
    let dump = format!(
        "{}pg_dump",
        std::env::var("DUKA_PG_BINDIR")
            .map(|d| d + "/")
            .unwrap_or_default()
    );
    if Command::new(&dump).arg("--version").output().is_err() {
        eprintln!("skipped: {dump} is not installed (scripts/services.sh sets DUKA_PG_BINDIR)");
        return;
    }
    let site = Site::new();
    catalog::seed(&pool, &media(&site), Currency::Aed, 12)
        .await
        .expect("seeds");
    let variant = fixtures::variant(&pool, "backup-mug", 2_500, 5).await;
    for email in ["a@example.com", "b@example.com"] {
        let owner = fixtures::buyer(&pool, email, &[(variant, 2)]).await;
        fixtures::place_cash(&pool, &fixtures::keys(), &owner)
            .await
            .expect("placed");
    }
    let before = snapshot(&pool).await;
    assert!(before.iter().any(|r| r.starts_with("order ")));
    let pictures = files(&site.0.join("media"));
    assert!(pictures.len() >= 12, "the seed drew pictures: {pictures:?}");

    // Back up.
    let url = crate::process::database_url(&pool).await;
    let media_dir = site.0.join("media").display().to_string();
    let backups = site.0.join("backups");
    std::fs::create_dir_all(&backups).expect("dir");
    let (ok, said) = run(
        "backup.sh",
        &[&backups],
        &[("DATABASE_URL", &url), ("DUKA_MEDIA_DIR", &media_dir)],
    );
    assert!(ok, "{said}");
    // Its one line on stdout (printed first) is the backup's path.
    let backup = PathBuf::from(said.lines().next().expect("the backup's path").trim());
    assert!(backup.join("manifest.txt").is_file(), "{said}");

    // Restore into a new database and media directory.
    let name = format!(
        "duka_restore_{}",
        app::server::platform::error::new_reference()
    );
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&pool)
        .await
        .expect("a new database");
    let current: String = sqlx::query_scalar("SELECT current_database()")
        .fetch_one(&pool)
        .await
        .expect("name");
    let restored_url = url.replacen(&format!("/{current}"), &format!("/{name}"), 1);
    let restored_media = site.0.join("restored-media");
    let restored_media_dir = restored_media.display().to_string();
    let env = [
        ("DATABASE_URL", restored_url.as_str()),
        ("DUKA_MEDIA_DIR", restored_media_dir.as_str()),
    ];
    let (ok, said) = run("restore.sh", &[&backup], &env);
    assert!(ok, "{said}");
    let copy = PgPool::connect(&restored_url).await.expect("connects");
    assert_eq!(snapshot(&copy).await, before);
    assert_eq!(files(&restored_media), pictures);

    // Refused: a database that is not empty, and a damaged backup.
    let (ok, said) = run("restore.sh", &[&backup], &env);
    assert!(!ok && said.contains("not empty"), "{said}");
    let tar = backup.join("media.tar");
    let mut bytes = std::fs::read(&tar).expect("read");
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(&tar, bytes).expect("write");
    let (ok, said) = run("restore.sh", &[&backup], &env);
    assert!(!ok && said.contains("damaged"), "{said}");

    // A server on the copy serves the same shop, pictures included.
    let st = state_with(
        copy.clone(),
        &site.0,
        false,
        &[("DUKA_MEDIA_DIR", &restored_media_dir)],
    );
    let app = duka_server::router(st);
    let (slug, product): (String, String) = sqlx::query_as(
        "SELECT slug, name FROM products WHERE slug <> 'backup-mug' ORDER BY id LIMIT 1",
    )
    .fetch_one(&copy)
    .await
    .expect("a product");
    let (status, _, page) = get(&app, &format!("/products/{slug}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(&product), "{page}");
    let picture = page
        .split(['"', ' ', ','])
        .find(|s| s.starts_with("/media/"))
        .expect("the page shows a picture")
        .to_owned();
    let (status, _, _) = get(&app, &picture).await;
    assert_eq!(status, StatusCode::OK, "{picture}");

    copy.close().await;
    sqlx::query(&format!("DROP DATABASE {name} WITH (FORCE)"))
        .execute(&pool)
        .await
        .expect("dropped");
}
