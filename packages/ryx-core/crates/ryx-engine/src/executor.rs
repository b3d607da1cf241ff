//! Runs statements on an alias's pool or inside a transaction: fetch, execute, atomic batches and
//! backpressured streams.

use std::sync::Arc;

use ryx_query::Value;
use tokio::sync::mpsc;

use crate::conn::{is_stale_plan, Conn, Outcome, StreamEnd};
use crate::decode::Hints;
use crate::error::{Error, Result};
use crate::options::Backend;
use crate::pool::{self, PoolEntry};
use crate::sqlite_lane::LaneOutcome;
use crate::transaction::{Transaction, TxGuard};

/// Where a statement runs.
#[derive(Debug, Clone)]
pub enum Target {
    /// A fresh connection from this alias's pool, returned right after the statement.
    Pool(Arc<PoolEntry>),
    /// The connection of this open transaction.
    Tx(Arc<Transaction>),
}

impl Target {
    /// Pick where to run: the transaction when one is given, else the alias's pool (the
    /// default alias when `None`).
    ///
    /// # Errors
    /// `Error::Transaction` when `tx` belongs to another alias than an explicitly given one;
    /// `Error::PoolNotInitialized` for an unknown alias.
    pub fn resolve(alias: Option<&str>, tx: Option<Arc<Transaction>>) -> Result<Target> {
        match (alias, tx) {
            (Some(alias), Some(tx)) if tx.alias() != alias => Err(Error::Transaction(format!(
                "the open transaction runs on alias '{}', not on '{alias}': run the query \
                 outside the transaction or on its alias",
                tx.alias()
            ))),
            (_, Some(tx)) => Ok(Target::Tx(tx)),
            (alias, None) => pool::get(alias).map(Target::Pool),
        }
    }

    /// The alias the statement runs on.
    #[must_use]
    pub fn alias(&self) -> &str {
        match self {
            Target::Pool(entry) => &entry.alias,
            Target::Tx(tx) => tx.alias(),
        }
    }

    /// The backend the statement runs on.
    #[must_use]
    pub fn backend(&self) -> Backend {
        self.entry().backend
    }

    /// The pool entry behind the target.
    #[must_use]
    pub fn entry(&self) -> &Arc<PoolEntry> {
        match self {
            Target::Pool(entry) => entry,
            Target::Tx(tx) => tx.entry(),
        }
    }
}

/// Decoded result rows. Every row has one value per column.
#[derive(Debug, Clone, PartialEq)]
pub struct Rows {
    /// Column names, shared by all rows (and all chunks of a stream). Empty when the statement
    /// returned no rows.
    pub columns: Arc<[String]>,
    /// The rows.
    pub rows: Vec<Vec<Value>>,
}

impl Default for Rows {
    fn default() -> Self {
        Self {
            columns: Arc::from(Vec::new()),
            rows: Vec::new(),
        }
    }
}

/// What a statement did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExecResult {
    /// Rows inserted, updated or deleted (as the server counts them).
    pub rows_affected: u64,
    /// The generated id: MySQL's `LAST_INSERT_ID()` (the *first* id of a multi-row insert) or
    /// SQLite's `last_insert_rowid()` (the *last* one; only meaningful right after an INSERT).
    /// Always `None` on PostgreSQL: use `RETURNING`.
    pub last_insert_id: Option<i64>,
}

/// A connection borrowed for one operation: a pooled one, or the transaction's (locked).
enum Lease<'a> {
    Pooled {
        conn: Conn,
        persistent: bool,
        done: bool,
    },
    Tx(TxGuard<'a>),
}

impl Drop for Lease<'_> {
    fn drop(&mut self) {
        // Dropped before `finish`: the statement's future was cancelled mid-protocol. Do not
        // hand a PostgreSQL/MySQL connection in that state to the next user. (SQLite's worker
        // thread finishes the command on its own; closing could also destroy a shared
        // in-memory database.)
        if let Lease::Pooled {
            conn, done: false, ..
        } = self
        {
            if !matches!(conn, Conn::Sqlite(_)) {
                conn.close_on_drop();
            }
        }
    }
}

