"""Every command loads the node types, so importing them must not pull in the heavy media and numeric
libraries: those are imported by the code that runs a node (or checks its input files), not by the
declarations the engine reads to plan and to find a fully cached run."""

from __future__ import annotations

import json
import subprocess
import sys

NODE_MODULES = ("nodes.tts.node", "nodes.tts.align_node", "nodes.captions.node", "nodes.render.node",
                "nodes.render.join", "nodes.render.soundtrack", "nodes.merge.node")
HEAVY = ("numpy", "av", "PIL", "soundfile", "nupunkt", "piper", "onnxruntime", "imageio_ffmpeg", "torch")


def test_node_types_import_without_heavy_libraries() -> None:
    # A fresh interpreter: this test process has imported all of them already.
    code = (f"import {', '.join(NODE_MODULES)}; import json, sys; "
            f"print(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []
