//! `duka`: load settings, build state, migrate, build the router, serve. Nothing else.

use app::server::catalog;
use app::server::platform::config::Settings;
use app::server::platform::db;
use app::server::search::{outbox, Engine};
use duka_server::{build_state, serve, telemetry, StartupError};
use std::process::ExitCode;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const USAGE: &str = "\
Duka: an e-commerce store in one binary.

Usage: duka [COMMAND]

Commands:
  serve          Run the store (the default)
  migrate        Apply database migrations and exit
  seed [--products N]
                 Add a demo catalog of N products (default 48) if the store has none, then exit
  search reindex Rebuild the Meilisearch index from the database and swap it in, then exit
  admin create-owner --email EMAIL
                 Create the shop's first owner (staff) account, then exit. The password is
                 read from DUKA_OWNER_PASSWORD, else asked for on the terminal. Refused when
                 the shop already has an owner. The owner enrols a second factor at first
                 sign-in on /admin.
  check-config   Validate Leptos.toml and the environment, then exit
  help           Show this message

Settings come from Leptos.toml (or the file in DUKA_CONFIG), overridden by environment
variables. DATABASE_URL is required; REDIS_URL is optional. See the README.";

enum Command {
    Serve,
    Migrate,
    Seed { products: usize },
    CheckConfig,
    Reindex,
    CreateOwner { email: String },
}

/// The most products `duka seed` makes: enough for benchmarks, bounded for memory.
const MAX_SEED_PRODUCTS: usize = 1_000_000;

fn parse_args() -> Result<Option<Command>, String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        [] | ["serve"] => Ok(Some(Command::Serve)),
        ["migrate"] => Ok(Some(Command::Migrate)),
        ["seed"] => Ok(Some(Command::Seed { products: 48 })),
        ["seed", "--products", n] => match n.parse::<usize>() {
            Ok(products) if (1..=MAX_SEED_PRODUCTS).contains(&products) => {
                Ok(Some(Command::Seed { products }))
            }
            _ => Err(format!(
                "--products takes a number from 1 to {MAX_SEED_PRODUCTS}, not {n:?}"
            )),
        },
        ["check-config"] => Ok(Some(Command::CheckConfig)),
        ["search", "reindex"] => Ok(Some(Command::Reindex)),
        ["admin", "create-owner", "--email", email] => Ok(Some(Command::CreateOwner {
            email: (*email).to_owned(),
        })),
        ["help"] | ["--help"] | ["-h"] => Ok(None),
        ["--version"] | ["-V"] => {
            println!("duka {}", env!("CARGO_PKG_VERSION"));
            std::process::exit(0);
        }
        other => Err(format!("unknown arguments {other:?}; run `duka help`")),
    }
}

fn main() -> ExitCode {
    let command = match parse_args() {
        Ok(Some(command)) => command,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(command)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // One line that says what to fix; nothing else.
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command) -> Result<(), StartupError> {
    let settings = Settings::load()?;
    telemetry::init(settings.log_format);
    if settings.source.is_none() {
        tracing::warn!(
            cwd = %std::env::current_dir().map(|d| d.display().to_string()).unwrap_or_default(),
            "no Leptos.toml here (and DUKA_CONFIG unset): using built-in defaults and the environment"
        );
    }
    match command {
        Command::CheckConfig => {
            println!(
                "ok: {} ({:?}) on {}, currency {}, cache {}",
                settings.store.name,
                settings.environment,
                settings.site.addr,
                settings.store.currency,
                if settings.redis.is_some() {
                    "redis"
                } else {
                    "in-process"
                },
            );
            Ok(())
        }
        Command::Migrate => {
            let target = duka_server::startup::db_target(secrecy::ExposeSecret::expose_secret(
                &settings.database.url,
            ));
            let pool = db::connect(&settings.database, &settings.store.time_zone)
                .await
                .map_err(|e| StartupError::Database {
                    target,
                    cause: e.to_string(),
                })?;
            db::migrate(&pool)
                .await
                .map_err(|e| StartupError::Migrate(e.to_string()))?;
            println!("migrations applied");
            Ok(())
        }
        Command::Seed { products } => {
            let state = build_state(settings).await?;
            let currency = state.currency();
            let started = std::time::Instant::now();
            let report = catalog::seed(&state.db, &state.media, currency, products)
                .await
                .map_err(|e| StartupError::Other(format!("seeding failed: {e}")))?;
            catalog::invalidate(&state.cache).await;
            if report.products == 0 {
                println!("seed: the store already has products; nothing added");
            } else {
                println!(
                    "seed: added {} categories, {} products, {} variants priced in {currency} in {:.1}s",
                    report.categories,
                    report.products,
                    report.variants,
                    started.elapsed().as_secs_f64()
                );
            }
            Ok(())
        }
        Command::Reindex => {
            let state = build_state(settings).await?;
            let Engine::Meilisearch(meili) = &state.search else {
                return Err(StartupError::Other(
                    "search reindex needs MEILISEARCH_URL; PostgreSQL search needs no index".into(),
                ));
            };
            let done = outbox::reindex(&state.db, meili)
                .await
                .map_err(|e| StartupError::Other(format!("reindex failed: {e}")))?;
            println!(
                "search: indexed {} products into {} in {:.1}s",
                done.documents,
                meili.index_name(),
                done.took.as_secs_f64()
            );
            Ok(())
        }
        Command::CreateOwner { email } => {
            let password = owner_password()?;
            let state = build_state(settings).await?;
            let id = app::server::accounts::staff::create_owner(
                &state.db,
                &state.accounts.hasher,
                &email,
                &password,
            )
            .await
            .map_err(|e| StartupError::Other(app::model::AppError::from(e).to_string()))?;
            println!("owner account {id} created for {email}; sign in at /admin to enrol a second factor");
            Ok(())
        }
        Command::Serve => serve(build_state(settings).await?).await,
    }
}

/// The new owner's password: DUKA_OWNER_PASSWORD, else one line from the terminal (not
/// echoed) or from standard input.
fn owner_password() -> Result<secrecy::SecretString, StartupError> {
    use std::io::{BufRead, IsTerminal, Write};
    if let Ok(p) = std::env::var("DUKA_OWNER_PASSWORD") {
        if !p.is_empty() {
            return Ok(secrecy::SecretString::from(p));
        }
    }
    let terminal = std::io::stdin().is_terminal();
    if terminal {
        eprint!("Password for the owner (12 to 128 characters): ");
        let _ = std::io::stderr().flush();
        let _ = std::process::Command::new("stty").arg("-echo").status();
    }
    let mut line = String::new();
    let read = std::io::stdin().lock().read_line(&mut line);
    if terminal {
        let _ = std::process::Command::new("stty").arg("echo").status();
        eprintln!();
    }
    read.map_err(|e| StartupError::Other(format!("cannot read the password: {e}")))?;
    let password = line.trim_end_matches(['\r', '\n']).to_owned();
    if password.is_empty() {
        return Err(StartupError::Other(
            "no password given (set DUKA_OWNER_PASSWORD or type one)".into(),
        ));
    }
    Ok(secrecy::SecretString::from(password))
}
