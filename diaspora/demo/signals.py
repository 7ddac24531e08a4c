"""`demo_seeded(sender=None, users=..., say=...)` is sent at the end of `demo_seed`, inside its
transaction, so packages that build on the network (mentoring) add their demo data without
`diaspora` importing them. `users` maps email to User; `say(message)` reports progress."""

from django.dispatch import Signal

demo_seeded = Signal()
