//! Who is asking: the session cookies of a request, turned into a [`Viewer`] once per request
//! by the server's auth layer and read by server functions and pages through [`viewer`].
//!
//! Cookies: the access token (JWT, 10 minutes) and the refresh token (opaque, 30 days), both
//! `HttpOnly`, `SameSite=Lax`, `Path=/`, and `Secure` with the `__Host-` prefix whenever the
//! store is served over https or in production. When the access token has expired, the layer
//! trades the refresh token for new ones and sets them on the response. Two requests racing
//! with the same refresh token in one process share one trade (a single flight), so a burst
//! of requests after a quiet spell does not look like a stolen token.

use super::accounts::sessions::SESSION_TTL;
use super::accounts::sessions::{self, Client, Issued};
use super::accounts::tokens::{Audience, TokenKeys, ACCESS_TTL};
use super::Error;
use crate::model::AppError;
use http::header::{HeaderMap, HeaderValue, COOKIE, SET_COOKIE};
use http::request::Parts;
use ipnet::IpNet;
use sqlx::PgPool;
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::OnceCell;

/// The signed-in account of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Viewer {
    pub account_id: i64,
    pub session_id: i64,
    pub audience: Audience,
}

/// Put into the request's extensions by the auth layer: `None` for anonymous requests.
#[derive(Debug, Clone, Copy)]
pub struct RequestViewer(pub Option<Viewer>);

/// The staff session of a request (staff cookies are separate from a customer's).
#[derive(Debug, Clone, Copy)]
pub struct RequestStaff(pub Option<Viewer>);

/// The cookie holding a staff member's second-factor challenge between the two steps.
pub const CHALLENGE_COOKIE: &str = "duka_staff_2fa";

/// The cookie names for one audience, with the `__Host-` prefix when cookies are `Secure`.
#[derive(Debug, Clone)]
pub struct CookieNames {
    pub access: String,
    pub refresh: String,
    /// A guest's cart (customer names only; staff have no cart).
    pub cart: String,
    /// Marks a browser that has signed in to an account before (see [`known_device`]).
    pub device: String,
    pub secure: bool,
    audience: Audience,
}

impl CookieNames {
    pub fn new(audience: Audience, secure: bool) -> Self {
        let prefix = if secure { "__Host-" } else { "" };
        let short = match audience {
            Audience::Customer => "duka",
            Audience::Staff => "duka_staff",
        };
        CookieNames {
            access: format!("{prefix}{short}_at"),
            refresh: format!("{prefix}{short}_rt"),
            cart: format!("{prefix}{short}_cart"),
            // Sent only to server functions (`Path=/api`), so pages stay cacheable for a
            // signed-out shopper; `__Host-` needs `Path=/`, so this one is `__Secure-`.
            device: format!("{}{short}_device", if secure { "__Secure-" } else { "" }),
            secure,
            audience,
        }
    }

    /// A `Set-Cookie` value marking this browser as one that signed in to `email` (a year).
    pub fn device_cookie(&self, keys: &TokenKeys, email: &str) -> HeaderValue {
        let secure = if self.secure { "; Secure" } else { "" };
        HeaderValue::from_str(&format!(
            "{}={}; Path=/api; HttpOnly; SameSite=Lax; Max-Age={}{secure}",
            self.device,
            device_tag(keys, self.audience, email),
            365 * 86_400
        ))
        .expect("cookie names and base64url tags are header-safe")
    }

    /// A `Set-Cookie` value for the guest cart (an empty value deletes it).
    pub fn cart_cookie(&self, value: &str, max_age: u64) -> HeaderValue {
        self.cookie(
            &self.cart,
            value,
            if value.is_empty() { 0 } else { max_age },
        )
    }

    fn cookie(&self, name: &str, value: &str, max_age: u64) -> HeaderValue {
        let secure = if self.secure { "; Secure" } else { "" };
        HeaderValue::from_str(&format!(
            "{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"
        ))
        .expect("cookie values are base64url and JWTs")
    }

