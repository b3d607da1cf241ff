//! `into=`: rows made into instances of a Python class without `__init__`, their `__dict__` filled from the row.
//!
//! An ORM builds every fetched model instance this way, so its cost per row is most of what a query of
//! small rows costs above the driver. Two things make it cheap: each row's dict is a copy of a template
//! that already holds every key (no insertion, no resize; `extra` is in it), and, for a class whose
//! `__new__` is `object.__new__` (every plain Python class), the instance is allocated and given its
//! dict through the C API, as `object.__new__` and `obj.__dict__ = d` would do, without their two
//! Python-level calls. This is the binding's only `unsafe`; each call states its reason.
#![allow(unsafe_code)]

use std::sync::Arc;

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString, PyTuple, PyType};
use ryx_query::Value;

use crate::convert::to_py::value_to_py;
use crate::exceptions::{new_err, Kind};

/// `Py_TPFLAGS_IS_ABSTRACT`: `object.__new__` refuses such a class, so it goes the Python way.
const TPFLAGS_IS_ABSTRACT: u64 = 1 << 20;

/// `into=(cls, names, extra)`: each row becomes an instance of `cls` made without `__init__`, whose
/// `__dict__` is `{names[i]: value i}` plus `extra` (an `extra` key wins over a column of the same name).
pub struct Instances {
    cls: Py<PyType>,
    /// Per column: the attribute it fills, or None when `extra` holds that name.
    names: Vec<Option<Py<PyString>>>,
    /// Every key of an instance's dict: the names (None until the row fills them) and `extra`.
    template: Py<PyDict>,
    /// `cls` allocates as `object.__new__` does and its instances have a `__dict__`.
    direct: bool,
}

/// `ryx_core.Into(model, names, extra=None)`: an `into=` argument checked and prepared once, for a caller
/// that builds the same instances on every query (the tuple form is prepared again on each call).
#[pyclass(frozen, name = "Into", module = "ryx_core")]
pub struct PyInto {
    prepared: Arc<Instances>,
}

#[pymethods]
impl PyInto {
    #[new]
    #[pyo3(signature = (model, names, extra=None))]
    fn new(
        model: &Bound<'_, PyAny>,
        names: &Bound<'_, PyAny>,
        extra: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let none = model.py().None().into_bound(model.py());
        Ok(Self {
            prepared: Arc::new(Instances::prepare(model, names, extra.unwrap_or(&none))?),
        })
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!("Into({})", self.prepared.cls.bind(py).repr()?))
    }
}

fn usage() -> PyErr {
    new_err(
        Kind::QueryError,
        "into= takes ryx_core.Into(model, names, extra) or a tuple (class, attribute names, extra attributes or None)",
    )
}

