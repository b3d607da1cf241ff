//! Pool functions: `setup`, `close` and the introspection helpers, each a thin call into ryx-engine.

use std::time::Duration;

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyMapping, PyString};
use ryx_engine::{pool, PoolOptions};

use crate::errors::RyxErr;
use crate::exceptions::{new_err, Kind};
use crate::runtime::{awaitable, blocking};

const OPTION_KEYS: &[&str] = &[
    "url",
    "max_connections",
    "min_connections",
    "connect_timeout",
    "acquire_timeout",
    "idle_timeout",
    "max_lifetime",
    "statement_cache_size",
    "sqlite_journal_mode",
    "sqlite_busy_timeout",
];

fn seconds(name: &str, v: f64) -> PyResult<Duration> {
    if !v.is_finite() || v < 0.0 {
        return Err(new_err(
            Kind::ConfigurationError,
            format!("{name} must be a number of seconds >= 0, got {v}"),
        ));
    }
    Ok(Duration::from_secs_f64(v))
}

fn optional_seconds(name: &str, v: Option<f64>) -> PyResult<Option<Duration>> {
    v.map(|v| seconds(name, v)).transpose()
}

/// Apply one option given by name (per-alias overrides use the same names as the keywords).
fn apply(opts: &mut PoolOptions, key: &str, value: &Bound<'_, PyAny>) -> PyResult<()> {
    let bad = |e: PyErr| new_err(Kind::ConfigurationError, format!("pool option {key}: {e}"));
    match key {
        "max_connections" => opts.max_connections = value.extract().map_err(bad)?,
        "min_connections" => opts.min_connections = value.extract().map_err(bad)?,
        "connect_timeout" | "acquire_timeout" => {
            opts.acquire_timeout = seconds(key, value.extract().map_err(bad)?)?
        }
        "idle_timeout" => opts.idle_timeout = optional_seconds(key, value.extract().map_err(bad)?)?,
        "max_lifetime" => opts.max_lifetime = optional_seconds(key, value.extract().map_err(bad)?)?,
        "statement_cache_size" => opts.statement_cache_capacity = value.extract().map_err(bad)?,
        "sqlite_journal_mode" => opts.sqlite_journal_mode = value.extract().map_err(bad)?,
        "sqlite_busy_timeout" => {
            opts.sqlite_busy_timeout = seconds(key, value.extract().map_err(bad)?)?
        }
        _ => {
            return Err(new_err(
                Kind::ConfigurationError,
                format!(
                    "unknown pool option '{key}'; valid options: {}",
                    OPTION_KEYS.join(", ")
                ),
            ))
        }
    }
    Ok(())
}

fn check(alias: &str, opts: &PoolOptions) -> PyResult<()> {
    if opts.max_connections == 0 {
        return Err(new_err(
            Kind::ConfigurationError,
            format!("alias '{alias}': max_connections must be >= 1"),
        ));
    }
    if opts.min_connections > opts.max_connections {
        return Err(new_err(
            Kind::ConfigurationError,
            format!(
                "alias '{alias}': min_connections ({}) is larger than max_connections ({})",
                opts.min_connections, opts.max_connections
            ),
        ));
    }
    Ok(())
}

type Configs = Vec<(String, String, PoolOptions)>;

fn configs(urls: &Bound<'_, PyAny>, base: &PoolOptions) -> PyResult<Configs> {
    if let Ok(url) = urls.cast::<PyString>() {
        check("default", base)?;
        return Ok(vec![(
            "default".to_owned(),
            url.to_str()?.to_owned(),
            base.clone(),
        )]);
    }
    let Ok(mapping) = urls.cast::<PyMapping>() else {
        return Err(new_err(
            Kind::ConfigurationError,
            "setup() takes a URL string or a mapping {alias: url or {\"url\": ..., option: value}}",
        ));
    };
    let mut out = Vec::new();
    for item in mapping.items()?.iter() {
        let (alias, spec): (String, Bound<'_, PyAny>) = item.extract()?;
        let mut opts = base.clone();
        let url = if let Ok(url) = spec.cast::<PyString>() {
            url.to_str()?.to_owned()
        } else if let Ok(spec) = spec.cast::<PyDict>() {
            let mut url = None;
            for (k, v) in spec.iter() {
                let key: String = k.extract()?;
                if key == "url" {
                    url = Some(v.extract::<String>()?);
                } else {
                    apply(&mut opts, &key, &v)?;
                }
            }
            url.ok_or_else(|| {
                new_err(
                    Kind::ConfigurationError,
                    format!("alias '{alias}' has no \"url\""),
                )
            })?
        } else {
            return Err(new_err(
                Kind::ConfigurationError,
                format!("alias '{alias}': expected a URL string or a mapping with a \"url\" key"),
            ));
        };
        check(&alias, &opts)?;
        out.push((alias, url, opts));
    }
    if out.is_empty() {
        return Err(new_err(
            Kind::ConfigurationError,
            "setup() needs at least one database URL",
        ));
    }
    Ok(out)
}

#[allow(clippy::too_many_arguments)]
fn base_options(
    max_connections: u32,
    min_connections: u32,
    connect_timeout: f64,
    idle_timeout: Option<f64>,
    max_lifetime: Option<f64>,
    statement_cache_size: usize,
    sqlite_journal_mode: Option<String>,
    sqlite_busy_timeout: f64,
) -> PyResult<PoolOptions> {
    Ok(PoolOptions {
        max_connections,
        min_connections,
        acquire_timeout: seconds("connect_timeout", connect_timeout)?,
        idle_timeout: optional_seconds("idle_timeout", idle_timeout)?,
        max_lifetime: optional_seconds("max_lifetime", max_lifetime)?,
        statement_cache_capacity: statement_cache_size,
        sqlite_journal_mode,
        sqlite_busy_timeout: seconds("sqlite_busy_timeout", sqlite_busy_timeout)?,
        ..PoolOptions::default()
    })
}

/// Create one pool per alias, replacing any earlier setup atomically.
#[pyfunction]
#[pyo3(signature = (urls, *, max_connections=10, min_connections=1, connect_timeout=30.0, idle_timeout=Some(600.0),
    max_lifetime=Some(1800.0), statement_cache_size=100, sqlite_journal_mode=None, sqlite_busy_timeout=5.0),
    text_signature = "(urls, *, max_connections=10, min_connections=1, connect_timeout=30.0, idle_timeout=600.0, \
    max_lifetime=1800.0, statement_cache_size=100, sqlite_journal_mode=None, sqlite_busy_timeout=5.0)")]
