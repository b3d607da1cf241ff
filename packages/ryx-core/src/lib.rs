//! The `ryx_core._ryx_core` extension module: registration only; the logic lives in ryx-query and ryx-engine.

use pyo3::prelude::*;

#[pymodule(gil_used = false)]
fn _ryx_core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
