from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from accounts import views as account_views

from . import views
from .product import PRODUCT_NAME

# The admin's titles are the product's: set here, with the rest of the wiring, so no app reaches up.
admin.site.site_header = PRODUCT_NAME
admin.site.site_title = "kaigo-plan 管理"
admin.site.index_title = "データ管理"

# Rendered without context processors; a database outage anywhere on the request path is a 503.
handler500 = "kaigo_plan.errors.server_error"

urlpatterns = [
    path("accounts/login/", account_views.LoginView.as_view(), name="login"),
    path("accounts/session/extend/", account_views.session_extend, name="session_extend"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(settings.ADMIN_PATH, admin.site.urls),
    path("healthz", views.healthz, name="healthz"),
    path("entry/", include("evaluations.urls")),
    path("sheets/", include("sheets.urls")),
    path("cycle/", include("cycle.urls")),
    path("jobs/", include("jobs.urls")),
    path("", include("reports.urls")),
]
