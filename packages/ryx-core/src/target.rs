//! Resolve where a call runs (an alias's pool or a transaction) and which SQL dialect it speaks.

use std::sync::Arc;

use pyo3::prelude::*;
use ryx_engine::{pool, Backend, PoolEntry, Target};
use ryx_query::dialect::{self, Dialect};

use crate::errors::RyxErr;
use crate::py_tx::PyTransaction;

/// A resolved execution target together with its dialect.
pub struct Resolved {
    pub target: Target,
    pub dialect: &'static dyn Dialect,
}

/// The dialect a pool entry speaks (MariaDB ≥ 10.5 can use RETURNING; MySQL cannot).
pub fn dialect_for(entry: &PoolEntry) -> &'static dyn Dialect {
    match entry.backend {
        Backend::Postgres => dialect::postgres(),
        Backend::MySql if entry.is_mariadb => dialect::mariadb(),
        Backend::MySql => dialect::mysql(),
        Backend::Sqlite => dialect::sqlite(),
    }
}

/// Resolve `alias`/`tx` arguments: an open transaction wins; otherwise the alias's pool (default when None).
pub fn resolve(
    alias: Option<&str>,
    tx: Option<&Bound<'_, PyTransaction>>,
) -> Result<Resolved, RyxErr> {
    match tx {
        Some(tx) => {
            let tx = tx.get().inner.clone();
            if let Some(alias) = alias {
                if alias != tx.alias() {
                    return Err(RyxErr::Engine(ryx_engine::Error::Transaction(format!(
                        "the transaction is on alias '{}' but the call asked for alias '{alias}'; \
                         drop one of the two arguments",
                        tx.alias()
                    ))));
                }
            }
            // The transaction keeps the pool entry it began on: the server it really talks to.
            let dialect = dialect_for(tx.entry());
            Ok(Resolved {
                target: Target::Tx(tx),
                dialect,
            })
        }
        None => {
            let entry: Arc<PoolEntry> = pool::get(alias)?;
            let dialect = dialect_for(&entry);
            Ok(Resolved {
                target: Target::Pool(entry),
                dialect,
            })
        }
    }
}

/// Whether `alias`/`tx` designate an SQLite database (a cheap check; errors are left to `resolve`).
pub fn sqlite_target(alias: Option<&str>, tx: Option<&Bound<'_, PyTransaction>>) -> bool {
    match tx {
        Some(tx) => tx.get().inner.backend() == Backend::Sqlite,
        None => pool::get(alias).is_ok_and(|entry| entry.backend == Backend::Sqlite),
    }
}
