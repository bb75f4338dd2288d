"""The preview of a sheet import as text lines (the command prints them; the page shows the same draft)."""

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
