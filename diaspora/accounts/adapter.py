from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest
from django.urls import reverse

from diaspora.accounts.models import Role


class AccountAdapter(DefaultAccountAdapter):
    def get_signup_redirect_url(self, request: HttpRequest) -> str:
        role = getattr(request.user, "role", None)
        if role == Role.EXPERT:
            return reverse("expert_profile_edit")
        if role == Role.INSTITUTION:
            return reverse("institution_create")
        return reverse("dashboard")
