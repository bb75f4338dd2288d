"""The WSGI application gunicorn serves (gunicorn.conf.py) and runserver runs.

The URLconf, and with it every view module, is imported here rather than by each worker's first
request: with gunicorn's ``preload_app`` that happens once in the master, and every worker (a new
one after ``max_requests`` too) answers its first request at once.
"""

import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaigo_plan.settings")

application = get_wsgi_application()
get_resolver().url_patterns  # noqa: B018 (imports the URLconf and the views)
