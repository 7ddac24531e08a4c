"""Signals other packages listen to, so that `diaspora` never imports them.

`offer_request_accepted(sender=OfferRequest, offer_request=..., by=...)` is sent inside the
transaction in which the expert accepts. A receiver's writes commit or roll back with the
acceptance, and a receiver may refuse it by raising ValidationError (mentoring does when the
offer already runs as many engagements as its capacity).
"""

from django.dispatch import Signal

offer_request_accepted = Signal()
