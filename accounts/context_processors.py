from django.utils.functional import SimpleLazyObject

from .permissions import is_entrant
from .selectors import user_section_names


def roles(request):
    """Expose what the header needs to know about the user: role and sections (one query each, only when asked)."""
    return {
        "can_enter_results": SimpleLazyObject(lambda: is_entrant(request.user)),
        "user_section_names": SimpleLazyObject(lambda: user_section_names(request.user)),
    }
