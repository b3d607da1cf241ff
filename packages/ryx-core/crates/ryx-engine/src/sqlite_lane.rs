//! One SQLite connection per pool kept locked away from sqlx, for reads answered on the calling thread.
//!
//! A read through sqlx's pool costs two round trips to the connection's worker thread even when it
//! runs on the calling thread ([`crate::executor::fetch_now`]): one to lock the handle, one for the
//! ping when the connection goes back to the pool. The lane takes one connection out of the pool
//! when the pool is built and parks its worker for the pool's whole life (a task holds the locked
//! handle until [`Lane::close`]), so a small read is a mutex, a cached prepared statement and
//! SQLite's own work. The connection is one more than `max_connections` and is not counted by
//! `pool_stats`. Only read-only statements run here, never waiting for a lock (busy timeout 0) and
//! within [`crate::executor::NOW_BUDGET`]; anything else goes the usual way. Reads inside a
//! transaction use the transaction's connection, never the lane.
#![allow(unsafe_code)]

use std::collections::HashMap;
use std::fmt;
use std::ptr::NonNull;
use std::sync::{Mutex, PoisonError};

use libsqlite3_sys as ffi;
use ryx_query::Value;
use sqlx::sqlite::{SqliteConnection, SqlitePool};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::conn::Outcome;
use crate::decode::Hints;
use crate::error::{Error, Result};
use crate::sqlite_direct::{contended, execute, Mode, Statement};

/// What the lane did with a statement.
pub(crate) enum LaneOutcome {
    /// It ran (or failed as it would anywhere: a syntax error, a missing table).
    Done(Result<Outcome>),
    /// It must not run on the calling thread: a write, several statements, a lock held by a
    /// writer, or a read past the budget. Nothing ran.
    NotNow,
    /// The lane is in use by another thread (or closed): try a pooled connection.
    Busy,
}

/// The lane of one SQLite pool.
pub(crate) struct Lane {
    db: Mutex<Option<LaneDb>>,
    holder: Mutex<Option<Holder>>,
}

/// The task that keeps the connection's handle locked, and how to tell it to let go.
struct Holder {
    stop: oneshot::Sender<()>,
    done: JoinHandle<()>,
}

/// The locked connection and its prepared read statements.
struct LaneDb {
    db: NonNull<ffi::sqlite3>,
    statements: HashMap<String, Statement>,
    capacity: usize,
}

// SAFETY: the handle is used only under the lane's mutex, one thread at a time, while sqlx's worker
// thread is parked by the locked handle (it makes no call on the connection until the holder lets
// go, which `Lane::close`/`Drop` do only after finalizing every statement). SQLite connections
// opened by sqlx are in multi-thread mode, which allows a connection to move between threads.
unsafe impl Send for LaneDb {}

/// The raw handle on its way from the holder task to the lane.
struct RawHandle(NonNull<ffi::sqlite3>);

// SAFETY: only the pointer value moves; it is used under the rules given for `LaneDb`.
unsafe impl Send for RawHandle {}

impl Lane {
    /// Take a connection out of `pool` (the pool may open a replacement) and lock it for the lane.
    /// `capacity` bounds the prepared statements kept (0 keeps none).
    pub(crate) async fn open(pool: &SqlitePool, capacity: usize) -> Result<Self> {
        let conn = pool.acquire().await?.detach();
        let (ready_tx, ready_rx) = oneshot::channel();
        let (stop, stop_rx) = oneshot::channel();
        let done = tokio::spawn(hold(conn, ready_tx, stop_rx));
        let db = ready_rx
            .await
            .map_err(|_| Error::Config("the SQLite lane's connection closed at once".into()))??
            .0;
        // SAFETY: the connection is locked for the lane and nobody else uses it yet.
        unsafe {
            // Reads here never wait for a writer: a locked database sends them the usual way.
            ffi::sqlite3_busy_timeout(db.as_ptr(), 0);
        }
        Ok(Self {
            db: Mutex::new(Some(LaneDb {
                db,
                statements: HashMap::new(),
                capacity,
            })),
            holder: Mutex::new(Some(Holder { stop, done })),
        })
    }

    /// Run `sql` if it is a read that can be answered now, on this thread.
    pub(crate) fn fetch_now(
        &self,
        sql: &str,
        params: &[Value],
        hints: &Hints,
        max_rows: Option<usize>,
    ) -> LaneOutcome {
        // Poisoned: a panic mid-statement; the pooled path is still sound.
        let Ok(mut guard) = self.db.try_lock() else {
            return LaneOutcome::Busy;
        };
        let Some(lane) = guard.as_mut() else {
            return LaneOutcome::Busy;
        };
        let db = lane.db;
        match lane.statement(sql) {
            Ok(Some(stmt)) => match execute(stmt, params, hints, max_rows, Mode::ReadNow) {
                Ok(Some(out)) => LaneOutcome::Done(Ok(out)),
                Ok(None) => LaneOutcome::NotNow,
                Err(e) => LaneOutcome::Done(Err(e)),
            },
            Ok(None) => LaneOutcome::NotNow,
            // Preparing reads the schema, which a writer may have locked.
            Err(_) if contended(db) => LaneOutcome::NotNow,
            Err(e) => LaneOutcome::Done(Err(e)),
        }
    }

    /// Finalize the statements, then give the connection back to sqlx's worker and close it.
    pub(crate) async fn close(&self) {
        self.release();
        let holder = self
            .holder
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(Holder { stop, done }) = holder {
            drop(stop);
            let _ = done.await;
        }
    }

    /// Drop the statements (a blocking lock: a statement in flight holds it for microseconds).
    fn release(&self) {
        drop(
            self.db
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take(),
        );
    }
}

impl Drop for Lane {
    fn drop(&mut self) {
        // Before the holder's stop signal is dropped with the fields: the worker must not get
        // the connection back while statements on it are still alive.
        self.release();
    }
}

impl fmt::Debug for Lane {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lane").finish_non_exhaustive()
    }
}

impl LaneDb {
    /// The prepared statement of `sql`, kept for next time when it only reads. `None` for SQL that
    /// holds several statements or writes.
    fn statement(&mut self, sql: &str) -> Result<Option<&Statement>> {
        if !self.statements.contains_key(sql) {
            let Some(stmt) = Statement::prepare(self.db, sql)? else {
                return Ok(None);
            };
            if !stmt.readonly() {
                return Ok(None);
            }
            if self.capacity == 0 {
                // Nothing is cached: keep this one only for the call.
                self.statements.clear();
            } else if self.statements.len() >= self.capacity {
                // Dropping an arbitrary entry is enough: the lane sees a handful of hot reads.
                let victim = self.statements.keys().next().cloned();
                if let Some(victim) = victim {
                    self.statements.remove(&victim);
                }
            }
            self.statements.insert(sql.to_owned(), stmt);
        }
        Ok(self.statements.get(sql))
    }
}

/// Lock `conn`'s handle, report it, and keep it locked until `stop` fires (or its sender is
/// dropped); then close the connection.
async fn hold(
    mut conn: SqliteConnection,
    ready: oneshot::Sender<Result<RawHandle>>,
    stop: oneshot::Receiver<()>,
) {
    {
        let mut handle = match conn.lock_handle().await {
            Ok(handle) => handle,
            Err(e) => {
                let _ = ready.send(Err(e.into()));
                return;
            }
        };
        if ready.send(Ok(RawHandle(handle.as_raw_handle()))).is_err() {
            return;
        }
        let _ = stop.await;
    }
    let _ = sqlx::Connection::close(conn).await;
}