    /// `Set-Cookie` values carrying freshly issued tokens.
    pub fn set(&self, issued: &Issued) -> [HeaderValue; 2] {
        [
            self.cookie(&self.access, &issued.access_token, ACCESS_TTL.as_secs()),
            self.cookie(&self.refresh, &issued.refresh_token, SESSION_TTL.as_secs()),
        ]
    }

    /// `Set-Cookie` values that delete both cookies.
    pub fn clear(&self) -> [HeaderValue; 2] {
        [
            self.cookie(&self.access, "", 0),
            self.cookie(&self.refresh, "", 0),
        ]
    }
}

fn device_purpose(audience: Audience) -> String {
    format!("known-device:{}", audience.as_str())
}

/// What a known browser's device cookie holds for `email`: an HMAC only this server can make,
/// so the cookie names no account and cannot be forged or moved to another address.
fn device_tag(keys: &TokenKeys, audience: Audience, email: &str) -> String {
    keys.tag(&device_purpose(audience), &email.trim().to_lowercase())
}

/// Whether the current request comes from a browser that has signed in to `email` before:
/// its sign-in attempts are counted apart from everyone else's, so strangers guessing an
/// owner's password never lock the owner out. The tag, when it matches.
pub fn known_device(keys: &TokenKeys, names: &CookieNames, email: &str) -> Option<String> {
    let presented = request_cookie(&names.device)?;
    keys.verify_tag(
        &device_purpose(names.audience),
        &email.trim().to_lowercase(),
        &presented,
    )
    .then_some(presented)
}

/// The value of cookie `name` in the request's `Cookie` headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
}