impl Lease<'_> {
    /// Check out a connection from the target, serialised with the transaction's other
    /// statements when there is one.
    async fn of(target: &Target) -> Result<Lease<'_>> {
        Ok(match target {
            Target::Pool(entry) => Lease::Pooled {
                conn: entry.acquire().await?,
                persistent: entry.options.persistent(),
                done: false,
            },
            Target::Tx(tx) => Lease::Tx(tx.lock_active().await?),
        })
    }

    /// A SQLite connection that is free right now, or `None` (another backend, or the pool or the
    /// transaction would make the caller wait).
    fn try_sqlite(target: &Target) -> Option<Result<Lease<'_>>> {
        match target {
            Target::Pool(entry) => entry.try_acquire_sqlite().map(|conn| {
                Ok(Lease::Pooled {
                    conn,
                    persistent: entry.options.persistent(),
                    done: false,
                })
            }),
            Target::Tx(tx) if tx.backend() == crate::Backend::Sqlite => {
                tx.try_lock_active().map(|guard| guard.map(Lease::Tx))
            }
            Target::Tx(_) => None,
        }
    }

    fn conn(&mut self) -> &mut Conn {
        match self {
            Lease::Pooled { conn, .. } => conn,
            Lease::Tx(guard) => guard.conn(),
        }
    }

    fn persistent(&self) -> bool {
        match self {
            Lease::Pooled { persistent, .. } => *persistent,
            Lease::Tx(guard) => guard.persistent(),
        }
    }

    /// Whether to run the statement again: a stale cached plan (whose cache was just cleared)
    /// on a pooled connection. Inside a transaction the failure has already aborted it on
    /// PostgreSQL, so it is reported instead.
    fn retry<T>(&self, result: &Result<T>) -> bool {
        matches!(self, Lease::Pooled { .. }) && result.as_ref().is_err_and(is_stale_plan)
    }

    /// Record that the operation ran to completion, and its outcome (a transaction tracks
    /// failures that poison it).
    fn finish<T>(&mut self, result: &Result<T>) {
        match self {
            Lease::Pooled { done, .. } => *done = true,
            Lease::Tx(guard) => guard.finish(result),
        }
    }
}

/// Run a query and return all its rows, decoded by column type and `hints` (by position;
/// missing hints are `Auto`).
///
/// # Errors
/// Pool, database, encode and decode errors; `Error::Transaction` when the target transaction is
/// not active.
pub async fn fetch_all(
    target: &Target,
    sql: &str,
    params: Vec<Value>,
    hints: &Hints,
) -> Result<Rows> {
    if is_now_only() {
        return fetch_now(target, sql, &params, hints, None)
            .await
            .unwrap_or(Err(Error::Deferred));
    }
    let mut lease = Lease::of(target).await?;
    let persistent = lease.persistent();
    let mut result = lease.conn().fetch(sql, &params, hints, persistent).await;
    if lease.retry(&result) {
        result = lease.conn().fetch(sql, &params, hints, persistent).await;
    }
    lease.finish(&result);
    result.map(|out| out.rows)
}

