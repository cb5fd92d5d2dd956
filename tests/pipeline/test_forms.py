"""The scene list and the steps form compile to the same DAG: same nodes, params, inputs and wires."""

from __future__ import annotations

from pathlib import Path

from pipeline.graph import Pipeline
from pipeline.recipe.load import load_recipe

RECIPES = Path(__file__).resolve().parents[2] / "recipes"


def shape(pipeline: Pipeline) -> dict:
    return {
        "nodes": {name: (step.node_type.name, step.params.model_dump(mode="json"),
                         {port: [str(s) for s in sources] for port, sources in step.inputs.items()})
                  for name, step in pipeline.steps.items()},
        "edges": sorted(pipeline.graph.edges(data="port")),
        "order": pipeline.order,
        "outputs": {str(dest): str(ref) for dest, ref in pipeline.outputs.items()},
    }


def test_scene_list_and_steps_form_give_the_same_dag():
    scenes = load_recipe(RECIPES / "hello.yaml")
    steps = load_recipe(RECIPES / "hello-steps.yaml")
    assert shape(scenes) == shape(steps)
    assert len(scenes.order) == 7
    import networkx as nx

    assert isinstance(scenes.graph, nx.DiGraph) and nx.is_directed_acyclic_graph(scenes.graph)
    assert scenes.graph.nodes["merge"]["step"].node_type.name == "merge"
