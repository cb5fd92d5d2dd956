"""CPU threads from cgroup v2/v1 quotas and affinity: rounded up, never 0."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline import device


@pytest.fixture(autouse=True)
def no_override(monkeypatch):
    monkeypatch.delenv(device.ENV_THREADS, raising=False)
    monkeypatch.setattr(device, "affinity_cpus", lambda: 8)


def test_cgroup_v2_fractional_quota_rounds_up(tmp_path: Path):
    (tmp_path / "cpu.max").write_text("50000 100000\n")
    assert device.cgroup_cpu_limit(tmp_path) == 0.5
    assert device.cpu_threads(tmp_path) == 1


def test_cgroup_v2_unlimited_uses_affinity(tmp_path: Path):
    (tmp_path / "cpu.max").write_text("max 100000\n")
    assert device.cgroup_cpu_limit(tmp_path) is None
    assert device.cpu_threads(tmp_path) == 8


def test_cgroup_v1_quota(tmp_path: Path):
    (tmp_path / "cpu").mkdir()
    (tmp_path / "cpu" / "cpu.cfs_quota_us").write_text("250000")
    (tmp_path / "cpu" / "cpu.cfs_period_us").write_text("100000")
    assert device.cpu_threads(tmp_path) == 3


def test_cgroup_v1_unlimited(tmp_path: Path):
    (tmp_path / "cpu.cfs_quota_us").write_text("-1")
    (tmp_path / "cpu.cfs_period_us").write_text("100000")
    assert device.cpu_threads(tmp_path) == 8


def test_malformed_and_missing_files_fall_back(tmp_path: Path):
    assert device.cpu_threads(tmp_path) == 8
    (tmp_path / "cpu.max").write_text("garbage")
    assert device.cpu_threads(tmp_path) == 8


def test_env_override_never_zero(tmp_path: Path, monkeypatch):
    monkeypatch.setenv(device.ENV_THREADS, "0")
    assert device.cpu_threads(tmp_path) == 1
    monkeypatch.setenv(device.ENV_THREADS, "3")
    assert device.cpu_threads(tmp_path) == 3


def test_device_without_torch_is_cpu(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name == "torch":
            raise ImportError("no torch")
        return real_import(name, *args, **kwargs)

    device.detect_device.cache_clear()
    monkeypatch.setattr(device, "_may_have_accelerator", lambda: True)
    monkeypatch.setattr(builtins, "__import__", fake_import)
    try:
        assert device.detect_device() == "cpu"
    finally:
        device.detect_device.cache_clear()


def test_no_accelerator_means_no_torch_import(monkeypatch):
    import sys

    device.detect_device.cache_clear()
    monkeypatch.setattr(device, "_may_have_accelerator", lambda: False)
    monkeypatch.setitem(sys.modules, "torch", None)  # importing it would fail
    try:
        assert device.detect_device() == "cpu"
    finally:
        device.detect_device.cache_clear()
