"""The client's address as seen through the configured number of reverse proxies.

django-axes keys login failures on it (``AXES_CLIENT_IP_CALLABLE``). Behind nginx every
connection comes from 127.0.0.1, so keying on ``REMOTE_ADDR`` let anyone lock any account for
everyone; reading the left-most ``X-Forwarded-For`` entry would let a client choose its own key.
"""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip_address(request: HttpRequest) -> str | None:
    """Return the right-most address that no trusted proxy vouches for.

    With ``TRUSTED_PROXY_COUNT`` = 0 the connection's peer is the client and X-Forwarded-For
    is ignored. With N trusted proxies each appends the address it received the request from
    (nginx: ``$proxy_add_x_forwarded_for``), so the N-th entry from the right was written by the
    outermost proxy and is the client; anything further left came from the client itself and
    is not trusted. When the header has fewer entries than that, or the entry is not an
    address, the request did not come through the proxies as configured, and the peer address
    is used.
    """
    peer = request.META.get("REMOTE_ADDR")
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return peer
    entries = [entry.strip() for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    entries = [entry for entry in entries if entry]
    if len(entries) < count:
        return peer
    candidate = entries[-count]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return peer
