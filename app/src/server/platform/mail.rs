//! Email: messages are written to `email_outbox` inside the transaction of the change they
//! report ([`enqueue`]), and [`run`] delivers them: over SMTP (lettre) when `DUKA_SMTP_URL`
//! is set, otherwise as `<id>.eml` files in a directory that developers and tests read.
//!
//! A crash loses nothing: an unsent row stays and is retried with backoff. Delivery is at
//! least once: a crash after the SMTP server accepted a message but before the row was marked
//! resends it, with the same `Message-ID` (derived from the row), so mail clients show one;
//! the directory transport writes the same file again.

use super::config::{MailSettings, MailTransport};
use super::error::Error;
use lettre::message::{header::ContentType, Mailbox, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use secrecy::ExposeSecret;
use sqlx::PgPool;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// What emails need to know about the store: its name and where shoppers reach it.
#[derive(Debug, Clone)]
pub struct Site {
    pub store_name: StoreName,
    /// No trailing slash.
    pub public_url: String,
}

/// The shop's name, shared by everything that writes it into a message: staff change it in
/// the admin while the server runs (`shop::LiveShop` keeps it current).
#[derive(Debug, Clone, Default)]
pub struct StoreName(std::sync::Arc<std::sync::RwLock<String>>);

impl StoreName {
    pub fn get(&self) -> String {
        match self.0.read() {
            Ok(name) => name.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    pub fn set(&self, name: &str) {
        match self.0.write() {
            Ok(mut guard) => name.clone_into(&mut guard),
            Err(poisoned) => name.clone_into(&mut poisoned.into_inner()),
        }
    }
}

impl From<&str> for StoreName {
    fn from(name: &str) -> Self {
        StoreName(std::sync::Arc::new(std::sync::RwLock::new(name.to_owned())))
    }
}

impl std::fmt::Display for StoreName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.get())
    }
}

/// A message ready to queue: the same content as plain text and as HTML.
#[derive(Debug, Clone)]
pub struct Email {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

impl Email {
    /// A message with one call to action: some paragraphs, then a link, then a closing line.
    /// Everything is escaped for the HTML part.
    pub fn with_link(
        store_name: &str,
        to: &str,
        subject: &str,
        paragraphs: &[&str],
        link_label: &str,
        link: &str,
        closing: &str,
    ) -> Email {
        let mut text = String::new();
        let mut html = format!(
            "<!DOCTYPE html><html><body style=\"font-family:sans-serif;line-height:1.5\"><h1 style=\"font-size:1.25em\">{}</h1>",
            escape(store_name)
        );
        for p in paragraphs {
            text.push_str(p);
            text.push_str("\n\n");
            html.push_str(&format!("<p>{}</p>", escape(p)));
        }
        if !link.is_empty() {
            text.push_str(&format!("{link_label}:\n{link}\n\n"));
            html.push_str(&format!(
                "<p><a href=\"{}\">{}</a></p>",
                escape(link),
                escape(link_label)
            ));
        }
        text.push_str(closing);
        text.push_str(&format!("\n\n{store_name}\n"));
        html.push_str(&format!(
            "<p>{}</p><p>{}</p></body></html>",
            escape(closing),
            escape(store_name)
        ));
        Email {
            to: to.to_owned(),
            subject: format!("{subject} · {store_name}")
                .replace(['\r', '\n'], " ")
                .chars()
                .take(200)
                .collect(),
            text,
            html,
        }
    }
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Queues `email` in the caller's transaction: it is sent only if the transaction commits.
pub async fn enqueue(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    account_id: Option<i64>,
    email: &Email,
) -> Result<i64, Error> {
    Ok(sqlx::query_scalar!(
        r#"INSERT INTO email_outbox (account_id, to_address, subject, text_body, html_body)
           VALUES ($1, $2, $3, $4, $5) RETURNING id"#,
        account_id,
        email.to,
        email.subject,
        email.text,
        email.html,
    )
    .fetch_one(&mut **tx)
    .await?)
}

/// Where messages go.
#[derive(Clone)]
pub struct Mailer {
    from: Mailbox,
    /// The domain in Message-IDs.
    domain: String,
    transport: Transport,
}

#[derive(Clone)]
enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Directory(PathBuf),
}

impl Mailer {
    pub fn new(settings: &MailSettings) -> Result<Mailer, String> {
        let from: Mailbox = settings
            .from
            .parse()
            .map_err(|e| format!("DUKA_MAIL_FROM {:?}: {e}", settings.from))?;
        let domain = from.email.domain().to_owned();
        let transport = match &settings.transport {
            MailTransport::Smtp { url } => Transport::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose_secret())
                    .map_err(|e| format!("DUKA_SMTP_URL: {e}"))?
                    .timeout(Some(Duration::from_secs(20)))
                    .build(),
            ),
            MailTransport::Directory(dir) => Transport::Directory(dir.clone()),
        };
        Ok(Mailer {
            from,
            domain,
            transport,
        })
    }

    /// A mailer writing into `dir` (tests).
    pub fn directory(from: &str, dir: impl Into<PathBuf>) -> Result<Mailer, String> {
        Mailer::new(&MailSettings {
            from: from.to_owned(),
            transport: MailTransport::Directory(dir.into()),
        })
    }

    pub fn describe(&self) -> String {
        match &self.transport {
            Transport::Smtp(_) => "smtp".to_owned(),
            Transport::Directory(dir) => format!("directory {}", dir.display()),
        }
    }

    async fn deliver(&self, id: i64, row: &Email) -> Result<(), Failure> {
        let to: Mailbox = row
            .to
            .parse()
            .map_err(|e| Failure::Permanent(format!("recipient {:?}: {e}", row.to)))?;
        let message = lettre::Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(row.subject.clone())
            .message_id(Some(format!("<outbox-{id}@{}>", self.domain)))
            .multipart(
                MultiPart::alternative()
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_PLAIN)
                            .body(row.text.clone()),
                    )
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_HTML)
                            .body(row.html.clone()),
                    ),
            )
            .map_err(|e| Failure::Permanent(e.to_string()))?;
        match &self.transport {
            Transport::Smtp(smtp) => smtp.send(message).await.map(|_| ()).map_err(|e| {
                // A 5xx answer (no such mailbox, refused address) will not change by asking again.
                if e.is_permanent() {
                    Failure::Permanent(e.to_string())
                } else {
                    Failure::Transient(e.to_string())
                }
            }),
            Transport::Directory(dir) => write_file(dir, id, &message.formatted())
                .await
                .map_err(|e| Failure::Transient(format!("{}: {e}", dir.display()))),
        }
    }
}

