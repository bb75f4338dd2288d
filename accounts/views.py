from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from .forms import LoginForm
from .sessions import MESSAGE_TIMED_OUT, TIMED_OUT_PARAM


class LoginView(auth_views.LoginView):
    """Django's login, saying so when the user arrives because their session ran out."""

    redirect_authenticated_user = True
    # Refuses a user name longer than an account can have before django-axes records it.
    authentication_form = LoginForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["timed_out_message"] = MESSAGE_TIMED_OUT if self.request.GET.get(TIMED_OUT_PARAM) else ""
        return context


@never_cache
@login_required
@require_POST
def session_extend(request):
    """Renew the session (延長): any authenticated request does, as the cookie's age restarts on save.

    A POST, so the CSRF check applies. A session that already ended is redirected to the login
    page like every other page; the entry screen's script reads that redirect as "ended".
    """
    request.session.modified = True
    return JsonResponse({"seconds": settings.SESSION_COOKIE_AGE})
