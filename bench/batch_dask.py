"""A batch of 8 short videos: the local executor against a Dask LocalCluster, side by side in one run.

Each executor renders the same batch (one template, 8 rows of a CSV) into a fresh cache; medians of
``--repeat`` runs. On one machine the cluster cannot beat threads (the same cores, plus process start-up
and data through the shared store); the figure shows its overhead, which is what a real cluster must
amortise. See README.md, "Running on a cluster", for the scaling worked out on paper.

    python bench/batch_dask.py [--repeat 2] [--rows 8]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ASSETS = ROOT / "recipes" / "assets"

TEMPLATE = f"""\
version: 1
allow_outside_paths: true
vars: {{name: demo, line: A short line.}}
output: {{path: 'out/${{name}}.mp4', size: 540x960, fps: 30}}
music: {{path: '{ASSETS / 'music.ogg'}', volume_db: -20}}
scenes:
  - text: '${{line}}'
    image: '{ASSETS / 'city.jpg'}'
  - text: Thanks for watching.
    image: '{ASSETS / 'harbour.jpg'}'
"""

CITIES = ["Lisbon", "Porto", "Faro", "Braga", "Coimbra", "Evora", "Aveiro", "Sintra", "Tavira", "Lagos"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--rows", type=int, default=8)
    args = parser.parse_args()
    pipeline = str(Path(sys.executable).with_name("pipeline"))
    work = Path(tempfile.mkdtemp(prefix="bench-batch-"))
    try:
        (work / "template.yaml").write_text(TEMPLATE)
        rows = ["name,line"] + [f"{c.lower()},Good morning from {c}. The day starts by the water."
                                for c in (CITIES * 2)[: args.rows]]
        (work / "rows.csv").write_text("\n".join(rows) + "\n")
        times: dict[str, list[float]] = {"local": [], "dask": []}
        for i in range(args.repeat):
            for executor in ("local", "dask"):
                cache = work / f"cache-{executor}-{i}"
                began = time.perf_counter()
                done = subprocess.run([pipeline, "--cache-dir", str(cache), "run", "-q", "--executor", executor,
                                       "--batch", "rows.csv", "template.yaml"], cwd=work, capture_output=True,
                                      text=True)
                times[executor].append(time.perf_counter() - began)
                if done.returncode != 0:
                    raise SystemExit(f"{executor} batch failed:\n{done.stderr[-3000:]}")
        local, dask = statistics.median(times["local"]), statistics.median(times["dask"])
        print(f"batch of {args.rows} videos (2 scenes each, 540x960 30 fps), fresh cache, "
              f"median of {args.repeat}")
        print(f"  local executor (threads)      {local:7.2f} s")
        print(f"  dask LocalCluster (processes) {dask:7.2f} s")
        print(f"  ratio dask / local            {dask / local:7.2f}")
        print(f"  per video, local              {local / args.rows:7.2f} s")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
