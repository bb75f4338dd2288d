import logging

from kaigo_plan.errors import database_outage, database_unavailable_response

logger = logging.getLogger(__name__)


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
