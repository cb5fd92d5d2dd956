"""``pipeline serve --executor dask --workers 2``: jobs at once run on one LocalCluster that lives as long as
the server (its worker processes are the same ones for every job), not on a cluster started per job."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.pipeline.apps.serve.servers import Served, start
from tests.pipeline.apps.serve.test_native_api import finish, submit

pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    server = start(tmp_path_factory.mktemp("dask-jobs"), "--executor", "dask", "--workers", "2",
                   env={"PIPELINE_THREADS": "2"})
    yield server
    server.stop()


def children(pid: int) -> set[int]:
    """The process's children, whichever of its threads started them."""
    return {int(child) for task in Path(f"/proc/{pid}/task").iterdir()
            for child in (task / "children").read_text().split()}


def test_jobs_at_once_share_one_cluster(served: Served) -> None:
    seen: list[set[int]] = []
    with served.client() as client:
        for round_ in range(2):
            jobs = [submit(client, f"Round {round_}, job {i}, on the shared cluster.")["job_id"] for i in range(2)]
            for job_id in jobs:
                job = finish(client, job_id, timeout=180)
                assert job["state"] == "ready", job
                assert client.get(f"/api/v1/jobs/{job_id}/outputs/out/scene.mp4").status_code == 200
            seen.append(children(served.process.pid))
    assert len(seen[0]) >= 2  # the cluster's two worker processes, still there after the jobs
    assert seen[1] == seen[0]


def test_a_misspelt_executor_stops_the_server_at_once(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="unknown executor 'dusk'"):
        start(tmp_path, "--executor", "dusk")
