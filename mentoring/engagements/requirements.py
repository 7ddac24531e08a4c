"""What must be true before an engagement of a kind may start.

Each kind's app registers its check in `AppConfig.ready` (mentorships: the agreement is
confirmed by everyone; projects: both sides approved the work plan), so the status machine
in `services.engagement_transition` needs to know none of them.
"""

from collections.abc import Callable

from mentoring.engagements.models import Engagement

# Returns the reasons the engagement cannot start yet, translated; empty when it can.
StartCheck = Callable[[Engagement], list[str]]

_START_CHECKS: dict[str, StartCheck] = {}


def register_start_check(kind: str, check: StartCheck) -> None:
    _START_CHECKS[kind] = check


def reasons_not_to_start(engagement: Engagement) -> list[str]:
    check = _START_CHECKS.get(engagement.kind)
    return check(engagement) if check else []
