"""Every channel-layer group name is made here, so that senders and listeners agree.

Names may hold only ASCII letters, digits, hyphens, underscores and periods, under 100 characters.
"""


def user(user_id: int) -> str:
    """Every socket one user has open, on any process."""
    return f"user.{user_id}"
