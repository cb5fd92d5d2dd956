"""ffmpeg's EBU R128 meter (``ebur128``), the reference implementation, run over a file's audio stream.

The meter's per-100 ms readings are written with ``ametadata`` to a file and returned as its key=value
lines, so nothing depends on the wording of its log summary. The one runner for the mix's checks
(``nodes/audio/bs1770.py``) and the golden sets' loudness envelope.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from nodes.media.ffmpeg import escape_filter_value, ffmpeg_exe, run_ffmpeg


def ebur128_readings(media: Path, *, stream: str = "a:0", true_peak: bool = False,
                     work_dir: Path | None = None) -> str:
    """The meter's readings (``lavfi.r128.M=...``, ``lavfi.r128.I=...``, ...) for ``stream`` of ``media``;
    with ``true_peak`` also ``lavfi.r128.true_peak``. ``work_dir`` holds the readings file meanwhile
    (default: a temporary folder); measures may run at once."""
    if work_dir is not None:
        work_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="ebur128-", dir=work_dir) as folder:
        readings = Path(folder) / "r128.txt"
        peak = ":peak=true" if true_peak else ""
        graph = f"ebur128=metadata=1{peak},ametadata=mode=print:file={escape_filter_value(str(readings))}"
        run_ffmpeg(["-i", str(media), "-map", f"0:{stream}", "-af", graph, "-f", "null", "-"], exe=ffmpeg_exe())
        return readings.read_text(encoding="utf-8", errors="replace")
