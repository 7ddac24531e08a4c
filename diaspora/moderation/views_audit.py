"""The audit trail: a community's (its moderators) and the whole platform's (platform
moderators and staff), filtered by action, who did it, to whom and between which days,
paginated, and downloadable as CSV with the same filters. Which entries a viewer may see is
decided by `selectors.audit_entries`, in SQL."""

import json
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import formats, timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from diaspora.communities.models import Community
from diaspora.communities.permissions import get_community_for_user, is_platform_moderator
from diaspora.http import AuthedRequest
from diaspora.moderation.exports import audit_csv
from diaspora.moderation.forms import AuditFilterForm
from diaspora.moderation.models import ModerationAction
from diaspora.moderation.selectors import audit_entries
from diaspora.pagination import paginate, querystring_without_page

# Texts longer than this (a post's Markdown) are shown as a block of their own.
SHORT_TEXT = 80

# What moderators read for the fields the services record before and after an act; a field
# not named here (a newer one) shows its stored name rather than nothing.
FIELD_LABELS = {
    "body_md": gettext_lazy("Text"),
    "hidden_at": gettext_lazy("Hidden at"),
    "hidden_by": gettext_lazy("Hidden by"),
    "hidden": gettext_lazy("Hidden"),
    "hidden_automatically": gettext_lazy("Hidden by flags"),
    "hidden_reason": gettext_lazy("Reason for hiding"),
    "flags": gettext_lazy("Flags"),
    "flags_agreed": gettext_lazy("Flags agreed with"),
    "flags_disagreed": gettext_lazy("Flags disagreed with"),
    "is_active": gettext_lazy("Account active"),
    "ends_at": gettext_lazy("Silenced until"),
    "lifted_at": gettext_lazy("Lifted at"),
    "left_at": gettext_lazy("Left at"),
    "email": gettext_lazy("Email"),
    "expires_at": gettext_lazy("Expires at"),
    "role": gettext_lazy("Role"),
    "tag": gettext_lazy("Tag"),
    "tags": gettext_lazy("Tags"),
    "post": gettext_lazy("Post"),
    "message": gettext_lazy("Message"),
    "community": gettext_lazy("Community"),
    "name": gettext_lazy("Name"),
    "kind": gettext_lazy("Kind"),
    "country": gettext_lazy("Country"),
    "visibility": gettext_lazy("Who can see and join"),
    "description": gettext_lazy("Description"),
    "description_md": gettext_lazy("Description"),
    "code_of_conduct": gettext_lazy("Code of conduct"),
    "code_of_conduct_md": gettext_lazy("Code of conduct"),
    "pinned_at": gettext_lazy("Pinned at"),
    "locked_at": gettext_lazy("Locked at"),
    "title": gettext_lazy("Title"),
}


@dataclass
class Change:
    key: str
    text: str
    long: bool


@dataclass
class AuditRow:
    entry: ModerationAction
    before: list[Change]
    after: list[Change]


def _show(key: str, value: Any) -> Change:
    """One field of an entry's before/after as a reader sees it: times (stored as UTC ISO
    strings) in the viewer's time zone, nested values as JSON, the rest as stored."""
    if value is None or value == "":
        text = "—"
    elif isinstance(value, str):
        moment = parse_datetime(value) if key.endswith("_at") else None
        if moment is not None and timezone.is_aware(moment):
            text = str(formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT"))
        else:
            text = value
    elif isinstance(value, bool):
        text = _("yes") if value else _("no")
    elif isinstance(value, dict | list):
        text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    else:
        text = str(value)
    label = str(FIELD_LABELS.get(key, key))
    return Change(key=label, text=text, long=len(text) > SHORT_TEXT or "\n" in text)


def _changes(values: dict[str, Any]) -> list[Change]:
    return [_show(key, value) for key, value in (values or {}).items()]


def _audit_page(
    request: AuthedRequest,
    *,
    community: Community | None,
    form: AuditFilterForm,
    filename: str,
    context: dict[str, Any],
) -> HttpResponse:
    # A bad filter is shown next to its field; the others still apply.
    valid = form.is_valid()
    data = getattr(form, "cleaned_data", {})
    entries = audit_entries(
        viewer=request.user,
        community=community or data.get("community"),
        action=data.get("action") or None,
        actor=data.get("actor"),
        member=data.get("member"),
        since=data.get("since"),
        until=data.get("until"),
    )
    # A download with a bad filter would hold more than asked for: show the errors instead.
    if request.GET.get("format") == "csv" and valid:
        return audit_csv(entries, filename=filename)
    page = paginate(request, entries)
    rows = [
        AuditRow(entry=entry, before=_changes(entry.before), after=_changes(entry.after))
        for entry in page.object_list
    ]
    params = request.GET.copy()
    for name in ("page", "format"):
        params.pop(name, None)
    return render(
        request,
        "moderation/audit.html",
        {
            **context,
            "form": form,
            "page": page,
            "rows": rows,
            "query": querystring_without_page(request),
            "csv_query": params.urlencode(),
        },
    )


@login_required
@require_GET
def audit_trail(request: AuthedRequest, slug: str) -> HttpResponse:
    access = get_community_for_user(request.user, slug, for_moderation=True)
    form = AuditFilterForm(request.GET or None)
    return _audit_page(
        request,
        community=access.community,
        form=form,
        filename=f"audit-{access.community.slug}.csv",
        context={"community": access.community},
    )


@login_required
@require_GET
def audit_all(request: AuthedRequest) -> HttpResponse:
    """Every entry, platform-wide ones (suspensions) included: platform moderators and staff."""
    if not is_platform_moderator(request.user):
        raise PermissionDenied(_("Only platform moderators can read the whole audit trail."))
    form = AuditFilterForm(
        request.GET or None, communities=Community.objects.order_by("name", "pk")
    )
    return _audit_page(
        request, community=None, form=form, filename="audit.csv", context={"community": None}
    )
