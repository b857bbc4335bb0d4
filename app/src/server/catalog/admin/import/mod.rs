//! Catalog CSV imports as background jobs. An upload is stored in chunks and queued as a dry
//! run; a worker (any serving process) claims it, reads it a record at a time and writes it
//! in batches of products, each batch one transaction that also records how far the job got,
//! so a restarted worker resumes after the last committed batch. A dry run does the same
//! work and rolls each batch back, so its report is what applying would do. Staff then apply
//! the same file.

mod records;
mod write;

use crate::model::catalog_admin::{
    Group, Grouper, Header, ImportFormat, ImportStatus, Problem, StockReason,
};
use crate::model::{AppError, Currency};
use crate::server::accounts::staff::{Permission, Staff};
use crate::server::inventory;
use crate::server::platform::audit;
use crate::server::Error;
use records::Records;
use serde_json::json;
use sqlx::PgPool;
use std::net::IpAddr;
use write::Outcome;

/// A stored chunk of an upload, in bytes.
pub const CHUNK_BYTES: usize = 1024 * 1024;
/// The largest file an import takes.
pub const MAX_IMPORT_BYTES: i64 = 256 * 1024 * 1024;
/// Products per batch (one transaction).
const BATCH: usize = 200;
/// A report keeps this many problems (and counts the rest).
const KEEP_PROBLEMS: usize = 1_000;
/// A running job whose worker has not reported for this long is taken over.
const LEASE_SECONDS: f64 = 60.0;

/// Starts an upload of `file_name`; its chunks follow with [`add_chunk`].
pub async fn start_upload(db: &PgPool, staff: &Staff, file_name: &str) -> Result<i64, Error> {
    staff.require(Permission::ManageCatalog)?;
    let name: String = file_name
        .chars()
        .filter(|c| !c.is_control())
        .take(255)
        .collect();
    Ok(sqlx::query_scalar!(
        "INSERT INTO catalog_imports (account_id, file_name) VALUES ($1, $2) RETURNING id",
        staff.account_id,
        name
    )
    .fetch_one(db)
    .await?)
}

/// Stores chunk `n` of upload `id`.
pub async fn add_chunk(db: &PgPool, id: i64, n: i32, data: &[u8]) -> Result<(), Error> {
    sqlx::query!(
        "INSERT INTO catalog_import_chunks (import_id, n, data) VALUES ($1, $2, $3)",
        id,
        n,
        data
    )
    .execute(db)
    .await?;
    Ok(())
}