/// Why a message was not sent.
#[derive(Debug)]
enum Failure {
    /// Worth another try later (no connection, a 4xx answer, a full disk).
    Transient(String),
    /// Never going to work (an address the mailer cannot write to, a 5xx answer).
    Permanent(String),
}

/// Attempts before a message that keeps failing is given up (about two days of retries).
pub const MAX_ATTEMPTS: i32 = 60;

/// Writes `<id>.eml` whole or not at all (temporary file, then rename).
async fn write_file(dir: &Path, id: i64, bytes: &[u8]) -> std::io::Result<()> {
    tokio::fs::create_dir_all(dir).await?;
    let tmp = dir.join(format!(".{id}.eml.tmp"));
    tokio::fs::write(&tmp, bytes).await?;
    tokio::fs::rename(&tmp, dir.join(format!("{id:010}.eml"))).await
}

/// Messages claimed per pass.
const BATCH: i64 = 20;
/// A claimed message not marked sent within this long is tried again (the sender crashed).
const LEASE_SECS: f64 = 120.0;

/// What one pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pass {
    pub sent: usize,
    pub failed: usize,
}

/// One batch: claims due messages (a lease, so two workers never send the same one at once),
/// sends each, marks it sent or schedules a retry (1 s, 2 s, 4 s... up to an hour).
pub async fn deliver_due(db: &PgPool, mailer: &Mailer) -> Result<Pass, Error> {
    let due = sqlx::query!(
        r#"UPDATE email_outbox o SET attempts = o.attempts + 1,
               next_attempt_at = now() + make_interval(secs => $2)
           WHERE o.id IN (SELECT id FROM email_outbox
                          WHERE sent_at IS NULL AND failed_at IS NULL
                            AND next_attempt_at <= now()
                          ORDER BY next_attempt_at, id LIMIT $1
                          FOR UPDATE SKIP LOCKED)
           RETURNING o.id, o.to_address, o.subject, o.text_body, o.html_body, o.attempts"#,
        BATCH,
        LEASE_SECS,
    )
    .fetch_all(db)
    .await?;
    let mut pass = Pass::default();
    for row in due {
        let email = Email {
            to: row.to_address,
            subject: row.subject,
            text: row.text_body,
            html: row.html_body,
        };
        match mailer.deliver(row.id, &email).await {
            Ok(()) => {
                sqlx::query!(
                    "UPDATE email_outbox SET sent_at = now(), last_error = NULL WHERE id = $1",
                    row.id
                )
                .execute(db)
                .await?;
                pass.sent += 1;
            }
            Err(Failure::Permanent(message)) => {
                give_up(db, row.id, &message).await?;
                pass.failed += 1;
            }
            Err(Failure::Transient(message)) if row.attempts >= MAX_ATTEMPTS => {
                give_up(
                    db,
                    row.id,
                    &format!("gave up after {} attempts: {message}", row.attempts),
                )
                .await?;
                pass.failed += 1;
            }
            Err(Failure::Transient(message)) => {
                tracing::warn!(id = row.id, attempts = row.attempts, error = %message, "email not sent; will retry");
                sqlx::query!(
                    "UPDATE email_outbox SET last_error = $2,
                         next_attempt_at = now() + make_interval(secs =>
                             least(3600, power(2, least(attempts - 1, 16))) * (0.8 + random() * 0.4))
                     WHERE id = $1",
                    row.id,
                    message.chars().take(2_000).collect::<String>(),
                )
                .execute(db)
                .await?;
                pass.failed += 1;
            }
        }
    }
    Ok(pass)
}

