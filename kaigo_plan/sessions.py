"""The database session store, telling a database outage apart from a deleted session."""

from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db import InterfaceError, OperationalError


class SessionSaveUnavailable(OperationalError):
    """The database went away while the session was saved, after the view had answered."""


class SessionStore(DatabaseSessionStore):
    def save(self, must_create=False):
        """Save as Django does, but let an outage surface as one (answered 503, see kaigo_plan.errors).

        Django's store turns every DatabaseError on update into UpdateError, which the session
        middleware answers with a 400 ("session was deleted before the request completed");
        during a database restart that told users nothing useful.
        """
        try:
            super().save(must_create=must_create)
        except UpdateError as error:
            outage = error.__context__
            if isinstance(outage, OperationalError | InterfaceError):
                raise SessionSaveUnavailable(str(outage)) from outage
            raise
