//! Connection URLs and pool options: what `setup()` accepts, validated before anything connects.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use sqlx::mysql::MySqlConnectOptions;
use sqlx::postgres::PgConnectOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode};

use crate::error::{Error, Result};

/// The accepted URL forms, quoted in every URL error.
const ACCEPTED_FORMS: &str = "postgres://user:pass@host:5432/db (or postgresql://), \
     mysql://user:pass@host:3306/db (or mariadb://), sqlite://relative/path.db, \
     sqlite:///absolute/path.db, sqlite::memory:";

/// The database family behind an alias.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Backend {
    /// PostgreSQL.
    Postgres,
    /// MySQL or MariaDB (see `PoolEntry::is_mariadb`).
    MySql,
    /// SQLite.
    Sqlite,
}

impl Backend {
    /// The display name: `"PostgreSQL"`, `"MySQL"` or `"SQLite"`.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Postgres => "PostgreSQL",
            Self::MySql => "MySQL",
            Self::Sqlite => "SQLite",
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Pool and connection settings for one alias.
#[derive(Debug, Clone, PartialEq)]
pub struct PoolOptions {
    /// Upper bound on open connections.
    pub max_connections: u32,
    /// Connections opened eagerly by `setup()` and kept open.
    pub min_connections: u32,
    /// How long a query waits for a free connection before `Error::PoolTimeout`.
    pub acquire_timeout: Duration,
    /// Idle connections above `min_connections` are closed after this long.
    pub idle_timeout: Option<Duration>,
    /// Connections are recycled after this long.
    pub max_lifetime: Option<Duration>,
    /// Prepared statements cached per connection; 0 disables caching (needed behind PgBouncer in
    /// transaction mode, where a named statement may live on another server connection).
    pub statement_cache_capacity: usize,
    /// SQLite `journal_mode` (`delete`, `truncate`, `persist`, `memory`, `wal`, `off`);
    /// `None` keeps the database's current mode.
    pub sqlite_journal_mode: Option<String>,
    /// How long SQLite waits on a locked database before failing with a busy error.
    pub sqlite_busy_timeout: Duration,
    /// Start SQLite transactions with `BEGIN IMMEDIATE`, so concurrent writers queue on the busy
    /// timeout instead of failing with a deadlock-style busy error when they upgrade to write.
    pub sqlite_immediate_transactions: bool,
}

impl Default for PoolOptions {
    fn default() -> Self {
        Self {
            max_connections: 10,
            min_connections: 1,
            acquire_timeout: Duration::from_secs(30),
            idle_timeout: Some(Duration::from_secs(600)),
            max_lifetime: Some(Duration::from_secs(1800)),
            statement_cache_capacity: 100,
            sqlite_journal_mode: None,
            sqlite_busy_timeout: Duration::from_secs(5),
            sqlite_immediate_transactions: true,
        }
    }
}

impl PoolOptions {
    /// Check the options are coherent.
    ///
    /// # Errors
    /// `Error::Config` naming the bad option.
    pub fn validate(&self) -> Result<()> {
        if self.max_connections == 0 {
            return Err(Error::Config(
                "max_connections must be at least 1".to_owned(),
            ));
        }
        if self.min_connections > self.max_connections {
            return Err(Error::Config(format!(
                "min_connections ({}) cannot exceed max_connections ({})",
                self.min_connections, self.max_connections
            )));
        }
        if self.acquire_timeout.is_zero() {
            return Err(Error::Config(
                "the acquire (connect) timeout must be greater than zero".to_owned(),
            ));
        }
        if let Some(mode) = &self.sqlite_journal_mode {
            self.journal_mode_of(mode)?;
        }
        Ok(())
    }

    /// The validated SQLite journal mode, if one is set.
    pub(crate) fn sqlite_journal(&self) -> Result<Option<SqliteJournalMode>> {
        self.sqlite_journal_mode
            .as_deref()
            .map(|m| self.journal_mode_of(m))
            .transpose()
    }

    #[allow(clippy::unused_self)]
    fn journal_mode_of(&self, mode: &str) -> Result<SqliteJournalMode> {
        SqliteJournalMode::from_str(mode).map_err(|_| {
            Error::Config(format!(
                "unknown sqlite_journal_mode '{mode}': use one of delete, truncate, persist, \
                 memory, wal, off"
            ))
        })
    }

