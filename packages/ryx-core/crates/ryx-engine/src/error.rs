//! The engine's error taxonomy: one enum the binding maps to the Python exception hierarchy.

use std::fmt;
use std::time::Duration;

use crate::db_error;

/// Everything that can go wrong in the engine.
///
/// Each variant maps to exactly one Python exception class in the binding (see
/// `docs/internals/core-contract.md`); messages say what to do about the problem.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A bad URL or option; the message names the accepted forms.
    #[error("{0}")]
    Config(String),

    /// `setup()` was never called, the alias is unknown, or its pool was closed.
    #[error("{}", not_initialized_message(.alias.as_deref(), .known))]
    PoolNotInitialized {
        /// The alias asked for (`None` = the default alias).
        alias: Option<String>,
        /// The aliases that are configured right now.
        known: Vec<String>,
    },

    /// No connection became free within the acquire timeout.
    #[error(
        "timed out after {waited:?} waiting for a connection from the pool of alias '{alias}' \
         ({size} connections, all in use): raise max_connections or the acquire timeout, or make \
         sure transactions and streams are closed promptly"
    )]
    PoolTimeout {
        /// The alias whose pool was exhausted.
        alias: String,
        /// How long the acquire waited.
        waited: Duration,
        /// The pool's maximum size.
        size: u32,
    },

    /// The database server rejected a statement.
    #[error("{message}")]
    Database {
        /// What kind of failure this is (drives the Python exception class).
        kind: DbErrorKind,
        /// The SQLSTATE (PostgreSQL, MySQL) or the extended result code (SQLite), when known.
        sqlstate: Option<String>,
        /// The violated constraint, when the server names it.
        constraint: Option<String>,
        /// The table involved, when the server names it.
        table: Option<String>,
        /// The server's message.
        message: String,
    },

    /// The connection broke (I/O, TLS, protocol, or the server closed it).
    #[error("{0}")]
    Connection(String),

    /// A column value could not be turned into a `Value`.
    #[error("cannot decode column '{column}': {message}")]
    Decode {
        /// The column's name in the result.
        column: String,
        /// What went wrong.
        message: String,
    },

    /// A parameter could not be bound.
    #[error("cannot bind parameter: {0}")]
    Encode(String),

    /// A transaction was misused (already finished, unknown savepoint, bad savepoint name, ...).
    #[error("{0}")]
    Transaction(String),

    /// Internal: inside [`crate::executor::now_only`], the statement could not run without waiting.
    /// Nothing ran; the caller runs it the usual way. Never reaches a user.
    #[error("the statement could not run without waiting")]
    Deferred,

    /// The backend cannot do what was asked.
    #[error("{feature} is not supported on {backend}")]
    NotSupported {
        /// What was asked for.
        feature: String,
        /// The backend's display name.
        backend: String,
    },

    /// A query that must return a row returned none.
    #[error("the query returned no rows")]
    RowNotFound,

    /// A query that must return at most one row returned several.
    #[error("the query returned more than one row")]
    MultipleRows,
}

/// The class of a database-side failure, chosen from SQLSTATE / error number / result code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DbErrorKind {
    /// A unique or primary-key constraint was violated.
    UniqueViolation,
    /// A foreign-key constraint was violated.
    ForeignKeyViolation,
    /// A NOT NULL constraint was violated.
    NotNullViolation,
    /// A CHECK constraint was violated.
    CheckViolation,
    /// Another integrity failure (SQLSTATE class 23, exclusion constraints, ...).
    Integrity,
    /// Bad SQL: syntax error, undefined table or column, wrong parameter count (class 42, ...).
    Programming,
    /// Bad data: out of range, invalid text representation, division by zero (class 22).
    Data,
    /// The server could not complete the work: connection trouble, deadlock, serialization
    /// failure, lock timeout, cancelled statement, busy database (classes 08, 40, 53, 57, ...).
    Operational,
    /// Anything else.
    Other,
}

