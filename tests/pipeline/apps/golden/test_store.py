"""The golden folder: missing or unreadable sets are bad input (exit 2), JSON stays compact."""

from __future__ import annotations

import json

import pytest

from pipeline.apps.golden.errors import GoldenError
from pipeline.apps.golden.store import _compact_lists, golden_dir, load_golden
from pipeline.apps.golden.thumbnails import sample_indices
from pipeline.apps.golden.tolerances import Tolerances


def test_golden_dir_sits_beside_the_recipe(tmp_path):
    assert golden_dir(tmp_path / "recipes" / "intro.yaml") == tmp_path / "recipes" / "intro.golden"


def test_missing_golden_set_says_how_to_record_one(tmp_path):
    recipe = tmp_path / "intro.yaml"
    with pytest.raises(GoldenError) as info:
        load_golden(recipe)
    assert info.value.exit_code == 2
    assert "no golden set recorded" in str(info.value)
    assert f"pipeline golden record {recipe}" in str(info.value)


def test_broken_golden_json_is_bad_input(tmp_path):
    folder = tmp_path / "intro.golden"
    folder.mkdir()
    (folder / "golden.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(GoldenError, match="not a readable golden set") as info:
        load_golden(tmp_path / "intro.yaml")
    assert info.value.exit_code == 2


def test_number_lists_go_on_one_line_and_still_parse():
    data = {"a": [1.5, -70.0, 3], "b": {"c": [], "d": ["x", "y"]}, "e": [{"f": 1}]}
    text = _compact_lists(json.dumps(data, indent=1))
    assert '"a": [1.5, -70.0, 3],' in text
    assert json.loads(text) == data


def test_tolerance_overrides_ignore_unset_values():
    tol = Tolerances(ssim=0.9).override(ssim=None, caption_ms=50)
    assert tol.ssim == 0.9 and tol.caption_ms == 50 and tol.loudness_lu == 0.5
    with pytest.raises(ValueError, match="unknown tolerance.*ssmi.*known: duration_frames, ssim"):
        tol.override(ssmi=0.5)


def test_sample_indices_avoid_first_and_last_frame():
    assert sample_indices(100, 5) == [17, 33, 50, 67, 83]
    for count in (3, 4, 7, 18):
        indices = sample_indices(count, 5)
        assert indices and min(indices) >= 1 and max(indices) <= count - 2
    assert sample_indices(2, 5) == [0, 1]


def write_set(tmp_path, frame_file: str = "frame-1.png", frame_bytes: bytes | None = None, **changes):
    """A minimal golden set for intro.yaml: one frame (a real PNG unless ``frame_bytes``), no audio."""
    import io

    from PIL import Image

    folder = tmp_path / "intro.golden"
    folder.mkdir()
    if frame_bytes is None:
        buffer = io.BytesIO()
        Image.new("RGB", (4, 4)).save(buffer, format="PNG")
        frame_bytes = buffer.getvalue()
    (folder / "frame-1.png").write_bytes(frame_bytes)
    data = {"format": 1, "recipe": "intro.yaml", "video": "out/intro.mp4",
            "streams": {"container": "mp4", "duration": 1.0},
            "frames": [{"index": 1, "time": 0.1, "file": frame_file}], **changes}
    (folder / "golden.json").write_text(json.dumps(data), encoding="utf-8")
    return tmp_path / "intro.yaml"


def test_a_good_minimal_set_loads(tmp_path):
    assert load_golden(write_set(tmp_path)).frames[0].file == "frame-1.png"


@pytest.mark.parametrize("name", ["../../../etc/passwd", "/etc/passwd", "../intro.yaml"])
def test_a_frame_outside_the_golden_folder_is_refused_unopened(tmp_path, monkeypatch, name):
    from PIL import Image

    (tmp_path / "intro.yaml").write_text("version: 1\n", encoding="utf-8")
    opened = []
    monkeypatch.setattr(Image, "open", lambda *a, **k: opened.append(a) or pytest.fail("opened"))
    with pytest.raises(GoldenError, match=r"frames\[0\]\.file: .* is outside the golden folder") as info:
        load_golden(write_set(tmp_path, frame_file=name))
    assert info.value.exit_code == 2 and "fix:" in str(info.value) and not opened


def test_a_frame_that_is_not_an_image_is_bad_input(tmp_path):
    with pytest.raises(GoldenError, match=r"frames\[0\]\.file: frame-1.png is not a readable image") as info:
        load_golden(write_set(tmp_path, frame_bytes=b"root:x:0:0:root:/root:/bin/bash\n"))
    assert info.value.exit_code == 2


@pytest.mark.parametrize("changes, phrase", [({"tolerances": {"ssim": 2}}, "tolerances.ssim: Input should be"),
                                             ({"frames": [{"index": "x", "time": 0, "file": "frame-1.png"}]},
                                              "frames[0].index: Input should be a valid integer"),
                                             ({"video": None}, "video: Input should be a valid string")])
def test_bad_contents_are_one_message_naming_the_field(tmp_path, changes, phrase):
    with pytest.raises(GoldenError) as info:
        load_golden(write_set(tmp_path, **changes))
    text = str(info.value)
    assert phrase in text and "golden.json is not a readable golden set" in text and "fix:" in text
    assert "pydantic" not in text and "validation error" not in text


def test_invalid_json_names_the_line_without_a_link(tmp_path):
    folder = tmp_path / "intro.golden"
    folder.mkdir()
    (folder / "golden.json").write_text('{\n "format": 1,,\n}', encoding="utf-8")
    with pytest.raises(GoldenError, match=r"golden.json:2:\d+: not a readable golden set: invalid JSON") as info:
        load_golden(tmp_path / "intro.yaml")
    assert "errors.pydantic.dev" not in str(info.value)
