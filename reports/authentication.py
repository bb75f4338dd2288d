"""Who is calling the API: the session's user, else the owner of an ``Authorization: Token <key>`` header."""

from .models import ApiToken

SCHEME = "token"


def api_user(request):
    """Return the authenticated user of the request, or None (one query for a token, none otherwise)."""
    header = request.headers.get("Authorization", "")
    scheme, _, key = header.partition(" ")
    if scheme.lower() == SCHEME and key.strip():
        token = (
            ApiToken.objects.select_related("user")
            .filter(key_digest=ApiToken.digest(key.strip()), is_active=True)
            .first()
        )
        return token.user if token is not None and token.user.is_active else None
    return request.user if request.user.is_authenticated else None