/// Where the request came from: the socket's address, or, when the socket is a trusted proxy,
/// the right-most address in `X-Forwarded-For` that is not itself a trusted proxy. A client
/// cannot choose its address by sending the header. Proxies are addresses or CIDR ranges.
pub fn client_of(headers: &HeaderMap, peer: Option<IpAddr>, trusted: &[IpNet]) -> Client {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    let mut ip = peer;
    if let Some(peer) = peer {
        if is_trusted(&peer) {
            let forwarded: Vec<IpAddr> = headers
                .get_all("x-forwarded-for")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .filter_map(|s| s.trim().parse().ok())
                .collect();
            if let Some(first_untrusted) = forwarded.iter().rev().find(|a| !is_trusted(a)) {
                ip = Some(*first_untrusted);
            }
        }
    }
    Client {
        ip,
        user_agent: headers
            .get(http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .chars()
            .take(400)
            .collect(),
    }
}

/// Refreshes in flight in this process, by audience and refresh token: a second request with
/// the same token within [`FLIGHT_TTL`] (two tabs racing after a quiet spell) gets the first
/// one's answer instead of spending the token again, which would look like theft.
///
/// The grace is narrow. It is keyed by audience, so a token never crosses from one cookie
/// jar to the other. It holds only for the client address that started the refresh. And it
/// hands out exactly the tokens the first request got, only while those are still current: the
/// session is live (no sign-out, password change, deactivation or reuse detection since) and
/// the new refresh token has not been spent. Anything else goes to the database as an
/// ordinary refresh, where a spent token is reuse and revokes the family.
#[derive(Clone, Default)]
pub struct RefreshFlights {
    map: Arc<Mutex<HashMap<(Audience, String), Flight>>>,
}

/// One refresh: when it started, from where, and its answer once there is one (`None`:
/// refused).
struct Flight {
    started: Instant,
    ip: Option<IpAddr>,
    answer: Arc<OnceCell<Option<Issued>>>,
}

const FLIGHT_TTL: Duration = Duration::from_secs(20);

impl RefreshFlights {
    async fn refresh(
        &self,
        db: &PgPool,
        keys: &TokenKeys,
        token: &str,
        audience: Audience,
        client: &Client,
        now: i64,
    ) -> Result<Option<Issued>, Error> {
        let (cell, same_client) = {
            let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
            map.retain(|_, f| f.started.elapsed() < FLIGHT_TTL);
            let flight = map
                .entry((audience, token.to_owned()))
                .or_insert_with(|| Flight {
                    started: Instant::now(),
                    ip: client.ip,
                    answer: Arc::default(),
                });
            (flight.answer.clone(), flight.ip == client.ip)
        };
        if !same_client {
            // Someone else's copy of the token: an ordinary refresh, which sees it spent.
            return refreshed(db, keys, token, audience, client, now).await;
        }
        let mut ran_here = false;
        let issued = cell
            .get_or_try_init(|| {
                ran_here = true;
                refreshed(db, keys, token, audience, client, now)
            })
            .await?
            .clone();
        match issued {
            Some(issued) if !ran_here => {
                if sessions::successor_is_current(db, &issued, audience).await? {
                    Ok(Some(issued))
                } else {
                    refreshed(db, keys, token, audience, client, now).await
                }
            }
            other => Ok(other),
        }
    }
}

/// A refresh through the database: the new tokens, or `None` when refused.
async fn refreshed(
    db: &PgPool,
    keys: &TokenKeys,
    token: &str,
    audience: Audience,
    client: &Client,
    now: i64,
) -> Result<Option<Issued>, Error> {
    match sessions::refresh(db, keys, token, audience, client, now).await {
        Ok(issued) => Ok(Some(issued)),
        Err(Error::App(AppError::Unauthorized)) => Ok(None),
        Err(other) => Err(other),
    }
}

/// What the auth layer found: the viewer, and cookies to set on the response.
#[derive(Debug, Default)]
pub struct Resolved {
    pub viewer: Option<Viewer>,
    pub set_cookies: Vec<HeaderValue>,
}

/// Reads one audience's cookies of a request: a valid access token of a live session, else a
/// refresh (new cookies), else anonymous (and the dead cookies cleared).
#[allow(clippy::too_many_arguments)]
pub async fn resolve(
    db: &PgPool,
    keys: &TokenKeys,
    flights: &RefreshFlights,
    names: &CookieNames,
    audience: Audience,
    headers: &HeaderMap,
    client: &Client,
    now: i64,
) -> Result<Resolved, Error> {
    let access = cookie(headers, &names.access);
    let refresh = cookie(headers, &names.refresh);
    if access.is_none() && refresh.is_none() {
        return Ok(Resolved::default());
    }
    if let Some(access) = access {
        match sessions::authenticate(db, keys, access, audience, now).await {
            Ok(claims) => {
                if let Some(account_id) = claims.account_id() {
                    return Ok(Resolved {
                        viewer: Some(Viewer {
                            account_id,
                            session_id: claims.sid,
                            audience,
                        }),
                        set_cookies: Vec::new(),
                    });
                }
            }
            Err(Error::App(AppError::Unauthorized)) => {}
            Err(other) => return Err(other),
        }
    }
    if let Some(refresh) = refresh {
        if let Some(issued) = flights
            .refresh(db, keys, refresh, audience, client, now)
            .await?
        {
            return Ok(Resolved {
                viewer: Some(Viewer {
                    account_id: issued.account_id,
                    session_id: issued.session_id,
                    audience,
                }),
                set_cookies: names.set(&issued).into(),
            });
        }
    }
    Ok(Resolved {
        viewer: None,
        set_cookies: names.clear().into(),
    })
}

/// Seconds since the Unix epoch: the clock tokens are checked against.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn parts() -> Option<Parts> {
    leptos::prelude::use_context::<Parts>()
}

/// The signed-in customer of the current request, if any.
pub fn viewer() -> Option<Viewer> {
    parts()?.extensions.get::<RequestViewer>().and_then(|v| v.0)
}

/// The staff session of the current request, if any.
pub fn staff_viewer() -> Option<Viewer> {
    parts()?.extensions.get::<RequestStaff>().and_then(|v| v.0)
}

/// A cookie of the current request.
pub fn request_cookie(name: &str) -> Option<String> {
    parts().and_then(|p| cookie(&p.headers, name).map(str::to_owned))
}

