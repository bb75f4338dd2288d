from django.contrib.auth.decorators import login_required
from django.shortcuts import render


@login_required
def dashboard(request):
    """Placeholder until the progress dashboard lands (issue 4)."""
    return render(request, "reports/dashboard.html", {"nav": "dashboard"})
