//! A local stand-in for the part of Stripe's API Duka calls (PaymentIntent create, retrieve
//! and cancel; refunds), served over HTTP on 127.0.0.1 so the production client (async-stripe,
//! pointed at it through `DUKA_STRIPE_API_BASE`) does the talking. It keeps Stripe's
//! idempotency rule (the same `Idempotency-Key` answers with the first response), refuses a
//! wrong secret key, and builds webhook events signed with Stripe's real scheme.
#![allow(dead_code)]

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub const SECRET_KEY: &str = "sk_test_duka_local";
pub const PUBLISHABLE_KEY: &str = "pk_test_duka_local";
pub const WEBHOOK_SECRET: &str = "whsec_duka_local_test";

#[derive(Default)]
struct Ledger {
    intents: HashMap<String, Value>,
    refunds: Vec<Value>,
    /// Idempotency key → (request path, first response).
    seen_keys: HashMap<String, (String, Value)>,
    /// Requests that created something (not idempotent replays).
    creates: usize,
    next: u64,
    /// While set, create requests record the PaymentIntent and then never answer (a crash
    /// of ours mid-call is simulated by the caller).
    stall_creates: bool,
    /// While set, every request gets a 503.
    down: bool,
    /// How long a create takes; meanwhile another request with its key gets Stripe's 409.
    create_latency: std::time::Duration,
    /// Idempotency keys of creates still being worked on.
    in_flight: std::collections::HashSet<String>,
    /// 409s answered for a key in flight.
    conflicts: usize,
    /// While set, refunds are refused with this error code (one async-stripe may not know).
    refund_error_code: Option<String>,
}

#[derive(Clone)]
pub struct MockStripe {
    pub url: String,
    ledger: Arc<Mutex<Ledger>>,
}

impl MockStripe {
    pub async fn start() -> MockStripe {
        let ledger = Arc::new(Mutex::new(Ledger::default()));
        let app = Router::new()
            .route("/v1/payment_intents", post(create_intent))
            .route("/v1/payment_intents/{id}", get(retrieve_intent))
            .route("/v1/payment_intents/{id}/cancel", post(cancel_intent))
            .route("/v1/refunds", post(create_refund))
            .with_state(ledger.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("http://{}/", listener.local_addr().expect("addr"));
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        MockStripe { url, ledger }
    }

    /// The settings that point Duka at this server.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("DUKA_STRIPE_SECRET_KEY", SECRET_KEY.to_owned()),
            ("DUKA_STRIPE_PUBLISHABLE_KEY", PUBLISHABLE_KEY.to_owned()),
            ("DUKA_STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET.to_owned()),
            ("DUKA_STRIPE_API_BASE", self.url.clone()),
            ("DUKA_STRIPE_TIMEOUT_MS", "2000".to_owned()),
        ]
    }

    pub fn intents(&self) -> Vec<Value> {
        let ledger = self.ledger.lock().unwrap();
        let mut all: Vec<Value> = ledger.intents.values().cloned().collect();
        all.sort_by_key(|i| i["id"].as_str().unwrap_or_default().to_owned());
        all
    }

    pub fn intent(&self, id: &str) -> Value {
        self.ledger.lock().unwrap().intents[id].clone()
    }

    pub fn refunds(&self) -> Vec<Value> {
        self.ledger.lock().unwrap().refunds.clone()
    }

    pub fn creates(&self) -> usize {
        self.ledger.lock().unwrap().creates
    }

    pub fn stall_creates(&self, stall: bool) {
        self.ledger.lock().unwrap().stall_creates = stall;
    }

    /// Creates take this long, as Stripe's do; see `Ledger::create_latency`.
    pub fn set_create_latency(&self, latency: std::time::Duration) {
        self.ledger.lock().unwrap().create_latency = latency;
    }

    pub fn conflicts(&self) -> usize {
        self.ledger.lock().unwrap().conflicts
    }

    pub fn set_down(&self, down: bool) {
        self.ledger.lock().unwrap().down = down;
    }

    /// The shopper pays (what Stripe does when the Payment Element confirms).
    pub fn succeed(&self, id: &str) -> Value {
        let mut ledger = self.ledger.lock().unwrap();
        let intent = ledger.intents.get_mut(id).expect("intent");
        intent["status"] = json!("succeeded");
        intent["amount_received"] = intent["amount"].clone();
        intent["latest_charge"] = json!(format!("ch_{}", &id[3..]));
        intent.clone()
    }

    /// A declined card: each decline is a new attempt with a charge of its own, as at Stripe.
    pub fn decline(&self, id: &str) -> Value {
        let mut ledger = self.ledger.lock().unwrap();
        ledger.next += 1;
        let charge = format!("ch_declined_{}", ledger.next);
        let intent = ledger.intents.get_mut(id).expect("intent");
        intent["status"] = json!("requires_payment_method");
        intent["last_payment_error"] = json!({"type": "card_error", "code": "card_declined",
            "message": "Your card was declined.", "charge": charge,
            "payment_method": {"id": "pm_card_visa_chargeDeclined", "object": "payment_method", "type": "card"}});
        intent.clone()
    }

