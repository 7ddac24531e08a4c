"""Writing the audit trail. Every moderation service calls `audit_record` inside its own
transaction, so the entry and the act commit or roll back together."""

from typing import Any

from django.db import transaction

from diaspora.accounts.models import User
from diaspora.communities.models import Community, Post, Thread
from diaspora.moderation.models import ActionKind, ModerationAction


@transaction.atomic
def audit_record(
    *,
    actor: User | None,
    action: ActionKind | str,
    community: Community | None,
    post: Post | None = None,
    thread: Thread | None = None,
    member: User | None = None,
    target_label: str = "",
    reason: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> ModerationAction:
    if action not in ActionKind.values:
        raise ValueError(f"Unknown moderation action: {action}")
    if not target_label:
        if post is not None:
            target_label = f"#{post.number} in {post.thread.title}"[:300]
        elif thread is not None:
            target_label = thread.title[:300]
        elif member is not None:
            target_label = member.display_name[:300]
    return ModerationAction.objects.create(
        community=community,
        actor=actor,
        action=action,
        post=post,
        thread=thread if thread is not None else (post.thread if post is not None else None),
        member=member if member is not None else (post.author if post is not None else None),
        target_label=target_label,
        reason=reason,
        before=before or {},
        after=after or {},
    )
