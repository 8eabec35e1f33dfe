"""envvars.patched: variables set or unset inside the block, each put back as it was after it."""

from __future__ import annotations

import os

import pytest

from genesys_audit_tools import envvars


def test_sets_unsets_and_restores_even_after_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GA_KEPT", "before")
    monkeypatch.delenv("GA_NEW", raising=False)
    with pytest.raises(RuntimeError), envvars.patched({"GA_KEPT": None, "GA_NEW": "inside"}):
        assert "GA_KEPT" not in os.environ and os.environ["GA_NEW"] == "inside"
        raise RuntimeError("the block fails")
    assert os.environ["GA_KEPT"] == "before" and "GA_NEW" not in os.environ
