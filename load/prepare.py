"""Create the synthetic load plan in an empty database and write its manifest (load test, issue 6).

Run from the project root with the same environment as the server under test::

    LOAD_PASSWORD=... DATABASE_URL=postgres://... .venv/bin/python load/prepare.py var/load/manifest.json

It makes one plan period, ``負荷試験計画`` (FY2024–FY2026, FY2024 open for entry), with
``--staff`` sections (default 50), each owning ``--items`` items (default 2) of 2 indicators with
a per-year target of 1,000人; one staff user per section (``load-staff-001`` …) and
``--managers`` managers (default 5), all with the password in ``LOAD_PASSWORD``. Every figure
the load test saves is between 200 and 1,100, so the entry form's "far from target" check
(10× or 1/10 of the target) never fires. The manifest tells the load script which items and
indicators each user owns. It refuses to run twice on the same database: the verification
reads every history row, so it needs a database with no earlier run in it.
"""

import argparse
import json
import os
import sys
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaigo_plan.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.db import transaction  # noqa: E402

from accounts.roles import MANAGER, STAFF  # noqa: E402
from accounts.services import roles_ensure  # noqa: E402
from evaluations.models import ReportingYear  # noqa: E402
from programs.models import Indicator, Item, PlanPeriod, PolicyArea, Section, Target  # noqa: E402

PLAN_NAME = "負荷試験計画"
PLAN_ORDINAL = 90
FIRST_FISCAL_YEAR = 2024
ENTRY_FISCAL_YEAR = 2024
ITEMS_PER_AREA = 10
TARGET_VALUE = Decimal(1000)


@transaction.atomic
def build(*, staff: int, items_per_section: int, managers: int, password: str) -> dict:
    if PlanPeriod.objects.filter(name=PLAN_NAME).exists():
        raise SystemExit(f"{PLAN_NAME} already exists: run the load test on a fresh database")
    groups = roles_ensure()
    plan = PlanPeriod.objects.create(
        name=PLAN_NAME,
        ordinal=PLAN_ORDINAL,
        title="負荷試験用の合成データ",
        first_fiscal_year=FIRST_FISCAL_YEAR,
        last_fiscal_year=FIRST_FISCAL_YEAR + 2,
    )
    ReportingYear.objects.create(plan=plan, fiscal_year=ENTRY_FISCAL_YEAR)
    sections = Section.objects.bulk_create([Section(name=f"負荷試験課{n:03d}", order=n) for n in range(1, staff + 1)])
    total_items = staff * items_per_section
    areas = PolicyArea.objects.bulk_create(
        [
            PolicyArea(plan=plan, number=n, title=f"負荷試験分野{n}")
            for n in range(1, (total_items + ITEMS_PER_AREA - 1) // ITEMS_PER_AREA + 1)
        ]
    )
    items = Item.objects.bulk_create(
        [
            Item(
                area=areas[k // ITEMS_PER_AREA],
                number=k % ITEMS_PER_AREA + 1,
                title=f"負荷試験事項{k + 1:03d} 研修の実施",
                section=sections[k // items_per_section],
            )
            for k in range(total_items)
        ]
    )
    indicators = Indicator.objects.bulk_create(
        [
            Indicator(item=item, key=f"load-{order}", name=f"受講者数{order + 1}", unit="人", order=order)
            for item in items
            for order in range(2)
        ]
    )
    Target.objects.bulk_create(
        [
            Target(
                indicator=indicator,
                kind=Target.Kind.PER_YEAR,
                value=TARGET_VALUE,
                unit="人",
                target_text="1,000人（各年度）",
            )
            for indicator in indicators
        ]
    )
    user_model = get_user_model()
    hashed = make_password(password)  # one hash for all: hashing 55 times costs a minute of PBKDF2
    manifest = {"plan": PLAN_NAME, "fiscal_year": ENTRY_FISCAL_YEAR, "staff": [], "managers": []}
    by_item = {}
    for indicator in indicators:
        by_item.setdefault(indicator.item_id, []).append(indicator.id)
    for n, section in enumerate(sections, start=1):
        user = user_model.objects.create(username=f"load-staff-{n:03d}", first_name=f"負荷 担当者{n}", password=hashed)
        user.groups.set([groups[STAFF]])
        section.members.add(user)
        owned = [item for item in items if item.section_id == section.id]
        manifest["staff"].append(
            {"username": user.username, "items": [{"id": item.id, "indicators": by_item[item.id]} for item in owned]}
        )
    for n in range(1, managers + 1):
        user = user_model.objects.create(username=f"load-manager-{n}", first_name=f"負荷 管理職{n}", password=hashed)
        user.groups.set([groups[MANAGER]])
        manifest["managers"].append(user.username)
    return manifest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("manifest", type=Path)
    parser.add_argument("--staff", type=int, default=50)
    parser.add_argument("--items", type=int, default=2, help="items per section")
    parser.add_argument("--managers", type=int, default=5)
    args = parser.parse_args()
    password = os.environ.get("LOAD_PASSWORD")
    if not password:
        raise SystemExit("set LOAD_PASSWORD")
    manifest = build(staff=args.staff, items_per_section=args.items, managers=args.managers, password=password)
    args.manifest.parent.mkdir(parents=True, exist_ok=True)
    args.manifest.write_text(json.dumps(manifest, ensure_ascii=False, indent=1))
    print(
        f"prepared {len(manifest['staff'])} staff, {len(manifest['managers'])} managers, "
        f"{sum(len(s['items']) for s in manifest['staff'])} items → {args.manifest}"
    )


if __name__ == "__main__":
    main()
