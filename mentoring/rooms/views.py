"""The live room page: the shell that `static/js/live-room.js` fills from the websocket.

Everything that happens in the room arrives over `/ws/live/<id>/` (docs/live-protocol.md); the
page itself only says who you are there, where the socket is, and, for the host, which pages
can be shown as slides.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render, resolve_url
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from diaspora.http import AuthedRequest
from mentoring.courses.models import MaterialKind
from mentoring.courses.selectors import materials_of
from mentoring.rooms.permissions import room_role
from mentoring.rooms.rtc import call_config
from mentoring.scheduling.models import LiveSession
from mentoring.scheduling.selectors import live_session_ws_path

ROLE_LABELS = {
    "host": _("Host"),
    "participant": _("Participant"),
    "moderator": _("Moderator"),
}

# What the script says, translated here so that the page needs no JavaScript catalogue.
SCRIPT_STRINGS = {
    "connecting": _("Connecting…"),
    "connected": _("Connected."),
    "reconnecting": _("Connection lost. Reconnecting in %(seconds)s s…"),
    "offline": _("You are offline. The room reconnects when the network is back."),
    "closed_4001": _("You signed out. Sign in again to rejoin the room."),
    "closed_4401": _("Your sign-in has expired. Sign in again to rejoin the room."),
    "closed_4403": _("You were removed from this room and cannot rejoin it."),
    "closed_4404": _("This room does not exist or is not open to you."),
    "closed_4410": _("This session has ended."),
    "sign_in": _("Sign in"),
    "lobby": _("Waiting for the host to open the room."),
    "lobby_host": _("The room is in the lobby: participants wait until you open it."),
    "ended": _("This session has ended."),
    "pending": _("%(count)s waiting to be sent"),
    "votes_one": _("%(count)s vote"),
    "votes_many": _("%(count)s votes"),
    "upvote": _("Upvote"),
    "upvoted": _("Upvoted"),
    "answered": _("Answered"),
    "mark_answered": _("Mark answered"),
    "hide": _("Hide"),
    "no_questions": _("No questions yet."),
    "no_polls": _("No polls yet."),
    "poll_open": _("Open"),
    "poll_closed": _("Closed"),
    "vote": _("Vote"),
    "close_poll": _("Close the poll"),
    "your_vote": _("You voted."),
    "no_hands": _("No hands raised."),
    "lower": _("Lower"),
    "raise_hand": _("Raise my hand"),
    "lower_hand": _("Lower my hand"),
    "agenda": _("Agenda"),
    "slide": _("Slide %(number)s"),
    "slide_of": _("Slide %(number)s of %(count)s"),
    "you": _("(you)"),
    "role_host": ROLE_LABELS["host"],
    "role_participant": ROLE_LABELS["participant"],
    "role_moderator": ROLE_LABELS["moderator"],
    "reacted": _("%(name)s reacted %(emoji)s"),
    "someone": _("Someone"),
    "need_choices": _("Give between 2 and 10 choices, one a line."),
    "in_call": _("In the call"),
    "remove": _("Remove"),
    "remove_confirm": _(
        "Remove %(name)s from this session? They are disconnected at once and cannot come "
        "back. Reason (optional, kept with the session's records):"
    ),
    # The call (static/js/live-call.js)
    "call_count": _("%(count)s of %(limit)s"),
    "call_unmute": _("Unmute microphone"),
    "call_mute": _("Mute microphone"),
    "call_camera_on": _("Turn camera on"),
    "call_camera_off": _("Turn camera off"),
    "call_connecting": _("Connecting…"),
    "call_no_connection": _("Not connected"),
    "call_muted": _("Muted"),
    "call_no_video": _("Camera off"),
    "call_external": _("Join through the session's external video link instead."),
    "call_no_external": _("The host has not set an external video link for this session."),
    "call_failed": _(
        "Could not connect to %(name)s. A network between you may block direct connections; "
        "calls across such networks need a TURN server, which the platform's administrators "
        "can set up."
    ),
    "call_dropped": _(
        "The connection to the room dropped, so you left the call. Join again once it is back."
    ),
    "call_offline": _("Not connected to the room: try again in a moment."),
    "call_mic_denied": _(
        "Your browser did not allow the microphone. Allow it in the site's settings to "
        "unmute; you are still in the call."
    ),
    "call_cam_denied": _(
        "Your browser did not allow the camera. Allow it in the site's settings to turn it "
        "on; you are still in the call."
    ),
    "call_mic_failed": _(
        "The microphone could not be started: none was found, or another program is using it."
    ),
    "call_cam_failed": _(
        "The camera could not be started: none was found, or another program is using it."
    ),
    "call_insecure": _("Camera and microphone work only on a secure (https) page."),
    "call_unsupported": _(
        "This browser cannot take part in calls. A recent Firefox, Chrome, Edge or Safari can."
    ),
}

# The six reactions of the protocol, with what a screen reader says for each.
REACTIONS = [
    ("👍", _("Thumbs up")),
    ("👏", _("Applause")),
    ("❤️", _("Love")),
    ("😂", _("Laughing")),
    ("😮", _("Surprised")),
    ("🎉", _("Celebrate")),
]


def _call_full() -> str:
    """In the language and grammatical number of the configured limit."""
    limit = settings.RTC_MESH_LIMIT
    return ngettext(
        "The call is full (at most %(limit)s person).",
        "The call is full (at most %(limit)s people).",
        limit,
    )


@login_required
def room(request: AuthedRequest, pk: int) -> HttpResponse:
    """404 for anyone who has no place in the room, exactly as for a missing session."""
    session = (
        LiveSession.objects.select_related("engagement", "engagement__institution")
        .filter(pk=pk)
        .first()
    )
    if session is None:
        raise Http404
    role = room_role(request.user, session)
    if role is None:
        raise Http404
    is_host = role == "host"
    materials = (
        list(
            materials_of(session.engagement)
            .filter(kind=MaterialKind.PAGE)
            .order_by("created_at", "id")
            .values("id", "title")
        )
        if is_host
        else []
    )
    return render(
        request,
        "rooms/room.html",
        {
            "session": session,
            "engagement": session.engagement,
            "role": role,
            "role_label": ROLE_LABELS[role],
            "is_host": is_host,
            "materials": materials,
            "reactions": REACTIONS,
            "room_config": {
                "ws_path": live_session_ws_path(session.pk),
                "session": session.pk,
                "role": role,
                "user": {"id": request.user.pk, "name": request.user.display_name},
                "time_zone": timezone.get_current_timezone_name(),
                "login_url": f"{resolve_url(settings.LOGIN_URL)}?{urlencode({'next': request.path})}",
                "strings": {**SCRIPT_STRINGS, "call_full": _call_full()},
                # ICE servers (with TURN credentials) only past the check above.
                "rtc": call_config(request.user.pk, session.external_url or ""),
            },
        },
    )