    /// Whether prepared statements are cached (and so sent as named, persistent statements).
    pub(crate) fn persistent(&self) -> bool {
        self.statement_cache_capacity > 0
    }
}

/// Detect the backend of a database URL and normalise it for sqlx.
///
/// Accepts `postgres://`, `postgresql://`, `mysql://`, `mariadb://` (→ `mysql://`),
/// `sqlite://relative/path.db`, `sqlite:///abs/path.db`, `sqlite::memory:` and
/// `sqlite://:memory:`; query options (`?sslmode=…`, `?mode=ro`) pass through.
///
/// # Errors
/// `Error::Config` naming the accepted forms when the scheme is unknown or the URL is malformed.
pub fn parse_url(url: &str) -> Result<(Backend, String)> {
    let url = url.trim();
    let Some((scheme, rest)) = url.split_once(':') else {
        return Err(bad_url(url, "it has no scheme"));
    };
    match scheme.to_ascii_lowercase().as_str() {
        "postgres" | "postgresql" => {
            let normalised = format!("postgres:{rest}");
            PgConnectOptions::from_str(&normalised).map_err(|e| bad_url(url, &e.to_string()))?;
            require_host(url, rest)?;
            Ok((Backend::Postgres, normalised))
        }
        "mysql" | "mariadb" => {
            let normalised = format!("mysql:{rest}");
            MySqlConnectOptions::from_str(&normalised).map_err(|e| bad_url(url, &e.to_string()))?;
            require_host(url, rest)?;
            Ok((Backend::MySql, normalised))
        }
        "sqlite" => parse_sqlite(url, rest).map(|u| (Backend::Sqlite, u)),
        _ => Err(bad_url(url, "the scheme is not a supported database")),
    }
}

fn parse_sqlite(url: &str, rest: &str) -> Result<String> {
    let (path, query) = match rest.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (rest, None),
    };
    let path = path.strip_prefix("//").unwrap_or(path);
    let in_memory = path == ":memory:" || query.is_some_and(|q| q.contains("mode=memory"));
    if path.is_empty() && !in_memory {
        return Err(bad_url(url, "the SQLite file path is empty"));
    }
    let normalised = match (path, query) {
        (":memory:", None) => "sqlite::memory:".to_owned(),
        (":memory:", Some(q)) => format!("sqlite::memory:?{q}"),
        (p, None) => format!("sqlite://{p}"),
        (p, Some(q)) => format!("sqlite://{p}?{q}"),
    };
    SqliteConnectOptions::from_str(&normalised).map_err(|e| bad_url(url, &e.to_string()))?;
    Ok(normalised)
}

/// Whether a (normalised) SQLite URL sets `mode=`, in which case a missing file is not created.
pub(crate) fn sqlite_sets_mode(url: &str) -> bool {
    url.split_once('?')
        .is_some_and(|(_, q)| q.split('&').any(|kv| kv.starts_with("mode=")))
}

/// Reject `postgres://` / `mysql://` URLs without a host unless a socket is given in the query.
fn require_host(url: &str, rest: &str) -> Result<()> {
    let Some(after) = rest.strip_prefix("//") else {
        return Err(bad_url(url, "expected '//' after the scheme"));
    };
    let authority = after.split(['/', '?']).next().unwrap_or("");
    let host = authority.rsplit('@').next().unwrap_or("");
    let has_socket = rest.contains("host=") || rest.contains("socket=");
    if host.is_empty() && !has_socket {
        return Err(bad_url(url, "it names no host"));
    }
    Ok(())
}

fn bad_url(url: &str, why: &str) -> Error {
    // Never echo a password back into logs.
    Error::Config(format!(
        "invalid database URL '{}' ({why}); accepted forms: {ACCEPTED_FORMS}",
        redact(url)
    ))
}

/// Replace the password of `scheme://user:password@host` with `***`.
fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    match authority.rsplit_once('@') {
        Some((userinfo, host)) if userinfo.contains(':') => {
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{scheme}://{user}:***@{host}{}", &rest[authority_end..])
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_password() {
        assert_eq!(
            redact("postgres://u:secret@h:5432/db?x=1"),
            "postgres://u:***@h:5432/db?x=1"
        );
        assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
    }

    #[test]
    fn sqlite_mode_detection() {
        assert!(sqlite_sets_mode("sqlite://a.db?mode=ro"));
        assert!(!sqlite_sets_mode("sqlite://a.db?cache=shared"));
        assert!(!sqlite_sets_mode("sqlite://a.db"));
    }
}
