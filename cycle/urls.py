from django.urls import path

from . import views

app_name = "cycle"

urlpatterns = [
    path("items/<int:item_id>/<int:fiscal_year>/attachments/", views.attachments, name="attachments"),
    path("attachments/<int:attachment_id>/download/", views.attachment_download, name="attachment_download"),
    path("attachments/<int:attachment_id>/delete/", views.attachment_delete, name="attachment_delete"),
]
