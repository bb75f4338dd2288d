from django.utils.functional import SimpleLazyObject

from .permissions import is_staff_member, is_system_admin


def roles(request):
    """Expose what the navigation needs to know about the user's role (one query, only when asked)."""
    return {
        "can_enter_results": SimpleLazyObject(lambda: is_staff_member(request.user) or is_system_admin(request.user))
    }
