"""The words of static/js/thread-live.js, which the thread page hands over with
`json_script:"thread-live-strings"`, so that they are translated with the rest of the page."""

from django.utils.translation import gettext_lazy

# The script has the same words in English to fall back
# on; a browser test keeps the two the same).
SCRIPT_STRINGS = {
    "connecting": gettext_lazy("Connecting…"),
    "live": gettext_lazy("Live: new posts appear as they are written."),
    "reconnecting": gettext_lazy("Connection lost. Reconnecting in %(seconds)s s…"),
    "offline": gettext_lazy("You are offline. The thread reconnects when the network is back."),
    "closed_4001": gettext_lazy("You signed out. Sign in again to follow this thread live."),
    "closed_4401": gettext_lazy("Sign in to follow this thread live."),
    "closed_4404": gettext_lazy("This thread is no longer open to you."),
    "new_posts_one": gettext_lazy("%(count)s new post"),
    "new_posts_many": gettext_lazy("%(count)s new posts"),
    # The same words as the page's (templates/communities/...), so they translate alike.
    "locked": gettext_lazy("This thread is locked: only moderators can post in it."),
    "unlocked": gettext_lazy("This thread is open again."),
    "pinned": gettext_lazy("A moderator pinned this thread."),
    "unpinned": gettext_lazy("A moderator unpinned this thread."),
    "moved": gettext_lazy("This thread moved to %(name)s."),
    "hidden": gettext_lazy("This post was hidden by a moderator."),
    "hidden_mod": gettext_lazy("Hidden by a moderator: only moderators and the author see it."),
    "hidden_flags": gettext_lazy(
        "This post is hidden after flags from members, until a moderator reviews it."
    ),
    "hidden_flags_mod": gettext_lazy(
        "Hidden after flags from members: only moderators and the author see it."
    ),
    "in_reply_to": gettext_lazy("in reply to #%(number)s by %(who)s"),
    "hide_post": gettext_lazy("Hide the post"),
    "restore_post": gettext_lazy("Restore the post"),
    "reason": gettext_lazy("Reason"),
    "reason_optional": gettext_lazy("Reason (optional)"),
    "sending": gettext_lazy("Sending…"),
    "send_failed": gettext_lazy("Your post could not be sent. It is still in the box."),
}


def thread_live_strings() -> dict[str, str]:
    """SCRIPT_STRINGS in the active language, for `json_script`."""
    return {key: str(text) for key, text in SCRIPT_STRINGS.items()}
