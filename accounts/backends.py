from axes.backends import AxesStandaloneBackend


class LoginThrottleBackend(AxesStandaloneBackend):
    """django-axes' lockout check, applied to logins that arrive with a request.

    Every login from the web (the login page, the admin) carries its request. A call without
    one comes from code on the server (a management command, the test client's ``login``),
    which axes would otherwise refuse outright; there is nothing to throttle there.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
