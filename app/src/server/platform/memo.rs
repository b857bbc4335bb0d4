//! A value kept in the process until it is retired: for small reads every page makes (the
//! header's and footer's links) that change only when the catalog does.

use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::Mutex;

#[derive(Debug)]
pub struct Memo<T> {
    version: AtomicU64,
    kept: Mutex<Option<(u64, T)>>,
}

impl<T> Default for Memo<T> {
    fn default() -> Self {
        Self {
            version: AtomicU64::new(0),
            kept: Mutex::new(None),
        }
    }
}

impl<T: Clone> Memo<T> {
    /// Forgets the value: the next reader loads it again.
    pub fn retire(&self) {
        self.version.fetch_add(1, Ordering::AcqRel);
    }

    /// The kept value, or `load`'s (kept for the next reader). One reader loads at a time:
    /// the others wait for its value rather than each taking a database connection. A
    /// retirement during the load leaves what it loaded already retired.
    pub async fn get_or_load<E, F, Fut>(&self, load: F) -> Result<T, E>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<T, E>>,
    {
        let mut kept = self.kept.lock().await;
        let version = self.version.load(Ordering::Acquire);
        if let Some((_, value)) = kept.as_ref().filter(|(at, _)| *at == version) {
            return Ok(value.clone());
        }
        let value = load().await?;
        *kept = Some((version, value.clone()));
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::Memo;

    #[tokio::test]
    async fn a_kept_value_is_read_again_only_after_it_is_retired() {
        let memo = Memo::default();
        let load = |n: u32| move || async move { Ok::<_, ()>(n) };
        assert_eq!(memo.get_or_load(load(1)).await, Ok(1));
        assert_eq!(memo.get_or_load(load(2)).await, Ok(1));
        memo.retire();
        assert_eq!(memo.get_or_load(load(3)).await, Ok(3));
        assert_eq!(memo.get_or_load(load(4)).await, Ok(3));
        memo.retire();
        assert_eq!(
            memo.get_or_load(|| async { Err::<u32, _>("down") }).await,
            Err("down")
        );
        assert_eq!(
            memo.get_or_load(load(5)).await,
            Ok(5),
            "a failed load keeps nothing"
        );
    }
}
