"""The sheet layouts every installation has: Tokyo's two (第7期様式, 第8期様式) and a plain 標準様式.

A fresh installation (migrate only) could import nothing: the layouts came with Tokyo's data
(issue 19 item 1). Migration 0010 installs its own copy of them, as they were then;
``shipped_layouts_install`` also puts back one that is missing (a flushed database, a layout
deleted in the admin) when Tokyo's data links its periods to it. The columns are as printed on
seed 003 (第7期) and seed 000 (第8期); a layout of the same name that an installation already has
(edited in the admin) is left as it is.
"""

from decimal import Decimal

SEVENTH = {
    "name": "第7期様式",
    "title": "自立支援・介護予防・重度化防止等に取り組む区市町村への支援の取組と目標設定",
    "note": "《参考》第７期東京都高齢者保健福祉計画（平成30年度～平成32年度）ｐ378～380",
    # The year headings differ between the seed's pages: 「平成30年度」 on the pages of areas 2（1）,
    # 2（2）, 3, 4, 5 and 6, 「30年度」 on those of areas 1, 7 and 8 (seed 003; issue 21 item 7).
    "year_headings": "平成30年度\n令和元年度\n令和２年度",
    "area_year_headings": "\n".join(f"{area}: 30年度 令和元年度 令和２年度" for area in (1, 7, 8)),
    "assessment_label": "",
    "next_steps_label": "",
    "columns": [
        ("事項", "item", "", 24),
        ("目標", "target", "", 9),
        ("目標設定するに至った現状と課題（区市町村ニーズ）", "background", "", 20),
        ("令和２年度までに目指すべきビジョン", "item_vision", "", 20),
        ("取組の実施内容・実績", "activities", "each", 27),
        ("自己評価と今後の課題・対応策", "assessment", "each", 27),
        ("参考資料", "reference", "", 15),
    ],
}
EIGHTH = {
    "name": "第8期様式",
    "title": "",
    "note": "",
    "year_headings": "",
    "assessment_label": "＜自己評価＞",
    "next_steps_label": "＜今後の取組方針＞",
    "columns": [
        ("目標設定するに至った現状と課題", "background", "", 24),
        ("ビジョン・目標", "area_vision", "", 15),
        ("参考指標（アウトカム指標）", "outcome_indicator", "", 17),
        ("目標に向けた取組", "item", "", 24),
        ("指標(プロセス指標)", "target", "", 10),
        ("実績", "actual", "each", 8),
        ("自己評価と今後の課題・対応策", "assessment", "before_last", 22),
        ("評定", "rating", "last", 5),
        ("自己評価と評定のポイント", "assessment", "last", 22),
        ("参考資料", "reference", "", 8),
    ],
}
# A prefecture without a sheet of its own starts here: every field the application keeps, a 実績
# column so figures come in with the sheet, no 評定 (a fresh installation has no rating scale).
STANDARD = {
    "name": "標準様式",
    "title": "",
    "note": "",
    "year_headings": "",
    "assessment_label": "",
    "next_steps_label": "",
    "columns": [
        ("事項", "item", "", 26),
        ("目標", "target", "", 13),
        ("目標設定するに至った現状と課題", "background", "", 28),
        ("目指すべきビジョン", "item_vision", "", 24),
        ("実績", "actual", "each", 10),
        ("取組の実施内容・実績", "activities", "each", 30),
        ("自己評価と今後の課題・対応策", "assessment", "each", 30),
        ("参考資料", "reference", "", 14),
    ],
}
LAYOUTS = (SEVENTH, EIGHTH, STANDARD)


def shipped_layouts_install(apps, names=None) -> int:
    """Create each shipped layout (of ``names``, default all) that does not exist; return how many.

    ``apps`` is the migration's app registry or ``django.apps.apps``: only the models' fields are used.
    """
    SheetLayout = apps.get_model("programs", "SheetLayout")
    SheetColumn = apps.get_model("programs", "SheetColumn")
    created = 0
    for data in LAYOUTS:
        if names is not None and data["name"] not in names:
            continue
        if SheetLayout.objects.filter(name=data["name"]).exists():
            continue
        fields = {key: value for key, value in data.items() if key != "columns"}
        layout = SheetLayout.objects.create(**fields)
        SheetColumn.objects.bulk_create(
            SheetColumn(layout=layout, order=order, heading=heading, source=source, years=years, width=Decimal(width))
            for order, (heading, source, years, width) in enumerate(data["columns"], start=1)
        )
        created += 1
    return created
