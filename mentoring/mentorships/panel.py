"""The mentorship's section of the engagement page, for one viewer."""

from typing import Any

from mentoring.engagements.permissions import Access
from mentoring.mentorships import selectors
from mentoring.mentorships.forms import ConfirmForm, FitCheckForm
from mentoring.mentorships.models import MentoringSession
from mentoring.mentorships.permissions import is_coordinator, is_member

RECENT_SESSIONS = 5


def panel_context(access: Access) -> dict[str, Any]:
    engagement = access.engagement
    state = selectors.agreement_state(engagement)
    member = is_member(access)
    coordinator = is_coordinator(access)
    own_check = selectors.own_fit_check(access)
    answers = selectors.fit_checks_of(engagement) if coordinator else []
    sessions = MentoringSession.objects.filter(engagement=engagement).order_by("-held_at", "-id")
    recent = list(sessions[:RECENT_SESSIONS])
    return {
        "state": state,
        "can_edit_agreement": access.is_manager and engagement.is_open,
        "can_confirm": member
        and engagement.is_open
        and state.is_written
        and access.user_id not in state.confirmed_ids,
        # Own ids: the engagement page holds other apps' forms too.
        "confirm_form": ConfirmForm(initial={"version": state.version}, auto_id="confirm_%s"),
        "goals": list(selectors.goals_with_tasks(engagement)),
        "sessions": recent,
        "more_sessions": len(recent) == RECENT_SESSIONS and sessions.count() > RECENT_SESSIONS,
        "can_log": member and engagement.is_open,
        "fit_check": own_check if own_check is not None and own_check.answered_at is None else None,
        "fit_check_form": FitCheckForm(auto_id="fit_%s"),
        "is_coordinator": coordinator,
        "fit_answers": answers,
        "has_no": any(check.fits is False for check in answers)
        or (own_check is not None and own_check.fits is False),
    }
