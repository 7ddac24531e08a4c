from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from diaspora.accounts.forms import AccountForm, APITokenForm
from diaspora.accounts.services import account_update, api_token_create, api_token_revoke
from diaspora.http import AuthedRequest


@login_required
@require_http_methods(["GET", "POST"])
def account_settings(request: AuthedRequest) -> HttpResponse:
    user = request.user
    form = AccountForm(request.POST or None, initial={"name": user.name, "timezone": user.timezone})
    if request.method == "POST" and form.is_valid():
        account_update(
            user=user, name=form.cleaned_data["name"], timezone_name=form.cleaned_data["timezone"]
        )
        messages.success(request, _("Your account is saved."))
        return redirect("account_settings")
    return render(request, "accounts/settings.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def api_tokens(request: AuthedRequest) -> HttpResponse:
    form = APITokenForm(request.POST or None)
    new_token = ""
    if request.method == "POST" and form.is_valid():
        _token, new_token = api_token_create(user=request.user, name=form.cleaned_data["name"])
        form = APITokenForm()
    tokens = request.user.api_tokens.filter(revoked_at__isnull=True)
    return render(
        request,
        "accounts/api_tokens.html",
        {"form": form, "tokens": tokens, "new_token": new_token},
    )


@login_required
@require_POST
def api_token_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    token = request.user.api_tokens.filter(pk=pk, revoked_at__isnull=True).first()
    if token is None:
        raise Http404
    api_token_revoke(token=token)
    messages.success(request, _("Token revoked."))
    return redirect("api_tokens")
