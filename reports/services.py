"""Writes of the reports app: issuing and revoking API tokens."""

import secrets

from django.db import transaction

from .models import ApiToken

KEY_BYTES = 32


@transaction.atomic
def api_token_create(*, user, name: str) -> tuple[ApiToken, str]:
    """Issue a token for the user; return it with the key, which is shown once and never stored."""
    key = secrets.token_urlsafe(KEY_BYTES)
    token = ApiToken(user=user, name=name, key_digest=ApiToken.digest(key), prefix=key[:8])
    token.full_clean()
    token.save()
    return token, key


@transaction.atomic
def api_token_revoke(*, token: ApiToken) -> None:
    token.is_active = False
    token.save(update_fields=["is_active"])
