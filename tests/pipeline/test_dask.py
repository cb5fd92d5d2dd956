"""The same recipes on Dask distributed: a LocalCluster of two worker processes with a fake GPU slot.

Outputs equal those of the local executor; an all-cached run starts no cluster; a worker killed mid-task
is survived; a batch of rows renders with a failing row reported and the others done.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import pytest

pytest.importorskip("distributed")

from pipeline.batch import run_batch  # noqa: E402
from pipeline.cache import (
    Cache,  # noqa: E402
    maintenance,  # noqa: E402
)
from pipeline.executor.dask import DaskExecutor, local_cluster  # noqa: E402
from pipeline.node import Resources  # noqa: E402
from pipeline.recipe.load import load_recipe  # noqa: E402
from pipeline.run import ExecutorLost, run_pipeline  # noqa: E402
from tests.pipeline import fakes  # noqa: E402

RECIPE = """\
version: 1
vars: {who: world, delay: 0.0}
steps:
  hello: {type: text, text: 'Hello ${who}', delay: '${delay}'}
  loud: {type: gpu_text, text: 'loud ${who}', delay: '${delay}'}
  again: {type: text, text: 'Hello ${who}'}
  both:
    type: join
    parts: ['${hello.out}', '${loud.out}', '${again.out}']
outputs:
  out/${who}.txt: ${both.out}
