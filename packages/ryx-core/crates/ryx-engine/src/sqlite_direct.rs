//! SQLite statements run directly on the connection's `sqlite3*` while sqlx's worker is parked.
//!
//! sqlx's SQLite driver executes on a worker thread and hands every row to the async side through a
//! channel: about a microsecond per row before any column is read, the main cost of a large fetch.
//! Here the connection is locked once (`lock_handle`: one round trip to the worker), the statement
//! is prepared, bound, stepped and decoded on the calling thread, and the lock is released. The
//! row path never awaits, so a cancelled caller cannot leave the statement half-read.
//!
//! Running on the calling thread blocks a tokio worker and cannot be cancelled, so a read-only
//! statement gets a budget ([`INLINE_BUDGET`]): past it, SQLite interrupts it (a progress handler)
//! and the caller re-runs it through sqlx, where a long query neither blocks the runtime nor
//! ignores cancellation. Writes are never interrupted (SQLite would roll back an explicit
//! transaction), so they always finish here.
//!
//! This is the only module with `unsafe`: thin calls into the SQLite C API, each with its reason.
#![allow(unsafe_code)]

use std::borrow::Cow;
use std::ffi::{c_int, c_void, CStr};
use std::ptr::{self, NonNull};
use std::sync::Arc;
use std::time::{Duration, Instant};

use libsqlite3_sys as ffi;
use ryx_query::Value;
use sqlx::sqlite::SqliteConnection;

use crate::conn::Outcome;
use crate::db_error::sqlite_error;
use crate::decode::sqlite::{by_declared_type, Declared};
use crate::decode::{apply_hint, DecodeHint, Hints};
use crate::encode::{sqlite_param, SqliteParam};
use crate::error::{Error, Result};
use crate::executor::ExecResult;

/// How long a read-only statement may run on the calling thread before it is handed to sqlx.
const INLINE_BUDGET: Duration = Duration::from_millis(10);

/// SQLite calls the progress handler every this many virtual-machine instructions.
const PROGRESS_INTERVAL: c_int = 4096;

/// Run one statement and collect up to `max_rows` rows (all when `None`) with the affected-row count.
///
/// Returns `Ok(None)` when the caller should take sqlx's path instead: the SQL holds more than one
/// statement (sqlx runs them all), or a read-only statement outran [`INLINE_BUDGET`].
pub(crate) async fn fetch(
    conn: &mut SqliteConnection,
    sql: &str,
    params: &[Value],
    hints: &Hints,
    max_rows: Option<usize>,
) -> Result<Option<Outcome>> {
    let mut handle = conn.lock_handle().await?;
    let db = handle.as_raw_handle();
    // The handle (and so exclusive use of `db`) is held until the end of this synchronous call.
    run(db, sql, params, hints, max_rows, Mode::Any)
}

/// Run statements in order under one lock of the handle, preparing each SQL text once for a run of
/// statements that share it: a bulk insert's full batches have the same text, and preparing a
/// multi-row VALUES statement costs about as much as running it.
///
/// Returns the outcomes of the statements that ran here, which are the first ones; the caller runs
/// the rest through sqlx (a text of several statements, or a read past [`INLINE_BUDGET`], which
/// changed nothing).
pub(crate) async fn fetch_many(
    conn: &mut SqliteConnection,
    statements: &[(String, Vec<Value>)],
    hints: &Hints,
) -> Result<Vec<Outcome>> {
    let mut handle = conn.lock_handle().await?;
    let db = handle.as_raw_handle();
    let mut outcomes = Vec::with_capacity(statements.len());
    let mut prepared: Option<(&str, Statement)> = None;
    for (sql, params) in statements {
        if prepared
            .as_ref()
            .is_none_or(|(text, _)| *text != sql.as_str())
        {
            // The previous statement is finalized before the next is prepared.
            drop(prepared.take());
            match Statement::prepare(db, sql)? {
                Some(stmt) => prepared = Some((sql.as_str(), stmt)),
                None => break,
            }
        }
        let Some((_, stmt)) = &prepared else { break };
        match execute(stmt, params, hints, None, Mode::Any)? {
            Some(outcome) => outcomes.push(outcome),
            None => break,
        }
    }
    Ok(outcomes)
}