/// Run a read-only SQLite query to completion on the calling thread, if that needs no waiting:
/// a free connection (or the transaction's, not in use), a statement that only reads, no lock held
/// by a writer, and at most [`NOW_BUDGET`] of work. `None` means "not now": nothing ran, and the
/// caller runs the statement the usual way.
///
/// This lets an async caller answer a small SQLite read without the thread hops of a spawned task
/// (the event loop is blocked for the few microseconds the statement takes, never for a wait).
/// `max_rows` stops after that many rows (`Some(1)` for a first-row fetch).
pub async fn fetch_now(
    target: &Target,
    sql: &str,
    params: &[Value],
    hints: &Hints,
    max_rows: Option<usize>,
) -> Option<Result<Rows>> {
    if let Target::Pool(entry) = target {
        if let Some(lane) = &entry.sqlite_lane {
            match lane.fetch_now(sql, params, hints, max_rows) {
                LaneOutcome::Done(result) => return Some(result.map(|out| out.rows)),
                // A pooled connection would refuse it too, after two round trips to its worker.
                LaneOutcome::NotNow => return None,
                LaneOutcome::Busy => {}
            }
        }
    }
    let mut lease = match Lease::try_sqlite(target)? {
        Ok(lease) => lease,
        Err(e) => return Some(Err(e)),
    };
    let busy_timeout = match target {
        Target::Pool(entry) => entry.options.sqlite_busy_timeout,
        Target::Tx(tx) => tx.entry().options.sqlite_busy_timeout,
    };
    let Conn::Sqlite(conn) = lease.conn() else {
        return None;
    };
    let result =
        crate::sqlite_direct::fetch_now(conn, sql, params, hints, max_rows, busy_timeout).await;
    if let Lease::Pooled {
        conn: Conn::Sqlite(c),
        ..
    } = &mut lease
    {
        // Back in the pool before returning: dropping it would hand it back from a spawned task
        // (after sqlx's release ping), so the caller's next read could find no idle connection.
        c.return_to_pool().await;
    }
    match result {
        // `None`: nothing happened (not read-only, busy, or an interrupted read).
        Ok(out) => {
            lease.finish(&Ok::<(), Error>(()));
            out.map(|out| Ok(out.rows))
        }
        Err(e) => {
            let failed: Result<()> = Err(e);
            lease.finish(&failed);
            failed.err().map(Err)
        }
    }
}

