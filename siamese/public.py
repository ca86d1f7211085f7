"""A subpackage's public face: its names, imported from their modules only when first used.

Importing ``siamese.training`` must not import TensorFlow for a page that only reads a training's
history, so each subpackage's ``__init__`` lists its names and where they live, and a name is
imported on first use (PEP 562 module ``__getattr__``), the way scikit-learn loads its subpackages.
"""

import importlib


def public_face(package: str, names: dict[str, str]):
    """``(__all__, __getattr__, __dir__)`` for ``package``, whose public ``names`` live in these submodules."""

    def attribute(name: str):
        if name in names:
            return getattr(importlib.import_module(f"{package}.{names[name]}"), name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def listing() -> list[str]:
        return sorted(names)

    return sorted(names), attribute, listing


def names_in(module: str, *names: str) -> dict[str, str]:
    """``{name: module}`` for several names of one submodule."""
    return dict.fromkeys(names, module)
