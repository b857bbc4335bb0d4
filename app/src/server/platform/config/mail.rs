//! How email leaves: SMTP in production, files in an outbox folder in development.

use super::values::invalid;
use super::{ConfigError, EnvLookup, Environment};
use super::{MailSettings, MailTransport};
use secrecy::SecretString;
use std::path::PathBuf;

pub(super) fn mail_settings(
    env: EnvLookup<'_>,
    environment: Environment,
    store_name: &str,
    public_url: &str,
) -> Result<MailSettings, ConfigError> {
    let transport = match (env("DUKA_SMTP_URL"), env("DUKA_MAIL_OUTBOX_DIR")) {
        (Some(url), _) => {
            if !(url.starts_with("smtp://") || url.starts_with("smtps://")) {
                return Err(invalid(
                    "DUKA_SMTP_URL",
                    "must start with smtp:// or smtps://",
                ));
            }
            MailTransport::Smtp {
                url: SecretString::from(url),
            }
        }
        (None, Some(dir)) => MailTransport::Directory(PathBuf::from(dir)),
        (None, None) if environment == Environment::Production => {
            return Err(ConfigError::Missing {
                key: "DUKA_SMTP_URL",
                hint: "production sends email (verification, password reset) over SMTP; set DUKA_SMTP_URL, or DUKA_MAIL_OUTBOX_DIR to keep messages in a directory",
            })
        }
        (None, None) => MailTransport::Directory(PathBuf::from(".duka/mail")),
    };
    let from = match env("DUKA_MAIL_FROM") {
        Some(from) => from,
        None if environment == Environment::Production => {
            return Err(ConfigError::Missing {
                key: "DUKA_MAIL_FROM",
                hint: "the sender of the store's email, e.g. \"Shop <orders@shop.example>\"",
            })
        }
        None => {
            let host = public_url
                .split("://")
                .nth(1)
                .unwrap_or("localhost")
                .split([':', '/'])
                .next()
                .unwrap_or("localhost");
            let host = if host.contains('.') {
                host
            } else {
                "localhost.localdomain"
            };
            format!(
                "{} <no-reply@{host}>",
                store_name.replace(['<', '>', '"'], "")
            )
        }
    };
    if from.contains(['\r', '\n']) || !from.contains('@') {
        return Err(invalid(
            "DUKA_MAIL_FROM",
            "must be an address, or `Name <address>`, on one line",
        ));
    }
    Ok(MailSettings { from, transport })
}
