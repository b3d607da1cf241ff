//! Transactions on one pooled connection: begin/commit/rollback, named savepoints, and a Drop that
//! rolls back and returns the connection if the owner forgot or was cancelled.

use std::fmt;
use std::str::FromStr;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;

use tokio::runtime::Handle;
use tokio::sync::{Mutex, MutexGuard};

use crate::conn::Conn;
use crate::error::{DbErrorKind, Error, Result};
use crate::options::Backend;
use crate::pool::{self, PoolEntry};

/// SQL isolation levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IsolationLevel {
    /// `READ UNCOMMITTED`.
    ReadUncommitted,
    /// `READ COMMITTED`.
    ReadCommitted,
    /// `REPEATABLE READ`.
    RepeatableRead,
    /// `SERIALIZABLE`.
    Serializable,
}

impl IsolationLevel {
    /// The SQL spelling, e.g. `READ COMMITTED`.
    #[must_use]
    pub fn sql(self) -> &'static str {
        match self {
            Self::ReadUncommitted => "READ UNCOMMITTED",
            Self::ReadCommitted => "READ COMMITTED",
            Self::RepeatableRead => "REPEATABLE READ",
            Self::Serializable => "SERIALIZABLE",
        }
    }
}

impl FromStr for IsolationLevel {
    type Err = Error;

    /// Accepts `read uncommitted`, `read_committed`, `REPEATABLE-READ`, `serializable`, ...
    fn from_str(s: &str) -> Result<Self> {
        let norm: String = s
            .trim()
            .chars()
            .map(|c| {
                if c == '_' || c == '-' {
                    ' '
                } else {
                    c.to_ascii_lowercase()
                }
            })
            .collect();
        Ok(
            match norm
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .as_str()
            {
                "read uncommitted" => Self::ReadUncommitted,
                "read committed" => Self::ReadCommitted,
                "repeatable read" => Self::RepeatableRead,
                "serializable" => Self::Serializable,
                _ => {
                    return Err(Error::Config(format!(
                    "unknown isolation level '{s}': use one of read uncommitted, read committed, \
                     repeatable read, serializable"
                )))
                }
            },
        )
    }
}

/// Where a transaction is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum TxStatus {
    /// Open: statements run inside it.
    Active = 0,
    /// Committed; the connection is back in the pool.
    Committed = 1,
    /// Rolled back; the connection is back in the pool.
    RolledBack = 2,
    /// Unusable (connection lost, a statement cancelled mid-flight, the server rolled it back);
    /// only `rollback()` is accepted.
    Failed = 3,
}

impl TxStatus {
    fn from_u8(v: u8) -> Self {
        match v {
            0 => Self::Active,
            1 => Self::Committed,
            2 => Self::RolledBack,
            _ => Self::Failed,
        }
    }
}

impl fmt::Display for TxStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Active => "active",
            Self::Committed => "committed",
            Self::RolledBack => "rolled back",
            Self::Failed => "failed",
        })
    }
}

#[derive(Debug, Default)]
struct TxState {
    /// `Some` until the transaction finishes; `Drop` rolls back whatever is still here.
    conn: Option<Conn>,
    savepoints: Vec<String>,
    /// PostgreSQL refuses every statement after an error until a savepoint rollback; COMMIT
    /// then silently rolls back, so we must remember it to report it.
    pg_aborted: bool,
    /// SQLite read-only transactions set `PRAGMA query_only`, which must be reset before the
    /// connection goes back to the pool.
    sqlite_query_only: bool,
    /// Why the transaction is `Failed`.
    failure: Option<String>,
    /// A statement was cancelled mid-protocol: the server connection may still be busy with it.
    interrupted: bool,
}

impl TxState {
    /// Whether the connection should be closed instead of sent a ROLLBACK. Closing rolls back
    /// on the server too and does not wait for an abandoned statement to finish. SQLite's
    /// worker finishes the statement by itself, and closing could destroy a shared in-memory
    /// database, so SQLite always gets the ROLLBACK.
    fn close_instead_of_rollback(&self) -> bool {
        self.interrupted && !matches!(self.conn, Some(Conn::Sqlite(_)) | None)
    }
}

/// An open transaction: one pooled connection, used by one statement at a time.
pub struct Transaction {
    entry: Arc<PoolEntry>,
    /// The source of truth for the status; written only while `state` is locked, read without
    /// locking so `is_active()` never waits on a running statement.
    status: AtomicU8,
    /// The runtime `begin` ran on, where `Drop` spawns the rollback (Drop may run on a thread
    /// with no runtime, e.g. Python's garbage collector).
    runtime: Handle,
    state: Mutex<TxState>,
}

