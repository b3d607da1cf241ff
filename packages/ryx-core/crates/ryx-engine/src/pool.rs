//! The process-global registry of typed pools, one per alias: `setup`, `close`, lookup and stats.

use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Duration;

use futures_util::future::join_all;
use sqlx::mysql::MySqlPool;
use sqlx::postgres::PgPool;
use sqlx::sqlite::SqlitePool;

use crate::conn::Conn;
use crate::connect::connect;
use crate::error::{Error, Result};
use crate::options::{Backend, PoolOptions};

/// How long closing a pool waits for checked-out connections (open transactions, streams)
/// before returning; those are closed when they come back.
const CLOSE_GRACE: Duration = Duration::from_secs(5);

/// A typed sqlx pool (never `AnyPool`: its value model cannot carry dates, decimals, UUIDs
/// or JSON).
#[derive(Debug, Clone)]
pub enum Pool {
    /// PostgreSQL.
    Postgres(PgPool),
    /// MySQL / MariaDB.
    MySql(MySqlPool),
    /// SQLite.
    Sqlite(SqlitePool),
}

impl Pool {
    /// Open connections (idle and in use).
    #[must_use]
    pub fn size(&self) -> u32 {
        match self {
            Self::Postgres(p) => p.size(),
            Self::MySql(p) => p.size(),
            Self::Sqlite(p) => p.size(),
        }
    }

    /// Idle connections.
    #[must_use]
    pub fn num_idle(&self) -> usize {
        match self {
            Self::Postgres(p) => p.num_idle(),
            Self::MySql(p) => p.num_idle(),
            Self::Sqlite(p) => p.num_idle(),
        }
    }

    /// Whether `close()` was called on the pool.
    #[must_use]
    pub fn is_closed(&self) -> bool {
        match self {
            Self::Postgres(p) => p.is_closed(),
            Self::MySql(p) => p.is_closed(),
            Self::Sqlite(p) => p.is_closed(),
        }
    }

    /// Close the pool: idle connections now, checked-out ones when they are returned.
    pub(crate) async fn close(&self) {
        let closing = async {
            match self {
                Self::Postgres(p) => p.close().await,
                Self::MySql(p) => p.close().await,
                Self::Sqlite(p) => p.close().await,
            }
        };
        // Dropping the future after the grace period is fine: the pool is already marked
        // closed, so connections still in use are closed (not pooled) when they come back.
        let _ = tokio::time::timeout(CLOSE_GRACE, closing).await;
    }
}

/// One configured alias.
#[derive(Debug)]
pub struct PoolEntry {
    /// The alias name.
    pub alias: String,
    /// The backend family.
    pub backend: Backend,
    /// The typed pool.
    pub pool: Pool,
    /// What the server reported at setup (`SELECT VERSION()`, `server_version`,
    /// `sqlite_version()`).
    pub server_version: String,
    /// Whether a MySQL-protocol server is MariaDB.
    pub is_mariadb: bool,
    /// The options the pool was built with.
    pub options: PoolOptions,
    /// SQLite: the connection kept for reads answered on the calling thread.
    pub(crate) sqlite_lane: Option<crate::sqlite_lane::Lane>,
}

impl PoolEntry {
    /// Close this pool (idle connections now, checked-out ones when they are returned, waiting
    /// a few seconds at most). Registered pools are closed with [`close`] instead.
    pub async fn close(&self) {
        if let Some(lane) = &self.sqlite_lane {
            lane.close().await;
        }
        self.pool.close().await;
    }

    /// Check a connection out of the pool.
    ///
    /// # Errors
    /// `Error::PoolTimeout` (with this alias and size) when none frees up in time,
    /// `Error::PoolNotInitialized` when the pool was closed, connection errors otherwise.
    pub(crate) async fn acquire(&self) -> Result<Conn> {
        let map = |e| self.acquire_error(e);
        Ok(match &self.pool {
            Pool::Postgres(p) => Conn::Postgres(p.acquire().await.map_err(map)?),
            Pool::MySql(p) => Conn::MySql(p.acquire().await.map_err(map)?),
            Pool::Sqlite(p) => Conn::Sqlite(p.acquire().await.map_err(map)?),
        })
    }

