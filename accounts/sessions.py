"""Telling a session that ran out apart from one that never was (WCAG 2.2.1, issue 20 item 4)."""

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.shortcuts import resolve_url

# The login page reads this marker in its query string; the idle-timeout middleware sets it.
TIMED_OUT_PARAM = "timeout"
MESSAGE_TIMED_OUT = (
    "一定時間操作がなかったため、ログアウトしました。もう一度ログインしてください。"
    "入力中だった内容は、同じブラウザで入力画面を開くと復元できます。"
)


def session_timed_out(request) -> bool:
    """Return whether the request carried a session cookie whose session no longer exists.

    Logging out deletes the cookie, so a cookie the store no longer knows means the idle limit
    (or an administrator) ended the session. Read after AuthenticationMiddleware loaded it.
    """
    return bool(
        request.COOKIES.get(settings.SESSION_COOKIE_NAME)
        and not request.user.is_authenticated
        and request.session.session_key is None
    )


def mark_timed_out(url: str) -> str:
    """Return the login URL with the marker that makes the login page say why it is shown."""
    parts = urlsplit(url)
    query = [(key, value) for key, value in parse_qsl(parts.query) if key != TIMED_OUT_PARAM]
    query.append((TIMED_OUT_PARAM, "1"))
    return urlunsplit(parts._replace(query=urlencode(query)))


def is_login_redirect(response) -> bool:
    location = response.get("Location", "") if response.status_code in (301, 302, 303) else ""
    return bool(location) and urlsplit(location).path == resolve_url(settings.LOGIN_URL)


class IdleTimeoutMiddleware:
    """Mark the redirect to the login page when the user's session ran out while they worked.

    Without the marker the login page could not say why it appeared: by then the expired
    cookie is gone (the session middleware deletes a cookie whose session is empty).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        timed_out = session_timed_out(request)
        response = self.get_response(request)
        if timed_out and is_login_redirect(response):
            response["Location"] = mark_timed_out(response["Location"])
        return response
