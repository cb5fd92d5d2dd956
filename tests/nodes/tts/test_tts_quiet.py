"""The speech libraries' noise stays out of the user's terminal: setuptools' pkg_resources deprecation
warning and tqdm bars (Chatterbox's sampling loop) are silenced before those libraries load."""

from __future__ import annotations

import io
import warnings

import pytest

from nodes.tts.engine import keep_libraries_quiet


def test_the_pkg_resources_warning_is_not_shown_and_others_still_are():
    with warnings.catch_warnings(record=True) as shown:
        warnings.simplefilter("always")
        keep_libraries_quiet()
        warnings.warn("pkg_resources is deprecated as an API. See https://setuptools.pypa.io/...", UserWarning,
                      stacklevel=1)
        warnings.warn("something else", UserWarning, stacklevel=1)
    assert [str(w.message) for w in shown] == ["something else"]


def test_tqdm_bars_draw_nothing(monkeypatch):
    tqdm_std = pytest.importorskip("tqdm.std", reason="tqdm is not installed (it comes with the speech "
                                                      "engines: scripts/install-engines.sh)")
    monkeypatch.setattr(tqdm_std.tqdm, "__init__", tqdm_std.tqdm.__init__)  # restored after the test
    monkeypatch.delattr(tqdm_std.tqdm, "_quiet_for_pipeline", raising=False)
    with warnings.catch_warnings():
        keep_libraries_quiet()
        keep_libraries_quiet()  # twice is the same as once
    terminal = io.StringIO()
    from tqdm import tqdm

    assert list(tqdm(range(50), desc="Sampling", dynamic_ncols=True, file=terminal)) == list(range(50))
    assert terminal.getvalue() == ""
