"""The preview of a sheet import: text lines for the command, and the upload kept until confirmed (the page)."""

import base64
import hashlib
import secrets
import time
from dataclasses import dataclass

from programs.fiscal_years import era_range_label

from .imports.plan_sheet import PlanDraft


def preview_lines(draft: PlanDraft, plan_name: str) -> list[str]:
    """Return what the import will create: counts, then every area, item and indicator with its read targets."""
    lines = []
    if draft.fiscal_years:
        years = era_range_label(draft.fiscal_years[0], draft.fiscal_years[-1])
        lines.append(f"計画期間: {plan_name}（{years}） 様式: {draft.layout_name}")
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


# -- The previewed upload, kept in the session until confirmed ---------------------------------

SESSION_KEY = "sheets_plan_import"
MAX_AGE_SECONDS = 30 * 60


@dataclass(frozen=True)
class PendingPlanSheet:
    token: str
    plan_name: str
    first_year: int | None
    layout: str
    file_name: str
    sha256: str
    data: bytes


def pending_plan_sheet_keep(
    session, *, data: bytes, sha256: str, plan_name: str, first_year: int | None, layout: str, file_name: str
) -> str:
    """Keep the previewed file (and its digest) in the session; return the token that confirms it."""
    token = secrets.token_urlsafe(16)
    session[SESSION_KEY] = {
        "token": token,
        "plan_name": plan_name,
        "first_year": first_year,
        "layout": layout,
        "file_name": file_name[:100],
        "sha256": sha256,
        "data": base64.b64encode(data).decode("ascii"),
        "kept_at": time.time(),
    }
    return token


def pending_plan_sheet_take(session, token: str) -> PendingPlanSheet | None:
    """Remove and return the upload the token confirms; None when absent, expired, guessed or altered.

    A token that is not the kept one (an older tab's) leaves the kept upload for its own tab.
    """
    kept = session.get(SESSION_KEY)
    if not kept or not secrets.compare_digest(str(kept.get("token", "")), str(token)):
        return None
    session.pop(SESSION_KEY, None)
    if time.time() - float(kept.get("kept_at", 0)) > MAX_AGE_SECONDS:
        return None
    try:
        data = base64.b64decode(kept["data"], validate=True)
    except (KeyError, ValueError, TypeError):
        return None
    if not secrets.compare_digest(hashlib.sha256(data).hexdigest(), str(kept.get("sha256", ""))):
        return None
    return PendingPlanSheet(
        token=token,
        plan_name=str(kept.get("plan_name", "")),
        first_year=kept.get("first_year"),
        layout=str(kept.get("layout") or ""),
        file_name=str(kept.get("file_name", "")),
        sha256=kept["sha256"],
        data=data,
    )
