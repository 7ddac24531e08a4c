"""Every channel-layer group name is made here, so that senders and listeners agree.

Names may hold only ASCII letters, digits, hyphens, underscores and periods, under 100 characters.
"""


def user(user_id: int) -> str:
    """Every socket one user has open, on any process."""
    return f"user.{user_id}"


def live_room(session_id: int) -> str:
    """Every socket in one live session's room, on any process."""
    return f"live.{session_id}"


def live_member(session_id: int, user_id: int) -> str:
    """One person's sockets in one room: to relay WebRTC signals or remove them."""
    return f"live.{session_id}.user.{user_id}"


def thread(thread_id: int) -> str:
    """Every socket with one forum thread open, on any process."""
    return f"thread.{thread_id}"


def community_member(community_id: int, user_id: int) -> str:
    """One person's thread sockets in one community: closed when they are silenced or leave."""
    return f"community.{community_id}.user.{user_id}"
