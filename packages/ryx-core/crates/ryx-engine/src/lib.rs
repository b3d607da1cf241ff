//! ryx-engine: pools, executor, row decoding and transactions on sqlx + tokio; no Python.

mod conn;
mod connect;
mod db_error;
pub mod decode;
mod encode;
pub mod error;
pub mod executor;
pub mod options;
pub mod pool;
mod sqlite_direct;
mod sqlite_lane;
mod temporal;
pub mod transaction;

pub use decode::{DecodeHint, Hints};
pub use error::{DbErrorKind, Error, Result};
pub use executor::{ExecResult, Rows, Target};
pub use options::{parse_url, Backend, PoolOptions};
pub use pool::{Pool, PoolEntry, PoolStats};
pub use ryx_query::Value;
pub use transaction::{IsolationLevel, Transaction, TxStatus};

/// The binding spawns every engine future on tokio, so they must all be `Send`.
#[cfg(test)]
mod send_check {
    use std::sync::Arc;

    use super::*;

    fn is_send<T: Send>(_: &T) {}

    #[allow(dead_code, clippy::needless_pass_by_value)]
    fn futures_are_send(target: Target, tx: Arc<Transaction>) {
        let hints = Hints::default();
        is_send(&pool::setup(Vec::new()));
        is_send(&pool::close(None));
        is_send(&executor::fetch_all(&target, "", Vec::new(), &hints));
        is_send(&executor::fetch_optional(&target, "", Vec::new(), &hints));
        is_send(&executor::execute(&target, "", Vec::new()));
        is_send(&executor::execute_batches(
            &target,
            Vec::new(),
            true,
            &hints,
        ));
        is_send(&transaction::begin(None, None, false));
        is_send(&tx.commit());
        is_send(&tx.rollback());
        is_send(&tx.savepoint("a"));
        is_send(&tx.rollback_to("a"));
        is_send(&tx.release_savepoint("a"));
    }
}