/// Stops trying a message: it is marked failed with the reason, and the audit log (which the
/// admin shows staff) says which message to whom could not be sent.
async fn give_up(db: &PgPool, id: i64, reason: &str) -> Result<(), Error> {
    let reason: String = reason.chars().take(2_000).collect();
    tracing::error!(id, error = %reason, "email not sent and not retried");
    let mut tx = db.begin().await?;
    let row = sqlx::query!(
        "UPDATE email_outbox SET failed_at = now(), last_error = $2 WHERE id = $1
         RETURNING account_id, subject",
        id,
        reason
    )
    .fetch_one(&mut *tx)
    .await?;
    super::audit::record_in(
        &mut tx,
        row.account_id,
        "mail.undeliverable",
        None,
        serde_json::json!({
            // The address stays in the outbox row (erased with the account), not in this log.
            "outbox_id": id, "subject": row.subject, "reason": reason,
        }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The email waiting to leave: not sent and not given up.
pub async fn backlog(db: &PgPool) -> Result<super::metrics::Backlog, Error> {
    let b = sqlx::query!(
        r#"SELECT count(*) AS "waiting!",
                  COALESCE(EXTRACT(EPOCH FROM now() - min(created_at)), 0)::FLOAT8 AS "oldest!",
                  count(*) FILTER (WHERE attempts > 0) AS "retrying!"
           FROM email_outbox WHERE sent_at IS NULL AND failed_at IS NULL"#
    )
    .fetch_one(db)
    .await?;
    Ok(super::metrics::Backlog {
        waiting: b.waiting,
        oldest_seconds: b.oldest,
        retrying: b.retrying,
    })
}

/// Sent messages are copies of personal data: kept a month for support, no longer.
pub async fn prune(db: &PgPool) -> Result<u64, Error> {
    Ok(sqlx::query!(
        "DELETE FROM email_outbox
             WHERE sent_at < now() - interval '30 days' OR failed_at < now() - interval '30 days'"
    )
    .execute(db)
    .await?
    .rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_is_escaped_and_subjects_stay_on_one_line() {
        let e = Email::with_link(
            "Duka <Test>",
            "a@example.com",
            "Hello\r\nBcc: x@evil.example",
            &["<script>alert(1)</script>"],
            "Open",
            "https://shop.example/a?b=1&c=2",
            "Thanks",
        );
        assert!(!e.subject.contains(['\r', '\n']), "{}", e.subject);
        assert!(e.html.contains("&lt;script&gt;"), "{}", e.html);
        assert!(e.html.contains("b=1&amp;c=2"), "{}", e.html);
        assert!(e.text.contains("https://shop.example/a?b=1&c=2"));
    }
}