/// The upload is complete: its dry run is queued.
pub async fn finish_upload(
    db: &PgPool,
    id: i64,
    bytes: i64,
    ip: Option<IpAddr>,
) -> Result<(), Error> {
    let mut tx = db.begin().await?;
    let account = sqlx::query_scalar!(
        "UPDATE catalog_imports SET state = 'queued', bytes = $2 WHERE id = $1 AND state = 'uploading'
         RETURNING account_id",
        id,
        bytes
    )
    .fetch_one(&mut *tx)
    .await?;
    audit::record_in(
        &mut tx,
        account,
        "catalog.import_uploaded",
        ip,
        json!({ "import": id, "bytes": bytes }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// An upload that failed part way: its chunks go.
pub async fn abandon_upload(db: &PgPool, id: i64) -> Result<(), Error> {
    sqlx::query!(
        "DELETE FROM catalog_imports WHERE id = $1 AND state = 'uploading'",
        id
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Applies the file of import `id`, whose dry run has finished: queued again, for real.
pub async fn apply_import(
    db: &PgPool,
    staff: &Staff,
    id: i64,
    ip: Option<IpAddr>,
) -> Result<(), Error> {
    staff.require(Permission::ManageCatalog)?;
    let mut tx = db.begin().await?;
    let n = sqlx::query!(
        "UPDATE catalog_imports
         SET apply = true, state = 'queued', rows_done = 0, bytes_done = 0, created = 0, updated = 0,
             unchanged = 0, failed = 0, problems = '[]', problem_count = 0, error = NULL,
             heartbeat = NULL, finished_at = NULL
         WHERE id = $1 AND state = 'done' AND NOT apply",
        id
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if n == 0 {
        return Err(AppError::Stale {
            message:
                "this import is not a finished dry run (it may be applied already): reload the page"
                    .into(),
        }
        .into());
    }
    audit::record_in(
        &mut tx,
        Some(staff.account_id),
        "catalog.import_applied",
        ip,
        json!({ "import": id }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Import `id` as staff see it.
pub async fn import_status(db: &PgPool, staff: &Staff, id: i64) -> Result<ImportStatus, Error> {
    staff.require(Permission::ViewCatalog)?;
    let r = sqlx::query!(
        r#"SELECT i.id, i.file_name, i.format, i.apply, i.state, i.bytes, i.bytes_done, i.rows_done,
                  i.created, i.updated, i.unchanged, i.failed, i.problems, i.problem_count, i.error,
                  to_char(i.created_at, 'FMDD Mon YYYY, HH24:MI') AS "at!",
                  a.email AS "by?"
           FROM catalog_imports i LEFT JOIN accounts a ON a.id = i.account_id WHERE i.id = $1"#,
        id
    )
    .fetch_optional(db)
    .await?
    .ok_or(AppError::NotFound)?;
    let percent = if r.state == "done" {
        100
    } else if r.bytes > 0 {
        (r.bytes_done * 100 / r.bytes).clamp(0, 99) as u8
    } else {
        0
    };
    Ok(ImportStatus {
        id: r.id,
        file_name: r.file_name,
        format: ImportFormat::parse(&r.format),
        apply: r.apply,
        state: r.state,
        percent,
        rows_done: r.rows_done,
        created: r.created,
        updated: r.updated,
        unchanged: r.unchanged,
        failed: r.failed,
        problems: serde_json::from_value(r.problems).unwrap_or_default(),
        problem_count: r.problem_count,
        error: r.error,
        at: r.at,
        by: r.by.unwrap_or_default(),
    })
}

/// The newest imports, newest first.
pub async fn recent_imports(db: &PgPool, staff: &Staff) -> Result<Vec<ImportStatus>, Error> {
    staff.require(Permission::ViewCatalog)?;
    let ids = sqlx::query_scalar!(
        "SELECT id FROM catalog_imports WHERE state <> 'uploading' ORDER BY id DESC LIMIT 10"
    )
    .fetch_all(db)
    .await?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        let mut status = import_status(db, staff, id).await?;
        status.problems.clear();
        out.push(status);
    }
    Ok(out)
}

/// One pass of the import worker: claims the oldest waiting job (or one whose worker went
/// quiet) and runs it, at most `batches` batches when given (tests stop a job part way, as a
/// crash would). Returns the job's id, or `None` when there was nothing to do.
pub async fn work(
    db: &PgPool,
    currency: Currency,
    batches: Option<usize>,
) -> Result<Option<i64>, Error> {
    let job = sqlx::query!(
        "UPDATE catalog_imports SET state = 'running', heartbeat = now()
         WHERE id = (SELECT id FROM catalog_imports
                     WHERE state = 'queued'
                        OR (state = 'running' AND heartbeat < now() - make_interval(secs => $1))
                     ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
         RETURNING id, apply, rows_done, account_id",
        LEASE_SECONDS
    )
    .fetch_optional(db)
    .await?;
    let Some(job) = job else { return Ok(None) };
    let mut run = Run {
        db,
        id: job.id,
        apply: job.apply,
        account: job.account_id,
        currency,
    };
    if let Err(error) = run.run(job.rows_done as u32, batches).await {
        tracing::warn!(import = job.id, %error, "catalog import stopped; it resumes on the next pass");
    }
    Ok(Some(job.id))
}

struct Run<'a> {
    db: &'a PgPool,
    id: i64,
    apply: bool,
    account: Option<i64>,
    currency: Currency,
}

/// What one batch did.
#[derive(Default)]
struct Tally {
    rows: u32,
    created: Vec<i64>,
    /// Each updated product with its fields before and after.
    updated: Vec<serde_json::Value>,
    unchanged: i32,
    failed: i32,
    problems: Vec<Problem>,
}

impl Run<'_> {
    async fn run(&mut self, done: u32, batches: Option<usize>) -> Result<(), Error> {
        let mut records = Records::new(self.db.clone(), self.id);
        let header = match records.next().await? {
            Some(Ok(cells)) => Header::read(&cells),
            Some(Err(message)) => Err(message),
            None => Err("the file is empty".into()),
        };
        let header = match header {
            Ok(h) => h,
            Err(message) => return self.fail(&message).await,
        };
        sqlx::query!(
            "UPDATE catalog_imports SET format = $2 WHERE id = $1",
            self.id,
            header.format.as_str()
        )
        .execute(self.db)
        .await?;
        let format = header.format;
        let mut grouper = Grouper::new(header, self.currency);
        // Rows a previous run committed are read past.
        while records.count < done + 1 {
            match records.next().await? {
                Some(Ok(_)) => {}
                Some(Err(message)) => return self.fail(&message).await,
                None => break,
            }
        }
        let mut groups = Vec::new();
        let mut ran = 0;
        loop {
            let (group, end) = match records.next().await? {
                Some(Ok(cells)) => (grouper.push(records.count, &cells), false),
                Some(Err(message)) => return self.fail(&message).await,
                None => (grouper.finish(), true),
            };
            groups.extend(group);
            if groups.len() >= BATCH || (end && !groups.is_empty()) {
                self.batch(std::mem::take(&mut groups), format, records.read)
                    .await?;
                ran += 1;
                if !end && batches.is_some_and(|b| ran >= b) {
                    return Ok(());
                }
            }
            if end {
                break;
            }
        }
        sqlx::query!(
            "UPDATE catalog_imports SET state = 'done', finished_at = now(), bytes_done = bytes WHERE id = $1",
            self.id
        )
        .execute(self.db)
        .await?;
        Ok(())
    }

    async fn fail(&self, message: &str) -> Result<(), Error> {
        sqlx::query!(
            "UPDATE catalog_imports SET state = 'failed', error = $2, finished_at = now() WHERE id = $1",
            self.id,
            message
        )
        .execute(self.db)
        .await?;
        Ok(())
    }

    /// Writes `groups` in one transaction with the job's progress; a dry run rolls the
    /// writing back and records only the progress. Products are written without savepoints;
    /// when the database refuses one, the batch is run again with a savepoint around each
    /// product, so only that one is left out.
    async fn batch(
        &self,
        groups: Vec<Group>,
        format: ImportFormat,
        read: i64,
    ) -> Result<(), Error> {
        let mut careful = false;
        loop {
            let mut tx = self.db.begin().await?;
            let note = format!("import #{}", self.id);
            inventory::record_as(&mut tx, StockReason::Correction, None, self.account, &note)
                .await?;
            // Each product's price and stock summary is refreshed once, after its variants.
            sqlx::query("SELECT set_config('duka.defer_variant_summary', 'on', true)")
                .execute(&mut *tx)
                .await?;
            let mut tally = Tally::default();
            let mut again = false;
            for group in &groups {
                tally.rows += group.rows;
                let product = match &group.product {
                    Ok(p) => p,
                    Err(problems) => {
                        tally.failed += 1;
                        tally.problems.extend(problems.iter().cloned());
                        continue;
                    }
                };
                if careful {
                    sqlx::query("SAVEPOINT product").execute(&mut *tx).await?;
                }
                let currency = self.currency.code();
                let outcome =
                    match write::write(&mut tx, product, format, self.account, currency).await {
                        Ok(o) => o,
                        Err(Error::Database(e)) if constraint(&e).is_some() => {
                            if !careful {
                                again = true;
                                break;
                            }
                            sqlx::query("ROLLBACK TO SAVEPOINT product")
                                .execute(&mut *tx)
                                .await?;
                            let reason = refusal(constraint(&e).unwrap_or_default());
                            Err(vec![Problem {
                                row: product.row,
                                column: String::new(),
                                reason,
                            }])
                        }
                        Err(other) => return Err(other),
                    };
                if careful {
                    sqlx::query("RELEASE SAVEPOINT product")
                        .execute(&mut *tx)
                        .await?;
                }
                match outcome {
                    Ok(Outcome::Created(id)) => tally.created.push(id),
                    Ok(Outcome::Updated(_, diff)) => tally.updated.push(diff),
                    Ok(Outcome::Unchanged) => tally.unchanged += 1,
                    Err(problems) => {
                        tally.failed += 1;
                        tally.problems.extend(problems);
                    }
                }
            }
            if again {
                tx.rollback().await?;
                careful = true;
                continue;
            }
            return self.finish_batch(tx, tally, read).await;
        }
    }

    /// Records a batch's outcome with the job's progress and commits it (a dry run's writes
    /// are rolled back first).
    async fn finish_batch(
        &self,
        mut tx: sqlx::Transaction<'static, sqlx::Postgres>,
        tally: Tally,
        read: i64,
    ) -> Result<(), Error> {
        if self.apply && !(tally.created.is_empty() && tally.updated.is_empty()) {
            audit::record_in(
                &mut tx,
                self.account,
                "catalog.import_batch",
                None,
                json!({ "import": self.id, "created": tally.created, "updated": tally.updated }),
            )
            .await?;
        }
        if !self.apply {
            tx.rollback().await?;
            tx = self.db.begin().await?;
        }
        let problems =
            serde_json::to_value(&tally.problems).map_err(|e| Error::other(e.to_string()))?;
        sqlx::query!(
            "UPDATE catalog_imports
             SET rows_done = rows_done + $2, bytes_done = $3, created = created + $4, updated = updated + $5,
                 unchanged = unchanged + $6, failed = failed + $7, problem_count = problem_count + $8,
                 problems = CASE WHEN jsonb_array_length(problems) >= $9 THEN problems
                                 ELSE problems || coalesce((SELECT jsonb_agg(e) FROM (
                                          SELECT e FROM jsonb_array_elements($10::JSONB) e
                                          LIMIT $9 - jsonb_array_length(problems)) x), '[]') END,
                 heartbeat = now()
             WHERE id = $1",
            self.id,
            tally.rows as i32,
            read,
            tally.created.len() as i32,
            tally.updated.len() as i32,
            tally.unchanged,
            tally.failed,
            tally.problems.len() as i32,
            KEEP_PROBLEMS as i32,
            problems
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// The rule a refused write broke, if the database named one.
fn constraint(error: &sqlx::Error) -> Option<&str> {
    error.as_database_error().and_then(|d| d.constraint())
}

/// What a database rule a product broke means for staff.
fn refusal(constraint: &str) -> String {
    match constraint {
        "variants_combination_key" => "two variants have the same option values".into(),
        "variants_sku_key" => "a SKU here belongs to another product".into(),
        "product_options_name_length" | "product_option_values_value_length" => {
            "option names and values have 1 to 60 characters".into()
        }
        "products_slug_key" => "another product has this handle".into(),
        other => format!("the shop refused this product ({other})"),
    }
}
