"""Golden record and check through the real command, on a tiny two-scene recipe (160x288, 10 fps).

One golden set is recorded; each test copies it beside a variant of the recipe (its own folder, with a
copy of the assets) and checks the variant, sharing one cache so only what a variant changes is rendered
again.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from PIL import Image

from nodes.media.ffmpeg import run_ffmpeg
from pipeline.apps.golden.determinism import check_determinism, compare_media
from tests.pipeline.apps.golden.plugin_env import PLUGIN, stale_blocks

pytest_plugins = ["pytester"]

ASSETS = Path(__file__).resolve().parents[4] / "recipes" / "assets"
ASSET_FILES = ("city.jpg", "hills.jpg", "harbour.jpg", "music.ogg")


def recipe_text(scene2: str = "Listen.", image2: str = "hills.jpg", music_db: float = -20,
                loudness: float = -14) -> str:
    return f"""\
version: 1
output: {{size: 160x288, fps: 10}}
captions: {{max_chars: 20, lines: 2}}
music: {{path: assets/music.ogg, volume_db: {music_db}, duck: false}}
loudness: {{target_lufs: {loudness}}}
scenes:
  - text: The harbour wakes.
    image: assets/city.jpg
    motion: {{zoom: in, amount: 0.1}}
  - text: {scene2}
    image: assets/{image2}
