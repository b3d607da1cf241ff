//! One pooled connection of any backend, and the generic bind → run → decode path every statement
//! takes on it.

use std::borrow::Cow;
use std::sync::Arc;

use futures_util::{Stream, StreamExt, TryStreamExt};
use ryx_query::Value;
use sqlx::database::HasStatementCache;
use sqlx::mysql::{MySql, MySqlDatabaseError};
use sqlx::pool::PoolConnection;
use sqlx::postgres::Postgres;
use sqlx::sqlite::Sqlite;
use sqlx::{Column, Database, Either, Executor, IntoArguments, Row};
use tokio::sync::mpsc::Sender;

use crate::decode::{self, apply_hint, DecodeHint, Hints};
use crate::encode;
use crate::error::{Error, Result};
use crate::executor::{ExecResult, Rows};

/// What differs between backends on the statement path.
pub(crate) trait Driver: Database + HasStatementCache {
    /// Bind one parameter (borrowed, so a statement can be retried with the same parameters).
    fn bind<'q>(args: &mut Self::Arguments<'q>, value: &'q Value) -> Result<()>;

    /// Whether a statement may be cached as a prepared statement at all.
    fn cacheable(_sql: &str) -> bool {
        true
    }

    /// Decode one column by the driver's column type.
    fn decode(row: &Self::Row, index: usize) -> Result<Value, String>;

    /// Rows affected and the generated id of a finished statement.
    fn exec_result(result: &Self::QueryResult) -> ExecResult;

    /// The SQL text to send (and cache the prepared statement under).
    fn statement_text<'s>(sql: &'s str, _params: &[Value], _persistent: bool) -> Cow<'s, str> {
        Cow::Borrowed(sql)
    }
}

impl Driver for Postgres {
    fn bind<'q>(args: &mut Self::Arguments<'q>, value: &'q Value) -> Result<()> {
        encode::postgres(args, value)
    }

    fn cacheable(sql: &str) -> bool {
        !has_star_expansion(sql)
    }

    fn decode(row: &Self::Row, index: usize) -> Result<Value, String> {
        decode::postgres::decode(row, index)
    }

    fn exec_result(result: &Self::QueryResult) -> ExecResult {
        ExecResult {
            rows_affected: result.rows_affected(),
            last_insert_id: None,
        }
    }

    fn statement_text<'s>(sql: &'s str, params: &[Value], persistent: bool) -> Cow<'s, str> {
        if persistent && !params.is_empty() {
            // See `encode::postgres_signature`: the cache must be keyed by parameter types too.
            Cow::Owned(format!(
                "{sql}\n/*ryx:{}*/",
                encode::postgres_signature(params)
            ))
        } else {
            Cow::Borrowed(sql)
        }
    }
}

impl Driver for MySql {
    fn bind<'q>(args: &mut Self::Arguments<'q>, value: &'q Value) -> Result<()> {
        encode::mysql(args, value)
    }

    fn decode(row: &Self::Row, index: usize) -> Result<Value, String> {
        decode::mysql::decode(row, index)
    }

    fn exec_result(result: &Self::QueryResult) -> ExecResult {
        let id = result.last_insert_id();
        ExecResult {
            rows_affected: result.rows_affected(),
            last_insert_id: (id != 0).then(|| i64::try_from(id).unwrap_or(i64::MAX)),
        }
    }
}

impl Driver for Sqlite {
    fn bind<'q>(args: &mut Self::Arguments<'q>, value: &'q Value) -> Result<()> {
        encode::sqlite(args, value)
    }

    fn cacheable(sql: &str) -> bool {
        !has_star_expansion(sql)
    }

    fn decode(row: &Self::Row, index: usize) -> Result<Value, String> {
        decode::sqlite::decode(row, index)
    }

    fn exec_result(result: &Self::QueryResult) -> ExecResult {
        let id = result.last_insert_rowid();
        ExecResult {
            rows_affected: result.rows_affected(),
            last_insert_id: (id != 0).then_some(id),
        }
    }
}

/// A checked-out connection of one of the three backends.
#[derive(Debug)]
pub(crate) enum Conn {
    Postgres(PoolConnection<Postgres>),
    MySql(PoolConnection<MySql>),
    Sqlite(PoolConnection<Sqlite>),
}