/// Like [`fetch`] for [`crate::executor::fetch_now`]: only a read-only statement runs, a lock held
/// by a writer is not waited for, and the budget is [`crate::executor::NOW_BUDGET`]. `Ok(None)`
/// means nothing ran (or an interrupted read, which changed nothing).
pub(crate) async fn fetch_now(
    conn: &mut SqliteConnection,
    sql: &str,
    params: &[Value],
    hints: &Hints,
    max_rows: Option<usize>,
    busy_timeout: Duration,
) -> Result<Option<Outcome>> {
    let mut handle = conn.lock_handle().await?;
    let db = handle.as_raw_handle();
    let _no_wait = NoBusyWait::start(db, busy_timeout);
    run(db, sql, params, hints, max_rows, Mode::ReadNow)
}

/// Which statements run here, and for how long.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Anything; reads within [`INLINE_BUDGET`].
    Any,
    /// Reads only, within [`crate::executor::NOW_BUDGET`], never waiting for a lock.
    ReadNow,
}

fn run(
    db: NonNull<ffi::sqlite3>,
    sql: &str,
    params: &[Value],
    hints: &Hints,
    max_rows: Option<usize>,
    mode: Mode,
) -> Result<Option<Outcome>> {
    let Some(stmt) = Statement::prepare(db, sql)? else {
        return Ok(None);
    };
    execute(&stmt, params, hints, max_rows, mode)
}

/// Bind, step and decode a prepared statement, leaving it reset for its next use. `Ok(None)` as
/// for [`fetch`]: a statement that may not run in `mode`, or a read that gave up.
pub(crate) fn execute(
    stmt: &Statement,
    params: &[Value],
    hints: &Hints,
    max_rows: Option<usize>,
    mode: Mode,
) -> Result<Option<Outcome>> {
    let readonly = stmt.readonly();
    if mode == Mode::ReadNow && !readonly {
        return Ok(None);
    }
    let _reset = Reset(stmt);
    stmt.bind_all(params)?;
    let budget = match mode {
        Mode::Any => INLINE_BUDGET,
        Mode::ReadNow => crate::executor::NOW_BUDGET,
    };
    let _budget = readonly.then(|| Budget::start(stmt.db, budget));
    let mut out = Outcome::default();
    // Read after the first step: a cached statement that SQLite re-prepared for a changed schema
    // may have other columns than when it was first prepared.
    let mut shape: Option<Shape> = None;
    loop {
        if max_rows.is_some_and(|max| out.rows.rows.len() >= max) {
            break;
        }
        match stmt.step() {
            Ok(true) => {}
            Ok(false) => break,
            Err(_) if readonly && gave_up(stmt.db, mode) => return Ok(None),
            Err(e) => return Err(e),
        }
        let shape = shape.get_or_insert_with(|| Shape::of(stmt, hints));
        let mut row = Vec::with_capacity(shape.columns.len());
        for (i, decl) in shape.declared.iter().enumerate() {
            let hint = shape.hints.get(i).copied().unwrap_or(DecodeHint::Auto);
            let value = stmt
                .value(i)
                .and_then(|v| match v {
                    Value::Null => Ok(Value::Null),
                    v => by_declared_type(v, *decl),
                })
                .and_then(|v| apply_hint(v, hint))
                .map_err(|message| Error::Decode {
                    column: shape.columns[i].clone(),
                    message,
                })?;
            row.push(value);
        }
        out.rows.rows.push(row);
    }
    if let Some(shape) = shape {
        out.rows.columns = shape.columns;
    }
    if !readonly {
        out.result = stmt.exec_result();
        let returned = u64::try_from(out.rows.rows.len()).unwrap_or(u64::MAX);
        out.result.rows_affected = out.result.rows_affected.max(returned);
    }
    Ok(Some(out))
}

/// The columns of a result with their decoding hints and declared types.
struct Shape<'h> {
    columns: Arc<[String]>,
    hints: Cow<'h, [DecodeHint]>,
    declared: Vec<Declared>,
}

impl<'h> Shape<'h> {
    fn of(stmt: &Statement, hints: &'h Hints) -> Self {
        let columns = stmt.column_names();
        let hints = hints.resolve(columns.iter());
        let declared = (0..columns.len()).map(|i| stmt.declared(i)).collect();
        Self {
            columns,
            hints,
            declared,
        }
    }
}