#[allow(clippy::too_many_arguments)]
pub fn setup<'py>(
    py: Python<'py>,
    urls: &Bound<'py, PyAny>,
    max_connections: u32,
    min_connections: u32,
    connect_timeout: f64,
    idle_timeout: Option<f64>,
    max_lifetime: Option<f64>,
    statement_cache_size: usize,
    sqlite_journal_mode: Option<String>,
    sqlite_busy_timeout: f64,
) -> PyResult<Bound<'py, PyAny>> {
    let base = base_options(
        max_connections,
        min_connections,
        connect_timeout,
        idle_timeout,
        max_lifetime,
        statement_cache_size,
        sqlite_journal_mode,
        sqlite_busy_timeout,
    )?;
    let configs = configs(urls, &base)?;
    awaitable(py, async move {
        pool::setup(configs).await.map_err(RyxErr::from)
    })
}

/// Blocking `setup`.
#[pyfunction]
#[pyo3(signature = (urls, *, max_connections=10, min_connections=1, connect_timeout=30.0, idle_timeout=Some(600.0),
    max_lifetime=Some(1800.0), statement_cache_size=100, sqlite_journal_mode=None, sqlite_busy_timeout=5.0),
    text_signature = "(urls, *, max_connections=10, min_connections=1, connect_timeout=30.0, idle_timeout=600.0, \
    max_lifetime=1800.0, statement_cache_size=100, sqlite_journal_mode=None, sqlite_busy_timeout=5.0)")]
#[allow(clippy::too_many_arguments)]
pub fn setup_sync(
    py: Python<'_>,
    urls: &Bound<'_, PyAny>,
    max_connections: u32,
    min_connections: u32,
    connect_timeout: f64,
    idle_timeout: Option<f64>,
    max_lifetime: Option<f64>,
    statement_cache_size: usize,
    sqlite_journal_mode: Option<String>,
    sqlite_busy_timeout: f64,
) -> PyResult<()> {
    let base = base_options(
        max_connections,
        min_connections,
        connect_timeout,
        idle_timeout,
        max_lifetime,
        statement_cache_size,
        sqlite_journal_mode,
        sqlite_busy_timeout,
    )?;
    let configs = configs(urls, &base)?;
    blocking(py, async move {
        pool::setup(configs).await.map_err(RyxErr::from)
    })
}

/// Close one alias's pool, or all of them.
#[pyfunction]
#[pyo3(signature = (alias=None))]
pub fn close(py: Python<'_>, alias: Option<String>) -> PyResult<Bound<'_, PyAny>> {
    awaitable(py, async move {
        pool::close(alias.as_deref()).await.map_err(RyxErr::from)
    })
}

/// Blocking `close`.
#[pyfunction]
#[pyo3(signature = (alias=None))]
pub fn close_sync(py: Python<'_>, alias: Option<String>) -> PyResult<()> {
    blocking(py, async move {
        pool::close(alias.as_deref()).await.map_err(RyxErr::from)
    })
}

/// Whether a pool exists for the alias (no server round trip).
#[pyfunction]
#[pyo3(signature = (alias=None))]
pub fn is_connected(alias: Option<&str>) -> bool {
    pool::is_connected(alias)
}

/// Size and use of an alias's pool.
#[pyfunction]
#[pyo3(signature = (alias=None))]
pub fn pool_stats<'py>(py: Python<'py>, alias: Option<&str>) -> PyResult<Bound<'py, PyDict>> {
    let s = pool::stats(alias).map_err(RyxErr::from)?;
    let d = PyDict::new(py);
    d.set_item("alias", s.alias)?;
    d.set_item("backend", s.backend.name())?;
    d.set_item("size", s.size)?;
    d.set_item("idle", s.idle)?;
    d.set_item("in_use", s.in_use)?;
    d.set_item("max_connections", s.max_connections)?;
    d.set_item("min_connections", s.min_connections)?;
    Ok(d)
}

/// The configured aliases, in the order given to `setup`.
#[pyfunction]
pub fn list_aliases() -> Vec<String> {
    pool::list_aliases()
}

/// The alias used when none is given.
#[pyfunction]
pub fn default_alias() -> Option<String> {
    pool::default_alias()
}

/// "PostgreSQL", "MySQL" or "SQLite".
#[pyfunction]
#[pyo3(signature = (alias=None))]
pub fn get_backend(alias: Option<&str>) -> PyResult<&'static str> {
    Ok(pool::get(alias).map_err(RyxErr::from)?.backend.name())
}

/// The server's version string.
#[pyfunction]
#[pyo3(signature = (alias=None))]
pub fn server_version(alias: Option<&str>) -> PyResult<String> {
    Ok(pool::get(alias)
        .map_err(RyxErr::from)?
        .server_version
        .clone())
}
