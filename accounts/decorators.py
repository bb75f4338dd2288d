from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from .permissions import can_view, system_admin_refusal


def member_required(view):
    """Require a logged-in user with one of the application's roles; others get a 403 page."""

    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if reason := can_view(request.user):
            raise PermissionDenied(reason)
        return view(request, *args, **kwargs)

    return wrapper


def system_admin_required(view):
    """Require a logged-in システム管理者; others get the 403 page with the one reason."""

    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if reason := system_admin_refusal(request.user):
            raise PermissionDenied(reason)
        return view(request, *args, **kwargs)

    return wrapper