impl fmt::Debug for Transaction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transaction")
            .field("alias", &self.entry.alias)
            .field("status", &self.status())
            .finish_non_exhaustive()
    }
}

/// Begin a transaction on `alias` (the default alias when `None`).
///
/// PostgreSQL runs `BEGIN ISOLATION LEVEL …`, MySQL `SET TRANSACTION ISOLATION LEVEL …` then
/// `START TRANSACTION`, SQLite `BEGIN IMMEDIATE` (or `DEFERRED`, see
/// `PoolOptions::sqlite_immediate_transactions`; read-only transactions are deferred and set
/// `PRAGMA query_only`).
///
/// # Errors
/// `PoolNotInitialized` for an unknown alias, `PoolTimeout` when no connection is free,
/// `NotSupported` for an isolation level other than serializable on SQLite, database errors.
pub async fn begin(
    alias: Option<&str>,
    isolation: Option<IsolationLevel>,
    read_only: bool,
) -> Result<Arc<Transaction>> {
    Transaction::begin_on(pool::get(alias)?, isolation, read_only).await
}

impl Transaction {
    /// Begin a transaction on a given pool entry (see [`begin`]).
    ///
    /// # Errors
    /// As [`begin`].
    pub async fn begin_on(
        entry: Arc<PoolEntry>,
        isolation: Option<IsolationLevel>,
        read_only: bool,
    ) -> Result<Arc<Transaction>> {
        let statements = begin_sql(&entry, isolation, read_only)?;
        let runtime = Handle::try_current().map_err(|_| {
            Error::Config("transactions must be started on a tokio runtime".to_owned())
        })?;
        let sqlite_query_only = read_only && entry.backend == Backend::Sqlite;
        let conn = entry.acquire().await?;
        // The transaction owns the connection *before* BEGIN is sent: if this future is dropped
        // mid-BEGIN, Drop rolls back instead of pooling a connection with an open transaction.
        let tx = Arc::new(Transaction {
            entry,
            status: AtomicU8::new(TxStatus::Active as u8),
            runtime,
            state: Mutex::new(TxState {
                conn: Some(conn),
                sqlite_query_only,
                ..TxState::default()
            }),
        });
        for sql in &statements {
            let mut guard = tx.lock_active().await?;
            let result = guard.conn().raw(sql).await;
            guard.finish(&result);
            if let Err(e) = result {
                drop(guard);
                // Best effort; rollback() discards the connection if it cannot clean up.
                let _ = tx.rollback().await;
                return Err(e);
            }
        }
        Ok(tx)
    }

    /// The alias this transaction runs on.
    #[must_use]
    pub fn alias(&self) -> &str {
        &self.entry.alias
    }

    /// The backend this transaction runs on.
    #[must_use]
    pub fn backend(&self) -> Backend {
        self.entry.backend
    }

    /// The pool entry this transaction runs on.
    #[must_use]
    pub fn entry(&self) -> &Arc<PoolEntry> {
        &self.entry
    }

    /// The current status (never blocks).
    #[must_use]
    pub fn status(&self) -> TxStatus {
        TxStatus::from_u8(self.status.load(Ordering::Acquire))
    }

    /// Whether statements can still run in this transaction (never blocks).
    #[must_use]
    pub fn is_active(&self) -> bool {
        self.status() == TxStatus::Active
    }

    fn set_status(&self, status: TxStatus) {
        self.status.store(status as u8, Ordering::Release);
    }

