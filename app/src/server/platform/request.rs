//! The request a piece of work belongs to. Its id is a field of the request's span, so it is
//! in every log line the request writes, and it is the reference an error page shows, so the
//! reference a shopper quotes finds every line of their request.

use std::future::Future;
use tracing::Instrument;

tokio::task_local! {
    static ID: String;
}

/// The id of the request being served, as the server's first layer gave it.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// The id of the request this task serves, if it serves one.
pub fn current() -> Option<String> {
    ID.try_with(Clone::clone).ok()
}

/// Runs `work` as part of request `id`.
pub async fn scope<F: Future>(id: String, work: F) -> F::Output {
    ID.scope(id, work).await
}

/// `work`, made to run as part of the current request (its id and span) wherever it is
/// spawned.
pub fn carried<F: Future>(work: F) -> impl Future<Output = F::Output> {
    let span = tracing::Span::current();
    let id = current();
    async move {
        match id {
            Some(id) => ID.scope(id, work).await,
            None => work.await,
        }
    }
    .instrument(span)
}

/// The reference of an error: the request's id in a request, else a new one.
pub fn reference() -> String {
    current().unwrap_or_else(super::error::new_reference)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn work_spawned_for_a_request_keeps_its_id() {
        assert_eq!(current(), None);
        let seen = scope("r1".to_owned(), async {
            tokio::spawn(carried(async { reference() }))
                .await
                .expect("joins")
        })
        .await;
        assert_eq!(seen, "r1");
        assert_ne!(reference(), "r1", "outside a request each reference is new");
    }
}
