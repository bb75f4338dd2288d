import logging

from django.db import InterfaceError, OperationalError
from django.template.response import TemplateResponse

logger = logging.getLogger(__name__)


class DatabaseUnavailableMiddleware:
    """Answer 503 with a "please retry" page while the database is unreachable, instead of a 500.

    Connection health checks (CONN_HEALTH_CHECKS) reconnect as soon as the database is back;
    until then the user is told to retry, and nothing was half-saved (every write is one
    transaction).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.error("database unavailable", extra={"path": request.path, "error": str(exception)})
        response = TemplateResponse(request, "503.html", status=503)
        response["Retry-After"] = "10"
        return response.render()