    /// Lock the transaction for one statement; fails unless it is active.
    pub(crate) async fn lock_active(&self) -> Result<TxGuard<'_>> {
        let state = self.state.lock().await;
        self.guard_active(state)
    }

    /// Like [`Self::lock_active`], without waiting: `None` while another statement holds the
    /// transaction's connection.
    pub(crate) fn try_lock_active(&self) -> Option<Result<TxGuard<'_>>> {
        self.state
            .try_lock()
            .ok()
            .map(|state| self.guard_active(state))
    }

    fn guard_active<'a>(&'a self, state: MutexGuard<'a, TxState>) -> Result<TxGuard<'a>> {
        match self.status() {
            TxStatus::Active => Ok(TxGuard {
                tx: self,
                state,
                done: false,
            }),
            TxStatus::Failed => Err(Error::Transaction(format!(
                "the transaction on alias '{}' can no longer be used ({}); roll it back",
                self.alias(),
                state.failure.as_deref().unwrap_or("it failed")
            ))),
            finished => Err(Error::Transaction(format!(
                "the transaction on alias '{}' was already {finished}",
                self.alias()
            ))),
        }
    }

    /// Commit. Committing twice is a no-op.
    ///
    /// On PostgreSQL, if a statement failed and no savepoint rollback recovered, the server
    /// would turn COMMIT into a rollback; this is reported as an error rather than a success.
    ///
    /// # Errors
    /// `Error::Transaction` when the transaction was rolled back or failed; the database error
    /// when COMMIT itself fails (deferred constraints, serialization failures), in which case the
    /// transaction is rolled back.
    pub async fn commit(&self) -> Result<()> {
        let mut guard = match self.lock_active().await {
            Ok(g) => g,
            Err(_) if self.status() == TxStatus::Committed => return Ok(()),
            Err(Error::Transaction(msg)) => {
                return Err(Error::Transaction(format!("cannot commit: {msg}")))
            }
            Err(e) => return Err(e),
        };
        if guard.state.pg_aborted {
            guard.finish_with(TxStatus::RolledBack, "ROLLBACK").await;
            return Err(Error::Transaction(
                "the transaction was rolled back, not committed: a statement in it failed and \
                 PostgreSQL aborts the whole transaction on error (roll back to a savepoint to \
                 recover from an expected error)"
                    .to_owned(),
            ));
        }
        match guard.conn().raw("COMMIT").await {
            Ok(()) => {
                guard.release(true).await;
                guard.close(TxStatus::Committed);
                Ok(())
            }
            Err(e) => {
                guard.finish_with(TxStatus::RolledBack, "ROLLBACK").await;
                Err(e)
            }
        }
    }

    /// Roll back and return the connection to the pool. Rolling back twice, or a failed
    /// transaction, is fine; if the ROLLBACK itself fails the connection is closed, which rolls
    /// back on the server just as well.
    ///
    /// # Errors
    /// `Error::Transaction` when the transaction was already committed.
    pub async fn rollback(&self) -> Result<()> {
        let mut state = self.state.lock().await;
        match self.status() {
            TxStatus::RolledBack => return Ok(()),
            TxStatus::Committed => {
                return Err(Error::Transaction(format!(
                    "cannot roll back: the transaction on alias '{}' was already committed",
                    self.alias()
                )))
            }
            TxStatus::Active | TxStatus::Failed => {}
        }
        // Mark Failed while ROLLBACK runs: if this future is dropped half-way, the status says
        // so and Drop finishes the job.
        self.set_status(TxStatus::Failed);
        state
            .failure
            .get_or_insert_with(|| "a rollback was interrupted".to_owned());
        let mut guard = TxGuard {
            tx: self,
            state,
            done: false,
        };
        guard.finish_with(TxStatus::RolledBack, "ROLLBACK").await;
        Ok(())
    }

    /// Create a savepoint.
    ///
    /// # Errors
    /// `Error::Transaction` for a bad name or a finished transaction; database errors.
    pub async fn savepoint(&self, name: &str) -> Result<()> {
        let quoted = self.quote_savepoint(name)?;
        let mut guard = self.lock_active().await?;
        let result = guard.conn().raw(&format!("SAVEPOINT {quoted}")).await;
        if result.is_ok() {
            guard.state.savepoints.push(name.to_owned());
        }
        guard.finish(&result);
        result
    }

    /// Roll back to a savepoint (which stays defined); later savepoints are forgotten.
    /// This also recovers a PostgreSQL transaction aborted by an error after the savepoint.
    ///
    /// # Errors
    /// `Error::Transaction` for an unknown savepoint or a finished transaction; database errors.
    pub async fn rollback_to(&self, name: &str) -> Result<()> {
        let quoted = self.quote_savepoint(name)?;
        let mut guard = self.lock_active().await?;
        let index = guard.savepoint_index(name)?;
        let result = guard
            .conn()
            .raw(&format!("ROLLBACK TO SAVEPOINT {quoted}"))
            .await;
        if result.is_ok() {
            guard.state.savepoints.truncate(index + 1);
            guard.state.pg_aborted = false;
        }
        guard.finish(&result);
        result
    }

    /// Release a savepoint (and every later one), keeping their work in the transaction.
    ///
    /// # Errors
    /// `Error::Transaction` for an unknown savepoint or a finished transaction; database errors.
    pub async fn release_savepoint(&self, name: &str) -> Result<()> {
        let quoted = self.quote_savepoint(name)?;
        let mut guard = self.lock_active().await?;
        let index = guard.savepoint_index(name)?;
        let result = guard
            .conn()
            .raw(&format!("RELEASE SAVEPOINT {quoted}"))
            .await;
        if result.is_ok() {
            guard.state.savepoints.truncate(index);
        }
        guard.finish(&result);
        result
    }

    /// Validate a savepoint name and quote it for this backend. Names are never formatted into
    /// SQL unchecked.
    fn quote_savepoint(&self, name: &str) -> Result<String> {
        let mut chars = name.chars();
        let valid = name.len() <= 63
            && chars
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid {
            return Err(Error::Transaction(format!(
                "invalid savepoint name '{name}': use 1-63 ASCII letters, digits and \
                 underscores, not starting with a digit"
            )));
        }
        Ok(match self.backend() {
            Backend::MySql => format!("`{name}`"),
            Backend::Postgres | Backend::Sqlite => format!("\"{name}\""),
        })
    }
}