/// Run `$body` with `$c` bound to the backend connection and `$D` to its sqlx database type.
macro_rules! on_conn {
    ($conn:expr, |$c:ident, $D:ident| $body:expr) => {
        match $conn {
            Conn::Postgres($c) => {
                type $D = Postgres;
                $body
            }
            Conn::MySql($c) => {
                type $D = MySql;
                $body
            }
            Conn::Sqlite($c) => {
                type $D = Sqlite;
                $body
            }
        }
    };
}

/// The result of running one statement to completion.
#[derive(Debug, Default)]
pub(crate) struct Outcome {
    pub rows: Rows,
    pub result: ExecResult,
}

impl Conn {
    /// Close the connection instead of returning it to the pool when it is dropped (used when
    /// its protocol state cannot be trusted, e.g. a result stream abandoned half-way).
    pub(crate) fn close_on_drop(&mut self) {
        on_conn!(self, |c, _D| c.close_on_drop());
    }

    /// Run a parameterised statement, collecting its rows (decoded with `hints`) and counts.
    pub(crate) async fn fetch(
        &mut self,
        sql: &str,
        params: &[Value],
        hints: &Hints,
        persistent: bool,
    ) -> Result<Outcome> {
        if let Conn::Sqlite(c) = self {
            if let Some(out) = crate::sqlite_direct::fetch(c, sql, params, hints, None).await? {
                return Ok(out);
            }
        }
        let result = on_conn!(self, |c, D| fetch::<D>(c, sql, params, hints, persistent)
            .await);
        self.after(result).await
    }

    /// Run a query and decode only its first row (as a one-row `Rows`, or none).
    pub(crate) async fn fetch_first(
        &mut self,
        sql: &str,
        params: &[Value],
        hints: &Hints,
        persistent: bool,
    ) -> Result<Rows> {
        if let Conn::Sqlite(c) = self {
            if let Some(out) = crate::sqlite_direct::fetch(c, sql, params, hints, Some(1)).await? {
                return Ok(out.rows);
            }
        }
        let result = on_conn!(self, |c, D| {
            fetch_first::<D>(c, sql, params, hints, persistent).await
        });
        self.after(result).await
    }

    /// Run a parameterised statement for its effect.
    pub(crate) async fn execute(
        &mut self,
        sql: &str,
        params: &[Value],
        persistent: bool,
    ) -> Result<ExecResult> {
        if let Conn::Sqlite(c) = self {
            let hints = Hints::default();
            if let Some(out) = crate::sqlite_direct::fetch(c, sql, params, &hints, None).await? {
                return Ok(out.result);
            }
        }
        let result = on_conn!(self, |c, D| execute::<D>(c, sql, params, persistent).await);
        self.after(result).await
    }

    /// Drop every cached prepared statement of this connection.
    async fn clear_statement_cache(&mut self) -> Result<()> {
        on_conn!(self, |c, _D| {
            sqlx::Connection::clear_cached_statements(&mut **c).await?;
            Ok(())
        })
    }

    /// After a "cached plan must not change result type" error, forget the stale statements so
    /// the next attempt prepares afresh.
    async fn after<T>(&mut self, result: Result<T>) -> Result<T> {
        if result.as_ref().is_err_and(is_stale_plan) {
            // If this fails too the connection is broken, which the next statement reports.
            let _ = self.clear_statement_cache().await;
        }
        result
    }

    /// Run a control statement (BEGIN, SAVEPOINT, ...) through the simple-query protocol: it has
    /// no parameters, and not every server can prepare transaction-control statements.
    pub(crate) async fn raw(&mut self, sql: &str) -> Result<()> {
        on_conn!(self, |c, _D| {
            c.execute(sqlx::raw_sql(sql)).await?;
            Ok(())
        })
    }

    /// Stream a statement's rows into `sink` in chunks of `chunk_size`; stops early when the
    /// receiver is dropped.
    pub(crate) async fn stream(
        &mut self,
        sql: &str,
        params: &[Value],
        hints: &Hints,
        persistent: bool,
        chunk_size: usize,
        sink: &Sender<Result<Rows>>,
    ) -> Result<StreamEnd> {
        let result = on_conn!(self, |c, D| {
            stream::<D>(c, sql, params, hints, persistent, chunk_size, sink).await
        });
        self.after(result).await
    }
}

