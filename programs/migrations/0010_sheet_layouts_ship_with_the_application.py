"""Install the sheet layouts that ship with the application (issue 19 item 1).

The layouts are copied here as they were when this migration was written, not read from
programs.shipped_layouts: a later field there would not exist yet in the models this migration
sees. ``shipped_layouts_install`` keeps putting back the current ones (tests, Tokyo's loader).
"""

from decimal import Decimal

from django.db import migrations

LAYOUTS = ({'name': '第7期様式',
  'title': '自立支援・介護予防・重度化防止等に取り組む区市町村への支援の取組と目標設定',
  'note': '《参考》第７期東京都高齢者保健福祉計画（平成30年度～平成32年度）ｐ378～380',
  'year_headings': '平成30年度\n令和元年度\n令和２年度',
  'area_year_headings': '1: 30年度 令和元年度 令和２年度\n7: 30年度 令和元年度 令和２年度\n8: 30年度 令和元年度 令和２年度',
  'assessment_label': '',
  'next_steps_label': '',
  'columns': [('事項', 'item', '', 24),
              ('目標', 'target', '', 9),
              ('目標設定するに至った現状と課題（区市町村ニーズ）', 'background', '', 20),
              ('令和２年度までに目指すべきビジョン', 'item_vision', '', 20),
              ('取組の実施内容・実績', 'activities', 'each', 27),
              ('自己評価と今後の課題・対応策', 'assessment', 'each', 27),
              ('参考資料', 'reference', '', 15)]},
 {'name': '第8期様式',
  'title': '',
  'note': '',
  'year_headings': '',
  'assessment_label': '＜自己評価＞',
  'next_steps_label': '＜今後の取組方針＞',
  'columns': [('目標設定するに至った現状と課題', 'background', '', 24),
              ('ビジョン・目標', 'area_vision', '', 15),
              ('参考指標（アウトカム指標）', 'outcome_indicator', '', 17),
              ('目標に向けた取組', 'item', '', 24),
              ('指標(プロセス指標)', 'target', '', 10),
              ('実績', 'actual', 'each', 8),
              ('自己評価と今後の課題・対応策', 'assessment', 'before_last', 22),
              ('評定', 'rating', 'last', 5),
              ('自己評価と評定のポイント', 'assessment', 'last', 22),
              ('参考資料', 'reference', '', 8)]},
 {'name': '標準様式',
  'title': '',
  'note': '',
  'year_headings': '',
  'assessment_label': '',
  'next_steps_label': '',
  'columns': [('事項', 'item', '', 26),
              ('目標', 'target', '', 13),
              ('目標設定するに至った現状と課題', 'background', '', 28),
              ('目指すべきビジョン', 'item_vision', '', 24),
              ('実績', 'actual', 'each', 10),
              ('取組の実施内容・実績', 'activities', 'each', 30),
              ('自己評価と今後の課題・対応策', 'assessment', 'each', 30),
              ('参考資料', 'reference', '', 14)]})


def install(apps, schema_editor):
    SheetLayout = apps.get_model("programs", "SheetLayout")
    SheetColumn = apps.get_model("programs", "SheetColumn")
    for data in LAYOUTS:
        if SheetLayout.objects.filter(name=data["name"]).exists():
            continue
        layout = SheetLayout.objects.create(**{key: value for key, value in data.items() if key != "columns"})
        SheetColumn.objects.bulk_create(
            SheetColumn(layout=layout, order=order, heading=heading, source=source, years=years, width=Decimal(width))
            for order, (heading, source, years, width) in enumerate(data["columns"], start=1)
        )


class Migration(migrations.Migration):
    dependencies = [("programs", "0009_sheet_layout_area_year_headings")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
