"""Shared fixtures: the `backend` fixture runs a test on both group backends; hypothesis
profiles ("default" and a lighter "ci", chosen with HYPOTHESIS_PROFILE)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

from circuits.group import set_default_backend

settings.register_profile(
    "default",
    deadline=None,
    max_examples=50,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.register_profile(
    "ci",
    deadline=None,
    max_examples=20,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture(params=["libsecp256k1", "python"])
def backend(request: pytest.FixtureRequest) -> Iterator[str]:
    """The name of a group backend, also made the default for the test's duration."""
    name: str = request.param
    set_default_backend(name)
    try:
        yield name
    finally:
        set_default_backend(None)
