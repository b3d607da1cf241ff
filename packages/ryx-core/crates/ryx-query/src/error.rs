//! The error type of the query layer: every message names the problem and says what to do about it.

use thiserror::Error;

/// Why a query could not be built or compiled. Nothing is executed when one of these is returned.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum QueryError {
    /// A filter used a lookup name that is neither built in nor registered.
    #[error(
        "unknown lookup '{name}'. Valid lookups: {}. Register a custom one with register_lookup(name, template), \
         e.g. register_lookup(\"ne\", \"{{col}} <> ?\").",
        available.join(", ")
    )]
    UnknownLookup {
        /// The name that was asked for.
        name: String,
        /// Every lookup name that would have been accepted, sorted.
        available: Vec<String>,
    },
    /// A filter path used a transform name that does not exist.
    #[error(
        "unknown transform '{name}'. Valid transforms: {}. Transforms wrap the column before the final lookup, \
         as in created__year__gte; for other SQL register a custom lookup with register_lookup(name, template).",
        available.join(", ")
    )]
    UnknownTransform {
        /// The name that was asked for.
        name: String,
        /// Every transform name that would have been accepted, in declaration order.
        available: Vec<String>,
    },
    /// A lookup got a value it cannot use (wrong type, wrong length, NULL where NULL means nothing).
    #[error("invalid value for lookup '{lookup}': {message}")]
    InvalidValue {
        /// The lookup that rejected the value.
        lookup: String,
        /// What was wrong and what to pass instead.
        message: String,
    },
    /// A table, column or alias name that cannot be quoted safely.
    #[error("invalid identifier {0:?}: identifiers must be non-empty and must not contain NUL characters")]
    InvalidIdentifier(String),
    /// The backend has no way to express this exactly.
    #[error("{feature} is not supported on {backend}; leave it out on this backend (see its Features) or use a backend that supports it")]
    NotSupported {
        /// What was asked for.
        feature: String,
        /// The dialect name (`postgres`, `mysql`, `mariadb`, `sqlite`).
        backend: String,
    },
    /// Any other malformed query; the message says how to fix it.
    #[error("{0}")]
    Invalid(String),
}

impl QueryError {
    /// Shorthand for [`QueryError::InvalidValue`].
    pub(crate) fn value(lookup: &str, message: impl Into<String>) -> Self {
        QueryError::InvalidValue {
            lookup: lookup.to_owned(),
            message: message.into(),
        }
    }

    /// Shorthand for [`QueryError::NotSupported`].
    pub(crate) fn unsupported(feature: impl Into<String>, backend: &str) -> Self {
        QueryError::NotSupported {
            feature: feature.into(),
            backend: backend.to_owned(),
        }
    }
}

/// The result type used throughout the query layer.
pub type Result<T, E = QueryError> = std::result::Result<T, E>;