"""


def plugin_args() -> list[str]:
    """The plugin is opt-in: a project names it."""
    return [*stale_blocks(), "-p", PLUGIN]


def golden_cli(argv: list[str]) -> int:
    """``pipeline ...`` in-process, through the real command line (its errors become exit codes there)."""
    from pipeline.cli import main

    return main(argv)


class Project:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.cache = root / "cache"
        self.base = self.write("base")

    def write(self, name: str, with_golden: bool = False, **changes: object) -> Path:
        folder = self.root / name
        (folder / "assets").mkdir(parents=True)  # recipes may only read files in their own folder
        for name in ASSET_FILES:
            shutil.copyfile(ASSETS / name, folder / "assets" / name)
        recipe = folder / "short.yaml"
        recipe.write_text(recipe_text(**changes), encoding="utf-8")  # type: ignore[arg-type]
        if with_golden:
            shutil.copytree(self.base.parent / "short.golden", folder / "short.golden")
        return recipe

    def golden(self, command: str, recipe: Path, *flags: str) -> int:
        return golden_cli(["--cache-dir", str(self.cache), "golden", command, str(recipe), "-q", *flags])


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Project:
    project = Project(tmp_path_factory.mktemp("golden"))
    assert project.golden("record", project.base) == 0
    return project


def test_record_writes_a_small_golden_set_beside_the_recipe(project, capsys):
    folder = project.base.parent / "short.golden"
    names = sorted(p.name for p in folder.iterdir())
    assert names == [".gitignore", "frame-1.png", "frame-2.png", "frame-3.png", "frame-4.png", "frame-5.png",
                     "golden.json", "short.srt", "short.vtt"]
    assert sum(p.stat().st_size for p in folder.iterdir()) < 400_000
    assert (folder / ".gitignore").read_text(encoding="utf-8") == "failures/\n"
    data = json.loads((folder / "golden.json").read_text(encoding="utf-8"))
    assert data["tolerances"] == {"duration_frames": 1.0, "ssim": 0.97, "psnr_db": None, "loudness_lu": 0.5,
                                  "envelope_lu": 1.0, "spectrum_db": 3.0, "caption_ms": 20.0}
    video = data["streams"]["video"]
    assert (video["codec"], video["width"], video["height"], video["fps"]) == ("h264", 160, 288, "10/1")
    assert data["streams"]["audio"]["sample_rate"] == 48000
    indices = [f["index"] for f in data["frames"]]
    assert indices == sorted(indices) and 0 < indices[0] and indices[-1] < video["frames"] - 1
    assert abs(data["audio"]["integrated_lufs"] - -14) < 1.0
    assert len(data["audio"]["envelope_lufs"]) == pytest.approx(video["duration"] * 10, abs=2)
    assert [c["output"] for c in data["captions"]] == ["out/short.srt", "out/short.vtt"]
    with Image.open(folder / "frame-1.png") as frame:
        assert frame.size == (160, 288)


def test_unchanged_recipe_passes(project, capsys):
    assert project.golden("check", project.base) == 0
    report = capsys.readouterr().out
    assert "FAIL" not in report and "checks passed" in report
    for name in ("video size", "video duration", "frame 5", "audio loudness", "audio envelope",
                 "captions short.srt text", "captions short.vtt timing"):
        assert f"PASS  {name}" in report


def test_edited_caption_text_fails_naming_the_caption(project, capsys):
    recipe = project.write("caption", with_golden=True, scene2="Listen closely.")
    assert project.golden("check", recipe) == 1
    report = capsys.readouterr().out
    line = next(line for line in report.splitlines() if line.startswith("FAIL  captions short.srt text"))
    assert "'Listen closely.'" in line and "golden 'Listen.'" in line
    assert "pipeline golden record" in report


def test_changed_image_fails_ssim_and_writes_side_by_side_pictures(project, capsys):
    recipe = project.write("image", with_golden=True, image2="harbour.jpg")
    assert project.golden("check", recipe) == 1
    report = capsys.readouterr().out
    failing = [line for line in report.splitlines() if line.startswith("FAIL  frame")]
    assert failing, report
    assert all("SSIM" in line and "allowed: SSIM >= 0.970" in line and "failures/frame-" in line for line in failing)
    assert "PASS  frame 1" in report  # the first scene is unchanged
    assert "FAIL  captions" not in report and "FAIL  audio" not in report
    pictures = sorted((recipe.parent / "short.golden" / "failures").glob("frame-*.png"))
    assert len(pictures) == len(failing)
    with Image.open(pictures[0]) as sheet:
        assert sheet.size == (3 * 160 + 8, 288 + 14)


def test_louder_music_fails_the_audio_fingerprint(project, capsys):
    recipe = project.write("music", with_golden=True, music_db=6)
    assert project.golden("check", recipe) == 1
    report = capsys.readouterr().out
    assert "FAIL  audio envelope" in report
    assert "FAIL  frame" not in report and "FAIL  captions" not in report


def test_quieter_mix_fails_loudness(project, capsys):
    recipe = project.write("quiet", with_golden=True, loudness=-20)
    assert project.golden("check", recipe) == 1
    line = next(line for line in capsys.readouterr().out.splitlines() if "audio loudness" in line)
    assert line.startswith("FAIL") and "allowed: -14" in line and "± 0.5 LU" in line
    assert project.golden("check", recipe, "--loudness-lu", "8", "--envelope-lu", "8") == 0


def test_tolerances_from_golden_json_and_flags(project, capsys):
    recipe = project.write("tolerant", with_golden=True, image2="harbour.jpg")
    assert project.golden("check", recipe, "--ssim", "0") == 0
    golden_json = recipe.parent / "short.golden" / "golden.json"
    data = json.loads(golden_json.read_text(encoding="utf-8"))
    data["tolerances"]["ssim"] = 0.0
    golden_json.write_text(json.dumps(data), encoding="utf-8")
    assert project.golden("check", recipe) == 0
    assert "allowed: SSIM >= 0.000" in capsys.readouterr().out
    assert project.golden("check", recipe, "--ssim", "0.97") == 1  # the flag wins over the file
    assert project.golden("check", recipe, "--ssim", "0", "--psnr-db", "60") == 1
    # recording again keeps the hand-edited tolerances
    assert project.golden("record", recipe) == 0
    assert "kept the tolerances" in capsys.readouterr().out
    assert json.loads(golden_json.read_text(encoding="utf-8"))["tolerances"]["ssim"] == 0.0


def test_a_check_uses_the_variables_the_set_was_recorded_with(project, capsys):
    recipe = project.write("vars", scene2="${line}")
    recipe.write_text(recipe.read_text(encoding="utf-8").replace("version: 1\n", "version: 1\nvars: {line: Hello.}\n"),
                      encoding="utf-8")
    assert project.golden("record", recipe, "--var", "line=Listen.") == 0
    data = json.loads((recipe.parent / "short.golden" / "golden.json").read_text(encoding="utf-8"))
    assert data["variables"] == {"line": "Listen."}
    capsys.readouterr()
    assert project.golden("check", recipe) == 0  # "Listen.", as recorded, not the recipe's "Hello."
    assert "--var" not in capsys.readouterr().out
    assert project.golden("check", recipe, "--var", "line=Listen closely.") == 1
    report = capsys.readouterr().out
    assert "checked with --var line=Listen closely. where the set was recorded with line=Listen." in report


def test_missing_golden_set_is_bad_input_with_the_command_to_run(project, capsys):
    recipe = project.write("fresh")
    assert project.golden("check", recipe) == 2
    err = capsys.readouterr().err
    assert "no golden set recorded" in err and f"pipeline golden record {recipe}" in err
    assert not (recipe.parent / "out").exists()  # nothing rendered


def test_two_renders_are_byte_identical(project, tmp_path):
    report = check_determinism(project.base, tmp_path)
    assert report.identical, report.text()
    assert report.nodes == [] and "every node produced byte-identical output" in report.text()
    assert {f.name for f in report.files} == {"short.mp4", "short.srt", "short.vtt", "short.ass"}


def test_media_comparison_names_the_stream_that_differs(project, tmp_path):
    video = project.base.parent / "out" / "short.mp4"
    tagged = tmp_path / "tagged.mp4"
    run_ffmpeg(["-i", str(video), "-map", "0", "-c", "copy", "-metadata", "title=x", str(tagged)])
    assert compare_media(video, video) == []
    assert compare_media(video, tagged)[0].startswith("container")
    louder = tmp_path / "louder.mp4"
    run_ffmpeg(["-i", str(video), "-map", "0", "-c:v", "copy", "-c:a", "aac", "-af", "volume=2",
                str(louder)])
    differs = compare_media(video, louder)
    assert len(differs) == 1 and differs[0].startswith("audio packets")


def test_pytest_fixture_passes_and_fails_with_the_report(project, pytester):
    changed = project.write("plugin", with_golden=True, scene2="Listen closely.")
    fresh = project.write("plugin-record")
    pytester.makepyfile(f"""
        def test_same(golden):
            outcome = golden.check({str(project.base)!r})
            assert outcome.passed

        def test_changed(golden):
            golden.check({str(changed)!r})
    """)
    result = pytester.runpytest_inprocess(*plugin_args(), "--golden-cache",
                                          str(project.cache))
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*FAIL  captions short.srt text*'Listen closely.'*"])
    pytester.makepyfile(f"""
        def test_record(golden):
            golden.check({str(fresh)!r})
    """)
    result = pytester.runpytest_inprocess(*plugin_args(), "--golden-cache",
                                          str(project.cache), "--golden-record")
    result.assert_outcomes(passed=1)
    assert (fresh.parent / "short.golden" / "golden.json").is_file()