"""


@pytest.fixture(scope="module")
def runs_log(tmp_path_factory) -> Path:
    """Where fake nodes note their runs: set before the workers start, so they inherit it."""
    log = tmp_path_factory.mktemp("dask") / "runs.log"
    previous = os.environ.get("FAKE_RUNS_LOG")
    os.environ["FAKE_RUNS_LOG"] = str(log)
    yield log
    if previous is None:
        os.environ.pop("FAKE_RUNS_LOG", None)
    else:
        os.environ["FAKE_RUNS_LOG"] = previous


@pytest.fixture(scope="module")
def cluster(runs_log):
    cluster = local_cluster(workers=2, gpus=0, fake_gpu=1)
    yield cluster
    cluster.close()


def runs(log: Path) -> list[str]:
    return log.read_text().split() if log.exists() else []


@pytest.fixture
def dask_executor(cluster):
    executor = DaskExecutor(cluster=cluster)
    yield executor
    executor.close()


def test_outputs_equal_the_local_executor(write_recipe, tmp_path, dask_executor, runs_log):
    path = write_recipe(RECIPE)
    run_pipeline(load_recipe(path), Cache(tmp_path / "local-cache"))
    local = (tmp_path / "out" / "world.txt").read_bytes()
    (tmp_path / "out" / "world.txt").unlink()
    runs_log.unlink(missing_ok=True)
    summary = run_pipeline(load_recipe(path), Cache(tmp_path / "dask-cache"), executor=dask_executor)
    assert (tmp_path / "out" / "world.txt").read_bytes() == local == b"Hello world LOUD WORLD Hello world"
    assert sorted(summary.ran + summary.cached) == ["again", "both", "hello", "loud"]
    ran = runs(runs_log)
    assert len(ran) == 3 and {"both", "loud"} <= set(ran)  # 'again' is the same work as 'hello': one task key
    assert len({"hello", "again"} & set(ran)) == 1
    assert "GPU" in dask_executor.offered and dask_executor.resources(fakes.Gpu.resources) == {"GPU": 1}
    # Workers offer one ffmpeg slot each: a node declaring two (the merge) must still be placeable.
    assert dask_executor.resources(Resources(cpu=2, ffmpeg=2)) == {"FFMPEG": 1.0}


def test_local_and_dask_share_one_cache_format(write_recipe, tmp_path, dask_executor):
    path = write_recipe(RECIPE)
    cache = Cache(tmp_path / "cache")
    run_pipeline(load_recipe(path), cache, executor=dask_executor)
    summary = run_pipeline(load_recipe(path), cache)  # the local executor reads what workers wrote
    assert summary.ran == []


def test_all_cached_run_starts_no_cluster(write_recipe, tmp_path, dask_executor):
    path = write_recipe(RECIPE)
    cache = Cache(tmp_path / "cache")
    run_pipeline(load_recipe(path), cache, executor=dask_executor)
    started = []

    def factory():
        started.append(1)
        return dask_executor

    summary = run_pipeline(load_recipe(path), cache, executor=factory)
    assert summary.ran == [] and started == []


def test_a_worker_killed_mid_task_is_survived(write_recipe, tmp_path, cluster, runs_log):
    runs_log.unlink(missing_ok=True)
    path = write_recipe(RECIPE.replace("delay: 0.0", "delay: 1.5"))
    cache = Cache(tmp_path / "cache")
    executor = DaskExecutor(cluster=cluster)
    pids = executor.client.run(os.getpid)

    def kill_when_running() -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if runs_log.exists():
                break
            time.sleep(0.05)
        time.sleep(0.3)
        for pid in pids.values():
            os.kill(pid, signal.SIGKILL)

    killer = threading.Thread(target=kill_when_running)
    killer.start()
    try:
        run_pipeline(load_recipe(path), cache, executor=executor)
    finally:
        killer.join()
        executor.close()
    assert (tmp_path / "out" / "world.txt").read_text() == "Hello world LOUD WORLD Hello world"
    assert runs(runs_log).count("hello") >= 2  # it ran again on a restarted worker
    assert maintenance.verify(cache).damaged == []


def test_scheduler_gone_is_a_clear_error_and_the_cache_resumes(write_recipe, tmp_path):
    path = write_recipe(RECIPE.replace("delay: 0.0", "delay: 1.0"))
    cache = Cache(tmp_path / "cache")
    cluster = local_cluster(workers=1, gpus=0, fake_gpu=1)
    executor = DaskExecutor(cluster=cluster)
    threading.Timer(1.5, cluster.close).start()
    with pytest.raises(ExecutorLost) as info:
        run_pipeline(load_recipe(path), cache, executor=executor)
    assert "run again to resume" in str(info.value)
    run_pipeline(load_recipe(path), cache)
    assert (tmp_path / "out" / "world.txt").read_text() == "Hello world LOUD WORLD Hello world"


def test_batch_of_rows_with_failing_rows(tmp_path, dask_executor):
    recipe = tmp_path / "template.yaml"
    recipe.write_text(RECIPE.replace("  both:", "  name: {type: text, text: '${who}'}\n  both:")
                      .replace("'${again.out}']", "'${again.out}', '${name.out}']"))
    rows = tmp_path / "rows.csv"
    rows.write_text("who,delay\nlisbon,0\nporto,0\n\"  \",0\nfaro,slow\nbraga,0\n")
    result = run_batch(recipe, rows, Cache(tmp_path / "cache"), executor=dask_executor)
    assert result.rendered == [1, 2, 5]
    assert list(result.failed) == [3, 4]
    assert "rows.csv:4" in result.failed[3] and "the text is empty" in result.failed[3]  # failed when run
    assert "rows.csv:5" in result.failed[4] and "delay" in result.failed[4]  # failed to compile
    for city in ("lisbon", "porto", "braga"):
        assert (tmp_path / "out" / f"{city}.txt").read_text() == (
            f"Hello {city} LOUD {city.upper()} Hello {city} {city}")


def test_a_node_that_splits_itself_spreads_its_parts_over_the_workers(write_recipe, tmp_path, dask_executor,
                                                                    runs_log):
    path = write_recipe("""\
version: 1
steps:
  src: {type: text, text: alpha beta gamma}
  words: {type: words, src: "${src.out}", sep: "-"}
outputs:
  out/words.txt: ${words.out}
""")
    runs_log.unlink(missing_ok=True)
    summary = run_pipeline(load_recipe(path), Cache(tmp_path / "cache"), executor=dask_executor)
    assert (tmp_path / "out" / "words.txt").read_text() == "alpha-beta-gamma"
    assert {"words.w1", "words.w2", "words.w3", "words.all", "words"} <= set(summary.ran)
    assert {"words.w1", "words.w2", "words.w3", "words.all"} <= set(runs(runs_log))  # run by the workers
