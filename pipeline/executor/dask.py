"""Runs nodes on Dask distributed: a LocalCluster sized to the machine, or an existing scheduler.

One future per node, its task key derived from the node's cache key, so identical work submitted twice
(two steps, two recipes of a batch, two clients of one scheduler) runs once. Node resource slots map to
Dask worker resources (``GPU``, ``FFMPEG``); on a machine with GPUs the LocalCluster starts one worker
process per GPU, pinned with ``CUDA_VISIBLE_DEVICES``, so a TTS model loads once per worker and stays.
Workers write only content-addressed blobs; records are written by the coordinating process.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from typing import Any, cast

from pipeline.device import cpu_threads
from pipeline.errors import PipelineError, UsageError
from pipeline.node import Resources

ENV_EXECUTOR = "PIPELINE_EXECUTOR"


def _gpu_count() -> int:
    """GPUs on this machine, without importing torch when there is no NVIDIA device at all."""
    if not os.path.exists("/dev/nvidiactl"):
        return 0
    try:
        import torch  # noqa: PLC0415

        return int(torch.cuda.device_count())
    except ImportError:
        return 0


def local_cluster(workers: int | None = None, gpus: int | None = None, fake_gpu: int = 0) -> Any:
    """A LocalCluster of worker processes (one thread each): one per GPU (pinned), the rest CPU-only.

    ``fake_gpu`` declares GPU slots on CPU workers (tests of GPU scheduling on a machine without one)."""
    from dask.distributed import LocalCluster, Nanny, SpecCluster  # noqa: PLC0415

    threads = cpu_threads()
    gpus = _gpu_count() if gpus is None else gpus
    workers = workers or max(1, threads)
    ffmpeg = 1
    if gpus == 0:
        resources = {"FFMPEG": ffmpeg, **({"GPU": fake_gpu} if fake_gpu else {})}
        return LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                            resources=resources, silence_logs=40)
    specs: dict[str, Any] = {}
    for gpu in range(gpus):
        specs[f"gpu{gpu}"] = {"cls": Nanny, "options": {
            "nthreads": 1, "resources": {"GPU": 1, "FFMPEG": ffmpeg},
            "env": {"CUDA_VISIBLE_DEVICES": str(gpu)}, "silence_logs": 40}}
    for cpu in range(max(0, workers - gpus)):
        specs[f"cpu{cpu}"] = {"cls": Nanny, "options": {
            "nthreads": 1, "resources": {"FFMPEG": ffmpeg}, "env": {"CUDA_VISIBLE_DEVICES": ""},
            "silence_logs": 40}}
    from distributed.scheduler import Scheduler  # noqa: PLC0415

    return SpecCluster(workers=specs, scheduler={"cls": Scheduler, "options": {"dashboard_address": None}},
                       silence_logs=40)


class DaskExecutor:
    """The executor interface over a dask.distributed Client."""

    remote = True

    def __init__(self, address: str | None = None, cluster: Any = None) -> None:
        try:
            from dask.distributed import Client  # noqa: PLC0415
        except ImportError:
            raise PipelineError("the dask executor needs dask.distributed: pip install 'pipeline[dask]'") from None
        self._own_cluster = cluster is None and address is None
        self.cluster = local_cluster() if self._own_cluster else cluster
        try:
            self.client = Client(address or self.cluster, timeout="20s", set_as_default=False)
        except OSError as exc:
            raise PipelineError(f"cannot reach the Dask scheduler at {address}: {exc}; start one with "
                                "`dask scheduler` and workers with `dask worker ADDRESS`") from None
        offered: dict[str, float] = {}  # resource -> the most any one worker offers
        for worker in self.client.scheduler_info().get("workers", {}).values():
            for name, amount in worker.get("resources", {}).items():
                offered[name] = max(offered.get(name, 0.0), float(amount))
        self.offered = offered

    def resources(self, resources: Resources) -> dict[str, float]:
        """Dask resources for a node: only those some worker offers (a GPU node still runs on a CPU-only
        cluster, since every engine falls back to the CPU), and never more than one worker offers (a
        task asking for more would wait forever)."""
        wanted = {"GPU": resources.gpu, "FFMPEG": resources.ffmpeg}
        return {name: min(float(amount), self.offered[name]) for name, amount in wanted.items()
                if amount and name in self.offered}

    def can_start(self, resources: Resources) -> bool:
        return True  # the scheduler queues work within the workers' slots

    def submit(self, key: str, fn: Callable[..., Any], *args: Any, resources: Resources) -> Future[Any]:
        future = self.client.submit(fn, *args, key=key, resources=self.resources(resources), pure=False,
                                    retries=1)
        return cast("Future[Any]", future)  # a dask Future: done(), result(), what the runner uses

    def wait(self, futures: Iterable[Future[Any]], timeout: float | None = None) -> set[Future[Any]]:
        """Poll the futures' states (kept locally by the client, so this costs no round trip)."""
        futures = list(futures)
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            done = {f for f in futures if f.done()}
            if done or not futures or (deadline is not None and time.monotonic() >= deadline):
                return done
            if self.client.status in ("closed", "closing"):
                raise ConnectionError("the Dask client lost its scheduler")
            time.sleep(0.02)

    def close(self) -> None:
        try:
            self.client.close()
        finally:
            if self._own_cluster and self.cluster is not None:
                self.cluster.close()


def executor_from_spec(spec: str) -> Callable[[], Any]:
    """``local`` | ``dask`` (a LocalCluster) | ``dask://HOST:PORT`` or ``tcp://HOST:PORT`` (a scheduler).
    Returns a factory: the cluster starts only when a node actually has to run."""
    spec = spec.strip()
    if spec in ("", "local"):
        from pipeline.run import default_executor  # noqa: PLC0415

        return default_executor
    if spec == "dask":
        return lambda: DaskExecutor()
    if spec.startswith(("dask://", "tcp://", "tls://")):
        address = "tcp://" + spec.removeprefix("dask://") if spec.startswith("dask://") else spec
        scheduler_address(spec, address)
        return lambda: DaskExecutor(address=address)
    raise UsageError(f"unknown executor {spec!r}\n    {_EXECUTOR_FIX}")


_EXECUTOR_FIX = f"fix: use --executor local, dask, or dask://HOST:PORT (or set ${ENV_EXECUTOR} to one of them)"


def scheduler_address(spec: str, address: str) -> tuple[str, int]:
    """The host and port of a scheduler ``address`` (``tcp://HOST:PORT``), checked when the command line
    is read: a malformed one (no host, a port that is not 1-65535, a stray colon, path or bracket) is a
    UsageError naming ``spec``, not an error from deep inside the Dask client once a node has to run."""
    from urllib.parse import urlsplit  # noqa: PLC0415

    def refuse(why: str) -> UsageError:
        return UsageError(f"--executor {spec!r} is not a scheduler address: {why}; expected HOST:PORT, e.g. "
                          f"dask://localhost:8786\n    {_EXECUTOR_FIX}")

    try:
        parts = urlsplit(address)
        port = parts.port
    except ValueError as exc:
        raise refuse(str(exc)) from None
    if not parts.hostname:
        raise refuse("no host")
    if port is None:
        raise refuse("no port")
    if not 1 <= port <= 65535:
        raise refuse(f"port {port} is not 1 to 65535")
    if parts.path or parts.query or parts.fragment or parts.username is not None:
        raise refuse("only HOST:PORT may follow the scheme")
    return parts.hostname, port
