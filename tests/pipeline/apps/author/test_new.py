"""``pipeline new``: an example recipe with its assets, or one built from a script and a folder of pictures;
the result validates and renders, and the defaults it spells out are the node types' own."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PIL import Image

from pipeline import load, validate
from pipeline.cli import main


def make_pictures(folder: Path, names: list[str]) -> None:
    folder.mkdir(parents=True)
    for i, name in enumerate(names):
        Image.new("RGB", (160, 284), (40 * i, 90, 200 - 40 * i)).save(folder / name)


def test_example_without_arguments_has_its_assets_and_validates(tmp_path: Path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["new", "demo"]) == 0
    out = capsys.readouterr().out
    recipe = tmp_path / "demo" / "demo.yaml"
    assert "wrote demo/demo.yaml (2 scenes)" in out and "pipeline run demo/demo.yaml" in out
    assert "pipeline watch demo/demo.yaml --open" in out
    assert sorted(p.name for p in (tmp_path / "demo" / "assets").iterdir()) == ["city.jpg", "harbour.jpg",
                                                                              "music.ogg"]
    compiled = validate(recipe)
    assert [n for n in compiled.order if n.endswith(".tts")] == ["scene1.tts", "scene2.tts"]
    assert "allow_outside_paths" not in recipe.read_text()
    # A second `new` with the same name refuses, and leaves the first alone.
    before = recipe.read_bytes()
    assert main(["new", "demo"]) == 2
    assert "already exists" in capsys.readouterr().err and recipe.read_bytes() == before


def test_written_defaults_are_the_node_types_defaults(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["new", "demo"]) == 0
    recipe = tmp_path / "demo" / "demo.yaml"
    text = recipe.read_text()
    bare = tmp_path / "demo" / "bare.yaml"
    # The same scenes and music with every spelled-out default removed.
    kept = [line for line in text.splitlines()
            if not re.match(r"(voice|captions|motion|render|transition|loudness):", line)]
    bare.write_text("\n".join(kept).replace("volume_db: -18, duck: true, loop: true", "") + "\n")
    written, default = load(recipe), load(bare)
    assert written.order == default.order
    for name in written.order:
        assert written.steps[name].params == default.steps[name].params, name


def test_script_and_pictures_give_one_scene_per_paragraph_in_name_order_and_render(tmp_path: Path, monkeypatch,
                                                                                  capsys):
    monkeypatch.chdir(tmp_path)
    make_pictures(tmp_path / "photos", ["img10.png", "img2.png"])
    (tmp_path / "photos" / "notes.txt").write_text("not a picture")
    script = tmp_path / "script.txt"
    script.write_text("First light.\n\nThe harbour\nwakes up.\n\n\nGood night.\n", encoding="utf-8")
    assert main(["new", "trip", "--script", str(script), "--pictures", "photos", "--size", "160x284"]) == 0
    assert "wrote trip/trip.yaml (3 scenes)" in capsys.readouterr().out
    recipe = tmp_path / "trip" / "trip.yaml"
    text = recipe.read_text()
    assert "allow_outside_paths: true" in text  # the photos are beside the folder, not in it
    scenes = re.findall(r'- text: "(.*)"\n    image: "(.*)"', text)
    assert scenes == [("First light.", "../photos/img2.png"), ("The harbour wakes up.", "../photos/img10.png"),
                      ("Good night.", "../photos/img2.png")]
    assert not (tmp_path / "trip" / "assets").exists() and "music:" not in text.replace("# music:", "")
    assert main(["--cache-dir", str(tmp_path / "cache"), "run", "-q", str(recipe)]) == 0
    video = tmp_path / "trip" / "out" / "trip.mp4"
    assert video.stat().st_size > 1000
    import av

    with av.open(str(video)) as container:
        stream = container.streams.video[0]
        assert (stream.width, stream.height) == (160, 284)
    vtt = (tmp_path / "trip" / "out" / "trip.vtt").read_text()
    assert "First light." in vtt and "Good night." in vtt


def test_pictures_and_clips_without_a_script_get_a_scene_each(tmp_path: Path, monkeypatch, capsys):
    import subprocess

    import imageio_ffmpeg

    monkeypatch.chdir(tmp_path)
    make_pictures(tmp_path / "trip" / "pictures", ["b.png", "a.png"])
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i",
                    "color=c=blue:s=160x284:d=1", "-pix_fmt", "yuv420p", str(tmp_path / "trip" / "pictures" /
                                                                           "c.mp4")], check=True, timeout=60)
    assert main(["new", "trip", "--pictures", "trip/pictures", "--size", "9:16"]) == 0
    text = (tmp_path / "trip" / "trip.yaml").read_text()
    assert re.findall(r'    (image|video): "(.*)"', text) == [("image", "pictures/a.png"), ("image", "pictures/b.png"),
                                                            ("video", "pictures/c.mp4")]
    assert "allow_outside_paths" not in text and 'size: "9:16"' in text
    assert len(validate(tmp_path / "trip" / "trip.yaml").order) == 10  # 3 x (tts, captions, render) + merge


@pytest.mark.parametrize(("args", "message"), [
    (["--script", "missing.txt"], "script missing.txt not found"),
    (["--pictures", "empty"], "no pictures or videos in empty"),
    (["--pictures", "nowhere"], "pictures folder nowhere not found"),
    (["--music", "none.ogg"], "music file none.ogg not found"),
    (["--size", "17x10"], "width and height must be even"),
])
def test_bad_arguments_exit_2_with_a_fix_and_leave_no_recipe(tmp_path: Path, monkeypatch, capsys, args, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "empty").mkdir()
    assert main(["new", "demo", *args]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert "fix:" in err
    assert not (tmp_path / "demo" / "demo.yaml").exists()


def test_a_name_taken_by_a_file_is_exit_2_and_the_file_is_kept(tmp_path: Path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "f").write_text("mine", encoding="utf-8")
    for name in ("f", "f/sub"):
        assert main(["new", name]) == 2
        err = capsys.readouterr().err
        assert "error: f is a file; choose another name" in err and "fix:" in err
    assert (tmp_path / "f").read_text(encoding="utf-8") == "mine"


@pytest.mark.parametrize("size, phrase", [("99999x99999", "between 16 and 7680"), ("7680x7680", "4096 pixels a side"),
                                          ("big", "expected WIDTHxHEIGHT")])
def test_a_bad_size_is_refused_naming_the_flag_before_anything_is_written(tmp_path: Path, monkeypatch, capsys,
                                                                          size: str, phrase: str):
    monkeypatch.chdir(tmp_path)
    assert main(["new", "a/n1", "--size", size]) == 2
    err = capsys.readouterr().err
    assert f"--size '{size}'" in err and phrase in err and "fix: give --size WIDTHxHEIGHT" in err
    assert "pipeline schema" not in err and list(tmp_path.iterdir()) == []


def test_a_recipe_that_fails_to_validate_leaves_nothing_behind(tmp_path: Path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "assets").mkdir()
    (tmp_path / "bad.ogg").write_text("not audio", encoding="utf-8")
    assert main(["new", "n4", "--music", "bad.ogg"]) == 2
    assert "bad.ogg" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["assets", "bad.ogg"]
