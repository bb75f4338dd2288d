from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from accounts.forms import LoginForm

from . import views

# Rendered without context processors; a database outage anywhere on the request path is a 503.
handler500 = "kaigo_plan.errors.server_error"

urlpatterns = [
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True, authentication_form=LoginForm),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(settings.ADMIN_PATH, admin.site.urls),
    path("healthz", views.healthz, name="healthz"),
    path("entry/", include("evaluations.urls")),
    path("sheets/", include("sheets.urls")),
    path("cycle/", include("cycle.urls")),
    path("jobs/", include("jobs.urls")),
    path("", include("reports.urls")),
]
