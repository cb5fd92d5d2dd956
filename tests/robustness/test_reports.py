"""Robustness, what the engine reports: drawings of the DAG survive names with quotes, and a batch on a
cluster counts a step shared by its rows as run once.

Mermaid and DOT text are checked token by token: every label is one well-formed quoted string whatever
the file names hold (quotes, backslashes, angle brackets, ``#``, ``|``). The batch runs real nodes (Piper)
on a Dask LocalCluster: three rows share one narration (the same text, so the same cache key); it is
spoken once and the summary says so.
"""

from __future__ import annotations

import re
import shutil

import pytest

from tests.robustness.helpers import Project, scene_recipe

AWKWARD = 'it\'s "big" <1> #2 | \\x.jpg'
MERMAID_NODE = re.compile(r'^  \w+(\["[^"]*"\]|\[\("[^"]*"\)\]):::(cached|stale)$|^  \w+\[\("[^"]*"\)\] -->\|\w+\| \w+$'
                          r'|^  \w+ -->\|\w+\| \w+$|^  \w+ --> \w+\[/"[^"]*"/\]$|^  classDef \w+ fill:#\w+$'
                          r'|^flowchart LR$')
DOT_STRING = r'"(?:[^"\\]|\\.)*"'
DOT_LINE = re.compile(rf'^  \w+ \[label={DOT_STRING}(, [a-z]+=({DOT_STRING}|\w+))*\];$'
                      rf'|^  \w+ -> \w+( \[label={DOT_STRING}\])?;$|^digraph recipe \{{$|^\}}$|^  rankdir=LR;$'
                      rf'|^  node \[.*\];$')


@pytest.fixture
def awkward(tmp_path) -> tuple[Project, str]:
    project = Project(tmp_path / "p")
    shutil.copy(project.root / "assets" / "city.jpg", project.root / "assets" / AWKWARD)
    recipe = scene_recipe({"name": 'intro', "text": "Hi.", "image": f"assets/{AWKWARD}"},
                          output={"path": 'out/final "cut".mp4'})
    project.write("awkward.yaml", recipe)
    return project, str(project.root / "awkward.yaml")


def test_mermaid_labels_stay_quoted(awkward):
    project, recipe = awkward
    outcome = project.cli("graph", recipe)
    assert outcome.code == 0, outcome.err
    bad = [line for line in outcome.out.splitlines() if not MERMAID_NODE.match(line)]
    assert bad == [], bad
    assert "it's #quot;big#quot; #lt;1#gt; #35;2" in outcome.out and "final #quot;cut#quot;.mp4" in outcome.out


def test_dot_labels_stay_quoted(awkward):
    project, recipe = awkward
    outcome = project.cli("graph", "--format", "dot", recipe)
    assert outcome.code == 0, outcome.err
    bad = [line for line in outcome.out.splitlines() if not DOT_LINE.match(line)]
    assert bad == [], bad
    assert 'it\'s \\"big\\" <1> #2 | \\\\x.jpg' in outcome.out


TEMPLATE = """\
version: 1
vars: {who: nobody}
steps:
  intro: {type: tts, text: The same words for every row.}
  greet: {type: tts, text: 'Hello ${who}.'}
outputs:
  out/${who}-intro.wav: ${intro.audio}
  out/${who}-greet.wav: ${greet.audio}
"""


def test_a_batch_on_a_cluster_counts_a_shared_step_once(tmp_path):
    pytest.importorskip("distributed")
    from pipeline.batch import run_batch
    from pipeline.cache import Cache
    from pipeline.executor.dask import DaskExecutor, local_cluster

    recipe = tmp_path / "template.yaml"
    recipe.write_text(TEMPLATE, encoding="utf-8")
    rows = tmp_path / "rows.csv"
    rows.write_text("who\nana\nbea\ncai\n", encoding="utf-8")
    cluster = local_cluster(workers=1, gpus=0)
    executor = DaskExecutor(cluster=cluster)
    try:
        result = run_batch(recipe, rows, Cache(tmp_path / "cache"), executor=executor)
    finally:
        executor.close()
        cluster.close()
    assert result.rendered == [1, 2, 3] and result.failed == {}
    ran = sorted(result.summary.ran)
    assert len([n for n in ran if n.endswith("/intro")]) == 1, ran  # spoken once for the three rows
    assert len([n for n in ran if n.endswith("/greet")]) == 3, ran
    assert len(result.summary.cached) == 2
    assert len({(tmp_path / "out" / f"{w}-intro.wav").read_bytes() for w in ("ana", "bea", "cai")}) == 1
