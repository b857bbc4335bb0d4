//! Stopping without dropping a request. On SIGTERM (or Ctrl-C) the listening socket closes at
//! once, so new connections are refused and a load balancer sends them to another instance
//! (a refused connection carried nothing, so even a form post is safely retried there). The
//! connections already accepted then have `DRAIN` to deliver their requests before the
//! server's graceful shutdown begins: it closes connections that have not started a request,
//! which, without the pause, includes one accepted a moment before whose request was still
//! on its way. Requests under way finish; then the process exits.

use axum::serve::Listener;
use futures_util::FutureExt;
use std::time::Duration;
use tokio::sync::watch;

/// How long accepted connections have to start their request once the socket is closed.
pub const DRAIN: Duration = Duration::from_millis(500);

/// A listener that closes its socket when `closing` turns true, and accepts nothing after.
pub struct Closing<L> {
    inner: Option<L>,
    closing: watch::Receiver<bool>,
}

impl<L> Closing<L> {
    pub fn new(inner: L, closing: watch::Receiver<bool>) -> Self {
        Self {
            inner: Some(inner),
            closing,
        }
    }
}

impl<L: Listener> Listener for Closing<L>
where
    L::Addr: Send,
{
    type Io = L::Io;
    type Addr = L::Addr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            if *self.closing.borrow() {
                // Connections the kernel has already completed are taken first (closing the
                // socket would reset them with their requests unread); then dropping the
                // socket refuses every later connection.
                if let Some(accepted) = self.inner.as_mut().and_then(|l| l.accept().now_or_never())
                {
                    return accepted;
                }
                self.inner = None;
            }
            let Some(inner) = self.inner.as_mut() else {
                return std::future::pending().await;
            };
            tokio::select! {
                // A connection ready at the same moment as the signal is taken, not reset.
                biased;
                accepted = inner.accept() => return accepted,
                changed = self.closing.changed() => {
                    if changed.is_err() {
                        // The sender is gone: nobody can ask to close any more.
                        let accepted = inner.accept().await;
                        return accepted;
                    }
                }
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        match &self.inner {
            Some(inner) => inner.local_addr(),
            None => Err(std::io::ErrorKind::NotConnected.into()),
        }
    }
}

/// Completes when the process is asked to stop: first `close` is told (the socket closes),
/// then after `DRAIN` the server's graceful shutdown may begin.
pub async fn signal(close: watch::Sender<bool>) {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutdown requested; refusing new connections, finishing in-flight requests");
    let _ = close.send(true);
    tokio::time::sleep(DRAIN).await;
}
