"""Settings: defaults, environment overrides, and every setting documented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from app.config import PROJECT_ROOT, Settings
from app.domain.room import Limits
from tests.servers import ROOT

README = ROOT / "README.md"
ENV_NAMES = [name.upper() for name in Settings.model_fields]


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No setting leaks in from the environment or a `.env` in the working directory."""
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def test_defaults() -> None:
    settings = Settings()
    assert settings.database_url.startswith("sqlite:///")
    database = Path(settings.database_url.removeprefix("sqlite:///"))
    assert database.parent == PROJECT_ROOT / "data"
    assert database.suffix == ".db"
    assert settings.broker_url == "memory://"
    assert settings.host == "127.0.0.1"
    assert settings.port == 8000
    assert settings.public_url is None
    assert settings.facilitator_passcode is None
    assert settings.workshops_dir == PROJECT_ROOT / "workshops"
    assert settings.cookie_secure is None  # automatic: Secure over HTTPS
    assert settings.migrate_on_start is True


def test_default_limits_are_the_contract() -> None:
    assert Settings().limits == Limits()
    assert Settings().limits == Limits(title=120, setting=120, name=60, text=280, participants=300)


def test_environment_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://cg@db/cg")
    monkeypatch.setenv("BROKER_URL", "redis://cache:6379/0")
    monkeypatch.setenv("PORT", "9001")
    monkeypatch.setenv("FACILITATOR_PASSCODE", "open sesame")
    monkeypatch.setenv("MAX_PARTICIPANTS", "40")
    settings = Settings()
    assert settings.database_url == "postgresql+psycopg://cg@db/cg"
    assert settings.broker_url == "redis://cache:6379/0"
    assert settings.port == 9001
    assert settings.facilitator_passcode is not None
    assert settings.facilitator_passcode.get_secret_value() == "open sesame"
    assert "open sesame" not in repr(settings)
    assert settings.max_participants == 40
    assert settings.limits.participants == 40


def test_lower_case_environment_names_work_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("port", "8123")
    assert Settings().port == 8123


def test_dot_env_file_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("BROKER_URL=redis://from-dotenv:6379/0\n", encoding="utf-8")
    assert Settings().broker_url == "redis://from-dotenv:6379/0"


def test_environment_beats_dot_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".env").write_text("PORT=7000\n", encoding="utf-8")
    monkeypatch.setenv("PORT", "7001")
    assert Settings().port == 7001


@pytest.mark.parametrize("blank", ["", "   ", "\t"])
def test_blank_passcode_means_none(monkeypatch: pytest.MonkeyPatch, blank: str) -> None:
    monkeypatch.setenv("FACILITATOR_PASSCODE", blank)
    assert Settings().facilitator_passcode is None


@pytest.mark.parametrize(
    ("name", "value"),
    [("PORT", "0"), ("PORT", "70000"), ("PORT", "http"), ("MAX_PARTICIPANTS", "0")],
)
def test_bad_values_are_refused(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError):
        Settings()


def test_limits_maps_the_settings() -> None:
    settings = Settings(
        max_title_length=80, max_name_length=30, max_text_length=140, max_participants=12
    )
    assert settings.limits == Limits(title=80, setting=80, name=30, text=140, participants=12)


def test_booleans_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COOKIE_SECURE", "true")
    monkeypatch.setenv("MIGRATE_ON_START", "false")
    settings = Settings()
    assert settings.cookie_secure is True
    assert settings.migrate_on_start is False


# ------------------------------------------------------------------ docs
@pytest.mark.parametrize("env_name", ENV_NAMES)
def test_every_setting_is_documented_in_the_readme(env_name: str) -> None:
    readme = README.read_text(encoding="utf-8")
    assert re.search(rf"\b{re.escape(env_name)}\b", readme), f"{env_name} is not in README.md"


def test_every_setting_has_a_description() -> None:
    for name, field in Settings.model_fields.items():
        assert field.description, name
