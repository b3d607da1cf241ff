//! The `ryx_core._ryx_core` extension module: registration only; the logic lives in ryx-query and ryx-engine.

mod convert;
mod errors;
mod exceptions;
mod inbox;
mod instances;
mod out;
mod py_ddl;
mod py_expr;
mod py_lookups;
mod py_pool;
mod py_query;
mod py_raw;
mod py_tx;
mod py_write;
mod runtime;
mod target;

use pyo3::prelude::*;

#[pymodule(gil_used = false)]
fn _ryx_core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    exceptions::register(m)?;
    runtime::register(m)?;

    m.add_function(wrap_pyfunction!(py_pool::setup, m)?)?;
    m.add_function(wrap_pyfunction!(py_pool::setup_sync, m)?)?;
    m.add_function(wrap_pyfunction!(py_pool::close, m)?)?;
    m.add_function(wrap_pyfunction!(py_pool::close_sync, m)?)?;
    m.add_function(wrap_pyfunction!(py_pool::is_connected, m)?)?;
    m.add_function(wrap_pyfunction!(py_pool::pool_stats, m)?)?;
    m.add_function(wrap_pyfunction!(py_pool::list_aliases, m)?)?;
    m.add_function(wrap_pyfunction!(py_pool::default_alias, m)?)?;
    m.add_function(wrap_pyfunction!(py_pool::get_backend, m)?)?;
    m.add_function(wrap_pyfunction!(py_pool::server_version, m)?)?;

    m.add_function(wrap_pyfunction!(py_lookups::register_lookup, m)?)?;
    m.add_function(wrap_pyfunction!(py_lookups::available_lookups, m)?)?;
    m.add_function(wrap_pyfunction!(py_lookups::list_lookups, m)?)?;
    m.add_function(wrap_pyfunction!(py_lookups::available_transforms, m)?)?;
    m.add_function(wrap_pyfunction!(py_lookups::list_transforms, m)?)?;

    m.add_class::<convert::to_value::PyJson>()?;
    m.add_class::<py_expr::PyExpr>()?;
    m.add_class::<py_expr::PyCond>()?;
    m.add_class::<py_query::PyQuery>()?;
    m.add_class::<instances::PyInto>()?;
    m.add_class::<py_query::RowStream>()?;

    m.add_function(wrap_pyfunction!(py_write::insert, m)?)?;
    m.add_function(wrap_pyfunction!(py_write::insert_sync, m)?)?;
    m.add_function(wrap_pyfunction!(py_write::bulk_insert, m)?)?;
    m.add_function(wrap_pyfunction!(py_write::bulk_insert_sync, m)?)?;
    m.add_function(wrap_pyfunction!(py_write::bulk_update, m)?)?;
    m.add_function(wrap_pyfunction!(py_write::bulk_update_sync, m)?)?;

    m.add_function(wrap_pyfunction!(py_raw::fetch_all, m)?)?;
    m.add_function(wrap_pyfunction!(py_raw::fetch_all_sync, m)?)?;
    m.add_function(wrap_pyfunction!(py_raw::fetch_one, m)?)?;
    m.add_function(wrap_pyfunction!(py_raw::fetch_one_sync, m)?)?;
    m.add_function(wrap_pyfunction!(py_raw::fetch_scalar, m)?)?;
    m.add_function(wrap_pyfunction!(py_raw::fetch_scalar_sync, m)?)?;
    m.add_function(wrap_pyfunction!(py_raw::execute, m)?)?;
    m.add_function(wrap_pyfunction!(py_raw::execute_sync, m)?)?;

    m.add_class::<py_tx::PyTransaction>()?;
    m.add_function(wrap_pyfunction!(py_tx::begin, m)?)?;
    m.add_function(wrap_pyfunction!(py_tx::begin_sync, m)?)?;
    m.add_function(wrap_pyfunction!(py_tx::begin_transaction, m)?)?;

    py_ddl::register(m)?;
    Ok(())
}
