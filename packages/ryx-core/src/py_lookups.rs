//! The lookup registry seen from Python: custom lookups and the lists of names.

use pyo3::prelude::*;

use crate::errors::RyxErr;

/// Register a lookup: `{col}` is the left-hand side, each `?` the bound value.
#[pyfunction]
pub fn register_lookup(name: &str, sql_template: &str) -> PyResult<()> {
    ryx_query::register_lookup(name, sql_template).map_err(RyxErr::from)?;
    Ok(())
}

/// Every lookup name, built-in and custom, sorted.
#[pyfunction]
pub fn available_lookups() -> Vec<String> {
    ryx_query::available_lookups()
}

/// The built-in lookups in declaration order.
#[pyfunction]
pub fn list_lookups() -> Vec<&'static str> {
    ryx_query::builtin_lookups()
}

/// Every transform name.
#[pyfunction]
pub fn available_transforms() -> Vec<&'static str> {
    ryx_query::available_transforms()
}

/// Every transform name (the original Ryx name of `available_transforms`).
#[pyfunction]
pub fn list_transforms() -> Vec<&'static str> {
    ryx_query::available_transforms()
}
