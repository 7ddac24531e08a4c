from django.http import HttpRequest

from diaspora.accounts.models import User


class AuthedRequest(HttpRequest):
    """The request of a view behind `login_required`: `user` is a real User."""

    user: User
