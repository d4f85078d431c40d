//! Read-only queries of a processor's state from outside the driver thread
//! (HTTP endpoints such as "why not yet"). The driver answers between
//! batches from committed state, so a query never sees a half-applied batch
//! and never blocks processing for long.

use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::time::Duration;

use tokio::sync::oneshot;

/// What a query asks for: one key, or every key with a prefix.
pub enum Ask {
    Key(Vec<u8>),
    Prefix(Vec<u8>),
}

pub struct Query<S> {
    pub ask: Ask,
    pub reply: oneshot::Sender<Vec<S>>,
}

/// The caller's end: cloneable, usable from async handlers.
pub struct QueryHandle<S> {
    tx: SyncSender<Query<S>>,
}

impl<S> Clone for QueryHandle<S> {
    fn clone(&self) -> Self {
        QueryHandle {
            tx: self.tx.clone(),
        }
    }
}

/// The driver's end.
pub struct QueryInbox<S> {
    rx: Receiver<Query<S>>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum QueryError {
    #[error("too many queries waiting; try again")]
    Busy,
    #[error("the processor is not running")]
    Stopped,
    #[error("no answer in time (the processor may be restoring or busy)")]
    Timeout,
}

/// A bounded channel: at most `capacity` queries wait for the driver.
pub fn channel<S>(capacity: usize) -> (QueryHandle<S>, QueryInbox<S>) {
    let (tx, rx) = sync_channel(capacity);
    (QueryHandle { tx }, QueryInbox { rx })
}

impl<S> QueryHandle<S> {
    pub async fn get(&self, key: &[u8], timeout: Duration) -> Result<Option<S>, QueryError> {
        let mut found = self.ask(Ask::Key(key.to_vec()), timeout).await?;
        Ok(found.pop())
    }

    /// Every committed value whose key starts with `prefix`, across the
    /// partitions this instance owns.
    pub async fn scan(&self, prefix: &[u8], timeout: Duration) -> Result<Vec<S>, QueryError> {
        self.ask(Ask::Prefix(prefix.to_vec()), timeout).await
    }

    async fn ask(&self, ask: Ask, timeout: Duration) -> Result<Vec<S>, QueryError> {
        let (reply, answer) = oneshot::channel();
        self.tx
            .try_send(Query { ask, reply })
            .map_err(|e| match e {
                TrySendError::Full(_) => QueryError::Busy,
                TrySendError::Disconnected(_) => QueryError::Stopped,
            })?;
        match tokio::time::timeout(timeout, answer).await {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(_)) => Err(QueryError::Stopped),
            Err(_) => Err(QueryError::Timeout),
        }
    }
}

impl<S> QueryInbox<S> {
    /// Answers every waiting query with `lookup` (all values for a key or
    /// prefix).
    pub fn answer(&self, mut lookup: impl FnMut(&Ask) -> Vec<S>) {
        while let Ok(q) = self.rx.try_recv() {
            let _ = q.reply.send(lookup(&q.ask));
        }
    }
}
