"""Runs at once through one SharedExecutor (as a server's jobs): they share the machine's slots, a run
holding slots gives way to one waiting for some, and with Dask they share one cluster."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from pipeline.cache import Cache
from pipeline.errors import UsageError
from pipeline.executor.shared import SharedExecutor
from pipeline.recipe.load import load_recipe
from pipeline.run import Interrupted, run_pipeline
from tests.pipeline import fakes

DELAY = 0.4


def recipe(folder: Path, name: str, steps: int) -> Path:
    """``steps`` independent text steps of DELAY seconds each (one CPU slot each)."""
    lines = ["version: 1", "steps:"]
    lines += [f"  {name}{i}: {{type: text, text: '{name} {i}', delay: {DELAY}}}" for i in range(steps)]
    lines += ["outputs:"] + [f"  out/{name}{i}.txt: ${{{name}{i}.out}}" for i in range(steps)]
    path = folder / f"{name}.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def starts(monkeypatch: pytest.MonkeyPatch) -> dict[str, float]:
    """When each fake node began (its name -> monotonic seconds)."""
    began: dict[str, float] = {}
    lock = threading.Lock()

    def note(node: str) -> None:
        with lock:
            began[node] = time.monotonic()

    monkeypatch.setattr(fakes, "note_run", note)
    return began


def peak(began: dict[str, float]) -> int:
    """The most nodes running at one time, each running DELAY seconds from its start."""
    times = sorted(began.values())
    return max(sum(1 for t in times if t <= at < t + DELAY * 0.9) for at in times)


def run_at_once(shared: SharedExecutor, recipes: list[Path], cache_dir: Path, stagger: float = 0.0) -> None:
    errors: list[BaseException] = []

    def one(path: Path) -> None:
        cache = Cache(cache_dir / path.stem)
        try:
            run_pipeline(load_recipe(path), cache, executor=shared.for_run())
        except BaseException as exc:  # noqa: BLE001 - reported by the test below
            errors.append(exc)
        finally:
            cache.close()

    threads = []
    for path in recipes:
        threads.append(threading.Thread(target=one, args=(path,)))
        threads[-1].start()
        time.sleep(stagger)
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors


def test_runs_at_once_share_the_machine_slots(tmp_path: Path, starts: dict[str, float],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PIPELINE_THREADS", "2")
    shared = SharedExecutor("local")
    try:
        run_at_once(shared, [recipe(tmp_path, "a", 4), recipe(tmp_path, "b", 4)], tmp_path / "caches")
    finally:
        shared.close()
    assert len(starts) == 8
    assert peak(starts) == 2  # two runs, each on its own executor, would have run four at once
    for name in ("a", "b"):
        assert all((tmp_path / "out" / f"{name}{i}.txt").read_text() == f"{name} {i}" for i in range(4))


def test_a_run_holding_slots_gives_way_to_one_waiting(tmp_path: Path, starts: dict[str, float],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PIPELINE_THREADS", "2")
    shared = SharedExecutor("local")
    try:  # a long run fills both slots; a one-node run arrives just after
        run_at_once(shared, [recipe(tmp_path, "long", 8), recipe(tmp_path, "short", 1)], tmp_path / "caches",
                    stagger=DELAY / 2)
    finally:
        shared.close()
    long_starts = sorted(t for node, t in starts.items() if node.startswith("long"))
    # the short run starts when the first of the long run's nodes ends, not after all eight
    assert starts["short0"] < long_starts[3]
    assert peak(starts) == 2


def test_a_run_alone_uses_every_slot(tmp_path: Path, starts: dict[str, float],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PIPELINE_THREADS", "2")
    shared = SharedExecutor("local")
    try:
        run_at_once(shared, [recipe(tmp_path, "first", 1)], tmp_path / "caches")
        run_at_once(shared, [recipe(tmp_path, "alone", 4)], tmp_path / "caches")
    finally:
        shared.close()
    assert peak({n: t for n, t in starts.items() if n.startswith("alone")}) == 2


def test_a_run_waiting_for_slots_can_be_cancelled(tmp_path: Path, starts: dict[str, float],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PIPELINE_THREADS", "1")
    shared = SharedExecutor("local")
    cancel = threading.Event()
    holder = threading.Thread(target=run_at_once, args=(shared, [recipe(tmp_path, "holder", 3)], tmp_path / "c"))
    holder.start()
    try:
        while not starts:
            time.sleep(0.01)
        threading.Timer(0.1, cancel.set).start()
        began = time.monotonic()
        with pytest.raises(Interrupted):
            run_pipeline(load_recipe(recipe(tmp_path, "waiter", 1)), Cache(tmp_path / "c" / "waiter"),
                         executor=shared.for_run(), cancel=cancel)
        assert time.monotonic() - began < DELAY * 2  # not after the other run's three nodes
    finally:
        holder.join(timeout=30)
        shared.close()
    assert "waiter0" not in starts and not (tmp_path / "out" / "waiter0.txt").exists()
    assert (tmp_path / "out" / "holder2.txt").read_text() == "holder 2"


def test_a_misspelt_executor_fails_when_made() -> None:
    with pytest.raises(UsageError, match="unknown executor 'dusk'"):
        SharedExecutor("dusk")


def test_dask_runs_share_one_cluster(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("distributed")
    monkeypatch.setenv("PIPELINE_THREADS", "2")
    shared = SharedExecutor("dask")
    first, second = shared.for_run()(), shared.for_run()()
    try:
        assert first.cluster is second.cluster  # type: ignore[attr-defined]
        assert first.client is not second.client  # type: ignore[attr-defined] - a cancel stays in its run
        for name, executor in (("one", first), ("two", second)):
            cache = Cache(tmp_path / f"cache-{name}")
            try:
                run_pipeline(load_recipe(recipe(tmp_path, name, 2)), cache, executor=executor)
            finally:
                cache.close()
            assert (tmp_path / "out" / f"{name}1.txt").read_text() == f"{name} 1"
        cluster = first.cluster  # type: ignore[attr-defined]
    finally:
        first.close()
        second.close()
        shared.close()
    assert cluster.status.name == "closed"
