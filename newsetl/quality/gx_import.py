"""Import Great Expectations without the two packages only one unused expectation needs.

`import great_expectations` imports every core expectation class, and one of them
(`expect_column_kl_divergence_to_be_less_than`) imports `scipy.stats` and `altair` at module
level: about 2 s of the import's 5.5 s of CPU, paid by every run's GX process although no
newsetl suite uses that expectation. Before the first GX import, those two modules are entered in
`sys.modules` as stand-ins that import the real module on the first use of any of their names,
so an expectation or renderer that does use them still gets the real thing.

The GX process also hides SQLAlchemy and boto3 (`hide_unused`): GX imports them, when installed,
for its SQL datasources (about 0.45 s of CPU) and its S3 stores and assets (about 0.1 s), and they
are installed here because Prefect's server and the S3 source need them; newsetl validates frames
through GX's pandas datasource into local stores, and GX runs without its optional SQL and S3
extras exactly as when those packages are not installed."""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types
from typing import Any

DEFERRED = ("scipy.stats", "altair")
HIDDEN = ("sqlalchemy", "boto3", "botocore")


class DeferredModule(types.ModuleType):
    """Stands in for module `name` until one of its names is used; then imports it for real
    and takes on its names, so that references bound to the stand-in keep working."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.__spec__ = importlib.util.find_spec(name)

    def __getattr__(self, attr: str) -> Any:
        name = self.__name__
        if sys.modules.get(name) is self:
            del sys.modules[name]
        parent, _, child = name.rpartition(".")
        if parent and getattr(sys.modules.get(parent), child, None) is self:
            delattr(sys.modules[parent], child)
        real = importlib.import_module(name)
        self.__dict__.update(real.__dict__)
        return getattr(real, attr)


def defer(name: str) -> None:
    """Enter the stand-in for `name`, unless the module is imported already or missing."""
    if name in sys.modules or importlib.util.find_spec(name) is None:
        return
    stand_in = DeferredModule(name)
    sys.modules[name] = stand_in
    parent, _, child = name.rpartition(".")
    if parent:
        # `from scipy import stats` finds the attribute and never asks the import system,
        # whose check of a module in sys.modules would read an attribute and load it.
        setattr(sys.modules[parent], child, stand_in)


def import_gx() -> types.ModuleType:
    """`great_expectations`, imported with its unused heavy modules deferred."""
    if "great_expectations" not in sys.modules:
        for name in DEFERRED:
            defer(name)
    return importlib.import_module("great_expectations")


def hide_unused() -> None:
    """For a process that serves GX alone: its `import sqlalchemy` (and `import boto3`) raises
    ImportError, which GX takes as its SQL (S3) extra not being installed. Not for a process that
    may need them later (the CLI, Prefect's server, the parse workers), so only the GX process
    calls it, before GX is imported."""
    for name in HIDDEN:
        if name not in sys.modules:
            sys.modules[name] = None  # the import system's own "not importable" entry