    /// The PaymentIntent succeeds for `amount_received` (in `currency`), whatever its amount:
    /// never so for a PaymentIntent Duka created, but the reconciler must settle it.
    pub fn succeed_with(&self, id: &str, amount_received: i64, currency: &str) -> Value {
        let mut ledger = self.ledger.lock().unwrap();
        let intent = ledger.intents.get_mut(id).expect("intent");
        intent["status"] = json!("succeeded");
        intent["amount_received"] = json!(amount_received);
        intent["currency"] = json!(currency);
        intent["latest_charge"] = json!(format!("ch_{}", &id[3..]));
        intent.clone()
    }

    /// Refunds are refused with `code` (`None`: accepted again).
    pub fn refuse_refunds_with(&self, code: Option<&str>) {
        self.ledger.lock().unwrap().refund_error_code = code.map(str::to_owned);
    }

    /// An event as Stripe sends it, and its signature header at `timestamp`.
    pub fn event(&self, id: &str, kind: &str, object: Value, timestamp: i64) -> (Vec<u8>, String) {
        let body = serde_json::to_vec(&json!({
            "id": id,
            "object": "event",
            "type": kind,
            "created": timestamp,
            "livemode": false,
            "data": {"object": object},
        }))
        .expect("json");
        let header = app::server::payments::webhook::sign(WEBHOOK_SECRET, timestamp, &body);
        (body, header)
    }

    /// The charge of a PaymentIntent, refunded by `amount_refunded` in all.
    pub fn refunded_charge(&self, intent_id: &str, amount_refunded: i64) -> Value {
        let intent = self.intent(intent_id);
        json!({
            "id": format!("ch_{}", &intent_id[3..]),
            "object": "charge",
            "amount": intent["amount"],
            "amount_refunded": amount_refunded,
            "currency": intent["currency"],
            "payment_intent": intent_id,
            "refunded": Some(amount_refunded) == intent["amount"].as_i64(),
        })
    }
}

type Shared = State<Arc<Mutex<Ledger>>>;

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    // As Stripe answers: its own failures are `api_error`s without a code.
    let body = if status.is_server_error() {
        json!({"error": {"type": "api_error", "message": message}})
    } else {
        json!({"error": {"type": "invalid_request_error", "code": code, "message": message}})
    };
    (status, Json(body)).into_response()
}

/// Checks the key and the outage switch; `Some` is the answer to give instead.
fn refuse(ledger: &Ledger, headers: &HeaderMap) -> Option<Response> {
    if ledger.down {
        return Some(error(StatusCode::SERVICE_UNAVAILABLE, "api_error", "down"));
    }
    let bearer = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    (bearer != format!("Bearer {SECRET_KEY}")).then(|| {
        error(
            StatusCode::UNAUTHORIZED,
            "invalid_api_key",
            "Invalid API Key provided",
        )
    })
}

fn form(body: &str) -> HashMap<String, String> {
    form_urlencoded::parse(body.as_bytes())
        .into_owned()
        .collect()
}

fn replay(ledger: &Ledger, headers: &HeaderMap, path: &str) -> Option<Result<Value, Response>> {
    let key = headers.get("idempotency-key")?.to_str().ok()?;
    let (seen_path, response) = ledger.seen_keys.get(key)?;
    Some(if seen_path == path {
        Ok(response.clone())
    } else {
        Err(error(
            StatusCode::BAD_REQUEST,
            "idempotency_error",
            "Keys for idempotent requests can only be used for the same endpoint",
        ))
    })
}

fn remember(ledger: &mut Ledger, headers: &HeaderMap, path: &str, response: &Value) {
    if let Some(key) = headers.get("idempotency-key").and_then(|v| v.to_str().ok()) {
        ledger
            .seen_keys
            .insert(key.to_owned(), (path.to_owned(), response.clone()));
    }
}