/// The statements that open a transaction.
fn begin_sql(
    entry: &PoolEntry,
    isolation: Option<IsolationLevel>,
    read_only: bool,
) -> Result<Vec<String>> {
    // No explicit READ WRITE: it is refused on read replicas (hot standby), where plain
    // transactions are fine for reading.
    let mut modes = Vec::with_capacity(2);
    if let Some(level) = isolation.filter(|_| entry.backend == Backend::Postgres) {
        modes.push(format!("ISOLATION LEVEL {}", level.sql()));
    }
    if read_only {
        modes.push("READ ONLY".to_owned());
    }
    let with_modes = |keyword: &str| {
        if modes.is_empty() {
            keyword.to_owned()
        } else {
            format!("{keyword} {}", modes.join(", "))
        }
    };
    Ok(match entry.backend {
        Backend::Postgres => vec![with_modes("BEGIN")],
        Backend::MySql => {
            let mut sql = Vec::with_capacity(2);
            if let Some(level) = isolation {
                // Applies to the next transaction only.
                sql.push(format!("SET TRANSACTION ISOLATION LEVEL {}", level.sql()));
            }
            sql.push(with_modes("START TRANSACTION"));
            sql
        }
        Backend::Sqlite => {
            if let Some(level) = isolation.filter(|l| *l != IsolationLevel::Serializable) {
                return Err(Error::NotSupported {
                    feature: format!(
                        "isolation level {} (SQLite transactions are always serializable)",
                        level.sql()
                    ),
                    backend: Backend::Sqlite.name().to_owned(),
                });
            }
            if read_only {
                vec![
                    "PRAGMA query_only = ON".to_owned(),
                    "BEGIN DEFERRED".to_owned(),
                ]
            } else if entry.options.sqlite_immediate_transactions {
                vec!["BEGIN IMMEDIATE".to_owned()]
            } else {
                vec!["BEGIN DEFERRED".to_owned()]
            }
        }
    })
}

/// Exclusive use of an active transaction's connection for one operation.
///
/// If the operation's future is dropped before [`TxGuard::finish`] (a cancelled statement), the
/// guard marks the transaction `Failed`: the statement may or may not have run, so the only
/// safe continuation is a rollback.
pub(crate) struct TxGuard<'a> {
    tx: &'a Transaction,
    state: MutexGuard<'a, TxState>,
    done: bool,
}