impl Instances {
    /// Parse the `into` argument: a prepared [`PyInto`] or a `(cls, names, extra)` tuple.
    pub fn parse(into: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Arc<Self>>> {
        let Some(into) = into.filter(|i| !i.is_none()) else {
            return Ok(None);
        };
        if let Ok(prepared) = into.cast::<PyInto>() {
            return Ok(Some(prepared.get().prepared.clone()));
        }
        let parts = into.cast::<PyTuple>().map_err(|_| usage())?;
        if parts.len() != 3 {
            return Err(usage());
        }
        let (cls, names, extra) = (parts.get_item(0)?, parts.get_item(1)?, parts.get_item(2)?);
        Ok(Some(Arc::new(Self::prepare(&cls, &names, &extra)?)))
    }

    fn prepare(
        cls: &Bound<'_, PyAny>,
        names: &Bound<'_, PyAny>,
        extra: &Bound<'_, PyAny>,
    ) -> PyResult<Self> {
        let py = cls.py();
        let cls = cls.cast::<PyType>().map_err(|_| usage())?.clone();
        if names.is_instance_of::<PyString>() {
            return Err(usage());
        }
        let names = names
            .try_iter()
            .map_err(|_| usage())?
            .map(|n| n?.cast_into::<PyString>().map_err(|_| usage()))
            .collect::<PyResult<Vec<_>>>()?;
        let extra = if extra.is_none() {
            None
        } else {
            Some(extra.cast::<PyDict>().map_err(|_| usage())?.clone())
        };
        let template = PyDict::new(py);
        for name in &names {
            template.set_item(name, py.None())?;
        }
        let mut fills = Vec::with_capacity(names.len());
        for name in names {
            let taken = match &extra {
                Some(extra) => extra.contains(&name)?,
                None => false,
            };
            fills.push((!taken).then(|| name.unbind()));
        }
        if let Some(extra) = &extra {
            template.update(extra.as_mapping())?;
        }
        let direct = allocates_plainly(&cls)?;
        Ok(Self {
            cls: cls.unbind(),
            names: fills,
            template: template.unbind(),
            direct,
        })
    }

    /// One instance per row, in order.
    pub fn build<'py>(&self, py: Python<'py>, rows: &[Vec<Value>]) -> PyResult<Bound<'py, PyList>> {
        let cls = self.cls.bind(py);
        let template = self.template.bind(py);
        let object_new = if self.direct {
            None
        } else {
            Some(py.get_type::<PyAny>().getattr("__new__")?)
        };
        let mut items = Vec::with_capacity(rows.len());
        for row in rows {
            if row.len() != self.names.len() {
                return Err(new_err(
                    Kind::QueryError,
                    format!(
                        "into= names {} attributes but the rows have {} columns",
                        self.names.len(),
                        row.len()
                    ),
                ));
            }
            let dict = template.copy()?;
            for (name, value) in self.names.iter().zip(row) {
                if let Some(name) = name {
                    dict.set_item(name.bind(py), value_to_py(py, value)?)?;
                }
            }
            let obj = match &object_new {
                None => new_with_dict(cls, &dict)?,
                Some(new) => {
                    let obj = new.call1((cls,))?;
                    obj.setattr(pyo3::intern!(py, "__dict__"), dict)?;
                    obj
                }
            };
            items.push(obj);
        }
        PyList::new(py, items)
    }
}

/// Whether `cls()` would allocate through `object.__new__` (no `__new__` of its own or of a base,
/// not abstract) and its instances have a `__dict__`: then [`new_with_dict`] is exactly that.
fn allocates_plainly(cls: &Bound<'_, PyType>) -> PyResult<bool> {
    let py = cls.py();
    let object_new = py.get_type::<PyAny>().getattr("__new__")?;
    let flags: u64 = cls.getattr("__flags__")?.extract()?;
    let dict_offset: isize = cls.getattr("__dictoffset__")?.extract()?;
    Ok(cls.getattr("__new__")?.is(&object_new)
        && flags & TPFLAGS_IS_ABSTRACT == 0
        && dict_offset != 0)
}

/// An instance of `cls` (checked by [`allocates_plainly`]) whose `__dict__` is `dict`.
fn new_with_dict<'py>(
    cls: &Bound<'py, PyType>,
    dict: &Bound<'py, PyDict>,
) -> PyResult<Bound<'py, PyAny>> {
    let py = cls.py();
    let tp = cls.as_ptr().cast::<ffi::PyTypeObject>();
    // SAFETY: `tp` is a live type object (we hold a reference, and the GIL). `object.__new__(cls)` is
    // `cls->tp_alloc(cls, 0)` once its checks pass, and `allocates_plainly` made them: no `__new__`
    // other than object's anywhere in the MRO (so no base expects its own initialisation) and not
    // abstract. `tp_alloc` returns a new reference or NULL with an exception set.
    let obj = unsafe {
        let alloc = (*tp).tp_alloc.unwrap_or(ffi::PyType_GenericAlloc);
        Bound::from_owned_ptr_or_err(py, alloc(tp, 0))?
    };
    // SAFETY: both pointers are live objects held by the caller; the function takes its own reference
    // to `dict` and returns -1 with an exception set when the object cannot take a `__dict__`.
    let status =
        unsafe { ffi::PyObject_GenericSetDict(obj.as_ptr(), dict.as_ptr(), std::ptr::null_mut()) };
    if status != 0 {
        return Err(PyErr::fetch(py));
    }
    Ok(obj)
}
