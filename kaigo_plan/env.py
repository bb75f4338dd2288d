"""Read settings from the environment, where an empty variable means "not set".

A service's environment file (systemd's ``EnvironmentFile``, a copied ``.env.example``) writes
``NAME=`` for every variable left blank, so an empty value must fall back to the default
exactly as a missing one does; otherwise a blank ``DATABASE_URL`` crashes and a blank
``DJANGO_STATIC_ROOT`` becomes the current directory. Settings and ``gunicorn.conf.py`` read
the environment only through these functions (a test in ``tests/test_settings_env.py`` parses
both files to list the variables they read and checks ``.env.example`` names every one).
"""

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def env_str(name: str, default: str = "") -> str:
    """Return the variable stripped of surrounding blanks, or ``default`` when unset or empty."""
    raw = os.environ.get(name, "").strip()
    return raw or default


def env_int(name: str, default: int, *, minimum: int | None = 0) -> int:
    """Return the variable as a whole number (``default`` when unset or empty)."""
    raw = env_str(name)
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {value}")
    return value


def env_bool(name: str, default: bool) -> bool:
    """Return the variable as a boolean ("1/true/yes/on" or "0/false/no/off")."""
    raw = env_str(name).lower()
    if not raw:
        return default
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {os.environ[name]!r}")


def env_list(name: str, default: list[str]) -> list[str]:
    """Return the comma-separated variable as a list without blanks (``default`` when empty)."""
    parts = [part.strip() for part in env_str(name).split(",")]
    return [part for part in parts if part] or default


def env_path(name: str, default: Path) -> Path:
    """Return the variable as an absolute path (``default`` when unset or empty).

    A relative path would depend on the directory the process happens to start in, so it
    is refused rather than guessed.
    """
    raw = env_str(name)
    if not raw:
        return default
    path = Path(raw).expanduser()
    if not path.is_absolute():
        raise ImproperlyConfigured(f"{name} must be an absolute path, not {raw!r}")
    return path


def require_dedicated_folder(
    name: str, folder: Path, *, base_dir: Path, private: dict[str, Path], dedicated_parent: Path
) -> Path:
    """Return ``folder`` resolved, or refuse it when it could expose the server's own files.

    STATIC_ROOT is served to anyone (whitenoise serves every file in it) and MEDIA_ROOT holds
    uploads, so each must be a folder of its own: never the project directory or one that
    contains it (``collectstatic`` would copy into it and ``/static/.env`` would be served),
    inside the project only below ``dedicated_parent`` (``var/``, itself excluded: it holds the
    SQLite file and the backups), and never equal to, inside or around another ``private`` path.
    """
    resolved = folder.resolve()
    base = base_dir.resolve()
    parent = dedicated_parent.resolve()

    def refuse(reason: str) -> ImproperlyConfigured:
        return ImproperlyConfigured(f"{name}={str(folder)!r} is refused: {reason}")

    if resolved == base or resolved in base.parents:
        raise refuse(f"it is (or contains) the project directory {base}; use a dedicated folder such as {parent}/…")
    if base in resolved.parents and parent not in resolved.parents:
        raise refuse(f"inside the project only a dedicated folder below {parent}/ may be used")
    for other_name, other in private.items():
        other = other.resolve()
        if other == resolved or other in resolved.parents or resolved in other.parents:
            raise refuse(f"it overlaps {other_name} ({other}); each needs a folder of its own")
    return resolved
