"""Every disk-cached numba kernel calls compiled code from its own file only.

numba keys a cached kernel by its own source file: a kernel that calls a compiled function (or an
intrinsic) from another file keeps that callee's old machine code after the other file is edited, until
its own file changes too. Keeping callees beside their kernel rules the stale kernel out.
"""

from __future__ import annotations

import importlib
import pkgutil
import types

from numba.core.registry import CPUDispatcher
from numba.extending import _Intrinsic

import nodes


def _kernels() -> list[CPUDispatcher]:
    found = []
    for info in pkgutil.walk_packages(nodes.__path__, "nodes."):
        module = importlib.import_module(info.name)
        found += [value for value in vars(module).values()
                  if isinstance(value, CPUDispatcher) and value.__module__ == module.__name__]
    return found


def _compiled_callees(kernel: CPUDispatcher) -> list[tuple[str, str]]:
    """(name, module) of every compiled function or intrinsic the kernel's code names, directly or as
    ``module.attribute``."""
    names = kernel.py_func.__code__.co_names
    scope = kernel.py_func.__globals__
    callees = []
    for name in names:
        value = scope.get(name)
        candidates = [getattr(value, attr, None) for attr in names] if isinstance(value, types.ModuleType) else [value]
        for candidate in candidates:
            if isinstance(candidate, CPUDispatcher):
                callees.append((candidate.__name__, candidate.__module__))
            elif isinstance(candidate, _Intrinsic):
                callees.append((candidate._name, candidate._defn.__module__))
    return callees


def test_cached_kernels_call_only_their_own_files_code() -> None:
    kernels = [kernel for kernel in _kernels() if kernel._cache.__class__.__name__ != "NullCache"]
    assert len(kernels) >= 10  # the render's and the mix's kernels were found
    foreign = [(kernel.__module__, kernel.__name__, callee) for kernel in kernels
               for callee in _compiled_callees(kernel) if callee[1] != kernel.__module__]
    assert not foreign, f"cached kernels calling compiled code of another file (stale after edits): {foreign}"


def test_the_check_sees_calls_through_a_module() -> None:
    """The render's kernel calls its row filter and its permute block: both are seen (and are local)."""
    from nodes.render import resample_kernel

    callees = {name for name, _ in _compiled_callees(resample_kernel.filter_row)}
    assert {"_block", "_one_by_one", "_any_taps"} <= callees
