"""The ``layak`` console command is the same entry point as ``manage.py`` (issue #2)."""

from __future__ import annotations

import sys
from importlib.metadata import entry_points

import pytest

from config.manage import main


def test_layak_entry_point_runs_management_commands(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "argv", ["layak", "help", "audit_verify"])
    main()
    assert "audit_verify" in capsys.readouterr().out


def test_installed_layak_script_points_at_the_same_entry_point() -> None:
    (script,) = entry_points(group="console_scripts", name="layak")
    assert script.value == "config.manage:main"
    assert script.load() is main
