"""`diaspora` announces what happened through signals; here the engagements follow."""

from typing import Any

from diaspora.accounts.models import User
from diaspora.matches.models import Match
from diaspora.needs.models import OfferRequest
from mentoring.engagements.services import (
    engagement_open_from_match,
    engagement_open_from_offer_request,
)


def open_engagement_for_match(sender: Any, *, match: Match, by: User | None, **kwargs: Any) -> None:
    engagement_open_from_match(match=match, by=by)


def open_engagement_for_offer_request(
    sender: Any, *, offer_request: OfferRequest, by: User, **kwargs: Any
) -> None:
    engagement_open_from_offer_request(offer_request=offer_request, by=by)
