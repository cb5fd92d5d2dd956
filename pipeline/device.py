"""What this machine offers: the compute device (CUDA > MPS > CPU) and how many CPU threads we may use.

Threads honour cgroup quotas (v2 ``cpu.max``, v1 ``cpu.cfs_quota_us``) and the affinity mask, round a
fractional quota up, and are never 0 (a quota of half a CPU still gets one thread). torch is optional:
without it the device is the CPU.
"""

from __future__ import annotations

import functools
import math
import os
import sys
from pathlib import Path

ENV_THREADS = "PIPELINE_THREADS"


def _read(path: Path) -> str | None:
    try:
        return path.read_text().strip()
    except OSError:
        return None


def cgroup_cpu_limit(root: Path = Path("/sys/fs/cgroup")) -> float | None:
    """CPUs allowed by the cgroup quota, or None when unlimited or unknown."""
    v2 = _read(root / "cpu.max")
    if v2:
        parts = v2.split()
        if len(parts) == 2 and parts[0] != "max":
            try:
                quota, period = int(parts[0]), int(parts[1])
                if quota > 0 and period > 0:
                    return quota / period
            except ValueError:
                return None
        return None
    for base in (root / "cpu", root / "cpu,cpuacct", root):
        quota_text, period_text = _read(base / "cpu.cfs_quota_us"), _read(base / "cpu.cfs_period_us")
        if quota_text and period_text:
            try:
                quota, period = int(quota_text), int(period_text)
            except ValueError:
                return None
            if quota > 0 and period > 0:
                return quota / period
            return None
    return None


def affinity_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def cpu_threads(root: Path = Path("/sys/fs/cgroup")) -> int:
    """Threads to use: ``$PIPELINE_THREADS``, else min(affinity, ceil(cgroup quota)); at least 1."""
    override = os.environ.get(ENV_THREADS, "").strip()
    if override:
        try:
            return max(1, int(override))
        except ValueError:
            pass
    count = affinity_cpus()
    limit = cgroup_cpu_limit(root)
    if limit is not None:
        count = min(count, math.ceil(limit))
    return max(1, count)


def _may_have_accelerator() -> bool:
    """Whether asking torch is worth its import time (a second or more): an NVIDIA device node, a ROCm
    device, or a Mac."""
    return sys.platform == "darwin" or any(os.path.exists(p) for p in ("/dev/nvidiactl", "/dev/kfd"))


@functools.cache
def detect_device() -> str:
    """``cuda`` if torch sees a GPU, else ``mps`` on Apple silicon, else ``cpu`` (also without torch)."""
    if not _may_have_accelerator():
        return "cpu"
    try:
        import torch  # noqa: PLC0415 - optional and slow to import: only when asked
    except ImportError:
        return "cpu"
    if torch.cuda.is_available():
        return "cuda"
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return "mps"
    return "cpu"


def torch_available() -> bool:
    import importlib.util  # noqa: PLC0415

    return importlib.util.find_spec("torch") is not None
