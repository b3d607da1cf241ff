//! The one place where Rust errors of the query layer and the engine become Python exceptions.

use pyo3::PyErr;
use ryx_engine::{DbErrorKind, Error as EngineError};
use ryx_query::QueryError;

use crate::exceptions::{new_db_err, new_err, Kind};

/// Any error a binding call can end with.
#[derive(Debug)]
pub enum RyxErr {
    Engine(EngineError),
    Query(QueryError),
    Py(PyErr),
    /// An exception of a Ryx class, built only when handed to Python (so tokio threads never attach).
    Raise(Kind, String),
}

impl From<EngineError> for RyxErr {
    fn from(e: EngineError) -> Self {
        RyxErr::Engine(e)
    }
}

impl From<QueryError> for RyxErr {
    fn from(e: QueryError) -> Self {
        RyxErr::Query(e)
    }
}

impl From<PyErr> for RyxErr {
    fn from(e: PyErr) -> Self {
        RyxErr::Py(e)
    }
}

impl From<RyxErr> for PyErr {
    fn from(e: RyxErr) -> PyErr {
        match e {
            RyxErr::Py(e) => e,
            RyxErr::Raise(kind, message) => new_err(kind, message),
            RyxErr::Query(e) => query_error(e),
            RyxErr::Engine(e) => engine_error(e),
        }
    }
}

fn query_error(e: QueryError) -> PyErr {
    let kind = match &e {
        QueryError::UnknownLookup { .. } | QueryError::UnknownTransform { .. } => Kind::FieldError,
        QueryError::NotSupported { .. } => Kind::NotSupportedError,
        _ => Kind::QueryError,
    };
    new_err(kind, e.to_string())
}

fn engine_error(e: EngineError) -> PyErr {
    let message = e.to_string();
    match e {
        EngineError::Database {
            kind,
            sqlstate,
            constraint,
            table,
            ..
        } => {
            let class = match kind {
                DbErrorKind::UniqueViolation => Kind::UniqueViolation,
                DbErrorKind::ForeignKeyViolation => Kind::ForeignKeyViolation,
                DbErrorKind::NotNullViolation => Kind::NotNullViolation,
                DbErrorKind::CheckViolation => Kind::CheckViolation,
                DbErrorKind::Integrity => Kind::IntegrityError,
                DbErrorKind::Programming => Kind::ProgrammingError,
                DbErrorKind::Data => Kind::DataError,
                DbErrorKind::Operational => Kind::OperationalError,
                _ => Kind::DatabaseError,
            };
            new_db_err(class, message, sqlstate, constraint, table)
        }
        EngineError::Connection(_) => new_db_err(Kind::OperationalError, message, None, None, None),
        EngineError::Config(_) => new_err(Kind::ConfigurationError, message),
        EngineError::PoolNotInitialized { .. } => new_err(Kind::PoolNotInitialized, message),
        EngineError::PoolTimeout { .. } => new_err(Kind::PoolTimeout, message),
        EngineError::Decode { .. } => new_db_err(Kind::DataError, message, None, None, None),
        EngineError::Encode(_) => new_err(Kind::UnsupportedTypeError, message),
        EngineError::Transaction(_) => new_err(Kind::TransactionError, message),
        EngineError::NotSupported { .. } => new_err(Kind::NotSupportedError, message),
        EngineError::RowNotFound => new_err(Kind::DoesNotExist, message),
        EngineError::MultipleRows => new_err(Kind::MultipleObjectsReturned, message),
        _ => new_err(Kind::RyxError, message),
    }
}
