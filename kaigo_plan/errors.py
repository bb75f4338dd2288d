"""Error pages that never need the database: the 503 "please retry" page and the 500 page.

Django turns an exception raised anywhere on the request path (a middleware loading the
session or the user, the view, a template) into a response at the layer where it is raised,
so no middleware can catch them all; the project's ``handler500`` sees every one. It answers
the Japanese 503 page when the exception, or one it was raised from, is a database outage.
Both pages render without a request, hence without context processors (which may query).
"""

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseServerError
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
