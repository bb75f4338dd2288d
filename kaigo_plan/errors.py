"""Error pages that never need the database: the 503 "please retry" page and the 500 page.

Django turns an exception raised anywhere on the request path (a middleware loading the
session or the user, the view, a template) into a response at the layer where it is raised,
so no middleware can catch them all; the project's ``handler500`` sees every one. It answers
the Japanese 503 page when the exception, or one it was raised from, is a database outage.
Both pages render without a request, hence without context processors (which may query).
"""

import logging
import sys

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader

from kaigo_plan.sessions import SessionSaveUnavailable

logger = logging.getLogger(__name__)

DATABASE_OUTAGE_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 10


def database_outage(exception: BaseException | None) -> BaseException | None:
    """Return the database outage behind ``exception`` (itself or its cause/context), if any."""
    seen = set()
    while exception is not None and id(exception) not in seen:
        if isinstance(exception, DATABASE_OUTAGE_ERRORS):
            return exception
        seen.add(id(exception))
        exception = exception.__cause__ or exception.__context__
    return None


def database_unavailable_response(outage: BaseException | None = None) -> HttpResponse:
    """Render the 503 page; say the outcome is unknown when the view had already answered."""
    outcome_unknown = isinstance(outage, SessionSaveUnavailable)
    html = loader.render_to_string("503.html", {"outcome_unknown": outcome_unknown})
    response = HttpResponse(html, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def server_error(request) -> HttpResponse:
    """Answer an unhandled exception: 503 for a database outage, else the Japanese 500 page."""
    outage = database_outage(sys.exc_info()[1])
    if outage is not None:
        return database_unavailable_response(outage)
    return HttpResponseServerError(loader.render_to_string("500.html"))


# -- 4xx pages in the site's layout (rendered with the request: header, menu, Japanese text) --

ERROR_FORM_TOO_LARGE = "送信された入力内容が大きすぎます。長い文章は分けて保存してください。"
ERROR_REQUEST_TOO_LARGE = (
    "送信されたデータが大きすぎます（上限 {limit} MB）。ファイルを小さくして、もう一度お試しください。"
)


def bad_request_response(request, message: str) -> HttpResponse:
    """Render the Japanese 400 page with ``message`` (escaped by the template)."""
    return render(request, "400.html", {"message": message}, status=400)


def request_too_large_response(request, message: str | None = None) -> HttpResponse:
    """Render the Japanese 413 page; by default it names ``REQUEST_MAX_BYTES`` (nginx's ``client_max_body_size``)."""
    message = message or ERROR_REQUEST_TOO_LARGE.format(limit=settings.REQUEST_MAX_BYTES // (1024 * 1024))
    response = render(request, "413.html", {"message": message}, status=413)
    # The body was never read: the connection cannot carry another request after this answer.
    response["Connection"] = "close"
    return response


def method_not_allowed_response(request, *, allowed: str) -> HttpResponse:
    """Render the Japanese 405 page (a link followed where a button was expected, a stale form)."""
    return render(request, "405.html", {"allowed": allowed}, status=405)


def csrf_failure(request, reason: str = "") -> HttpResponse:
    """Answer a refused CSRF check (``CSRF_FAILURE_VIEW``) with the Japanese 403 page in the site's layout.

    The usual cause is harmless: a form left open past the session or opened before logging
    in again in another tab. The page says to reload; ``reason`` is logged, not shown.
    """
    logger.warning("csrf failure", extra={"path": request.path, "reason": reason})
    return render(request, "403_csrf.html", status=403)
