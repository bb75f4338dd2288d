from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("items/<int:item_id>/", views.item_report, name="item"),
    path("table/", views.table, name="table"),
    path("table/xlsx/", views.table_xlsx, name="table_xlsx"),
    path("compare/", views.compare, name="compare"),
    path("municipalities/", views.municipality_index, name="municipalities"),
    path("municipalities/<str:code>/", views.municipality_report, name="municipality"),
    path("grant-scores/", views.grant_scores, name="grant_scores"),
    path("api/progress/", views.api_progress, name="api_progress"),
    path("ping/", views.ping, name="ping"),
]
