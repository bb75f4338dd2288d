"""What gunicorn loads before it forks its workers (gunicorn.conf.py: preload_app)."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_wsgi_module_imports_every_view_before_the_first_request():
    # Without it each worker imported the URLconf and the views on its first request: a probe
    # waited 1.5–1.8 s on a quiet machine, 3–4 s under load.
    probe = (
        "import json, sys; import kaigo_plan.wsgi; from django.db import connections; "
        "print(json.dumps({'views': sorted(name for name in sys.modules if name.endswith('.views')), "
        "'connected': [c.alias for c in connections.all() if c.connection is not None]}))"
    )
    loaded = json.loads(subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, check=True).stdout)
    assert {"reports.views", "evaluations.views", "sheets.views", "cycle.views", "jobs.views"} <= set(loaded["views"])
    # The master forks its workers after this: a connection opened here would be shared by all of them.
    assert loaded["connected"] == []
