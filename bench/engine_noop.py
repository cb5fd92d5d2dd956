"""Engine speed, measured side by side in one run (medians; ratios are what to compare across machines).

1. No-op on a generated 100-node recipe (33 scenes of tts -> captions -> render, plus the merge), all
   cached: the engine's own time (load + plan, in process) and the whole ``pipeline run`` command; against
   ``snakemake -n`` on an equivalent generated 100-rule Snakefile (snakemake in its own virtualenv,
   created here on first use).
2. A 10-scene recipe (two sentences a scene, the default 1080x1920) where one scene's text changes: the
   rerun's time over the full run's.

Goals: engine <= 100 ms, whole command <= 1.5 s, <= 0.5x snakemake -n; rerun <= 20% of the full run.

    python bench/engine_noop.py [--repeat 5] [--no-snakemake]
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
SNAKEMAKE_VENV = ROOT / "bench" / ".venv-snakemake"


def scene_recipe(scenes: int, size: str, fps: int, edited: int | None = None, long: bool = False) -> str:
    lines = ["version: 1", "allow_outside_paths: true", f"output: {{size: {size}, fps: {fps}}}",
             "captions: {max_chars: 24, lines: 2}",
             f"music: {{path: '{ASSETS / 'music.ogg'}', volume_db: -20}}", "scenes:"]
    images = ["city.jpg", "harbour.jpg", "hills.jpg"]
    for i in range(scenes):
        text = f"Scene number {i + 1} has its own short line."
        if long:  # a realistic scene: two sentences, five to seven seconds of narration
            text = (f"Scene {i + 1} opens on a quiet street before the city wakes. "
                    "A tram bell rings somewhere, and the light turns gold over the rooftops.")
        if i == edited:
            text = text.replace("quiet street", "busy square") if long else f"Scene {i + 1} was edited."
        lines.append(f"  - text: {text}")
        lines.append(f"    image: '{ASSETS / images[i % 3]}'")
    return "\n".join(lines) + "\n"


def snakefile(rules: int) -> str:
    """An equivalent DAG: per scene three chained rules, then one rule over all scene outputs."""
    scenes = (rules - 1) // 3
    out = [f"SCENES = range({scenes})", "", "rule all:",
           "    input: expand('out/scene{i}.render', i=SCENES)", "    output: 'out/final'",
           "    shell: 'cat {input} > {output}'", ""]
    for step, src in (("tts", None), ("captions", "tts"), ("render", "captions")):
        out.append(f"rule {step}:")
        if src:
            out.append(f"    input: 'out/scene{{i}}.{src}'")
        out.append(f"    output: 'out/scene{{i}}.{step}'")
        out.append(f"    shell: 'echo {step} > {{output}}'")
        out.append("")
    return "\n".join(out)


def median_time(cmd: list[str], cwd: Path, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
        times.append(time.perf_counter() - began)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(cmd)} failed:\n{done.stderr[-2000:]}")
    return statistics.median(times)


def engine_time(recipe: Path, cache: Path, repeat: int) -> tuple[float, int]:
    code = ("import time,statistics,sys;t=[];"
            "from pipeline.cache import Cache;from pipeline.recipe.load import load_recipe;"
            "from pipeline.plan import plan;c=Cache(__import__('pathlib').Path(sys.argv[2]));"
            f"exec('for _ in range({repeat + 1}):\\n s=time.perf_counter();p=plan(load_recipe(sys.argv[1]),c);"
            "t.append(time.perf_counter()-s)');"
            "print(statistics.median(t[1:]), sum(x.action=='run' for x in p), len(p))")
    done = subprocess.run([sys.executable, "-c", code, str(recipe), str(cache)], capture_output=True, text=True,
                          check=True)
    seconds, runs, nodes = done.stdout.split()
    return float(seconds), int(runs), int(nodes)  # type: ignore[return-value]


def ensure_snakemake() -> Path | None:
    exe = SNAKEMAKE_VENV / "bin" / "snakemake"
    if exe.exists():
        return exe
    print("installing snakemake into bench/.venv-snakemake (once) ...", flush=True)
    subprocess.run([sys.executable, "-m", "venv", str(SNAKEMAKE_VENV)], check=True)
    done = subprocess.run([str(SNAKEMAKE_VENV / "bin" / "pip"), "install", "-q", "snakemake"],
                          capture_output=True, text=True)
    return exe if done.returncode == 0 and exe.exists() else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-snakemake", action="store_true")
    args = parser.parse_args()
    pipeline_cmd = [str(Path(sys.executable).with_name("pipeline"))]
    work = Path(tempfile.mkdtemp(prefix="bench-engine-"))
    try:
        # --- 1. no-op on 100 nodes -------------------------------------------------------------------
        recipe = work / "hundred.yaml"
        recipe.write_text(scene_recipe(33, "96x160", 5))
        cache = work / "cache"
        print("filling the cache for the 100-node recipe ...", flush=True)
        subprocess.run([*pipeline_cmd, "--cache-dir", str(cache), "run", "-q", str(recipe)], check=True)
        engine, runs, nodes = engine_time(recipe, cache, args.repeat)
        assert runs == 0, "the no-op plan should run nothing"
        whole = median_time([*pipeline_cmd, "--cache-dir", str(cache), "run", "-q", str(recipe)], work,
                            args.repeat)
        print(f"\n100-node recipe, everything cached ({nodes} nodes, median of {args.repeat})")
        print(f"  engine (load + plan, in process)   {engine * 1000:7.1f} ms   goal <= 100 ms")
        print(f"  whole `pipeline run` command       {whole:7.3f} s    goal <= 1.5 s")
        smk = None if args.no_snakemake else ensure_snakemake()
        if smk is not None:
            sdir = work / "snake"
            sdir.mkdir()
            (sdir / "Snakefile").write_text(snakefile(nodes))
            subprocess.run([str(smk), "-c1", "-q"], cwd=sdir, check=True, capture_output=True)
            dry = median_time([str(smk), "-n", "-c1", "-q"], sdir, args.repeat)
            print(f"  snakemake -n (100 rules)           {dry:7.3f} s")
            print(f"  ratio pipeline run / snakemake -n  {whole / dry:7.2f}      goal <= 0.5")
        # --- 2. edit one of ten scenes ---------------------------------------------------------------
        ten = work / "ten.yaml"
        full_times, edit_times = [], []
        for i in range(max(1, args.repeat // 2)):
            c = work / f"cache10-{i}"
            ten.write_text(scene_recipe(10, "1080x1920", 30, long=True))
            began = time.perf_counter()
            subprocess.run([*pipeline_cmd, "--cache-dir", str(c), "run", "-q", str(ten)], check=True)
            full_times.append(time.perf_counter() - began)
            ten.write_text(scene_recipe(10, "1080x1920", 30, edited=4, long=True))
            began = time.perf_counter()
            subprocess.run([*pipeline_cmd, "--cache-dir", str(c), "run", "-q", str(ten)], check=True)
            edit_times.append(time.perf_counter() - began)
        full, edit = statistics.median(full_times), statistics.median(edit_times)
        print(f"\n10 two-sentence scenes at 1080x1920 30 fps, one scene's text edited "
              f"(median of {len(full_times)})")
        print(f"  full run       {full:7.2f} s")
        print(f"  rerun after edit {edit:5.2f} s")
        print(f"  ratio          {edit / full:7.3f}     goal <= 0.20")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
