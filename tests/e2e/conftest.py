"""The golden fixture is opt-in; these tests take it from the plugin module (README, "Golden tests")."""

from pipeline.apps.golden.pytest_plugin import golden  # noqa: F401