    /// An idle SQLite connection, if one is free right now (no waiting, no new connection).
    pub(crate) fn try_acquire_sqlite(&self) -> Option<Conn> {
        match &self.pool {
            Pool::Sqlite(p) => p.try_acquire().map(Conn::Sqlite),
            _ => None,
        }
    }

    fn acquire_error(&self, err: sqlx::Error) -> Error {
        match err {
            sqlx::Error::PoolTimedOut => Error::PoolTimeout {
                alias: self.alias.clone(),
                waited: self.options.acquire_timeout,
                size: self.options.max_connections,
            },
            sqlx::Error::PoolClosed => Error::PoolNotInitialized {
                alias: Some(self.alias.clone()),
                known: list_aliases(),
            },
            other => other.into(),
        }
    }
}

/// A snapshot of a pool's occupancy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolStats {
    /// The alias.
    pub alias: String,
    /// The backend family.
    pub backend: Backend,
    /// Open connections.
    pub size: u32,
    /// Idle connections.
    pub idle: u32,
    /// Connections checked out.
    pub in_use: u32,
    /// Configured maximum.
    pub max_connections: u32,
    /// Configured minimum.
    pub min_connections: u32,
}

#[derive(Default)]
struct Registry {
    /// In the order given to `setup()`.
    entries: Vec<Arc<PoolEntry>>,
    default: Option<String>,
}

impl Registry {
    fn aliases(&self) -> Vec<String> {
        self.entries.iter().map(|e| e.alias.clone()).collect()
    }

    fn find(&self, alias: &str) -> Option<&Arc<PoolEntry>> {
        self.entries.iter().find(|e| e.alias == alias)
    }
}

static REGISTRY: RwLock<Registry> = RwLock::new(Registry {
    entries: Vec::new(),
    default: None,
});

/// Serialises `setup()` and `close()` so two reconfigurations cannot interleave.
static RECONFIGURE: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

// A panic while holding the lock cannot leave the registry half-updated (every write is a
// single assignment), so a poisoned lock is still safe to use.
fn read() -> RwLockReadGuard<'static, Registry> {
    REGISTRY.read().unwrap_or_else(PoisonError::into_inner)
}

fn write() -> RwLockWriteGuard<'static, Registry> {
    REGISTRY.write().unwrap_or_else(PoisonError::into_inner)
}