impl DbErrorKind {
    /// Whether this is one of the integrity kinds (the Python `IntegrityError` family).
    #[must_use]
    pub fn is_integrity(self) -> bool {
        matches!(
            self,
            Self::UniqueViolation
                | Self::ForeignKeyViolation
                | Self::NotNullViolation
                | Self::CheckViolation
                | Self::Integrity
        )
    }
}

impl fmt::Display for DbErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::UniqueViolation => "unique violation",
            Self::ForeignKeyViolation => "foreign key violation",
            Self::NotNullViolation => "not null violation",
            Self::CheckViolation => "check violation",
            Self::Integrity => "integrity error",
            Self::Programming => "programming error",
            Self::Data => "data error",
            Self::Operational => "operational error",
            Self::Other => "database error",
        })
    }
}

impl Error {
    /// The database error kind, when this is a [`Error::Database`].
    #[must_use]
    pub fn db_kind(&self) -> Option<DbErrorKind> {
        match self {
            Self::Database { kind, .. } => Some(*kind),
            _ => None,
        }
    }

    /// An `Error::Connection` for a connection that broke while in use.
    pub(crate) fn connection_lost(detail: &dyn fmt::Display) -> Self {
        Self::Connection(format!(
            "the connection to the database was lost ({detail}); the pool will reconnect, \
             retry the operation"
        ))
    }

    /// Whether the connection this error came from can no longer be trusted.
    pub(crate) fn is_connection_loss(&self) -> bool {
        matches!(self, Self::Connection(_))
    }
}

fn not_initialized_message(alias: Option<&str>, known: &[String]) -> String {
    match (alias, known.is_empty()) {
        (None, true) => "no database is configured: call `ryx.setup()` first".to_owned(),
        (None, false) => format!(
            "no default database alias is configured: pass one of the configured aliases ({})",
            known.join(", ")
        ),
        (Some(alias), true) => format!(
            "database alias '{alias}' is not configured (or its pool was closed): \
             call `ryx.setup()` first"
        ),
        (Some(alias), false) => format!(
            "database alias '{alias}' is not configured (or its pool was closed); use one of the \
             configured aliases ({}) or add it to `ryx.setup()`",
            known.join(", ")
        ),
    }
}

impl From<sqlx::Error> for Error {
    fn from(err: sqlx::Error) -> Self {
        match err {
            sqlx::Error::Database(db) => db_error::classify(db.as_ref()),
            sqlx::Error::Configuration(e) => Error::Config(format!("invalid database URL: {e}")),
            sqlx::Error::InvalidArgument(e) => Error::Config(e),
            sqlx::Error::Io(e) => Error::connection_lost(&e),
            sqlx::Error::Tls(e) => Error::connection_lost(&format!("TLS: {e}")),
            sqlx::Error::Protocol(e) => Error::connection_lost(&format!("protocol: {e}")),
            sqlx::Error::WorkerCrashed => {
                Error::connection_lost(&"the SQLite worker thread stopped")
            }
            sqlx::Error::RowNotFound => Error::RowNotFound,
            sqlx::Error::ColumnDecode { index, source } => Error::Decode {
                column: index,
                message: source.to_string(),
            },
            sqlx::Error::Decode(e) => Error::Decode {
                column: "?".to_owned(),
                message: e.to_string(),
            },
            sqlx::Error::Encode(e) => Error::Encode(e.to_string()),
            // The executor wraps acquire() itself so that these carry the alias and pool size;
            // reaching this arm means a pool was used outside the executor.
            sqlx::Error::PoolTimedOut => Error::PoolTimeout {
                alias: String::new(),
                waited: Duration::ZERO,
                size: 0,
            },
            sqlx::Error::PoolClosed => Error::PoolNotInitialized {
                alias: None,
                known: Vec::new(),
            },
            other => Error::Database {
                kind: DbErrorKind::Other,
                sqlstate: None,
                constraint: None,
                table: None,
                message: other.to_string(),
            },
        }
    }
}

/// The engine's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
