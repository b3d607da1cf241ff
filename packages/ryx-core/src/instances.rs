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
use pyo3::sync::PyOnceLock;
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
    /// Objects built from further columns of the same row and attached to this one (a JOIN's rows).
    joined: Vec<Joined>,
    /// Each instance added to the group of its key (a prefetch's rows, grouped by their parent).
    grouping: Option<Grouping>,
}

/// `Into.grouped(key, groups, back)`: each instance is appended to the list of `groups[value of key]`,
/// a `(list, parent)` pair, and gets the parent under `back`; an instance whose key has no group is
/// only returned.
struct Grouping {
    /// The attribute holding the key (one of the names).
    key: Py<PyString>,
    groups: Py<PyDict>,
    back: Option<Py<PyString>>,
}

/// One object of a joined row (`select_related`): built from `into.names.len()` columns from `start`
/// and stored under `key` in its parent's `__dict__` (None there when column `present` is NULL: no
/// related row), optionally with its parent under `back` in its own.
struct Joined {
    /// 0: the row's main object; `i + 1`: the object of `joined[i]` (an earlier one).
    parent: usize,
    key: Py<PyString>,
    into: Arc<Instances>,
    start: usize,
    present: usize,
    back: Option<Py<PyString>>,
}

/// `ryx_core.Into(model, names, extra=None)`: an `into=` argument checked and prepared once, for a caller
/// that builds the same instances on every query (the tuple form is prepared again on each call).
#[pyclass(frozen, name = "Into", module = "ryx_core")]
pub struct PyInto {
    prepared: Arc<Instances>,
}

#[pymethods]
impl PyInto {
    /// `joined`: `(parent, key, into, start, present, back)` per object built from further columns of
    /// each row and stored in its parent's `__dict__` under `key` (see [`Joined`]).
    #[new]
    #[pyo3(signature = (model, names, extra=None, *, joined=None))]
    fn new(
        model: &Bound<'_, PyAny>,
        names: &Bound<'_, PyAny>,
        extra: Option<&Bound<'_, PyAny>>,
        joined: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let none = model.py().None().into_bound(model.py());
        let mut prepared = Instances::prepare(model, names, extra.unwrap_or(&none))?;
        if let Some(joined) = joined.filter(|j| !j.is_none()) {
            prepared.joined = parse_joined(joined, prepared.names.len())?;
        }
        Ok(Self {
            prepared: Arc::new(prepared),
        })
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!("Into({})", self.prepared.cls.bind(py).repr()?))
    }

    /// A copy that also appends each instance to `groups[its value of key][0]` and, with `back`, stores
    /// `groups[...][1]` under `back` in its `__dict__`: how a prefetch groups its rows by parent.
    #[pyo3(signature = (key, groups, back=None))]
    fn grouped(
        &self,
        py: Python<'_>,
        key: &str,
        groups: &Bound<'_, PyDict>,
        back: Option<&str>,
    ) -> PyResult<Self> {
        let p = &self.prepared;
        let named = p.names.iter().any(|n| {
            n.as_ref()
                .is_some_and(|n| n.bind(py).to_str().is_ok_and(|n| n == key))
        });
        if !named {
            return Err(new_err(
                Kind::QueryError,
                format!("Into.grouped: '{key}' is not one of the names"),
            ));
        }
        let key = PyString::new(py, key).unbind();
        if !p.joined.is_empty() {
            return Err(new_err(
                Kind::QueryError,
                "Into.grouped: an Into with joined objects cannot be grouped",
            ));
        }
        Ok(Self {
            prepared: Arc::new(Instances {
                cls: p.cls.clone_ref(py),
                names: p
                    .names
                    .iter()
                    .map(|n| n.as_ref().map(|n| n.clone_ref(py)))
                    .collect(),
                template: p.template.clone_ref(py),
                direct: p.direct,
                joined: Vec::new(),
                grouping: Some(Grouping {
                    key,
                    groups: groups.clone().unbind(),
                    back: back.map(|b| PyString::new(py, b).unbind()),
                }),
            }),
        })
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
            joined: Vec::new(),
            grouping: None,
        })
    }

    /// The number of columns a row must have.
    fn width(&self) -> usize {
        self.names.len()
            + self
                .joined
                .iter()
                .map(|j| j.into.names.len())
                .sum::<usize>()
    }

    /// One instance per row, in order (with its joined objects attached).
    pub fn build<'py>(&self, py: Python<'py>, rows: &[Vec<Value>]) -> PyResult<Bound<'py, PyList>> {
        let width = self.width();
        let mut items = Vec::with_capacity(rows.len());
        // per row: the main object and each joined one (None: no related row), with their dicts
        let mut built: Vec<Option<(Bound<'py, PyAny>, Bound<'py, PyDict>)>> =
            Vec::with_capacity(1 + self.joined.len());
        for row in rows {
            if row.len() != width {
                return Err(new_err(
                    Kind::QueryError,
                    format!(
                        "into= names {width} attributes but the rows have {} columns",
                        row.len()
                    ),
                ));
            }
            let (obj, dict) = self.one(py, &row[..self.names.len()])?;
            if let Some(g) = &self.grouping {
                group(py, g, &obj, &dict)?;
            }
            built.clear();
            built.push(Some((obj.clone(), dict)));
            for j in &self.joined {
                let Some((parent, parent_dict)) = built[j.parent].clone() else {
                    built.push(None); // no parent row, so none of its own either
                    continue;
                };
                if matches!(row[j.present], Value::Null) {
                    parent_dict.set_item(j.key.bind(py), py.None())?;
                    built.push(None);
                    continue;
                }
                let (sub, sub_dict) = j
                    .into
                    .one(py, &row[j.start..j.start + j.into.names.len()])?;
                if let Some(back) = &j.back {
                    sub_dict.set_item(back.bind(py), parent)?;
                }
                parent_dict.set_item(j.key.bind(py), &sub)?;
                built.push(Some((sub, sub_dict)));
            }
            items.push(obj);
        }
        PyList::new(py, items)
    }

    /// One instance from the values of its own columns, with its `__dict__`.
    fn one<'py>(
        &self,
        py: Python<'py>,
        values: &[Value],
    ) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyDict>)> {
        let cls = self.cls.bind(py);
        let dict = self.template.bind(py).copy()?;
        for (name, value) in self.names.iter().zip(values) {
            if let Some(name) = name {
                dict.set_item(name.bind(py), value_to_py(py, value)?)?;
            }
        }
        let obj = if self.direct {
            new_with_dict(cls, &dict)?
        } else {
            let obj = object_new(py)?.call1((cls,))?;
            obj.setattr(pyo3::intern!(py, "__dict__"), &dict)?;
            obj
        };
        Ok((obj, dict))
    }
}

