//! The live feed of orders: orders placed and orders whose timeline moved, pushed to the
//! admin's orders list and to shoppers' order pages (over Server-Sent Events, by the server's
//! routes).
//!
//! Positions in the feed are transaction ids (migration 34): a [`Cursor`] is a snapshot's
//! `xmin`, below which every transaction has finished, so "rows written at or above the
//! cursor" misses nothing, whatever order transactions commit in. A cursor is what an event
//! stream sends as its event id and gets back as `Last-Event-ID`, so a reconnect resumes
//! where it stopped; a few rows may come twice (readers drop repeats by order id).
//!
//! One [`Feed`] per server polls PostgreSQL about once a second (three index reads), and
//! shares each new batch with whoever listens.

use crate::server::Error;
use sqlx::PgPool;
use std::collections::HashSet;
use std::time::Duration;
use tokio::sync::broadcast;

/// A position in the feed: every transaction below it has finished.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Cursor(pub i64);

impl Cursor {
    /// From an event id or a query parameter; `None` for anything but a plain number.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        (!text.is_empty() && text.len() <= 20 && text.bytes().all(|b| b.is_ascii_digit()))
            .then(|| text.parse().ok().map(Cursor))
            .flatten()
    }
}

impl std::fmt::Display for Cursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// What is new between two cursors.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Batch {
    /// Resume here: everything below is in this batch or an earlier one.
    pub next: Cursor,
    /// Orders placed (ids).
    pub placed: Vec<i64>,
    /// Orders whose timeline has new events (numbers, once each).
    pub changed: Vec<i64>,
    /// More was new than a batch holds: a reader should read its page again.
    pub truncated: bool,
}

impl Batch {
    pub fn is_empty(&self) -> bool {
        self.placed.is_empty() && self.changed.is_empty()
    }
}

/// The position now: rows written after this call are at or above it.
pub async fn now(db: &PgPool) -> Result<Cursor, Error> {
    let xmin = sqlx::query_scalar!(
        r#"SELECT pg_snapshot_xmin(pg_current_snapshot())::text::BIGINT AS "xmin!""#
    )
    .fetch_one(db)
    .await?;
    Ok(Cursor(xmin))
}

/// At most this many rows of each kind in a batch; more means a reader should start over.
const MOST: usize = 1_000;

/// What was written at or above `from`, read in one snapshot, with the cursor to go on from.
pub async fn since(db: &PgPool, from: Cursor) -> Result<Batch, Error> {
    let (mut batch, _) = read(db, from).await?;
    batch.changed.sort_unstable();
    batch.changed.dedup();
    Ok(batch)
}

/// [`since`], with the timeline events' ids (a feed sends each event once); `changed` holds
/// one order number per event, in the events' order.
async fn read(db: &PgPool, from: Cursor) -> Result<(Batch, Vec<i64>), Error> {
    let from = from.0.max(0).to_string();
    let r = sqlx::query!(
        r#"WITH e AS (
               SELECT e.id, o.number FROM order_events e JOIN orders o ON o.id = e.order_id
               WHERE e.created_xid >= $1::text::xid8 ORDER BY e.id LIMIT $2)
           SELECT pg_snapshot_xmin(pg_current_snapshot())::text::BIGINT AS "next!",
                  ARRAY(SELECT id FROM orders WHERE created_xid >= $1::text::xid8
                        ORDER BY id LIMIT $2) AS "placed!",
                  ARRAY(SELECT id FROM e ORDER BY id) AS "events!",
                  ARRAY(SELECT number FROM e ORDER BY id) AS "changed!""#,
        from,
        MOST as i64
    )
    .fetch_one(db)
    .await?;
    let truncated = r.placed.len() >= MOST || r.events.len() >= MOST;
    Ok((
        Batch {
            next: Cursor(r.next),
            placed: r.placed,
            changed: r.changed,
            truncated,
        },
        r.events,
    ))
}

/// The server's feed: one poller, any number of listeners.
#[derive(Clone)]
pub struct Feed {
    tx: broadcast::Sender<Batch>,
}

impl Default for Feed {
    fn default() -> Self {
        Self::new()
    }
}

impl Feed {
    pub fn new() -> Self {
        Self {
            tx: broadcast::channel(64).0,
        }
    }

    /// New batches from now on. Subscribe first, then read what a listener missed with
    /// [`since`], so nothing falls between the two.
    pub fn subscribe(&self) -> broadcast::Receiver<Batch> {
        self.tx.subscribe()
    }

    /// Starts polling every `every` from now; returns once the feed's position is read, so
    /// nothing written after this returns is missed.
    pub async fn start(self, db: PgPool, every: Duration) -> Result<(), Error> {
        let cursor = now(&db).await?;
        tokio::spawn(self.run(db, cursor, every));
        Ok(())
    }

    /// Polls every `every`; each row is sent once. It polls whether or not anyone listens
    /// (three index reads a second), so its cursor never jumps: a listener that subscribed
    /// and then read [`since`] its own cursor gets everything after that from this feed.
    async fn run(self, db: PgPool, mut cursor: Cursor, every: Duration) {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        // Rows sent whose transactions were not below the cursor yet: they are read again.
        let (mut placed_sent, mut events_sent) = (HashSet::new(), HashSet::new());
        loop {
            tick.tick().await;
            let from = cursor;
            let (batch, events) = match read(&db, from).await {
                Ok(b) => b,
                Err(e) => {
                    tracing::warn!(error = %e, "order feed: poll failed");
                    continue;
                }
            };
            let mut changed = Vec::new();
            for (event, number) in events.iter().zip(&batch.changed) {
                if events_sent.insert(*event) && !changed.contains(number) {
                    changed.push(*number);
                }
            }
            let fresh = Batch {
                next: batch.next,
                placed: new_only(&batch.placed, &mut placed_sent),
                changed,
                truncated: batch.truncated,
            };
            if batch.next > from {
                // Rows below the new cursor are not read again; what is read again next time
                // is among what this poll read.
                placed_sent = batch.placed.into_iter().collect();
                events_sent = events.into_iter().collect();
            }
            cursor = batch.next;
            if (!fresh.is_empty() || fresh.truncated) && self.tx.receiver_count() > 0 {
                let _ = self.tx.send(fresh);
            }
        }
    }
}

/// The items of `read` not in `sent`, which then holds them too.
fn new_only(read: &[i64], sent: &mut HashSet<i64>) -> Vec<i64> {
    read.iter().copied().filter(|id| sent.insert(*id)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_are_plain_numbers() {
        assert_eq!(Cursor::parse(" 7421 "), Some(Cursor(7421)));
        for bad in ["", "-1", "1e3", "12a", "99999999999999999999999"] {
            assert_eq!(Cursor::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn rows_read_again_are_sent_once() {
        let mut sent = HashSet::new();
        assert_eq!(new_only(&[1, 2], &mut sent), vec![1, 2]);
        assert_eq!(new_only(&[2, 3], &mut sent), vec![3]);
    }
}