/// Resets its statement when dropped: a statement left on a row keeps its read transaction (and
/// lock) open, and a cached one must start clean next time.
struct Reset<'a>(&'a Statement);

impl Drop for Reset<'_> {
    fn drop(&mut self) {
        // SAFETY: a valid prepared statement, used by this thread only. The return code repeats
        // the last step's error, which was already reported.
        unsafe {
            ffi::sqlite3_reset(self.0.ptr());
            ffi::sqlite3_clear_bindings(self.0.ptr());
        }
    }
}

/// While alive, a locked database fails at once (SQLITE_BUSY) instead of waiting the connection's
/// busy timeout; dropping it restores that timeout (the pool's `sqlite_busy_timeout`).
struct NoBusyWait {
    db: NonNull<ffi::sqlite3>,
    restore_ms: c_int,
}

impl NoBusyWait {
    fn start(db: NonNull<ffi::sqlite3>, restore: Duration) -> Self {
        let restore_ms = c_int::try_from(restore.as_millis()).unwrap_or(c_int::MAX);
        // SAFETY: an open connection held exclusively.
        unsafe {
            ffi::sqlite3_busy_timeout(db.as_ptr(), 0);
        }
        Self { db, restore_ms }
    }
}

impl Drop for NoBusyWait {
    fn drop(&mut self) {
        // SAFETY: an open connection held exclusively; reinstalls the connection's own timeout.
        unsafe {
            ffi::sqlite3_busy_timeout(self.db.as_ptr(), self.restore_ms);
        }
    }
}

/// Whether the failed step was this module giving up on a read: interrupted past its budget, or
/// (in [`Mode::ReadNow`]) a lock held by a writer.
fn gave_up(db: NonNull<ffi::sqlite3>, mode: Mode) -> bool {
    primary_errcode(db) == ffi::SQLITE_INTERRUPT || (mode == Mode::ReadNow && contended(db))
}

/// Whether the connection's last error is another connection's lock: a busy database, or a table
/// locked in a shared cache (the shared in-memory database).
pub(crate) fn contended(db: NonNull<ffi::sqlite3>) -> bool {
    matches!(primary_errcode(db), ffi::SQLITE_BUSY | ffi::SQLITE_LOCKED)
}

/// The last error's primary result code (sqlx turns extended codes on).
fn primary_errcode(db: NonNull<ffi::sqlite3>) -> c_int {
    // SAFETY: an open connection held exclusively.
    unsafe { ffi::sqlite3_errcode(db.as_ptr()) & 0xff }
}

/// The deadline of a read-only statement, enforced by a progress handler for as long as it lives.
struct Budget {
    db: NonNull<ffi::sqlite3>,
    deadline: Box<Instant>,
}

impl Budget {
    fn start(db: NonNull<ffi::sqlite3>, budget: Duration) -> Self {
        let deadline = Box::new(Instant::now() + budget);
        let data: *const Instant = &*deadline;
        // SAFETY: `deadline` is boxed, so its address is stable until `drop` removes the handler.
        unsafe {
            ffi::sqlite3_progress_handler(
                db.as_ptr(),
                PROGRESS_INTERVAL,
                Some(over_budget),
                data.cast_mut().cast::<c_void>(),
            );
        }
        Self { db, deadline }
    }
}

impl Drop for Budget {
    fn drop(&mut self) {
        let _ = &self.deadline;
        // SAFETY: removes the handler installed in `start` before the deadline is freed.
        unsafe { ffi::sqlite3_progress_handler(self.db.as_ptr(), 0, None, ptr::null_mut()) }
    }
}

/// The progress handler: non-zero interrupts the running statement.
extern "C" fn over_budget(data: *mut c_void) -> c_int {
    // SAFETY: `data` is the `Instant` boxed by `Budget::start`, alive while the handler is set.
    let deadline = unsafe { &*data.cast::<Instant>() };
    c_int::from(Instant::now() >= *deadline)
}

/// A prepared statement, finalized on drop.
pub(crate) struct Statement {
    db: NonNull<ffi::sqlite3>,
    stmt: NonNull<ffi::sqlite3_stmt>,
}