/// Add `obj` to the group of its key (see [`Grouping`]).
fn group<'py>(
    py: Python<'py>,
    g: &Grouping,
    obj: &Bound<'py, PyAny>,
    dict: &Bound<'py, PyDict>,
) -> PyResult<()> {
    let Some(key) = dict.get_item(g.key.bind(py))? else {
        return Ok(());
    };
    let Some(entry) = g.groups.bind(py).get_item(key)? else {
        return Ok(());
    };
    let entry = entry.cast_into::<PyTuple>().map_err(|_| {
        new_err(
            Kind::QueryError,
            "Into.grouped: each group must be a (list, parent) tuple",
        )
    })?;
    if entry.len() != 2 {
        return Err(new_err(
            Kind::QueryError,
            "Into.grouped: each group must be a (list, parent) tuple",
        ));
    }
    entry
        .get_item(0)?
        .cast_into::<PyList>()
        .map_err(|_| {
            new_err(
                Kind::QueryError,
                "Into.grouped: each group must be a (list, parent) tuple",
            )
        })?
        .append(obj)?;
    if let Some(back) = &g.back {
        dict.set_item(back.bind(py), entry.get_item(1)?)?;
    }
    Ok(())
}

/// Parse and check `joined=` against the main object's `width` columns.
fn parse_joined(joined: &Bound<'_, PyAny>, main_width: usize) -> PyResult<Vec<Joined>> {
    let bad = |why: &str| {
        new_err(
            Kind::QueryError,
            format!("into= joined takes (parent, key, Into, start, present, back or None) tuples: {why}"),
        )
    };
    let mut out: Vec<Joined> = Vec::new();
    let mut width = main_width;
    for item in joined.try_iter().map_err(|_| bad("not a sequence"))? {
        let item = item?;
        let parts = item
            .cast::<PyTuple>()
            .map_err(|_| bad("an entry is not a tuple"))?;
        if parts.len() != 6 {
            return Err(bad("an entry does not have 6 items"));
        }
        let parent: usize = parts
            .get_item(0)?
            .extract()
            .map_err(|_| bad("parent must be an int"))?;
        let key = parts
            .get_item(1)?
            .cast_into::<PyString>()
            .map_err(|_| bad("key must be a str"))?;
        let into = parts.get_item(2)?;
        let into = into
            .cast::<PyInto>()
            .map_err(|_| bad("the third item must be an Into"))?;
        let into = into.get().prepared.clone();
        let start: usize = parts
            .get_item(3)?
            .extract()
            .map_err(|_| bad("start must be an int"))?;
        let present: usize = parts
            .get_item(4)?
            .extract()
            .map_err(|_| bad("present must be an int"))?;
        let back = parts.get_item(5)?;
        let back = if back.is_none() {
            None
        } else {
            Some(
                back.cast_into::<PyString>()
                    .map_err(|_| bad("back must be a str or None"))?
                    .unbind(),
            )
        };
        if parent > out.len() {
            return Err(bad(
                "parent must be 0 (the main object) or an earlier entry's index + 1",
            ));
        }
        if !into.joined.is_empty() {
            return Err(bad(
                "a joined Into cannot have joined objects of its own; list them here instead",
            ));
        }
        if start != width || present < start || present >= start + into.names.len() {
            return Err(bad(
                "each entry's columns follow the previous ones, and present is one of them",
            ));
        }
        width += into.names.len();
        out.push(Joined {
            parent,
            key: key.unbind(),
            into,
            start,
            present,
            back,
        });
    }
    Ok(out)
}

/// `object.__new__`, looked up once.
fn object_new(py: Python<'_>) -> PyResult<&Bound<'_, PyAny>> {
    static OBJECT_NEW: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    Ok(OBJECT_NEW
        .get_or_try_init(py, || {
            py.get_type::<PyAny>().getattr("__new__").map(Bound::unbind)
        })?
        .bind(py))
}

/// Whether `cls()` would allocate through `object.__new__` (no `__new__` of its own or of a base,
/// not abstract) and its instances have a `__dict__`: then [`new_with_dict`] is exactly that.
fn allocates_plainly(cls: &Bound<'_, PyType>) -> PyResult<bool> {
    let py = cls.py();
    let object_new = object_new(py)?;
    let flags: u64 = cls.getattr("__flags__")?.extract()?;
    let dict_offset: isize = cls.getattr("__dictoffset__")?.extract()?;
    Ok(cls.getattr("__new__")?.is(object_new)
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
