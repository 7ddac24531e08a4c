"""`diaspora` announces what happened through signals; here the engagements follow."""

from typing import Any

from diaspora.accounts.models import User
from diaspora.matches.models import Match
from mentoring.engagements.services import engagement_open_from_match


def open_engagement_for_match(sender: Any, *, match: Match, by: User | None, **kwargs: Any) -> None:
    engagement_open_from_match(match=match, by=by)
