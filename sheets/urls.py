from django.urls import path

from . import grant_import, views

app_name = "sheets"

# The self-evaluation sheet, the summary workbook and the entry workbook import (issue 5).
urlpatterns = [
    path("self-evaluation.xlsx", views.self_evaluation_sheet, name="self_evaluation_sheet"),
    path("self-evaluation.pdf", views.self_evaluation_pdf, name="self_evaluation_pdf"),
    path("summary.xlsx", views.summary, name="summary"),
    path("entry-template.xlsx", views.entry_template_download, name="entry_template"),
    path("import/", views.import_upload, name="import_upload"),
    path("import/confirm/", views.import_confirm, name="import_confirm"),
    # Set a plan period up from its own self-evaluation sheet (issue 13 §3).
    path("plan-import/", views.plan_sheet_upload, name="plan_sheet_upload"),
    path("plan-import/confirm/", views.plan_sheet_confirm, name="plan_sheet_confirm"),
    path("plan-import/name/", views.plan_sheet_name_check, name="plan_sheet_name_check"),
    # A sheet no layout matches: its columns are mapped once into a new layout (issue 19 item 3).
    path("plan-import/map/", views.plan_sheet_map, name="plan_sheet_map"),
    # 評価指標 results per municipality, through a column mapping (issue 23 item 4).
    path("grant-import/", grant_import.grant_import, name="grant_import"),
]
