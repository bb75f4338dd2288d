"""Writes on the plan's side: the demo accounts and the sections they belong to; municipality lists.

They live here rather than in ``accounts`` because they need ``Section``, and ``accounts``
imports nothing from the plan (STYLE.md, "Which way the imports run").
"""

import secrets
from datetime import date
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q

from accounts.roles import MANAGER, STAFF, SYSTEM_ADMIN
from accounts.services import roles_ensure

from .imports.municipality_csv import MunicipalityRow, municipality_rows
from .models import GrantIndicator, GrantScore, Municipality, Section

ERROR_DEMO_USERS_OUTSIDE_DEBUG = "デモ用アカウントは開発モード（DJANGO_DEBUG=true）でのみ作成できます。"
DEMO_STAFF_A_SECTION = "在宅支援課"  # owns 第8期 7 地域ケア会議の推進
DEMO_STAFF_B_SECTION = "介護保険課"


class DemoUsersRefused(RuntimeError):
    pass


@transaction.atomic
def demo_users_create(*, password: str | None = None) -> tuple[str, list[str]]:
    """Create the clearly-marked demo accounts; return the password and the names created or reset.

    Refused outside development mode: demo passwords must never reach a production server.
    """
    if not settings.DEBUG:
        raise DemoUsersRefused(ERROR_DEMO_USERS_OUTSIDE_DEBUG)
    groups = roles_ensure()
    password = password or secrets.token_urlsafe(12)
    user_model = get_user_model()
    specs = [
        ("demo-admin", "デモ システム管理者", SYSTEM_ADMIN, None),
        ("demo-manager", "デモ 管理職", MANAGER, None),
        ("demo-staff-a", "デモ 担当者A", STAFF, DEMO_STAFF_A_SECTION),
        ("demo-staff-b", "デモ 担当者B", STAFF, DEMO_STAFF_B_SECTION),
    ]
    names = []
    for username, display_name, role, section_name in specs:
        user, _ = user_model.objects.get_or_create(username=username)
        user.first_name, user.last_name = display_name, ""
        # An address on a reserved domain, so reminders and workflow mails show on the console backend.
        user.email = user.email or f"{username}@example.com"
        # Only the system administrator reaches the Django admin; everyone else uses the application.
        user.is_staff = user.is_superuser = role == SYSTEM_ADMIN
        user.set_password(password)
        user.save()
        user.groups.set([groups[role]])
        if section_name:
            section, _ = Section.objects.get_or_create(name=section_name)
            section.members.add(user)
        names.append(username)
    return password, names


ERROR_UNKNOWN_SUCCESSOR = "合併・編入先の団体コード{code}がファイルにも登録済みの区市町村にもありません。"


@transaction.atomic
def municipalities_load(*, rows: list[MunicipalityRow], end_others_on: date | None = None) -> dict[str, int]:
    """Create or update municipalities by code from parsed rows; return how many were created, updated, ended.

    Nothing is deleted: a municipality's coverage marks stay with its code. ``end_others_on``
    gives every municipality that exists now and is not in the file that ``valid_to``, so a
    prefecture replacing Tokyo's list keeps Tokyo's rows out of every list. All checks run before
    the first write; a refused load writes nothing.
    """
    codes = {row.code for row in rows}
    known = set(
        Municipality.objects.filter(code__in=[row.successor_code for row in rows]).values_list("code", flat=True)
    )
    for row in rows:
        if row.successor_code and row.successor_code not in codes | known:
            raise ValueError(ERROR_UNKNOWN_SUCCESSOR.format(code=row.successor_code))
    existing = {municipality.code: municipality for municipality in Municipality.objects.filter(code__in=codes)}
    counts = {"created": 0, "updated": 0, "ended": 0}
    fields = ["name", "kind", "region", "valid_from", "valid_to", "tile_row", "tile_column"]
    for row in rows:
        municipality = existing.get(row.code) or Municipality(code=row.code)
        before = [getattr(municipality, name) for name in fields]
        for name in fields:
            setattr(municipality, name, getattr(row, name))
        if municipality.pk is None:
            municipality.save()
            counts["created"] += 1
        elif before != [getattr(municipality, name) for name in fields]:
            municipality.save(update_fields=fields)
            counts["updated"] += 1
        existing[row.code] = municipality
    successors = {row.code: row.successor_code for row in rows if row.successor_code}
    by_code = {m.code: m for m in Municipality.objects.filter(code__in=set(successors.values()))} | existing
    for code, successor in successors.items():
        Municipality.objects.filter(code=code).update(successor=by_code[successor])
    if end_others_on is not None:
        counts["ended"] = Municipality.objects.current().exclude(code__in=codes).update(valid_to=end_others_on)
    return counts


@transaction.atomic
def grant_samples_delete() -> int:
    """Delete the 評価指標 scores marked 「サンプル（架空の値）」 and the demo's made-up indicators.

    Return how many scores went.
    """
    scores = GrantScore.objects.filter(Q(is_sample=True) | Q(indicator__is_sample=True))
    deleted = scores.count()
    scores.delete()
    GrantIndicator.objects.filter(is_sample=True).delete()
    return deleted


# The demo's made-up 評価指標: real 分野 names, invented indicators and points, every one marked.
SAMPLE_FIELDS = (
    ("PDCAサイクルの活用", 40),
    ("地域ケア会議", 30),
    ("介護予防／日常生活支援", 50),
    ("認知症総合支援", 30),
    ("在宅医療・介護連携", 30),
    ("介護給付の適正化", 40),
)
SAMPLE_SOURCE = "デモ用サンプル（架空の値）"


