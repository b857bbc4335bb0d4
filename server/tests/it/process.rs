//! The real `duka` binary as tests run it: started on a port of its own against a test's
//! database (`CARGO_BIN_EXE_duka`), killed or stopped, and driven over HTTP like a browser
//! without JavaScript. Used by the crash tests and the many-instances test.

use reqwest::header::{HeaderMap, COOKIE, LOCATION, ORIGIN, REFERER, SET_COOKIE};
use reqwest::StatusCode;
use sqlx::PgPool;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Stable across restarts, as in production: the cart cookie and the order links survive.
pub const JWT_SECRET: &str = "crash-test-key-crash-test-key-crash-test-key";

/// A scratch directory for the servers' files and logs.
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn new(what: &str) -> Scratch {
        Scratch(crate::scratch_dir(what, "site/pkg"))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// One run of the server binary.
pub struct Duka {
    child: Child,
    log: PathBuf,
}

impl Duka {
    /// Starts `duka serve` on `port` with `extra` settings and waits until it is ready.
    pub async fn start(
        db_url: &str,
        dir: &Path,
        port: u16,
        run: u32,
        extra: &[(String, String)],
    ) -> Duka {
        let log = dir.join(format!("server-{run}.log"));
        let out = std::fs::File::create(&log).expect("log file");
        let base = format!("http://127.0.0.1:{port}");
        let mut command = Command::new(env!("CARGO_BIN_EXE_duka"));
        command
            .arg("serve")
            .current_dir(dir)
            .env_clear()
            .env("DATABASE_URL", db_url)
            .env("DUKA_SITE_ADDR", format!("127.0.0.1:{port}"))
            .env("DUKA_PUBLIC_URL", &base)
            .env("DUKA_SITE_ROOT", dir.join("site"))
            .env("DUKA_MEDIA_DIR", dir.join("media"))
            .env("DUKA_MAIL_OUTBOX_DIR", dir.join("mail"))
            .env("DUKA_JWT_SECRET", JWT_SECRET)
            .env("DUKA_STORE_NAME", "Test Souq")
            .env("DUKA_STORE_CURRENCY", "AED")
            .env("LEPTOS_HASH_FILES", "false")
            // The restarted process reconciles within seconds (payments quiet for 2 s).
            .env("DUKA_SWEEP_SECONDS", "1")
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(out.try_clone().expect("log"))
            .stderr(out);
        for (key, value) in extra {
            command.env(key, value);
        }
        let mut child = command.spawn().expect("spawns duka");
        let client = client();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = child.try_wait().expect("wait") {
                panic!(
                    "duka exited with {status} before it was ready:\n{}",
                    std::fs::read_to_string(&log).unwrap_or_default()
                );
            }
            if let Ok(res) = client.get(format!("{base}/readyz")).send().await {
                if res.status() == StatusCode::OK {
                    return Duka { child, log };
                }
            }
            assert!(Instant::now() < deadline, "duka not ready in 60 s");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// SIGTERM, as a service manager stops it: the process stops accepting, finishes what it
    /// has and exits; waits for that (30 s at most) and says whether it exited cleanly.
    pub async fn stop(mut self) -> bool {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill").args(["-TERM", &pid]).status();
        assert!(sent.is_ok_and(|s| s.success()), "SIGTERM to duka {pid}");
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status.success();
            }
            assert!(
                Instant::now() < deadline,
                "duka {pid} still running 30 s after SIGTERM"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// SIGKILL: no graceful shutdown, no destructors, open transactions die with the process.
    pub fn kill(mut self) {
        self.child.kill().expect("kills duka");
        self.child.wait().expect("reaps duka");
    }
}

impl Drop for Duka {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
            if std::thread::panicking() {
                eprintln!(
                    "server log:\n{}",
                    std::fs::read_to_string(&self.log).unwrap_or_default()
                );
            }
        }
    }
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(60))
        .build()
        .expect("client")
}

/// A free port on 127.0.0.1, kept for every run of the server in one test.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// The URL of the test's own database (same server and credentials as `DATABASE_URL`).
pub(crate) async fn database_url(pool: &PgPool) -> String {
    let name: String = sqlx::query_scalar("SELECT current_database()")
        .fetch_one(pool)
        .await
        .expect("database name");
    let base = std::env::var("DATABASE_URL").expect("DATABASE_URL");
    let authority = base.find("://").expect("a URL") + 3;
    let path = authority
        + base[authority..]
            .find('/')
            .unwrap_or(base.len() - authority);
    let query = base[path..]
        .find('?')
        .map(|q| &base[path + q..])
        .unwrap_or("");
    format!("{}/{name}{query}", &base[..path])
}

/// A shopper's browser without JavaScript: cookies kept, redirects not followed.
pub struct Browser {
    pub client: reqwest::Client,
    pub base: String,
    /// The shop's public URL, which forms' `Origin` must name: `base` unless a load
    /// balancer stands in front.
    pub origin: String,
    pub cookies: BTreeMap<String, String>,
}

impl Browser {
    pub fn new(port: u16) -> Browser {
        let base = format!("http://127.0.0.1:{port}");
        Browser::at(&base, &base)
    }

    /// A browser sending its requests to `base` (an instance, or the load balancer in front)
    /// whose forms name the shop's `origin`.
    pub fn at(base: &str, origin: &str) -> Browser {
        Browser {
            client: client(),
            base: base.to_owned(),
            origin: origin.to_owned(),
            cookies: BTreeMap::new(),
        }
    }

    pub fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub fn keep_cookies(&mut self, headers: &HeaderMap) {
        for value in headers.get_all(SET_COOKIE) {
            let pair = value.to_str().unwrap_or("").split(';').next().unwrap_or("");
            if let Some((k, v)) = pair.split_once('=') {
                self.cookies.insert(k.to_owned(), v.to_owned());
            }
        }
    }

    pub async fn get(&mut self, path: &str) -> (StatusCode, String) {
        let res = self
            .client
            .get(format!("{}{path}", self.base))
            .header(COOKIE, self.cookie_header())
            .send()
            .await
            .expect("GET");
        self.keep_cookies(res.headers());
        (res.status(), res.text().await.expect("body"))
    }

    /// A form post as the browser sends it; the request, to be sent now or from a task.
    pub fn form(&self, path: &str, from: &str, body: String) -> reqwest::RequestBuilder {
        self.client
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "text/html")
            .header(ORIGIN, &self.origin)
            .header(REFERER, format!("{}{from}", self.origin))
            .header(COOKIE, self.cookie_header())
            .body(body)
    }

    /// Posts a form and returns where it redirects.
    pub async fn submit(&mut self, path: &str, from: &str, body: String) -> String {
        let res = self.form(path, from, body).send().await.expect("POST");
        self.keep_cookies(res.headers());
        assert_eq!(res.status(), StatusCode::FOUND, "{path}");
        location(res.headers())
    }
}

pub fn location(headers: &HeaderMap) -> String {
    headers
        .get(LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned()
}

/// Polls `check` (a query returning true when done) for up to 30 s.
pub async fn eventually(pool: &PgPool, what: &str, check: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let done: bool = sqlx::query_scalar(check)
            .fetch_one(pool)
            .await
            .expect("check");
        if done {
            return;
        }
        assert!(Instant::now() < deadline, "not within 30 s: {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
