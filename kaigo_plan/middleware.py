import logging

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.utils.cache import add_never_cache_headers

from kaigo_plan.errors import (
    ERROR_FORM_TOO_LARGE,
    bad_request_response,
    database_outage,
    database_unavailable_response,
    method_not_allowed_response,
    request_too_large_response,
)
from programs.control_characters import ERROR_CONTROL_CHARACTERS, has_control_characters

logger = logging.getLogger(__name__)

ERROR_TOO_MANY_FIELDS = "送信された項目が多すぎます。画面を開き直して、もう一度お試しください。"


class DatabaseUnavailableMiddleware:
    """Answer 503 with a "please retry" page when the view (or its template) loses the database.

    Connection health checks (CONN_HEALTH_CHECKS) reconnect as soon as the database is back;
    until then the user is told to retry, and nothing was half-saved (every write is one
    transaction). Outages raised outside the view (loading the session or the user in a
    middleware, saving the session) never reach ``process_exception``: the project's
    ``handler500`` (kaigo_plan.errors.server_error) answers those with the same page. This
    middleware also covers the view in development, where DEBUG shows tracebacks instead.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        outage = database_outage(exception)
        if outage is None:
            return None
        logger.error("database unavailable", extra={"path": request.path, "error": str(outage)})
        return database_unavailable_response(outage)


class RequestSizeLimitMiddleware:
    """Answer the Japanese 413 page to a body larger than ``REQUEST_MAX_BYTES``, before reading it.

    The same setting is the documented nginx ``client_max_body_size`` (docs/deploy/nginx.conf,
    checked by a test), so a request that nginx lets through is never refused here, and one
    that reaches gunicorn directly is refused as nginx would. The length is the declared
    ``Content-Length``: Django never reads more than that.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0  # Django reads an unreadable length as no body
        if length > settings.REQUEST_MAX_BYTES:
            logger.warning("request body too large", extra={"path": request.path, "content_length": length})
            return request_too_large_response(request)
        return self.get_response(request)


ERROR_NUMBER_TOO_LARGE = "指定された数値が大きすぎます。URL を確認してください。"
_LARGEST_DATABASE_INTEGER = 2**63 - 1


def _beyond_the_database(value: str) -> bool:
    """Tell whether a query value is a whole number no database integer column can hold."""
    digits = value.removeprefix("-")
    return digits.isascii() and digits.isdigit() and int(digits) > _LARGEST_DATABASE_INTEGER


class ControlCharacterMiddleware:
    """Refuse a control character in any query or form parameter with the Japanese 400 page.

    The safety net behind the forms: every view validates the parameters it reads
    (``programs.control_characters``), but the admin's changelist turns any parameter into a
    lookup, and a NUL in a lookup is a 500 on PostgreSQL. Names and query values may hold no
    control character at all; a posted value may hold the tab and line breaks of a textarea.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            refused = self._refused(request)
        except RequestDataTooBig:
            # The form fields alone passed DATA_UPLOAD_MAX_MEMORY_SIZE (files are not counted).
            return request_too_large_response(request, ERROR_FORM_TOO_LARGE)
        except TooManyFieldsSent:
            return bad_request_response(request, ERROR_TOO_MANY_FIELDS)
        if refused:
            logger.warning("control character in a parameter", extra={"path": request.path})
            return bad_request_response(request, ERROR_CONTROL_CHARACTERS)
        if request.path.startswith(f"/{settings.ADMIN_PATH}") and any(
            _beyond_the_database(value) for _key, values in request.GET.lists() for value in values
        ):
            # The admin's changelist makes a query value a lookup: 20 digits on a foreign key in
            # list_filter overflowed SQLite's integer in the count query (a 500). The project's own
            # views validate their parameters in forms; no id or year is that long.
            return bad_request_response(request, ERROR_NUMBER_TOO_LARGE)
        return self.get_response(request)

    @staticmethod
    def _refused(request) -> bool:
        for key, values in request.GET.lists():
            if has_control_characters(key) or any(has_control_characters(value) for value in values):
                return True
        if request.method != "POST":
            return False
        for key, values in request.POST.lists():
            if has_control_characters(key):
                return True
            if any(has_control_characters(value, allow_line_breaks=True) for value in values):
                return True
        return False


class SignedInNoStoreMiddleware:
    """Send ``Cache-Control: no-store`` with every answer to a signed-in request.

    Office PCs are shared: without it the browser (or a proxy) keeps the pages and workbooks
    of the last user, readable with the back button after logout. A request carries a session
    cookie or an API token exactly when someone is (or was) signed in; the cookie is read
    rather than ``request.user`` so that no answer needs the database for its headers. Static
    files are answered by whitenoise before this middleware and keep their long cache.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if settings.SESSION_COOKIE_NAME in request.COOKIES or "HTTP_AUTHORIZATION" in request.META:
            add_never_cache_headers(response)
        return response


class MethodNotAllowedPageMiddleware:
    """Give a 405 (``require_POST``, ``require_GET``) the Japanese page in the site's layout, keeping ``Allow``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 405 and not response.streaming and not response.content:
            page = method_not_allowed_response(request, allowed=response.get("Allow", ""))
            page["Allow"] = response.get("Allow", "")
            return page
        return response
