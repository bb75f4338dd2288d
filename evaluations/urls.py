from django.urls import path

from . import period_figures_views, rollover_views, views

app_name = "evaluations"

urlpatterns = [
    path("", views.my_work, name="my_work"),
    path("items/<int:item_id>/<int:fiscal_year>/", views.entry, name="entry"),
    path("items/<int:item_id>/<int:fiscal_year>/submit/", views.submit, name="submit"),
    path("items/<int:item_id>/<int:fiscal_year>/copy-forward/", views.copy_forward, name="copy_forward"),
    path("items/<int:item_id>/<int:fiscal_year>/preview/", views.preview, name="preview"),
    path("items/<int:item_id>/history/", views.item_history, name="item_history"),
    path("evaluations/<int:evaluation_id>/review/", views.review, name="review"),
    path("evaluations/<int:evaluation_id>/approve/confirm/", views.approve_confirm, name="approve_confirm"),
    path("evaluations/<int:evaluation_id>/reopen/", views.reopen, name="reopen"),
    path("years/<int:plan_id>/<int:fiscal_year>/lock/", views.lock_year, name="lock_year"),
    path("years/<int:plan_id>/<int:fiscal_year>/lock/confirm/", views.lock_confirm, name="lock_confirm"),
    path("years/<int:plan_id>/<int:fiscal_year>/unlock/", views.unlock_year, name="unlock_year"),
    path("rollover/", rollover_views.rollover_start, name="rollover_start"),
    path("periods/<int:plan_id>/figures/", period_figures_views.period_figures, name="period_figures"),
    path("rollover/preview/", rollover_views.rollover_preview_page, name="rollover_preview"),
]
