"""Signals other packages listen to, so that `diaspora` never imports them.

`match_created(sender=Match, match=..., by=...)` is sent inside the transaction that accepts
the proposal: a receiver's writes (`mentoring` opens the engagement) commit or roll back
with the match.
"""

from django.dispatch import Signal

match_created = Signal()
