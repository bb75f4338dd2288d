from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_failure_limit
from axes.models import AccessFailureLog
from django.conf import settings
from django.utils import timezone


class LoginThrottleBackend(AxesStandaloneBackend):
    """django-axes' lockout check, applied to logins that arrive with a request.

    Every login from the web (the login page, the admin) carries its request. A call without
    one comes from code on the server (a management command, the test client's ``login``),
    which axes would otherwise refuse outright; there is nothing to throttle there.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def account_failures(username: str) -> int:
    """Return the failed logins for ``username`` from any address within ``LOGIN_ACCOUNT_WINDOW``."""
    since = timezone.now() - settings.LOGIN_ACCOUNT_WINDOW
    return AccessFailureLog.objects.filter(username=username, attempt_time__gte=since).count()


class LoginThrottleHandler(AxesDatabaseHandler):
    """Lock a user name per address (axes' own rule), and for everyone once it is guessed at from many.

    axes counts failures per user name and address and forgets them after the cool-off, so a
    guess spread over many addresses, or slowed below the cool-off, is never stopped. Every
    failure is also in ``AccessFailureLog``; once an account has ``LOGIN_ACCOUNT_FAILURE_LIMIT``
    of them within ``LOGIN_ACCOUNT_WINDOW`` (from any addresses) it is locked until they age out
    of the window or an administrator deletes them (管理画面 › Axes › access failures). The account limit is
    higher than the per-address one, so one mistyping colleague never locks anyone else out.
    """

    def get_failures(self, request, credentials=None) -> int:
        failures = super().get_failures(request, credentials)
        username = get_client_username(request, credentials)
        if username and account_failures(username) >= settings.LOGIN_ACCOUNT_FAILURE_LIMIT:
            # Reported as the per-address limit reached: axes then refuses exactly as for an address.
            return max(failures, get_failure_limit(request, credentials))
        return failures
