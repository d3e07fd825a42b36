"""Where facilitator keeps its files: the database, the user's own programmes, the settings."""

from __future__ import annotations

import os
from pathlib import Path

APP = "facilitator"


def data_dir() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP, appauthor=False))


def config_dir() -> Path:
    from platformdirs import user_config_dir

    return Path(user_config_dir(APP, appauthor=False))


def default_db() -> Path:
    """The database: --db, else FACILITATOR_DB, else the user's data folder."""
    env = os.environ.get("FACILITATOR_DB")
    return Path(env) if env else data_dir() / "facilitator.db"


def user_programmes_dir() -> Path:
    """Programmes a user wrote: FACILITATOR_PROGRAMMES, else a folder beside the settings."""
    env = os.environ.get("FACILITATOR_PROGRAMMES")
    return Path(env) if env else config_dir() / "programmes"


def settings_file() -> Path:
    return config_dir() / "settings.toml"


def read_settings() -> dict:
    """The user's settings (e.g. `lang = "en"`); a broken file counts as no settings."""
    import tomllib

    try:
        return tomllib.loads(settings_file().read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return {}