thread_local! {
    static NOW_ONLY: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

fn is_now_only() -> bool {
    NOW_ONLY.with(std::cell::Cell::get)
}

/// Run `f` (typically `block_on` of one `fetch_all`/`fetch_optional` future on this thread) in
/// "now only" mode: those calls answer through [`fetch_now`] or fail with [`Error::Deferred`]
/// without running anything, so the caller can fall back to a spawned task.
pub fn now_only<T>(f: impl FnOnce() -> T) -> T {
    struct Reset(bool);
    impl Drop for Reset {
        fn drop(&mut self) {
            NOW_ONLY.with(|c| c.set(self.0));
        }
    }
    let _reset = Reset(NOW_ONLY.with(|c| c.replace(true)));
    f()
}

/// How long [`fetch_now`] may block its caller before handing the statement back.
pub const NOW_BUDGET: std::time::Duration = std::time::Duration::from_millis(2);

/// Run a query and return its first row, if any; the rest of the result is not read (on
/// PostgreSQL the server stops after one row). The column names are empty when there is no row.
///
/// # Errors
/// As [`fetch_all`].
pub async fn fetch_optional(
    target: &Target,
    sql: &str,
    params: Vec<Value>,
    hints: &Hints,
) -> Result<(Arc<[String]>, Option<Vec<Value>>)> {
    if is_now_only() {
        let rows = fetch_now(target, sql, &params, hints, Some(1))
            .await
            .unwrap_or(Err(Error::Deferred))?;
        return Ok((rows.columns, rows.rows.into_iter().next()));
    }
    let mut lease = Lease::of(target).await?;
    let persistent = lease.persistent();
    let mut result = lease
        .conn()
        .fetch_first(sql, &params, hints, persistent)
        .await;
    if lease.retry(&result) {
        result = lease
            .conn()
            .fetch_first(sql, &params, hints, persistent)
            .await;
    }
    lease.finish(&result);
    result.map(|rows| (rows.columns, rows.rows.into_iter().next()))
}

/// Run a statement for its effect.
///
/// # Errors
/// As [`fetch_all`].
pub async fn execute(target: &Target, sql: &str, params: Vec<Value>) -> Result<ExecResult> {
    let mut lease = Lease::of(target).await?;
    let persistent = lease.persistent();
    let mut result = lease.conn().execute(sql, &params, persistent).await;
    if lease.retry(&result) {
        result = lease.conn().execute(sql, &params, persistent).await;
    }
    lease.finish(&result);
    result
}

/// Run a script of one or more `;`-separated statements without parameters (DDL, migration
/// `RunSQL`) through the simple-query protocol, on the pool or inside the transaction.
///
/// Nothing is prepared or cached. On MySQL each statement of the script commits implicitly if it
/// is DDL, as MySQL always does.
///
/// # Errors
/// As [`execute`]; statements before a failing one have run (wrap the call in a transaction
/// where the backend supports transactional DDL).
pub async fn execute_script(target: &Target, sql: &str) -> Result<()> {
    let mut lease = Lease::of(target).await?;
    let result = lease.conn().raw(sql).await;
    lease.finish(&result);
    result
}

/// Run several statements atomically: inside the target transaction (wrapped in a savepoint, so
/// a failure undoes all of them and leaves the transaction usable), or in a transaction of
/// their own on one pooled connection (a single statement, atomic by itself, runs without one).
/// This is how chunked bulk inserts and updates run.
///
/// With `fetch`, the rows every statement returns (e.g. `RETURNING`) are concatenated. Returns
/// the total rows affected, the rows, and one [`ExecResult`] per statement (on MySQL, each
/// batch's `last_insert_id`).
///
/// # Errors
/// The first failing statement's error; nothing of the batches is kept.
pub async fn execute_batches(
    target: &Target,
    batches: Vec<(String, Vec<Value>)>,
    fetch: bool,
    hints: &Hints,
) -> Result<(u64, Rows, Vec<ExecResult>)> {
    match target {
        Target::Tx(tx) => {
            let mut guard = tx.lock_active().await?;
            let (result, recovered) = batches_in_savepoint(&mut guard, batches, fetch, hints).await;
            if recovered {
                // The savepoint undid the failure: the transaction is healthy (on PostgreSQL,
                // no longer aborted), even though the batches failed.
                guard.finish(&Ok::<(), Error>(()));
            } else {
                guard.finish(&result);
            }
            result
        }
        Target::Pool(_) if batches.len() <= 1 => {
            // A single statement is atomic by itself: BEGIN and COMMIT would only add round trips.
            let mut lease = Lease::of(target).await?;
            let persistent = lease.persistent();
            let result = run_batches(lease.conn(), persistent, batches, fetch, hints).await;
            lease.finish(&result);
            result
        }
        Target::Pool(entry) => {
            // An own transaction; if this future is dropped half-way, the transaction's Drop
            // rolls back.
            let tx = Transaction::begin_on(entry.clone(), None, false).await?;
            let result = {
                let mut guard = tx.lock_active().await?;
                let persistent = guard.persistent();
                let result = run_batches(guard.conn(), persistent, batches, fetch, hints).await;
                guard.finish(&result);
                result
            };
            match result {
                Ok(out) => {
                    tx.commit().await?;
                    Ok(out)
                }
                Err(e) => {
                    tx.rollback().await?;
                    Err(e)
                }
            }
        }
    }
}

const BATCH_SAVEPOINT: &str = "ryx_batches";

/// Total rows affected, the concatenated returned rows, and one result per statement.
type BatchOutput = (u64, Rows, Vec<ExecResult>);

/// Run the batches inside a savepoint of the open transaction. Also returns whether a failure
/// was undone by rolling back to the savepoint.
async fn batches_in_savepoint(
    guard: &mut TxGuard<'_>,
    batches: Vec<(String, Vec<Value>)>,
    fetch: bool,
    hints: &Hints,
) -> (Result<BatchOutput>, bool) {
    // A single statement is atomic by itself.
    if batches.len() <= 1 {
        let persistent = guard.persistent();
        return (
            run_batches(guard.conn(), persistent, batches, fetch, hints).await,
            false,
        );
    }
    let name = match guard.backend() {
        Backend::MySql => format!("`{BATCH_SAVEPOINT}`"),
        Backend::Postgres | Backend::Sqlite => format!("\"{BATCH_SAVEPOINT}\""),
    };
    if let Err(e) = guard.conn().raw(&format!("SAVEPOINT {name}")).await {
        return (Err(e), false);
    }
    let persistent = guard.persistent();
    match run_batches(guard.conn(), persistent, batches, fetch, hints).await {
        Ok(out) => {
            let released = guard.conn().raw(&format!("RELEASE SAVEPOINT {name}")).await;
            (released.map(|()| out), false)
        }
        Err(e) => {
            let undo = guard
                .conn()
                .raw(&format!("ROLLBACK TO SAVEPOINT {name}"))
                .await;
            let release = guard.conn().raw(&format!("RELEASE SAVEPOINT {name}")).await;
            (Err(e), undo.is_ok() && release.is_ok())
        }
    }
}

async fn run_batches(
    conn: &mut Conn,
    persistent: bool,
    batches: Vec<(String, Vec<Value>)>,
    fetch: bool,
    hints: &Hints,
) -> Result<BatchOutput> {
    let mut total = 0;
    let mut rows = Rows::default();
    let mut results = Vec::with_capacity(batches.len());
    let mut done = 0;
    if let Conn::Sqlite(c) = conn {
        // One lock of the handle for all the statements, each distinct text prepared once.
        let no_hints = Hints::default();
        let direct =
            crate::sqlite_direct::fetch_many(c, &batches, if fetch { hints } else { &no_hints });
        for Outcome { rows: got, result } in direct.await? {
            if fetch {
                if rows.rows.is_empty() {
                    rows.columns = got.columns;
                }
                rows.rows.extend(got.rows);
            }
            total += result.rows_affected;
            results.push(result);
            done += 1;
        }
    }
    for (sql, params) in batches.into_iter().skip(done) {
        let result = if fetch {
            let Outcome { rows: got, result } =
                conn.fetch(&sql, &params, hints, persistent).await?;
            if rows.rows.is_empty() {
                rows.columns = got.columns;
            }
            rows.rows.extend(got.rows);
            result
        } else {
            conn.execute(&sql, &params, persistent).await?
        };
        total += result.rows_affected;
        results.push(result);
    }
    Ok((total, rows, results))
}

/// Stream a query's rows in chunks of `chunk_size` through a bounded channel.
///
/// A spawned task holds the connection (or the transaction, whose other statements wait) and
/// reads rows only as fast as the receiver takes chunks. Dropping the receiver stops the task
/// and frees the connection; a pooled PostgreSQL/MySQL connection abandoned mid-result is
/// closed rather than drained. Must be called within a tokio runtime.
///
/// # Errors
/// Not returned but sent: pool, database, encode and decode errors arrive as the channel's last
/// message, after any chunks already produced.
#[must_use]
pub fn stream(
    target: Target,
    sql: String,
    params: Vec<Value>,
    hints: Hints,
    chunk_size: usize,
) -> mpsc::Receiver<Result<Rows>> {
    let (sender, receiver) = mpsc::channel(2);
    tokio::spawn(async move {
        let result = async {
            let mut lease = Lease::of(&target).await?;
            let persistent = lease.persistent();
            let end = lease
                .conn()
                .stream(&sql, &params, &hints, persistent, chunk_size, &sender)
                .await;
            lease.finish(&end);
            if let (Ok(StreamEnd::Abandoned), Lease::Pooled { conn, .. }) = (&end, &mut lease) {
                if !matches!(conn, Conn::Sqlite(_)) {
                    // Unread rows would have to be drained before the connection could be
                    // reused; for a large result, reconnecting is cheaper.
                    conn.close_on_drop();
                }
            }
            end
        }
        .await;
        if let Err(e) = result {
            // The receiver may be gone already; nobody is left to tell then.
            let _ = sender.send(Err(e)).await;
        }
    });
    receiver
}
