"""The one module of `ryx` that imports the `ryx_core` extension, and checks that the versions match."""

import ryx_core as core

from ryx import __version__

if core.__version__ != __version__:  # pragma: no cover - a packaging error, not a runtime path
    raise ImportError(
        f"ryx {__version__} needs ryx-core {__version__}, but ryx-core {core.__version__} is installed; "
        f"reinstall both from the same release"
    )

__all__ = ["core"]
