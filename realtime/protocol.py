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
