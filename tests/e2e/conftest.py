"""The golden fixture is opt-in; these tests take it from the plugin module (README, "Golden tests").

The goldens are the default install's output: with the [whisper] extra installed, recordings would be
aligned by Whisper instead, so the recogniser is switched off for these tests (and the processes they start).
"""

from collections.abc import Iterator

import pytest

from pipeline.apps.golden.pytest_plugin import golden  # noqa: F401


@pytest.fixture(scope="module", autouse=True)
def default_install_aligner() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PIPELINE_WHISPER_MODEL", "off")
        yield
