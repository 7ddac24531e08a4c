"""Pages shared by every kind of engagement: the engagement itself and invitations."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from diaspora.http import AuthedRequest
from mentoring.engagements import services
from mentoring.engagements.models import EngagementInvitation
from mentoring.engagements.panels import panels_for
from mentoring.engagements.permissions import get_engagement_access
from mentoring.engagements.timeline import timeline_item, visible_entries


@login_required
def engagement_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    access = get_engagement_access(request.user, pk)
    engagement = access.engagement
    participants = engagement.participants.current().select_related("user")
    entries = visible_entries(access).select_related("actor")
    return render(
        request,
        "engagements/engagement_detail.html",
        {
            "engagement": engagement,
            "access": access,
            "participants": participants,
            "panels": panels_for(access),
            "timeline": [timeline_item(entry) for entry in entries],
        },
    )


@login_required
def engagement_invitation(request: AuthedRequest, token: str) -> HttpResponse:
    invitation = (
        EngagementInvitation.objects.select_related("engagement", "invited_by")
        .filter(token=token)
        .first()
    )
    if invitation is None:
        raise Http404
    error = ""
    if request.method == "POST":
        try:
            if request.POST.get("decision") == "decline":
                services.engagement_invitation_decline(invitation=invitation, user=request.user)
                messages.success(request, _("You declined the invitation."))
                return redirect("dashboard")
            participant = services.engagement_invitation_accept(
                invitation=invitation, user=request.user
            )
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(
                request,
                _("You now take part in %(title)s.") % {"title": participant.engagement.title},
            )
            return redirect(participant.engagement)
    return render(
        request,
        "engagements/invitation.html",
        {"invitation": invitation, "error": error},
    )
