"""Models: `Model`, `Manager`, `Options` (``_meta``), `Index`, `Constraint` and the model `registry`."""

from ryx.models.base import Model, ModelMetaclass, ModelRegistry, ModelState, registry
from ryx.models.manager import Manager, ManagerDescriptor
from ryx.models.options import Constraint, Index, Options, default_table_name

__all__ = [
    "Constraint",
    "Index",
    "Manager",
    "ManagerDescriptor",
    "Model",
    "ModelMetaclass",
    "ModelRegistry",
    "ModelState",
    "Options",
    "default_table_name",
    "registry",
]
