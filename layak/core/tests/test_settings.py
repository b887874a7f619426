"""Settings come from the environment; missing secrets fail loudly outside DEBUG (issue #2)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_list, env_secret

ROOT = Path(__file__).resolve().parents[3]


def _load_settings(
    env: dict[str, str], statement: str = "import config.settings"
) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SECRET_KEY", "LAYAK_"))}
    clean.pop("DEBUG", None)
    clean.update(env)
    clean["LAYAK_VAR_DIR"] = str(ROOT / "var")
    return subprocess.run(  # noqa: S603  (fixed interpreter and arguments)
        [sys.executable, "-c", statement],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        check=False,
    )


def test_missing_secret_key_fails_loudly_without_debug() -> None:
    result = _load_settings({"LAYAK_ENCRYPTION_KEYS": "k"})
    assert result.returncode != 0
    assert "SECRET_KEY (or SECRET_KEY_FILE) must be set" in result.stderr


def test_missing_encryption_key_fails_loudly_without_debug() -> None:
    result = _load_settings({"SECRET_KEY": "s"})
    assert result.returncode != 0
    assert "LAYAK_ENCRYPTION_KEYS" in result.stderr


def test_debug_runs_without_secrets() -> None:
    assert _load_settings({"DEBUG": "true"}).returncode == 0


def test_secret_from_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = tmp_path / "secret"
    secret.write_text("from-a-file\n", encoding="utf-8")
    monkeypatch.delenv("LAYAK_T_SECRET", raising=False)
    monkeypatch.setenv("LAYAK_T_SECRET_FILE", str(secret))
    assert env_secret("LAYAK_T_SECRET") == "from-a-file"
    monkeypatch.setenv("LAYAK_T_SECRET_FILE", str(tmp_path / "missing"))
    with pytest.raises(ImproperlyConfigured):
        env_secret("LAYAK_T_SECRET")


def test_typed_helpers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAYAK_T_BOOL", "Yes")
    monkeypatch.setenv("LAYAK_T_INT", "42")
    monkeypatch.setenv("LAYAK_T_LIST", " a, b ,,c ")
    assert env_bool("LAYAK_T_BOOL") is True
    assert env_int("LAYAK_T_INT", 1) == 42
    assert env_list("LAYAK_T_LIST") == ["a", "b", "c"]
    assert env_int("LAYAK_T_UNSET", 7) == 7
    monkeypatch.setenv("LAYAK_T_BOOL", "perhaps")
    with pytest.raises(ImproperlyConfigured):
        env_bool("LAYAK_T_BOOL")
    monkeypatch.setenv("LAYAK_T_INT", "many")
    with pytest.raises(ImproperlyConfigured):
        env_int("LAYAK_T_INT", 1)


def test_unknown_cache_setting_is_refused() -> None:
    result = _load_settings({"DEBUG": "true", "LAYAK_CACHE": "memcached"})
    assert result.returncode != 0
    assert "LAYAK_CACHE" in result.stderr


def _setting(name: str, env: dict[str, str]) -> str:
    """The value of one setting when the settings load with ``env`` (in a fresh interpreter)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SECRET_KEY", "LAYAK_"))}
    clean.pop("DEBUG", None)
    clean.update({"DEBUG": "true", "LAYAK_VAR_DIR": str(ROOT / "var")}, **env)
    result = subprocess.run(  # noqa: S603  (fixed interpreter and arguments)
        [sys.executable, "-c", f"import config.settings as s; print(repr(s.{name}))"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def test_allauth_trusts_as_many_proxies_as_the_lockout_and_audit_trail() -> None:
    assert _setting("ALLAUTH_TRUSTED_PROXY_COUNT", {}) == "0"
    assert _setting("ALLAUTH_TRUSTED_PROXY_COUNT", {"LAYAK_PROXY_COUNT": "2"}) == "2"


def test_audit_keys_come_from_the_environment_or_a_file(tmp_path: Path) -> None:
    assert _setting("LAYAK_AUDIT_KEYS", {}) == "[]"
    assert _setting("LAYAK_AUDIT_KEYS", {"LAYAK_AUDIT_KEY": "new, old"}) == "['new', 'old']"
    key_file = tmp_path / "audit-key"
    key_file.write_text("from-a-file\n", encoding="utf-8")
    assert _setting("LAYAK_AUDIT_KEYS", {"LAYAK_AUDIT_KEY_FILE": str(key_file)}) == (
        "['from-a-file']"
    )


def test_layak_settings_are_read_directly_with_their_defaults_written_once() -> None:
    """Every ``LAYAK_*`` default lives in config/settings.py; code reads ``settings.LAYAK_X``.
    A ``getattr(settings, "LAYAK_…", default)`` elsewhere repeats (and can contradict) it."""
    pattern = 'getattr(settings, "LAYAK_'
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for folder in ("layak", "bench", "tests")
        for path in sorted((ROOT / folder).rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if pattern in line and path.name != "test_settings.py"
    ]
    assert offenders == []


def test_plain_pytest_needs_nothing_in_the_environment() -> None:
    """``config.test_settings`` (pyproject's DJANGO_SETTINGS_MODULE) loads with no secret or
    LAYAK_ variable set, so a new contributor's plain ``pytest`` runs from a clone."""
    result = _load_settings({}, "import config.test_settings as s; print(s.DEBUG, s.TASKS)")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("False")
    assert "Immediate" in result.stdout
