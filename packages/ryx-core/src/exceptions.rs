//! The Python exception hierarchy of Ryx, created once at import and looked up by kind when raising.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyTuple, PyType};

/// Every exception class `ryx_core` defines, in creation order (a base before its subclasses).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(usize)]
pub enum Kind {
    RyxError,
    ConfigurationError,
    PoolNotInitialized,
    PoolTimeout,
    FieldError,
    QueryError,
    UnsupportedTypeError,
    NotSupportedError,
    TransactionError,
    DoesNotExist,
    MultipleObjectsReturned,
    DatabaseError,
    OperationalError,
    ProgrammingError,
    DataError,
    IntegrityError,
    UniqueViolation,
    ForeignKeyViolation,
    NotNullViolation,
    CheckViolation,
}

/// Where a class inherits from: another Ryx class and, for some, a builtin Python exception.
enum Base {
    Builtin(&'static str),
    Ryx(Kind),
}

/// (kind, name, bases, docstring). The builtin bases let `except ValueError` keep working for bad input.
const CLASSES: &[(Kind, &str, &[Base], &str)] = &[
    (Kind::RyxError, "RyxError", &[Base::Builtin("Exception")], "Base class of every error raised by Ryx."),
    (Kind::ConfigurationError, "ConfigurationError", &[Base::Ryx(Kind::RyxError), Base::Builtin("ValueError")], "A malformed URL or pool option."),
    (Kind::PoolNotInitialized, "PoolNotInitialized", &[Base::Ryx(Kind::RyxError)], "No pool for the alias: setup() was not called, the alias is unknown, or the pool was closed."),
    (Kind::PoolTimeout, "PoolTimeout", &[Base::Ryx(Kind::RyxError), Base::Builtin("TimeoutError")], "No connection became free within the acquire timeout."),
    (Kind::FieldError, "FieldError", &[Base::Ryx(Kind::RyxError)], "An unknown field, lookup or transform."),
    (Kind::QueryError, "QueryError", &[Base::Ryx(Kind::RyxError), Base::Builtin("ValueError")], "A query that cannot be compiled (wrong value for a lookup, empty update, bad identifier, ...)."),
    (Kind::UnsupportedTypeError, "UnsupportedTypeError", &[Base::Ryx(Kind::RyxError), Base::Builtin("TypeError")], "A Python value with no SQL mapping."),
    (Kind::NotSupportedError, "NotSupportedError", &[Base::Ryx(Kind::RyxError)], "The backend cannot do what was asked."),
    (Kind::TransactionError, "TransactionError", &[Base::Ryx(Kind::RyxError)], "Misuse of a transaction: finished already, unknown savepoint, other alias."),
    (Kind::DoesNotExist, "DoesNotExist", &[Base::Ryx(Kind::RyxError)], "A query that had to return one row returned none."),
    (Kind::MultipleObjectsReturned, "MultipleObjectsReturned", &[Base::Ryx(Kind::RyxError)], "A query that had to return one row returned several."),
    (Kind::DatabaseError, "DatabaseError", &[Base::Ryx(Kind::RyxError)], "An error reported by the database server."),
    (Kind::OperationalError, "OperationalError", &[Base::Ryx(Kind::DatabaseError)], "Connection lost, deadlock, serialisation failure, lock timeout, server shutdown."),
    (Kind::ProgrammingError, "ProgrammingError", &[Base::Ryx(Kind::DatabaseError)], "SQL the server rejects: syntax, unknown table or column."),
    (Kind::DataError, "DataError", &[Base::Ryx(Kind::DatabaseError)], "A value the server rejects: out of range, invalid text representation."),
    (Kind::IntegrityError, "IntegrityError", &[Base::Ryx(Kind::DatabaseError)], "A constraint failed."),
    (Kind::UniqueViolation, "UniqueViolation", &[Base::Ryx(Kind::IntegrityError)], "A unique constraint failed."),
    (Kind::ForeignKeyViolation, "ForeignKeyViolation", &[Base::Ryx(Kind::IntegrityError)], "A foreign key constraint failed."),
    (Kind::NotNullViolation, "NotNullViolation", &[Base::Ryx(Kind::IntegrityError)], "A NOT NULL constraint failed."),
    (Kind::CheckViolation, "CheckViolation", &[Base::Ryx(Kind::IntegrityError)], "A CHECK constraint failed."),
];

static TYPES: PyOnceLock<Vec<Py<PyType>>> = PyOnceLock::new();

fn build(py: Python<'_>) -> PyResult<Vec<Py<PyType>>> {
    let builtins = py.import("builtins")?;
    let type_fn = builtins.getattr("type")?;
    let mut made: Vec<Py<PyType>> = Vec::with_capacity(CLASSES.len());
    for (i, (kind, name, bases, doc)) in CLASSES.iter().enumerate() {
        debug_assert_eq!(*kind as usize, i, "CLASSES must follow the order of Kind");
        let base_objs = bases
            .iter()
            .map(|b| match b {
                Base::Builtin(n) => builtins.getattr(*n),
                Base::Ryx(k) => Ok(made[*k as usize].bind(py).clone().into_any()),
            })
            .collect::<PyResult<Vec<_>>>()?;
        let ns = PyDict::new(py);
        ns.set_item("__doc__", *doc)?;
        ns.set_item("__module__", "ryx_core")?;
        if *kind == Kind::DatabaseError {
            // Class-level defaults so every DatabaseError answers these, even when the server said nothing.
            for attr in ["sqlstate", "constraint", "table"] {
                ns.set_item(attr, py.None())?;
            }
        }
        let cls = type_fn.call1((*name, PyTuple::new(py, base_objs)?, ns))?;
        made.push(cls.cast_into::<PyType>()?.unbind());
    }
    Ok(made)
}

/// Create the classes (once) and add them to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    let types = TYPES.get_or_try_init(py, || build(py))?;
    for ((_, name, _, _), cls) in CLASSES.iter().zip(types) {
        m.add(*name, cls.bind(py))?;
    }
    Ok(())
}

/// The class object of a kind.
pub fn class(py: Python<'_>, kind: Kind) -> PyResult<Bound<'_, PyType>> {
    let types = TYPES.get_or_try_init(py, || build(py))?;
    Ok(types[kind as usize].bind(py).clone())
}

/// A new exception of `kind` with `message`.
pub fn new_err(kind: Kind, message: impl Into<String>) -> PyErr {
    let message = message.into();
    Python::attach(|py| match class(py, kind) {
        Ok(cls) => PyErr::from_type(cls, (message,)),
        Err(e) => e,
    })
}

/// A new DatabaseError-family exception carrying the server's SQLSTATE, constraint and table.
pub fn new_db_err(
    kind: Kind,
    message: String,
    sqlstate: Option<String>,
    constraint: Option<String>,
    table: Option<String>,
) -> PyErr {
    Python::attach(|py| {
        let build = || -> PyResult<PyErr> {
            let instance = class(py, kind)?.call1((message,))?;
            instance.setattr("sqlstate", sqlstate)?;
            instance.setattr("constraint", constraint)?;
            instance.setattr("table", table)?;
            Ok(PyErr::from_value(instance))
        };
        build().unwrap_or_else(|e| e)
    })
}
