from django.contrib.auth.decorators import login_required
from django.shortcuts import render


@login_required
def my_work(request):
    return render(request, "evaluations/my_work.html", {"nav": "entry"})
