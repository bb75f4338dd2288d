from django.urls import path

from . import period_removal_views, views

app_name = "cycle"

urlpatterns = [
    path("periods/<int:plan_id>/remove/", period_removal_views.period_remove, name="period_remove"),
    path("items/<int:item_id>/<int:fiscal_year>/attachments/", views.attachments, name="attachments"),
    path("attachments/<int:attachment_id>/download/", views.attachment_download, name="attachment_download"),
    path("attachments/<int:attachment_id>/delete/", views.attachment_delete, name="attachment_delete"),
    path("items/<int:item_id>/comments/", views.comment_post, name="comment_post"),
    path("notices/", views.notices, name="notices"),
    path("notices/read/", views.notices_mark_read, name="notices_mark_read"),
    path("notices/<int:notice_id>/open/", views.notice_open, name="notice_open"),
    path("reminders/", views.reminders, name="reminders"),
    path("reminders/send/", views.reminders_send, name="reminders_send"),
    path("mails/<int:mail_id>/retry/", views.mail_retry, name="mail_retry"),
]
