"""Read the reference YAML files (the plan's and the sheet layouts') and write their rows: one reading, one upsert.

Both loaders (``evaluations.imports.plan_yaml``, ``programs.imports.layout_yaml``) read a file with
``yaml_mapping_read`` and write each row with ``row_upsert``; each counts the outcomes its own way.
"""

from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import yaml
from django.db import models

CREATED = "created"
UPDATED = "updated"
Outcome = Literal["created", "updated"] | None


def yaml_mapping_read(path: Path, *, error: type[Exception]) -> dict[str, Any]:
    """Return the mapping a YAML file holds; raise ``error`` naming the file when it is unreadable or not a mapping."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as problem:
        raise error(f"{path.name}: 読み込めません: {problem}") from problem
    if not isinstance(data, dict):
        raise error(f"{path.name}: 先頭はマッピングである必要があります")
    return data


def row_upsert(
    model: type[models.Model], lookup: dict[str, Any], values: dict[str, Any], *, reason: str | None = None
) -> tuple[models.Model, Outcome]:
    """Create the row, or update only the fields that differ; return it with ``CREATED``, ``UPDATED`` or None.

    A second load of the same file writes nothing. Fields are validated; uniqueness and checks are the
    database's (one query fewer per row). ``reason`` is the history's change reason; without one the
    history records its default.
    """
    instance = model.objects.filter(**lookup).first()
    if instance is None:
        instance = model(**lookup, **values)
        _validated_save(instance, reason)
        return instance, CREATED
    changed = [name for name, value in values.items() if _differs(getattr(instance, name), value)]
    if not changed:
        return instance, None
    for name in changed:
        setattr(instance, name, values[name])
    _validated_save(instance, reason, update_fields=[model._meta.get_field(name).attname for name in changed])
    return instance, UPDATED


def _validated_save(instance: models.Model, reason: str | None, update_fields: list[str] | None = None) -> None:
    if reason is not None:
        instance._change_reason = reason
    instance.full_clean(validate_unique=False, validate_constraints=False)
    instance.save(update_fields=update_fields)


def _differs(current: Any, wanted: Any) -> bool:
    # A row is compared by key (the file names it, the database holds it); a figure by value
    # (the file's 1.50 is the database's Decimal("1.5")).
    if isinstance(current, models.Model) or isinstance(wanted, models.Model):
        return getattr(current, "pk", None) != getattr(wanted, "pk", None)
    if isinstance(current, Decimal) and wanted is not None:
        return current != Decimal(str(wanted))
    return current != wanted