async fn create_intent(State(ledger): Shared, headers: HeaderMap, body: String) -> Response {
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let (intent, latency, stall) = {
        let mut l = ledger.lock().unwrap();
        if let Some(answer) = refuse(&l, &headers) {
            return answer;
        }
        if key.as_ref().is_some_and(|k| l.in_flight.contains(k)) {
            l.conflicts += 1;
            return (
                StatusCode::CONFLICT,
                Json(json!({"error": {"type": "idempotency_error", "code": "idempotency_key_in_use",
                    "message": "There is currently another in-progress request using this Idempotent Key. Please try again later."}})),
            )
                .into_response();
        }
        match replay(&l, &headers, "/v1/payment_intents") {
            Some(Ok(response)) => return Json(response).into_response(),
            Some(Err(answer)) => return answer,
            None => {}
        }
        let f = form(&body);
        let Some(amount) = f.get("amount").and_then(|a| a.parse::<i64>().ok()) else {
            return error(StatusCode::BAD_REQUEST, "parameter_missing", "amount");
        };
        l.next += 1;
        l.creates += 1;
        let id = format!("pi_{:06}", l.next);
        let metadata: serde_json::Map<String, Value> = f
            .iter()
            .filter_map(|(k, v)| {
                let key = k.strip_prefix("metadata[")?.strip_suffix(']')?;
                Some((key.to_owned(), json!(v)))
            })
            .collect();
        let intent = json!({
            "id": id,
            "object": "payment_intent",
            "amount": amount,
            "amount_capturable": 0,
            "amount_received": 0,
            "capture_method": "automatic",
            "confirmation_method": "automatic",
            "client_secret": format!("{id}_secret_local"),
            "created": 1_700_000_000,
            "currency": f.get("currency").cloned().unwrap_or_default(),
            "description": f.get("description"),
            "livemode": false,
            "metadata": metadata,
            "payment_method_types": ["card"],
            "receipt_email": f.get("receipt_email"),
            "status": "requires_payment_method",
        });
        l.intents.insert(id, intent.clone());
        if l.stall_creates || l.create_latency.is_zero() {
            remember(&mut l, &headers, "/v1/payment_intents", &intent);
        } else if let Some(k) = &key {
            l.in_flight.insert(k.clone());
        }
        (intent, l.create_latency, l.stall_creates)
    };
    if stall {
        // Done at Stripe, and the answer never comes: the caller is killed meanwhile.
        return std::future::pending::<Response>().await;
    }
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
        let mut l = ledger.lock().unwrap();
        remember(&mut l, &headers, "/v1/payment_intents", &intent);
        if let Some(k) = &key {
            l.in_flight.remove(k);
        }
    }
    Json(intent).into_response()
}

async fn retrieve_intent(
    State(ledger): Shared,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let l = ledger.lock().unwrap();
    if let Some(answer) = refuse(&l, &headers) {
        return answer;
    }
    match l.intents.get(&id) {
        Some(intent) => Json(intent.clone()).into_response(),
        None => error(
            StatusCode::NOT_FOUND,
            "resource_missing",
            "No such payment_intent",
        ),
    }
}

async fn cancel_intent(
    State(ledger): Shared,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let mut l = ledger.lock().unwrap();
    if let Some(answer) = refuse(&l, &headers) {
        return answer;
    }
    let Some(intent) = l.intents.get_mut(&id) else {
        return error(
            StatusCode::NOT_FOUND,
            "resource_missing",
            "No such payment_intent",
        );
    };
    match intent["status"].as_str() {
        Some("succeeded") | Some("processing") => error(
            StatusCode::BAD_REQUEST,
            "payment_intent_unexpected_state",
            "You cannot cancel this PaymentIntent because it has a status of succeeded.",
        ),
        _ => {
            intent["status"] = json!("canceled");
            intent["cancellation_reason"] = json!("abandoned");
            Json(intent.clone()).into_response()
        }
    }
}

async fn create_refund(State(ledger): Shared, headers: HeaderMap, body: String) -> Response {
    let mut l = ledger.lock().unwrap();
    if let Some(answer) = refuse(&l, &headers) {
        return answer;
    }
    if let Some(code) = &l.refund_error_code {
        return error(
            StatusCode::BAD_REQUEST,
            code,
            "This charge cannot be refunded right now.",
        );
    }
    match replay(&l, &headers, "/v1/refunds") {
        Some(Ok(response)) => return Json(response).into_response(),
        Some(Err(answer)) => return answer,
        None => {}
    }
    let f = form(&body);
    let Some(intent_id) = f.get("payment_intent").cloned() else {
        return error(
            StatusCode::BAD_REQUEST,
            "parameter_missing",
            "payment_intent",
        );
    };
    let Some(intent) = l.intents.get(&intent_id).cloned() else {
        return error(
            StatusCode::NOT_FOUND,
            "resource_missing",
            "No such payment_intent",
        );
    };
    if intent["status"] != "succeeded" {
        return error(StatusCode::BAD_REQUEST, "charge_not_refundable", "not paid");
    }
    let received = intent["amount_received"].as_i64().unwrap_or(0);
    let already: i64 = l
        .refunds
        .iter()
        .filter(|r| r["payment_intent"] == intent_id.as_str())
        .map(|r| r["amount"].as_i64().unwrap_or(0))
        .sum();
    let amount = f
        .get("amount")
        .and_then(|a| a.parse::<i64>().ok())
        .unwrap_or(received - already);
    if amount <= 0 || already + amount > received {
        return error(
            StatusCode::BAD_REQUEST,
            "charge_already_refunded",
            "Refund amount is greater than unrefunded amount on charge",
        );
    }
    l.next += 1;
    l.creates += 1;
    let refund = json!({
        "id": format!("re_{:06}", l.next),
        "object": "refund",
        "amount": amount,
        "charge": format!("ch_{}", &intent_id[3..]),
        "created": 1_700_000_000,
        "currency": intent["currency"],
        "payment_intent": intent_id,
        "status": "succeeded",
    });
    l.refunds.push(refund.clone());
    remember(&mut l, &headers, "/v1/refunds", &refund);
    Json(refund).into_response()
}
