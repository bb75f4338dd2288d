"""The preview of a sheet import: text lines for the command, and the upload kept until confirmed (the page).

The previewed file waits on disk under ``PENDING_UPLOAD_ROOT`` (0700 folder, 0600 files), never
in the session: a base64 copy in the database session made every request of that administrator
load and save megabytes (issue 18 §8). The session holds only the token of the latest preview
(so an older tab cannot confirm a newer preview); the file is named by the token's hash, bound
to the user who uploaded it, deleted when confirmed or refused, and swept once expired
(``manage.py sweep_uploads``).
"""

import hashlib
import json
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from jobs.storage import private_folder, private_write
from programs.fiscal_years import era_range_label

from .imports.plan_sheet import PlanDraft


def preview_lines(draft: PlanDraft, plan_name: str) -> list[str]:
    """Return what the import will create: counts, then every area, item and indicator with its read targets."""
    lines = []
    if draft.fiscal_years:
        years = era_range_label(draft.fiscal_years[0], draft.fiscal_years[-1])
        lines.append(f"計画期間: {plan_name}（{years}） 様式: {draft.layout_name}")
    if len(draft.sheets) > 1:
        lines.append(f"読み取ったシート（{len(draft.sheets)}枚）: {'、'.join(draft.sheets)}")
    lines += [f"読まなかったシート: {name}（{reason}）" for name, reason in draft.skipped]
    counts = draft.counts
    lines.append(
        f"分野{counts['areas']} 事項{counts['items']} 指標{counts['indicators']} 目標{counts['targets']} "
        f"実績{counts['results']} 自己評価{counts['evaluations']}"
    )
    for area in draft.areas:
        lines.append(f"■ {area.label}")
        for item in area.items:
            lines.append(f"  {item.label} {item.short_title}")
            for indicator in item.indicators:
                targets = "、".join(f"「{t.text}」→ {t.described}" for t in indicator.targets) or "目標なし"
                lines.append(f"    - {indicator.label}（{indicator.unit or '単位なし'}）: {targets}")
    return lines


# -- The previewed upload, kept on disk until confirmed -------------------------------------------

SESSION_KEY = "sheets_plan_import"
DATA_SUFFIX = ".xlsx"
META_SUFFIX = ".json"


@dataclass(frozen=True)
class PendingPlanSheet:
    token: str
    plan_name: str
    first_year: int | None
    layout: str
    file_name: str
    sha256: str
    data: bytes


def _root() -> Path:
    return private_folder(Path(settings.PENDING_UPLOAD_ROOT))


def pending_paths(token: str) -> tuple[Path, Path]:
    """Return the data and metadata files of a token; named by its hash, so a listing reveals no token."""
    key = hashlib.sha256(f"plan-sheet:{token}".encode()).hexdigest()
    root = _root()
    return root / f"{key}{DATA_SUFFIX}", root / f"{key}{META_SUFFIX}"


def _discard(token: str) -> None:
    for path in pending_paths(token):
        path.unlink(missing_ok=True)


def pending_plan_sheet_keep(
    session,
    *,
    user,
    data: bytes,
    sha256: str,
    plan_name: str,
    first_year: int | None,
    layout: str,
    file_name: str,
) -> str:
    """Keep the previewed file on disk for ``user``; return the token that confirms it.

    The session's earlier preview (another tab's) is discarded: only the latest can be confirmed.
    """
    pending_plan_sheet_forget(session)
    token = secrets.token_urlsafe(32)
    data_path, meta_path = pending_paths(token)
    private_write(data_path, data)
    meta = {
        "user_id": user.pk,
        "plan_name": plan_name,
        "first_year": first_year,
        "layout": layout,
        "file_name": file_name[:100],
        "sha256": sha256,
        "kept_at": time.time(),
    }
    private_write(meta_path, json.dumps(meta, ensure_ascii=False).encode())
    session[SESSION_KEY] = {"token": token}
    return token


def pending_plan_sheet_forget(session) -> None:
    """Drop the session's previewed upload, file and all (a new upload replaces it)."""
    kept = session.pop(SESSION_KEY, None)
    if isinstance(kept, dict) and kept.get("token"):
        _discard(str(kept["token"]))


def pending_plan_sheet_take(session, token: str, *, user) -> PendingPlanSheet | None:
    """Remove and return the upload the token confirms; None when absent, expired, guessed, altered or another's.

    A token that is not the session's latest (an older tab's) leaves the kept upload for its own tab.
    """
    kept = session.get(SESSION_KEY)
    if not isinstance(kept, dict) or not secrets.compare_digest(str(kept.get("token", "")), str(token)):
        return None
    session.pop(SESSION_KEY, None)
    try:
        return _pending_read(token, user=user)
    finally:
        _discard(token)


def pending_plan_sheet_peek(session, token: str | None = None, *, user) -> PendingPlanSheet | None:
    """Return the session's kept upload without removing it (the mapping screen reads it, then the import goes on).

    ``token``, where given, must be the session's latest; None as ``pending_plan_sheet_take`` refuses.
    """
    kept = session.get(SESSION_KEY)
    if not isinstance(kept, dict) or not kept.get("token"):
        return None
    if token is not None and not secrets.compare_digest(str(kept["token"]), str(token)):
        return None
    return _pending_read(str(kept["token"]), user=user)


def _pending_read(token: str, *, user) -> PendingPlanSheet | None:
    data_path, meta_path = pending_paths(token)
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        data = data_path.read_bytes()
    except (OSError, ValueError):
        return None
    if meta.get("user_id") != user.pk:
        return None
    if time.time() - float(meta.get("kept_at", 0)) > settings.PENDING_UPLOAD_MAX_AGE_SECONDS:
        return None
    if not secrets.compare_digest(hashlib.sha256(data).hexdigest(), str(meta.get("sha256", ""))):
        return None
    return PendingPlanSheet(
        token=token,
        plan_name=str(meta.get("plan_name", "")),
        first_year=meta.get("first_year"),
        layout=str(meta.get("layout") or ""),
        file_name=str(meta.get("file_name", "")),
        sha256=meta["sha256"],
        data=data,
    )


def pending_uploads_sweep(*, now: float | None = None) -> int:
    """Delete every pending upload file older than the expiry (by its write time); return files deleted.

    By the file's modification time rather than its metadata, so a half-written pair or a
    corrupt metadata file goes too.
    """
    now = time.time() if now is None else now
    root = Path(settings.PENDING_UPLOAD_ROOT)
    if not root.is_dir():
        return 0
    deleted = 0
    for path in root.iterdir():
        try:
            if path.is_file() and now - path.stat().st_mtime > settings.PENDING_UPLOAD_MAX_AGE_SECONDS:
                path.unlink()
                deleted += 1
        except FileNotFoundError:
            continue
    return deleted
