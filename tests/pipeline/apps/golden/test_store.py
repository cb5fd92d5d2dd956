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
