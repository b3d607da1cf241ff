//! The `Transaction` class and `begin`: a transaction on one pooled connection, rolled back when dropped.

use std::sync::Arc;

use pyo3::prelude::*;
use ryx_engine::{transaction, IsolationLevel, Transaction};

use crate::errors::RyxErr;
use crate::exceptions::{new_err, Kind};
use crate::runtime::{awaitable, blocking};

/// A transaction handle shared with Python. Dropping the last reference to an open transaction rolls it
/// back: the engine spawns the rollback on the runtime captured when the transaction began.
#[pyclass(frozen, name = "Transaction", module = "ryx_core")]
pub struct PyTransaction {
    pub inner: Arc<Transaction>,
    /// The alias whose pool the connection came from.
    #[pyo3(get)]
    alias: String,
}

fn isolation(name: Option<&str>) -> PyResult<Option<IsolationLevel>> {
    name.map(|n| {
        n.parse::<IsolationLevel>().map_err(|_| {
            new_err(
                Kind::QueryError,
                format!(
                    "unknown isolation level '{n}'; use 'read uncommitted', 'read committed', 'repeatable read' \
                     or 'serializable'"
                ),
            )
        })
    })
    .transpose()
}

#[pymethods]
impl PyTransaction {
    /// "PostgreSQL", "MySQL" or "SQLite".
    #[getter]
    fn backend(&self) -> &'static str {
        self.inner.backend().name()
    }

    /// Whether the transaction is still open.
    #[getter]
    fn active(&self) -> bool {
        self.inner.is_active()
    }

    #[pyo3(name = "get_alias")]
    fn alias_name(&self) -> String {
        self.inner.alias().to_owned()
    }

    fn is_active<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let active = self.inner.is_active();
        awaitable(py, async move { Ok::<_, RyxErr>(active) })
    }

    fn commit<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let tx = self.inner.clone();
        awaitable(py, async move { tx.commit().await.map_err(RyxErr::from) })
    }

    fn rollback<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let tx = self.inner.clone();
        awaitable(py, async move { tx.rollback().await.map_err(RyxErr::from) })
    }

    fn savepoint<'py>(&self, py: Python<'py>, name: String) -> PyResult<Bound<'py, PyAny>> {
        let tx = self.inner.clone();
        awaitable(py, async move {
            tx.savepoint(&name).await.map_err(RyxErr::from)
        })
    }

    fn rollback_to<'py>(&self, py: Python<'py>, name: String) -> PyResult<Bound<'py, PyAny>> {
        let tx = self.inner.clone();
        awaitable(py, async move {
            tx.rollback_to(&name).await.map_err(RyxErr::from)
        })
    }

    fn release_savepoint<'py>(&self, py: Python<'py>, name: String) -> PyResult<Bound<'py, PyAny>> {
        let tx = self.inner.clone();
        awaitable(py, async move {
            tx.release_savepoint(&name).await.map_err(RyxErr::from)
        })
    }

    fn commit_sync(&self, py: Python<'_>) -> PyResult<()> {
        let tx = self.inner.clone();
        blocking(py, async move { tx.commit().await.map_err(RyxErr::from) })
    }

    fn rollback_sync(&self, py: Python<'_>) -> PyResult<()> {
        let tx = self.inner.clone();
        blocking(py, async move { tx.rollback().await.map_err(RyxErr::from) })
    }

    fn savepoint_sync(&self, py: Python<'_>, name: String) -> PyResult<()> {
        let tx = self.inner.clone();
        blocking(py, async move {
            tx.savepoint(&name).await.map_err(RyxErr::from)
        })
    }

    fn rollback_to_sync(&self, py: Python<'_>, name: String) -> PyResult<()> {
        let tx = self.inner.clone();
        blocking(py, async move {
            tx.rollback_to(&name).await.map_err(RyxErr::from)
        })
    }

    fn release_savepoint_sync(&self, py: Python<'_>, name: String) -> PyResult<()> {
        let tx = self.inner.clone();
        blocking(py, async move {
            tx.release_savepoint(&name).await.map_err(RyxErr::from)
        })
    }

    fn __aenter__<'py>(slf: Py<Self>, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        awaitable(py, async move { Ok::<_, RyxErr>(slf) })
    }

    /// Commit on a clean exit, roll back on an exception (which then propagates).
    fn __aexit__<'py>(
        &self,
        py: Python<'py>,
        exc_type: &Bound<'py, PyAny>,
        _exc: &Bound<'py, PyAny>,
        _tb: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let tx = self.inner.clone();
        let failed = !exc_type.is_none();
        awaitable(py, async move {
            finish(&tx, failed).await?;
            Ok::<_, RyxErr>(false)
        })
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __exit__(
        &self,
        py: Python<'_>,
        exc_type: &Bound<'_, PyAny>,
        _exc: &Bound<'_, PyAny>,
        _tb: &Bound<'_, PyAny>,
    ) -> PyResult<bool> {
        let tx = self.inner.clone();
        let failed = !exc_type.is_none();
        blocking(py, async move {
            finish(&tx, failed).await?;
            Ok::<_, RyxErr>(false)
        })
    }

    fn __repr__(&self) -> String {
        let state = if self.inner.is_active() {
            "active"
        } else {
            "finished"
        };
        format!(
            "<Transaction alias={:?} backend={} {state}>",
            self.inner.alias(),
            self.inner.backend().name()
        )
    }
}

/// End a transaction from a `with` block: commit unless the block failed or it was already finished.
async fn finish(tx: &Transaction, failed: bool) -> Result<(), RyxErr> {
    if !tx.is_active() {
        return Ok(());
    }
    if failed {
        tx.rollback().await?;
    } else {
        tx.commit().await?;
    }
    Ok(())
}

async fn open(
    alias: Option<String>,
    isolation: Option<IsolationLevel>,
    read_only: bool,
) -> Result<PyTransaction, RyxErr> {
    let inner = transaction::begin(alias.as_deref(), isolation, read_only).await?;
    let alias = inner.alias().to_owned();
    Ok(PyTransaction { inner, alias })
}

/// Begin a transaction on an alias's pool.
#[pyfunction]
#[pyo3(signature = (alias=None, *, isolation=None, read_only=false))]
pub fn begin<'py>(
    py: Python<'py>,
    alias: Option<String>,
    isolation: Option<&str>,
    read_only: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let level = self::isolation(isolation)?;
    awaitable(py, open(alias, level, read_only))
}

/// Blocking `begin`.
#[pyfunction]
#[pyo3(signature = (alias=None, *, isolation=None, read_only=false))]
pub fn begin_sync(
    py: Python<'_>,
    alias: Option<String>,
    isolation: Option<&str>,
    read_only: bool,
) -> PyResult<PyTransaction> {
    let level = self::isolation(isolation)?;
    blocking(py, open(alias, level, read_only))
}

/// `begin` under the original Ryx name.
#[pyfunction]
#[pyo3(signature = (alias=None))]
pub fn begin_transaction(py: Python<'_>, alias: Option<String>) -> PyResult<Bound<'_, PyAny>> {
    awaitable(py, open(alias, None, false))
}
