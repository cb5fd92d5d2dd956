"""``pipeline golden``'s own flags: out-of-range values are exit 2 naming the flag, before any render."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.cli import main


@pytest.mark.parametrize("frames", ["99999999999999999999", "-1", "0", "1001"])
def test_record_refuses_a_frame_count_out_of_range(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                   frames: str) -> None:
    recipe = tmp_path / "base.yaml"
    recipe.write_text("version: 1\n", encoding="utf-8")
    golden = tmp_path / "base.golden"
    golden.mkdir()
    (golden / "golden.json").write_text("{}", encoding="utf-8")
    code = main(["golden", "record", "-q", str(recipe), "--frames", frames, "--cache-dir", str(tmp_path / "c")])
    err = capsys.readouterr().err
    assert code == 2 and "--frames must be a whole number from 1 to 1000" in err and "fix:" in err
    assert (golden / "golden.json").read_text(encoding="utf-8") == "{}"  # the golden set is left alone


@pytest.mark.parametrize("flag, value, expected", [("--ssim", "2", "from -1 to 1"), ("--ssim", "nan", "from -1 to 1"),
                                                   ("--loudness-lu", "-1", "at least 0"),
                                                   ("--caption-ms", "-1", "at least 0"),
                                                   ("--duration-frames", "-5", "at least 0"),
                                                   ("--psnr-db", "inf", "a finite number")])
def test_check_refuses_a_tolerance_out_of_range(tmp_path: Path, capsys: pytest.CaptureFixture[str], flag: str,
                                                value: str, expected: str) -> None:
    recipe = tmp_path / "base.yaml"
    recipe.write_text("version: 1\n", encoding="utf-8")
    code = main(["golden", "check", "-q", str(recipe), f"{flag}={value}", "--cache-dir", str(tmp_path / "c")])
    err = capsys.readouterr().err
    assert code == 2 and f"{flag} must be a" in err and expected in err and "fix:" in err
    assert "validation error" not in err and "pydantic" not in err
