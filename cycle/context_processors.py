from django.utils.functional import SimpleLazyObject

from . import selectors


def notices(request):
    """Expose the user's unread notice count to the header: one query when shown, none when logged out."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notice_count": 0}
    return {"unread_notice_count": SimpleLazyObject(lambda: selectors.unread_notice_count(user=user))}