/// Configure the aliases, replacing any previous configuration.
///
/// Every pool is built and connected first (eagerly opening `min_connections` and reading the
/// server version); only if all succeed is the registry replaced, atomically, and the old pools
/// closed. A failed setup changes nothing. The default alias is `"default"` if present, else
/// the first one given.
///
/// # Errors
/// `Error::Config` for an empty or duplicated alias list, a bad URL or bad options; connection
/// or database errors when a server cannot be reached or rejects the login.
pub async fn setup(configs: Vec<(String, String, PoolOptions)>) -> Result<()> {
    if configs.is_empty() {
        return Err(Error::Config(
            "setup() needs at least one database URL".to_owned(),
        ));
    }
    for (i, (alias, _, options)) in configs.iter().enumerate() {
        if alias.is_empty() {
            return Err(Error::Config("database aliases cannot be empty".to_owned()));
        }
        if configs[..i].iter().any(|(a, _, _)| a == alias) {
            return Err(Error::Config(format!(
                "database alias '{alias}' is given twice"
            )));
        }
        options.validate()?;
    }
    // Validate every URL before connecting anything, so a typo in the last alias does not
    // cost connection attempts to the others.
    for (_, url, _) in &configs {
        crate::options::parse_url(url)?;
    }

    let _guard = RECONFIGURE.lock().await;
    let results = join_all(
        configs
            .iter()
            .map(|(alias, url, options)| connect(alias, url, options.clone())),
    )
    .await;
    let mut entries = Vec::with_capacity(results.len());
    let mut first_error = None;
    for result in results {
        match result {
            Ok(entry) => entries.push(Arc::new(entry)),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    if let Some(err) = first_error {
        for entry in &entries {
            entry.close().await;
        }
        return Err(err);
    }

    let default = if entries.iter().any(|e| e.alias == "default") {
        "default".to_owned()
    } else {
        entries[0].alias.clone()
    };
    let old = std::mem::replace(
        &mut *write(),
        Registry {
            entries,
            default: Some(default),
        },
    );
    for entry in old.entries {
        entry.close().await;
    }
    Ok(())
}

/// Close one alias's pool (`Some`) or all of them (`None`) and forget it.
///
/// Closing the default alias leaves no default: unrouted queries then fail with
/// `PoolNotInitialized` instead of silently going to another database.
///
/// # Errors
/// `Error::PoolNotInitialized` when the alias is not configured.
pub async fn close(alias: Option<&str>) -> Result<()> {
    let _guard = RECONFIGURE.lock().await;
    let removed = {
        let mut reg = write();
        match alias {
            None => {
                reg.default = None;
                std::mem::take(&mut reg.entries)
            }
            Some(alias) => {
                let Some(index) = reg.entries.iter().position(|e| e.alias == alias) else {
                    return Err(Error::PoolNotInitialized {
                        alias: Some(alias.to_owned()),
                        known: reg.aliases(),
                    });
                };
                if reg.default.as_deref() == Some(alias) {
                    reg.default = None;
                }
                vec![reg.entries.remove(index)]
            }
        }
    };
    for entry in removed {
        entry.close().await;
    }
    Ok(())
}

/// Build and connect a pool exactly as `setup()` does, without registering it.
///
/// Useful for one-off connections (introspection, tests); use the entry in
/// `Target::Pool` / `Transaction::begin_on` and close it with [`PoolEntry::close`].
///
/// # Errors
/// As [`setup`].
pub async fn open(alias: &str, url: &str, options: PoolOptions) -> Result<Arc<PoolEntry>> {
    connect(alias, url, options).await.map(Arc::new)
}

/// The entry of `alias`, or of the default alias when `None`.
///
/// # Errors
/// `Error::PoolNotInitialized` naming the configured aliases when there is no such alias (or
/// no default, or nothing is configured).
pub fn get(alias: Option<&str>) -> Result<Arc<PoolEntry>> {
    let reg = read();
    let name = alias.or(reg.default.as_deref());
    let entry = name
        .and_then(|n| reg.find(n))
        .filter(|e| !e.pool.is_closed());
    entry.cloned().ok_or_else(|| Error::PoolNotInitialized {
        alias: alias.map(str::to_owned),
        known: reg.aliases(),
    })
}

/// The configured aliases, in the order given to `setup()`.
#[must_use]
pub fn list_aliases() -> Vec<String> {
    read().aliases()
}

/// The default alias, if any.
#[must_use]
pub fn default_alias() -> Option<String> {
    read().default.clone()
}

/// Whether the alias (or the default when `None`) is configured and its pool open.
/// This does not ping the server.
#[must_use]
pub fn is_connected(alias: Option<&str>) -> bool {
    get(alias).is_ok()
}

/// Occupancy of the alias's pool (the default when `None`).
///
/// # Errors
/// `Error::PoolNotInitialized` as for [`get`].
pub fn stats(alias: Option<&str>) -> Result<PoolStats> {
    let entry = get(alias)?;
    let size = entry.pool.size();
    let idle = u32::try_from(entry.pool.num_idle())
        .unwrap_or(u32::MAX)
        .min(size);
    Ok(PoolStats {
        alias: entry.alias.clone(),
        backend: entry.backend,
        size,
        idle,
        in_use: size - idle,
        max_connections: entry.options.max_connections,
        min_connections: entry.options.min_connections,
    })
}
