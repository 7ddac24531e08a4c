"""Filters that several directories share: free-text search and FORD discipline codes."""

from collections.abc import Sequence
from typing import Any, TypeVar

from django.db.models import Q, QuerySet

_QS = TypeVar("_QS", bound=QuerySet[Any])

# More words than this add nothing a person types on purpose, and each one is a join.
MAX_SEARCH_TERMS = 8


def matching_every_term(qs: _QS, text: str, fields: Sequence[str]) -> _QS:
    """Rows where each word of `text` appears (case-insensitively) in one of `fields`."""
    for term in text.split()[:MAX_SEARCH_TERMS]:
        condition = Q()
        for field in fields:
            condition |= Q(**{f"{field}__icontains": term})
        qs = qs.filter(condition)
    return qs


def discipline_q(code: str) -> Q:
    """A FORD code: "1.2" is that field; "1" is every field of that major field."""
    if "." in code:
        return Q(disciplines__code=code)
    return Q(disciplines__parent__code=code)
