"""Read the reference YAML files (the plan's and the sheet layouts'): one reading, one wording of its errors."""

from pathlib import Path
from typing import Any

import yaml


def yaml_mapping_read(path: Path, *, error: type[Exception]) -> dict[str, Any]:
    """Return the mapping a YAML file holds; raise ``error`` naming the file when it is unreadable or not a mapping."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as problem:
        raise error(f"{path.name}: 読み込めません: {problem}") from problem
    if not isinstance(data, dict):
        raise error(f"{path.name}: 先頭はマッピングである必要があります")
    return data