/// PostgreSQL's error for a cached statement whose result columns changed under it.
pub(crate) fn is_stale_plan(err: &Error) -> bool {
    matches!(err, Error::Database { sqlstate: Some(code), message, .. }
        if code == "0A000" && message.contains("cached plan must not change result type"))
}

/// How a stream ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StreamEnd {
    /// Every row was delivered.
    Exhausted,
    /// The consumer went away first; rows may be left unread on the connection.
    Abandoned,
}

/// Whether the statement expands `*` (`SELECT *`, `t.*`, `RETURNING *`), whose result shape
/// changes when the table does. A cached PostgreSQL statement then fails ("cached plan must not
/// change result type") and a cached SQLite statement crashes sqlx's worker thread (it indexes
/// the column list read at prepare time), so such statements are never cached there.
/// `count(*)` is not an expansion; a multiplication is a harmless false positive.
fn has_star_expansion(sql: &str) -> bool {
    let bytes = sql.as_bytes();
    bytes.iter().enumerate().any(|(i, &b)| {
        b == b'*'
            && bytes[..i].iter().rev().find(|c| !c.is_ascii_whitespace()) != Some(&b'(')
            && bytes[i + 1..].iter().find(|c| !c.is_ascii_whitespace()) != Some(&b')')
    })
}

fn arguments<'q, D: Driver>(params: &'q [Value]) -> Result<D::Arguments<'q>> {
    let mut args = D::Arguments::<'q>::default();
    for value in params {
        D::bind(&mut args, value)?;
    }
    Ok(args)
}

fn column_names<R: Row>(row: &R) -> Arc<[String]> {
    row.columns().iter().map(|c| c.name().to_owned()).collect()
}

fn decode_row<D: Driver>(row: &D::Row, hints: &[DecodeHint]) -> Result<Vec<Value>> {
    (0..row.len())
        .map(|i| {
            let hint = hints.get(i).copied().unwrap_or_default();
            D::decode(row, i)
                .and_then(|v| apply_hint(v, hint))
                .map_err(|message| Error::Decode {
                    column: row.columns()[i].name().to_owned(),
                    message,
                })
        })
        .collect()
}

async fn fetch<D: Driver>(
    conn: &mut D::Connection,
    sql: &str,
    params: &[Value],
    hints: &Hints,
    persistent: bool,
) -> Result<Outcome>
where
    for<'c> &'c mut D::Connection: Executor<'c, Database = D>,
    for<'q> D::Arguments<'q>: IntoArguments<'q, D>,
{
    let persistent = persistent && D::cacheable(sql);
    let text = D::statement_text(sql, params, persistent);
    let args = arguments::<D>(params)?;
    let query = sqlx::query_with::<D, _>(&text, args).persistent(persistent);
    let mut out = Outcome::default();
    let mut resolved = hints.resolve(std::iter::empty::<&str>());
    let mut items = conn.fetch_many(query);
    while let Some(item) = items.try_next().await? {
        match item {
            Either::Left(done) => {
                let r = D::exec_result(&done);
                out.result.rows_affected += r.rows_affected;
                out.result.last_insert_id = r.last_insert_id.or(out.result.last_insert_id);
            }
            Either::Right(row) => {
                if out.rows.rows.is_empty() {
                    out.rows.columns = column_names(&row);
                    resolved = hints.resolve(out.rows.columns.iter());
                }
                out.rows.rows.push(decode_row::<D>(&row, &resolved)?);
            }
        }
    }
    // MariaDB reports no affected rows for INSERT ... RETURNING (its result set replaces the
    // OK packet); every returned row was affected.
    let returned = u64::try_from(out.rows.rows.len()).unwrap_or(u64::MAX);
    out.result.rows_affected = out.result.rows_affected.max(returned);
    Ok(out)
}

async fn fetch_first<D: Driver>(
    conn: &mut D::Connection,
    sql: &str,
    params: &[Value],
    hints: &Hints,
    persistent: bool,
) -> Result<Rows>
where
    for<'c> &'c mut D::Connection: Executor<'c, Database = D>,
    for<'q> D::Arguments<'q>: IntoArguments<'q, D>,
{
    let persistent = persistent && D::cacheable(sql);
    let text = D::statement_text(sql, params, persistent);
    let args = arguments::<D>(params)?;
    let query = sqlx::query_with::<D, _>(&text, args).persistent(persistent);
    Ok(match conn.fetch_optional(query).await? {
        Some(row) => {
            let columns = column_names(&row);
            let resolved = hints.resolve(columns.iter());
            Rows {
                rows: vec![decode_row::<D>(&row, &resolved)?],
                columns,
            }
        }
        None => Rows::default(),
    })
}