impl TxGuard<'_> {
    /// The connection (present while the transaction is active).
    pub(crate) fn conn(&mut self) -> &mut Conn {
        self.state
            .conn
            .as_mut()
            .expect("an active transaction always holds its connection")
    }

    /// The backend of the transaction.
    pub(crate) fn backend(&self) -> Backend {
        self.tx.backend()
    }

    /// Whether the statement cache is used on this connection.
    pub(crate) fn persistent(&self) -> bool {
        self.tx.entry.options.persistent()
    }

    /// Record how the operation ended.
    pub(crate) fn finish<T>(&mut self, result: &Result<T>) {
        self.done = true;
        let Err(err) = result else { return };
        let backend = self.tx.backend();
        if err.is_connection_loss() {
            self.fail(format!("its connection was lost: {err}"));
        } else if let Error::Database { kind, sqlstate, .. } = err {
            match backend {
                Backend::Postgres => self.state.pg_aborted = true,
                // A MySQL deadlock rolls back the whole transaction on the server; the session
                // would carry on in autocommit mode, so stop here.
                Backend::MySql if sqlstate.as_deref() == Some("40001") => {
                    self.fail(format!("the server rolled it back: {err}"));
                }
                // These SQLite errors roll the transaction back automatically.
                Backend::Sqlite
                    if *kind == DbErrorKind::Operational
                        && sqlstate
                            .as_deref()
                            .and_then(|c| c.parse::<i32>().ok())
                            .is_some_and(|c| matches!(c & 0xff, 7 | 9 | 10 | 13)) =>
                {
                    self.fail(format!("SQLite rolled it back: {err}"));
                }
                _ => {}
            }
        }
    }

    fn fail(&mut self, why: String) {
        self.state.failure = Some(why);
        self.tx.set_status(TxStatus::Failed);
    }

    /// The stack index of the most recent savepoint called `name`.
    fn savepoint_index(&mut self, name: &str) -> Result<usize> {
        let found = self.state.savepoints.iter().rposition(|s| s == name);
        found.ok_or_else(|| {
            self.done = true;
            let known = &self.state.savepoints;
            Error::Transaction(if known.is_empty() {
                format!("unknown savepoint '{name}': the transaction has no savepoints")
            } else {
                format!(
                    "unknown savepoint '{name}'; active savepoints: {}",
                    known.join(", ")
                )
            })
        })
    }

    /// Run the final statement (ROLLBACK), release the connection and set the final status.
    async fn finish_with(&mut self, status: TxStatus, sql: &str) {
        if self.state.close_instead_of_rollback() {
            if let Some(mut conn) = self.state.conn.take() {
                conn.close_on_drop();
            }
        } else {
            let ok = self.conn().raw(sql).await.is_ok();
            self.release(ok).await;
        }
        self.close(status);
    }

    /// Give the connection back: to the pool when it is clean, closed otherwise.
    async fn release(&mut self, clean: bool) {
        let query_only = self.state.sqlite_query_only;
        if let Some(conn) = self.state.conn.take() {
            release_conn(conn, clean, query_only).await;
        }
    }

    fn close(&mut self, status: TxStatus) {
        self.done = true;
        self.state.savepoints.clear();
        self.tx.set_status(status);
    }
}

impl Drop for TxGuard<'_> {
    fn drop(&mut self) {
        if !self.done && self.state.conn.is_some() {
            self.state.interrupted = true;
            self.state.failure = Some(
                "a statement was cancelled before it finished, so its effect is unknown".to_owned(),
            );
            self.tx.set_status(TxStatus::Failed);
        }
    }
}

impl Drop for Transaction {
    fn drop(&mut self) {
        let state = self.state.get_mut();
        let close = state.close_instead_of_rollback();
        let query_only = state.sqlite_query_only;
        let Some(mut conn) = state.conn.take() else {
            return;
        };
        // Still holding a connection means commit/rollback never completed: roll back on the
        // runtime (entered, so sqlx can spawn its own clean-up even from a foreign thread).
        let _entered = self.runtime.enter();
        if close {
            conn.close_on_drop();
            drop(conn);
        } else {
            self.runtime.spawn(rollback_detached(conn, query_only));
        }
    }
}

async fn rollback_detached(mut conn: Conn, query_only: bool) {
    let clean = conn.raw("ROLLBACK").await.is_ok();
    release_conn(conn, clean, query_only).await;
}

/// Return a finished transaction's connection to the pool, or close it when its state is
/// unknown (`clean == false`).
///
/// SQLite connections are never closed here: a failed ROLLBACK there just means SQLite already
/// rolled back by itself, and closing the last connection of a shared in-memory database would
/// destroy the database.
async fn release_conn(mut conn: Conn, clean: bool, query_only: bool) {
    let mut clean = clean;
    if query_only {
        clean &= conn.raw("PRAGMA query_only = OFF").await.is_ok();
    }
    if !clean && !matches!(conn, Conn::Sqlite(_)) {
        conn.close_on_drop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn isolation_names() {
        for (text, level) in [
            ("read uncommitted", IsolationLevel::ReadUncommitted),
            ("read_committed", IsolationLevel::ReadCommitted),
            ("REPEATABLE-READ", IsolationLevel::RepeatableRead),
            (" Serializable ", IsolationLevel::Serializable),
        ] {
            assert_eq!(text.parse::<IsolationLevel>().unwrap(), level);
        }
        assert!("snapshot".parse::<IsolationLevel>().is_err());
    }
}