@transaction.atomic
def grant_samples_create(*, fiscal_year: int) -> int:
    """Create a made-up 評価指標 set and scores for every current municipality, all marked as samples.

    For the demo (``make run``) only: pages and exports show 「サンプル（架空の値）」 wherever these
    are used, and ``grant_samples_delete`` removes them. Deterministic (from each code), so a
    second run changes nothing. Return how many scores were created.
    """
    created = 0
    for grant in GrantIndicator.Grant.values:
        for order, (field, max_points) in enumerate(SAMPLE_FIELDS, start=1):
            indicator, _ = GrantIndicator.objects.get_or_create(
                grant=grant,
                fiscal_year=fiscal_year,
                number=f"サンプル{order}",
                defaults={
                    "field": field,
                    "text": f"【サンプル（架空の指標）】{field}の取組状況",
                    "max_points": max_points,
                    "order": order,
                    "is_sample": True,
                },
            )
            if not indicator.is_sample:
                continue  # a real indicator of that number: never overwritten by the demo
            existing = set(indicator.scores.values_list("municipality_id", flat=True))
            scores = [
                GrantScore(
                    indicator=indicator,
                    municipality=municipality,
                    points=_sample_points(municipality.code, order, grant, max_points),
                    is_sample=True,
                    source=SAMPLE_SOURCE,
                )
                for municipality in Municipality.objects.current()
                if municipality.id not in existing
            ]
            GrantScore.objects.bulk_create(scores)
            created += len(scores)
    return created


def _sample_points(code: str, order: int, grant: str, max_points: int) -> int:
    # A fixed spread from the code, so the demo looks varied and never changes between runs.
    seed = int(code[:5]) * 7 + order * 13 + len(grant) * 3
    return (seed * 37 % 101) * max_points // 100


ERROR_UNKNOWN_MUNICIPALITY = "{line}行目: 団体コード{code}の区市町村が登録されていません。"
ERROR_UNKNOWN_INDICATOR = (
    "{line}行目: 指標番号「{number}」がこの年度の評価指標にありません（分野と配点の列を選ぶと新しく登録します）。"
)
ERROR_OVER_MAX = "{line}行目: 得点 {points} が配点 {max_points} を超えています。"
ERROR_TWICE = "{line}行目: 団体コード{code}・指標番号「{number}」が2回あります。"


class GrantImportRefused(ValueError):
    """The file's rows do not fit the data: ``problems`` says which, row by row; nothing was written."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@transaction.atomic
def grant_scores_import(*, grant: str, fiscal_year: int, lines, source: str) -> dict[str, int]:
    """Store points per municipality and indicator (created or updated; history kept); return counts.

    ``lines`` are ``sheets.imports.grant_scores.ScoreLine``. An indicator the year's set lacks is
    created where the line gives its 分野 and 配点. Every line is checked before the first write;
    a refused file writes nothing (``GrantImportRefused``). Imported points are real: never samples.
    """
    municipalities = {m.code: m for m in Municipality.objects.filter(code__in={line.code for line in lines})}
    indicators = {i.number: i for i in GrantIndicator.objects.filter(grant=grant, fiscal_year=fiscal_year)}
    new_indicators: dict[str, GrantIndicator] = {}
    problems, seen = [], set()
    for line in lines:
        indicator = indicators.get(line.number) or new_indicators.get(line.number)
        if line.code not in municipalities:
            problems.append(ERROR_UNKNOWN_MUNICIPALITY.format(line=line.line, code=line.code))
        if indicator is None and line.field and line.max_points:
            indicator = GrantIndicator(
                grant=grant,
                fiscal_year=fiscal_year,
                number=line.number,
                field=line.field,
                text=line.text,
                max_points=line.max_points,
                order=len(indicators) + len(new_indicators) + 1,
            )
            new_indicators[line.number] = indicator
        if indicator is None:
            problems.append(ERROR_UNKNOWN_INDICATOR.format(line=line.line, number=line.number))
        elif line.points > indicator.max_points:
            problems.append(ERROR_OVER_MAX.format(line=line.line, points=line.points, max_points=indicator.max_points))
        if (line.code, line.number) in seen:
            problems.append(ERROR_TWICE.format(line=line.line, code=line.code, number=line.number))
        seen.add((line.code, line.number))
        if len(problems) >= 50:
            break
    if problems:
        raise GrantImportRefused(problems)
    for indicator in new_indicators.values():
        indicator.full_clean()
        indicator.save()
    indicators |= new_indicators
    existing = {
        (score.indicator_id, score.municipality_id): score
        for score in GrantScore.objects.filter(indicator__in=indicators.values())
    }
    counts = {"created": 0, "updated": 0, "indicators": len(new_indicators)}
    for line in lines:
        indicator, municipality = indicators[line.number], municipalities[line.code]
        score = existing.get((indicator.id, municipality.id))
        if score is None:
            GrantScore.objects.create(
                indicator=indicator, municipality=municipality, points=line.points, source=source[:200]
            )
            counts["created"] += 1
        elif score.points != line.points or score.is_sample:
            score.points, score.is_sample, score.source = line.points, False, source[:200]
            score.save(update_fields=["points", "is_sample", "source"])
            counts["updated"] += 1
    return counts


TOKYO_MUNICIPALITIES = Path(__file__).resolve().parent / "data" / "tokyo_municipalities.csv"


def tokyo_municipalities_ensure() -> dict[str, int]:
    """Create or update Tokyo's 62 from programs/data/tokyo_municipalities.csv (a no-op when they are there).

    Migration ``programs.0008`` loads the same file on every installation; Tokyo's plan loader
    calls this too, so its data never lacks the municipalities it names (a test database that
    was flushed, say).
    """
    rows, problems = municipality_rows(TOKYO_MUNICIPALITIES.read_bytes())
    if problems:
        raise ValueError("\n".join(problems))
    return municipalities_load(rows=rows)
