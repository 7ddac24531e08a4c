"""Message types on the wire and inside the channel layer. See docs/live-protocol.md."""

# Channel-layer message types (the handler method name is the type with '.' -> '_').
USER_DISCONNECT = "user.disconnect"

# Frames sent to the browser.
FRAME_HELLO = "hello"
FRAME_ERROR = "error"

# Close codes (4000-4999 are free for applications).
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_SESSION_ENDED = 4001
CLOSE_NOT_FOUND = 4404
CLOSE_ROOM_ENDED = 4410
CLOSE_RATE_LIMITED = 4429

# Live rooms: the largest frame accepted, in bytes.
MAX_FRAME_BYTES = 64 * 1024

# --- Live rooms (`/ws/live/<session_id>/`) ------------------------------------------------

# Channel-layer message types.
LIVE_EVENT = "live.event"  # {"event": <frame>}: a stored event, to every socket of a room
LIVE_KICK = "live.kick"  # to one person's sockets in a room: close with CLOSE_FORBIDDEN
LIVE_PRESENCE = "live.presence"  # someone came, went or joined the call: presence soon
LIVE_RTC = "live.rtc"  # {"from", "data"}: a WebRTC signal relayed to one person

# Frames sent to the browser (stored events have their own types, see docs/live-protocol.md).
FRAME_WELCOME = "welcome"
FRAME_PRESENCE = "presence"  # everyone here: on connect
FRAME_PRESENCE_CHANGED = "presence.changed"  # who came or changed, who left: batched
FRAME_RTC_SIGNAL = "rtc.signal"
FRAME_CALL_JOINED = "call.joined"  # to the joiner: who is in the call already
FRAME_CALL_LEFT = "call.left"

# Error codes of `{"type": "error", "code": ...}` frames.
ERROR_INVALID_JSON = "invalid_json"
ERROR_UNKNOWN_TYPE = "unknown_type"
ERROR_INVALID = "invalid"
ERROR_FORBIDDEN = "forbidden"
ERROR_NOT_OPEN = "not_open"
ERROR_TOO_LARGE = "too_large"
ERROR_RATE_LIMITED = "rate_limited"
ERROR_CALL_FULL = "call_full"

# Rate limit per connection: a token bucket refilled at RATE_PER_SECOND up to RATE_BURST.
# A client refused more than RATE_STRIKES times in a row is closed with CLOSE_RATE_LIMITED.
RATE_PER_SECOND = 10.0
RATE_BURST = 20
RATE_STRIKES = 20
# WebRTC signals have their own bucket: setting up a call with five people takes a burst of
# offers and ICE candidates that must not eat into the chat's allowance (or close the socket).
RTC_RATE_PER_SECOND = 30.0
RTC_RATE_BURST = 120

# Presence changes are sent at most this often, however many people come and go.
PRESENCE_INTERVAL = 0.5
# Votes (and so tallies) are sent at most this often: the votes of each interval go in one
# FRAME_EVENTS frame.
VOTE_INTERVAL = 0.25
VOTE_EVENTS = frozenset({"poll.voted", "question.voted"})
FRAME_EVENTS = "events"  # {"events": [stored events, in seq order]}
# A sender's own event that is ahead of what its socket has sent waits this long for the
# events before it to come through the hub before they are read from the database.
ECHO_GRACE = 1.0

# --- Forum threads (`/ws/threads/<thread_id>/`) ---------------------------------------------

# Channel-layer message types.
THREAD_EVENT = "thread.event"  # {"event": <frame>}: a stored event, to every socket of a thread
THREAD_RECHECK = "thread.recheck"  # to a thread's sockets: may each reader still read it?
THREAD_KICK = "thread.kick"  # to one person's sockets in a community: close with CLOSE_FORBIDDEN
# To the per-user group: {"unread": n}, the person's unread notification count changed.
NOTIFICATIONS_COUNT = "notifications.count"
# Frame sent to `/ws/me/`: {"type": "notifications.count", "unread": n}.
FRAME_NOTIFICATIONS_COUNT = "notifications.count"
# Error codes of the thread socket beyond the live room's.
ERROR_LOCKED = "locked"
ERROR_SILENCED = "silenced"
ERROR_LIMITED = "limited"
