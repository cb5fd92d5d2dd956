"""What a recipe sent to the server may not do: reach beyond its own job folder.

The engine keeps a recipe's paths inside its folder (``allow_outside_paths`` is refused at submit); here
the fields a node type marks as reaching outside (``Params.reaches_outside``: the network, the server's
environment variables) are refused when a submitted recipe sets them. It is checked on the compiled
recipe, so a value hidden in ``vars:``, ``defaults:`` or a scenes recipe's voice settings is found too.
"""

from __future__ import annotations

from typing import Any


def outside_reach(pipeline: Any) -> list[str]:
    """One line per step field that would make the server reach outside; empty when there is none."""
    found = []
    for name, step in pipeline.steps.items():
        params = step.params
        fields = type(params).model_fields
        for field, what in type(params).reaches_outside.items():
            if getattr(params, field) == fields[field].get_default(call_default_factory=True):
                continue
            where = pipeline.locate(name, (field,))
            found.append(f"{where}: step '{name}' ({step.node_type.name}): `{field}` is not allowed on this server: "
                         f"it {what}\n    fix: remove `{field}` from the step; a server runs recipes only with its "
                         "own engines and files")
    return found