async fn execute<D: Driver>(
    conn: &mut D::Connection,
    sql: &str,
    params: &[Value],
    persistent: bool,
) -> Result<ExecResult>
where
    for<'c> &'c mut D::Connection: Executor<'c, Database = D>,
    for<'q> D::Arguments<'q>: IntoArguments<'q, D>,
{
    let unprepared = params.is_empty();
    let persistent = persistent && D::cacheable(sql);
    let text = D::statement_text(sql, params, persistent);
    let args = arguments::<D>(params)?;
    let query = sqlx::query_with::<D, _>(&text, args).persistent(persistent);
    match conn.execute(query).await {
        Ok(done) => Ok(D::exec_result(&done)),
        // MySQL cannot prepare some statements (ER_UNSUPPORTED_PS, e.g. LOCK TABLES); without
        // parameters they can run through the text protocol instead.
        Err(sqlx::Error::Database(e))
            if unprepared
                && e.try_downcast_ref::<MySqlDatabaseError>()
                    .is_some_and(|m| m.number() == 1295) =>
        {
            let done = conn.execute(sqlx::raw_sql(sql)).await?;
            Ok(D::exec_result(&done))
        }
        Err(e) => Err(e.into()),
    }
}

async fn stream<D: Driver>(
    conn: &mut D::Connection,
    sql: &str,
    params: &[Value],
    hints: &Hints,
    persistent: bool,
    chunk_size: usize,
    sink: &Sender<Result<Rows>>,
) -> Result<StreamEnd>
where
    for<'c> &'c mut D::Connection: Executor<'c, Database = D>,
    for<'q> D::Arguments<'q>: IntoArguments<'q, D>,
{
    let chunk_size = chunk_size.max(1);
    let persistent = persistent && D::cacheable(sql);
    let text = D::statement_text(sql, params, persistent);
    let args = arguments::<D>(params)?;
    let query = sqlx::query_with::<D, _>(&text, args).persistent(persistent);
    let mut rows = conn.fetch(query);
    let mut columns: Option<Arc<[String]>> = None;
    let mut resolved = None;
    let mut chunk = Vec::with_capacity(chunk_size);
    loop {
        let next = tokio::select! {
            // Stop as soon as the consumer goes away, even while waiting on a slow row.
            () = sink.closed() => return Ok(StreamEnd::Abandoned),
            next = next_row(&mut rows) => next,
        };
        let Some(row) = next? else { break };
        let cols = columns.get_or_insert_with(|| column_names(&row));
        let resolved = resolved.get_or_insert_with(|| hints.resolve(cols.iter()));
        chunk.push(decode_row::<D>(&row, resolved)?);
        if chunk.len() == chunk_size {
            let full = std::mem::replace(&mut chunk, Vec::with_capacity(chunk_size));
            let rows = Rows {
                columns: cols.clone(),
                rows: full,
            };
            if sink.send(Ok(rows)).await.is_err() {
                return Ok(StreamEnd::Abandoned);
            }
        }
    }
    if !chunk.is_empty() {
        let rows = Rows {
            columns: columns.unwrap_or_else(|| Arc::from(Vec::new())),
            rows: chunk,
        };
        if sink.send(Ok(rows)).await.is_err() {
            return Ok(StreamEnd::Abandoned);
        }
    }
    Ok(StreamEnd::Exhausted)
}

async fn next_row<S, R>(rows: &mut S) -> Result<Option<R>>
where
    S: Stream<Item = std::result::Result<R, sqlx::Error>> + Unpin,
{
    Ok(rows.next().await.transpose()?)
}

#[cfg(test)]
mod tests {
    use super::has_star_expansion;

    #[test]
    fn star_expansions() {
        for sql in [
            "SELECT * FROM t",
            "SELECT t.* FROM t",
            "INSERT INTO t VALUES (1) RETURNING *",
        ] {
            assert!(has_star_expansion(sql), "{sql}");
        }
        for sql in [
            "SELECT count(*) FROM t",
            "SELECT COUNT( * ) FROM t",
            "SELECT a FROM t",
        ] {
            assert!(!has_star_expansion(sql), "{sql}");
        }
    }
}
