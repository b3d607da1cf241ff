//! Builds one typed sqlx pool per alias, with the per-connection session setup each backend needs.

use std::str::FromStr;

use futures_util::future::try_join_all;
use sqlx::mysql::{MySql, MySqlConnectOptions};
use sqlx::pool::PoolOptions as SqlxPoolOptions;
use sqlx::postgres::{PgConnectOptions, Postgres};
use sqlx::sqlite::{Sqlite, SqliteConnectOptions};
use sqlx::Database;

use crate::error::{Error, Result};
use crate::options::{parse_url, sqlite_sets_mode, Backend, PoolOptions};
use crate::pool::{Pool, PoolEntry};
use crate::sqlite_lane::Lane;

/// Add `STRICT_TRANS_TABLES` to the session's sql_mode (idempotently) so bad data is an error,
/// not a silent truncation. sqlx itself already sets `time_zone = '+00:00'`.
const MYSQL_SESSION_SQL: &str = "SET SESSION sql_mode = IF(\
     FIND_IN_SET('STRICT_TRANS_TABLES', @@SESSION.sql_mode) > 0, @@SESSION.sql_mode, \
     CONCAT_WS(',', NULLIF(@@SESSION.sql_mode, ''), 'STRICT_TRANS_TABLES'))";

/// Parse `url`, build the pool, open `min_connections` connections and read the server version.
pub(crate) async fn connect(alias: &str, url: &str, options: PoolOptions) -> Result<PoolEntry> {
    options.validate()?;
    let (backend, url) = parse_url(url)?;
    let cap = options.statement_cache_capacity;
    let failed = |e: sqlx::Error| connect_error(alias, backend, e);
    let pool = match backend {
        Backend::Postgres => {
            let opts = PgConnectOptions::from_str(&url)
                .map_err(Error::from)?
                .statement_cache_capacity(cap);
            // The session time zone is UTC: sqlx sends `TimeZone=UTC` in the startup packet.
            Pool::Postgres(
                server_options::<Postgres>(&options)
                    .connect_with(opts)
                    .await
                    .map_err(failed)?,
            )
        }
        Backend::MySql => {
            let opts = MySqlConnectOptions::from_str(&url)
                .map_err(Error::from)?
                .statement_cache_capacity(cap)
                .timezone(Some("+00:00".to_owned()));
            let pool = server_options::<MySql>(&options)
                .after_connect(|conn, _meta| {
                    Box::pin(async move {
                        sqlx::Executor::execute(conn, sqlx::raw_sql(MYSQL_SESSION_SQL)).await?;
                        Ok(())
                    })
                })
                .connect_with(opts)
                .await
                .map_err(failed)?;
            Pool::MySql(pool)
        }
        Backend::Sqlite => {
            let in_memory = url.starts_with("sqlite::memory:") || url.contains("mode=memory");
            let mut opts = SqliteConnectOptions::from_str(&url)
                .map_err(Error::from)?
                .foreign_keys(true)
                .busy_timeout(options.sqlite_busy_timeout)
                .statement_cache_capacity(cap)
                .with_regexp();
            if !sqlite_sets_mode(&url) {
                opts = opts.create_if_missing(true);
            }
            if let (Some(mode), false) = (options.sqlite_journal()?, in_memory) {
                opts = opts.journal_mode(mode);
            }
            // An embedded database has no server to drop idle connections, so a ping before
            // checkout (a round trip to the connection's worker thread) would buy nothing.
            let mut pool_opts = sqlx_options::<Sqlite>(&options);
            if in_memory {
                // One shared in-memory database lives as long as at least one connection to it
                // does: keep one open for the pool's whole life.
                pool_opts = pool_opts
                    .min_connections(options.min_connections.max(1))
                    .idle_timeout(None)
                    .max_lifetime(None);
            }
            Pool::Sqlite(pool_opts.connect_with(opts).await.map_err(failed)?)
        }
    };
    finish(alias, backend, pool, options).await
}

async fn finish(
    alias: &str,
    backend: Backend,
    pool: Pool,
    options: PoolOptions,
) -> Result<PoolEntry> {
    let result = async {
        warm_up(&pool, options.min_connections).await?;
        let version = server_version(&pool).await?;
        let lane = match &pool {
            Pool::Sqlite(p) => Some(Lane::open(p, options.statement_cache_capacity).await?),
            _ => None,
        };
        Ok((version, lane))
    }
    .await;
    match result {
        Ok((server_version, sqlite_lane)) => Ok(PoolEntry {
            alias: alias.to_owned(),
            backend,
            is_mariadb: server_version.contains("MariaDB"),
            server_version,
            pool,
            options,
            sqlite_lane,
        }),
        Err(e) => {
            // Nothing of a failed setup may stay open.
            pool.close().await;
            Err(e)
        }
    }
}

fn sqlx_options<DB: Database>(options: &PoolOptions) -> SqlxPoolOptions<DB> {
    SqlxPoolOptions::<DB>::new()
        .max_connections(options.max_connections)
        .min_connections(options.min_connections)
        .acquire_timeout(options.acquire_timeout)
        .idle_timeout(options.idle_timeout)
        .max_lifetime(options.max_lifetime)
        .test_before_acquire(false)
}

/// A server's pool: a ping before handing out a connection that sat idle is what lets the pool
/// recover by itself from connections the server closed. One that was in use moments ago is handed
/// out as is: a ping is a full round trip to the server, as long as a small query.
fn server_options<DB: Database>(options: &PoolOptions) -> SqlxPoolOptions<DB> {
    sqlx_options::<DB>(options).before_acquire(|conn, meta| {
        Box::pin(async move {
            if meta.idle_for >= PING_IDLE_AFTER {
                sqlx::Connection::ping(conn).await?;
            }
            Ok(true)
        })
    })
}

/// How long a pooled connection may sit idle before it is pinged on checkout.
pub(crate) const PING_IDLE_AFTER: std::time::Duration = std::time::Duration::from_secs(1);

/// Open `min` connections now, so the first queries do not pay for connecting.
async fn warm_up(pool: &Pool, min: u32) -> Result<()> {
    let n = usize::try_from(min).unwrap_or(usize::MAX);
    match pool {
        Pool::Postgres(p) => drop(try_join_all((0..n).map(|_| p.acquire())).await?),
        Pool::MySql(p) => drop(try_join_all((0..n).map(|_| p.acquire())).await?),
        Pool::Sqlite(p) => drop(try_join_all((0..n).map(|_| p.acquire())).await?),
    }
    Ok(())
}

async fn server_version(pool: &Pool) -> Result<String> {
    Ok(match pool {
        Pool::Postgres(p) => {
            sqlx::query_scalar("SELECT current_setting('server_version')")
                .fetch_one(p)
                .await?
        }
        Pool::MySql(p) => sqlx::query_scalar("SELECT VERSION()").fetch_one(p).await?,
        Pool::Sqlite(p) => {
            sqlx::query_scalar("SELECT sqlite_version()")
                .fetch_one(p)
                .await?
        }
    })
}

fn connect_error(alias: &str, backend: Backend, err: sqlx::Error) -> Error {
    let detail = match &err {
        sqlx::Error::Io(e) => e.to_string(),
        sqlx::Error::Tls(e) => format!("TLS: {e}"),
        sqlx::Error::Protocol(e) => e.clone(),
        sqlx::Error::PoolTimedOut => "timed out".to_owned(),
        _ => return Error::from(err),
    };
    Error::Connection(format!(
        "could not connect to {backend} for alias '{alias}': {detail}"
    ))
}