impl Statement {
    /// Prepare the first statement of `sql`; `None` when more statements follow it.
    pub(crate) fn prepare(db: NonNull<ffi::sqlite3>, sql: &str) -> Result<Option<Self>> {
        let len = c_int::try_from(sql.len())
            .map_err(|_| Error::Encode("the SQL text is too long for SQLite".into()))?;
        let mut stmt = ptr::null_mut();
        let mut tail = ptr::null();
        // SAFETY: `db` is an open connection we hold exclusively; `sql` outlives the call and its
        // length is passed, so no NUL terminator is needed.
        let rc = unsafe {
            ffi::sqlite3_prepare_v2(db.as_ptr(), sql.as_ptr().cast(), len, &mut stmt, &mut tail)
        };
        if rc != ffi::SQLITE_OK {
            return Err(last_error(db));
        }
        let Some(stmt) = NonNull::new(stmt) else {
            // Only whitespace or comments: nothing to run, like an empty result.
            return Err(Error::Encode("the SQL text holds no statement".into()));
        };
        let statement = Self { db, stmt };
        // SAFETY: `tail` points into `sql` (at or before its end), as SQLite documents.
        let consumed = usize::try_from(unsafe { tail.cast::<u8>().offset_from(sql.as_ptr()) })
            .unwrap_or(sql.len());
        let rest = sql.get(consumed..).unwrap_or("");
        if rest
            .trim_matches(|c: char| c.is_whitespace() || c == ';')
            .is_empty()
        {
            Ok(Some(statement))
        } else {
            Ok(None)
        }
    }

    fn ptr(&self) -> *mut ffi::sqlite3_stmt {
        self.stmt.as_ptr()
    }

    /// Bind every parameter, checking that the statement has exactly as many placeholders.
    fn bind_all(&self, params: &[Value]) -> Result<()> {
        // SAFETY: a valid prepared statement.
        let expected = unsafe { ffi::sqlite3_bind_parameter_count(self.ptr()) };
        if usize::try_from(expected).ok() != Some(params.len()) {
            return Err(Error::Database {
                kind: crate::error::DbErrorKind::Programming,
                sqlstate: None,
                constraint: None,
                table: None,
                message: format!(
                    "the statement has {expected} placeholder(s) but {} parameter(s) were given",
                    params.len()
                ),
            });
        }
        for (i, value) in params.iter().enumerate() {
            let index = c_int::try_from(i + 1).unwrap_or(c_int::MAX);
            let param = sqlite_param(value)?;
            // SAFETY: a valid statement and an index within the placeholder count. Text and blobs
            // are copied by SQLite (SQLITE_TRANSIENT), so no buffer has to outlive this call.
            let rc = unsafe {
                match &param {
                    SqliteParam::Null => ffi::sqlite3_bind_null(self.ptr(), index),
                    SqliteParam::Int(v) => ffi::sqlite3_bind_int64(self.ptr(), index, *v),
                    SqliteParam::Float(v) => ffi::sqlite3_bind_double(self.ptr(), index, *v),
                    SqliteParam::Text(s) => ffi::sqlite3_bind_text64(
                        self.ptr(),
                        index,
                        s.as_ptr().cast(),
                        s.len() as u64,
                        ffi::SQLITE_TRANSIENT(),
                        ffi::SQLITE_UTF8 as u8,
                    ),
                    SqliteParam::Blob(b) => ffi::sqlite3_bind_blob64(
                        self.ptr(),
                        index,
                        b.as_ptr().cast(),
                        b.len() as u64,
                        ffi::SQLITE_TRANSIENT(),
                    ),
                }
            };
            if rc != ffi::SQLITE_OK {
                return Err(last_error(self.db));
            }
        }
        Ok(())
    }

    fn column_count(&self) -> usize {
        // SAFETY: a valid prepared statement.
        usize::try_from(unsafe { ffi::sqlite3_column_count(self.ptr()) }).unwrap_or(0)
    }

    fn column_names(&self) -> Arc<[String]> {
        (0..self.column_count())
            .map(|i| {
                // SAFETY: index < column count; the returned string lives until the next call on
                // this column and is copied at once.
                let name = unsafe { ffi::sqlite3_column_name(self.ptr(), i as c_int) };
                cstr(name).unwrap_or_default()
            })
            .collect()
    }

