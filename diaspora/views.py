from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from diaspora.http import AuthedRequest
from diaspora.institutions.selectors import institutions_awaiting_verification, memberships_of
from diaspora.people.models import ExpertProfile
from diaspora.selectors import network_counts


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html", {"counts": network_counts()})


@login_required
def dashboard(request: AuthedRequest) -> HttpResponse:
    user = request.user
    context = {
        "profile": ExpertProfile.objects.filter(user=user).first(),
        "memberships": memberships_of(user=user),
        "awaiting_verification": (
            institutions_awaiting_verification()[:20]
            if user.is_moderator or user.is_staff
            else None
        ),
    }
    return render(request, "dashboard.html", context)