/// A `Set-Cookie` value for the second-factor challenge (`None`: delete it).
pub fn challenge_cookie(token: Option<&str>, secure: bool) -> HeaderValue {
    let (value, age) = match token {
        Some(t) => (t, super::accounts::tokens::CHALLENGE_TTL.as_secs()),
        None => ("", 0),
    };
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{CHALLENGE_COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={age}{secure}"
    ))
    .expect("JWTs are header-safe")
}

/// The signed-in customer, or `Unauthorized`.
pub fn require_customer() -> Result<Viewer, AppError> {
    viewer()
        .filter(|v| v.audience == Audience::Customer)
        .ok_or(AppError::Unauthorized)
}

/// Who sent the current request (address and user agent), for sessions, limits and the log.
pub fn client(trusted: &[IpNet]) -> Client {
    match parts() {
        Some(parts) => {
            let peer = parts
                .extensions
                .get::<axum::extract::ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip());
            client_of(&parts.headers, peer, trusted)
        }
        None => Client::default(),
    }
}

/// Adds `Set-Cookie` headers to the current response (server functions).
pub fn set_cookies(values: impl IntoIterator<Item = HeaderValue>) {
    if let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
        for value in values {
            response.append_header(SET_COOKIE, value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_found_by_exact_name() {
        let mut headers = HeaderMap::new();
        headers.insert(
            COOKIE,
            HeaderValue::from_static("duka_staff_at=s; duka_at=a ; x=1"),
        );
        headers.append(COOKIE, HeaderValue::from_static("duka_rt=r"));
        assert_eq!(cookie(&headers, "duka_at"), Some("a"));
        assert_eq!(cookie(&headers, "duka_rt"), Some("r"));
        assert_eq!(cookie(&headers, "duka"), None);
    }

    #[test]
    fn secure_cookies_use_the_host_prefix() {
        let names = CookieNames::new(Audience::Customer, true);
        assert_eq!(names.access, "__Host-duka_at");
        let [clear, _] = names.clear();
        let clear = clear.to_str().expect("ascii");
        assert!(
            clear.contains("Max-Age=0") && clear.contains("Secure") && clear.contains("HttpOnly"),
            "{clear}"
        );
        let plain = CookieNames::new(Audience::Customer, false);
        assert!(!plain.clear()[0].to_str().expect("ascii").contains("Secure"));
    }

    #[test]
    fn forwarded_addresses_count_only_behind_a_trusted_proxy() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-forwarded-for",
            HeaderValue::from_static("1.1.1.1, 203.0.113.9"),
        );
        let proxy: IpAddr = "10.0.0.1".parse().expect("ip");
        let one: IpNet = IpNet::from(proxy);
        let client: IpAddr = "198.51.100.7".parse().expect("ip");
        // Straight from a client: the header is ignored.
        assert_eq!(client_of(&headers, Some(client), &[one]).ip, Some(client));
        // From the proxy: the right-most address the proxy added.
        assert_eq!(
            client_of(&headers, Some(proxy), &[one]).ip,
            Some("203.0.113.9".parse().expect("ip"))
        );
        // No proxies configured: the socket, whatever the header says.
        assert_eq!(client_of(&headers, Some(proxy), &[]).ip, Some(proxy));
    }

    #[test]
    fn trusted_proxies_may_be_ranges() {
        // A load-balancer pool in 10.0.0.0/8 behind a CDN edge in 203.0.113.0/24: the client
        // is the right-most address outside both.
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-forwarded-for",
            HeaderValue::from_static("6.6.6.6, 198.51.100.7, 203.0.113.40, 10.1.2.3"),
        );
        let pools: Vec<IpNet> = ["10.0.0.0/8", "203.0.113.0/24"]
            .iter()
            .map(|s| s.parse().expect("cidr"))
            .collect();
        let peer: IpAddr = "10.9.8.7".parse().expect("ip");
        assert_eq!(
            client_of(&headers, Some(peer), &pools).ip,
            Some("198.51.100.7".parse().expect("ip"))
        );
        // A peer outside the ranges is the client itself.
        let outside: IpAddr = "11.0.0.1".parse().expect("ip");
        assert_eq!(client_of(&headers, Some(outside), &pools).ip, Some(outside));
    }
}
