//! The two bridges between Python and the tokio runtime: one for awaitables, one for blocking calls.
//!
//! Every database operation is spawned as its own tokio task. The Python awaitable only waits for that
//! task, so cancelling the awaitable never drops a future in the middle of the wire protocol: the task
//! finishes (or its transaction rolls back) and the connection goes back to the pool clean.

use std::future::Future;
use std::time::Duration;

use pyo3::prelude::*;
use tokio::runtime::Runtime;

use crate::errors::RyxErr;
use crate::exceptions::{new_err, Kind};

/// The process-wide tokio runtime (shared with pyo3-async-runtimes).
pub fn runtime() -> &'static Runtime {
    pyo3_async_runtimes::tokio::get_runtime()
}

/// Run `fut` on the runtime and return a Python awaitable for its result.
///
/// The result is converted to Python objects by pyo3-async-runtimes while attached, off the tokio workers.
pub fn awaitable<'py, F, T>(py: Python<'py>, fut: F) -> PyResult<Bound<'py, PyAny>>
where
    F: Future<Output = Result<T, RyxErr>> + Send + 'static,
    T: for<'a> IntoPyObject<'a> + Send + 'static,
{
    let handle = runtime().spawn(fut);
    pyo3_async_runtimes::tokio::future_into_py(py, async move {
        match handle.await {
            Ok(result) => result.map_err(PyErr::from),
            Err(join) => Err(panicked(&join)),
        }
    })
}

/// Run `fut` on the runtime and block this thread until it finishes, with the GIL released.
///
/// Ctrl-C is honoured: the wait ends with KeyboardInterrupt while the spawned task completes on its own.
pub fn blocking<F, T>(py: Python<'_>, fut: F) -> PyResult<T>
where
    F: Future<Output = Result<T, RyxErr>> + Send + 'static,
    T: Send + 'static,
{
    let rt = runtime();
    let mut handle = rt.spawn(fut);
    py.detach(|| {
        rt.block_on(async {
            loop {
                tokio::select! {
                    joined = &mut handle => {
                        return match joined {
                            Ok(result) => result.map_err(PyErr::from),
                            Err(join) => Err(panicked(&join)),
                        };
                    }
                    () = tokio::time::sleep(Duration::from_millis(100)) => {
                        Python::attach(|py| py.check_signals())?;
                    }
                }
            }
        })
    })
}

fn panicked(join: &tokio::task::JoinError) -> PyErr {
    new_err(
        Kind::RyxError,
        format!("internal error in the Ryx engine ({join}); please report it with the query that caused it"),
    )
}