    fn declared(&self, i: usize) -> Declared {
        // SAFETY: as for `column_names`.
        let decl = unsafe { ffi::sqlite3_column_decltype(self.ptr(), i as c_int) };
        Declared::of(cstr(decl).as_deref())
    }

    /// Advance to the next row: `true` on a row, `false` when done.
    fn step(&self) -> Result<bool> {
        // SAFETY: a valid prepared statement, used by this thread only.
        match unsafe { ffi::sqlite3_step(self.ptr()) } {
            ffi::SQLITE_ROW => Ok(true),
            ffi::SQLITE_DONE => Ok(false),
            _ => Err(last_error(self.db)),
        }
    }

    /// Column `i` of the current row by its storage class.
    fn value(&self, i: usize) -> Result<Value, String> {
        let p = self.ptr();
        let i = i as c_int;
        // SAFETY: the statement is on a row and `i` is below the column count. Text and blob
        // pointers are valid until the next step/reset and are copied at once, after their byte
        // length has been read (the documented order: pointer first, then bytes).
        unsafe {
            Ok(match ffi::sqlite3_column_type(p, i) {
                ffi::SQLITE_NULL => Value::Null,
                ffi::SQLITE_INTEGER => Value::Int(ffi::sqlite3_column_int64(p, i)),
                ffi::SQLITE_FLOAT => Value::Float(ffi::sqlite3_column_double(p, i)),
                ffi::SQLITE_TEXT => {
                    let text = ffi::sqlite3_column_text(p, i);
                    let len = usize::try_from(ffi::sqlite3_column_bytes(p, i)).unwrap_or(0);
                    let bytes = if text.is_null() {
                        &[][..]
                    } else {
                        std::slice::from_raw_parts(text, len)
                    };
                    Value::Text(
                        std::str::from_utf8(bytes)
                            .map_err(|e| format!("invalid UTF-8 in a text column: {e}"))?
                            .to_owned(),
                    )
                }
                _ => {
                    let blob = ffi::sqlite3_column_blob(p, i);
                    let len = usize::try_from(ffi::sqlite3_column_bytes(p, i)).unwrap_or(0);
                    Value::Bytes(if blob.is_null() {
                        Vec::new()
                    } else {
                        std::slice::from_raw_parts(blob.cast::<u8>(), len).to_vec()
                    })
                }
            })
        }
    }

    pub(crate) fn readonly(&self) -> bool {
        // SAFETY: a valid prepared statement.
        unsafe { ffi::sqlite3_stmt_readonly(self.ptr()) != 0 }
    }

    fn exec_result(&self) -> ExecResult {
        // SAFETY: an open connection held exclusively.
        let (changes, rowid) = unsafe {
            (
                ffi::sqlite3_changes64(self.db.as_ptr()),
                ffi::sqlite3_last_insert_rowid(self.db.as_ptr()),
            )
        };
        ExecResult {
            rows_affected: u64::try_from(changes).unwrap_or(0),
            last_insert_id: (rowid != 0).then_some(rowid),
        }
    }
}

impl Drop for Statement {
    fn drop(&mut self) {
        // SAFETY: finalized exactly once; the statement is not used afterwards.
        unsafe {
            ffi::sqlite3_finalize(self.ptr());
        }
    }
}

/// The connection's last error as the engine's classified error.
fn last_error(db: NonNull<ffi::sqlite3>) -> Error {
    // SAFETY: an open connection; the message is copied before any other call on it.
    let (code, message) = unsafe {
        (
            ffi::sqlite3_extended_errcode(db.as_ptr()),
            cstr(ffi::sqlite3_errmsg(db.as_ptr())),
        )
    };
    sqlite_error(
        code,
        message.unwrap_or_else(|| "unknown SQLite error".into()),
    )
}

/// Copy a C string returned by SQLite (None for NULL).
fn cstr(p: *const std::ffi::c_char) -> Option<String> {
    if p.is_null() {
        return None;
    }
    // SAFETY: SQLite returns NUL-terminated strings valid until the next call on the same object.
    Some(unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned())
}
