"""Notifications: a row in the user's list, and (after commit) an email unless they said no.

`notify` is the one way the rest of the code tells someone something. Emails leave only after
the transaction that caused them commits, so a rolled-back action never mails anyone.
"""

from collections.abc import Iterable
from functools import partial
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from diaspora.accounts.models import User
from diaspora.institutions.models import Institution
from diaspora.notifications.models import Notification, NotificationKind, NotificationPreference
from diaspora.notifications.selectors import email_preferences, unread_counts
from realtime import broadcast, groups, protocol

if TYPE_CHECKING:
    from diaspora.needs.models import Need

# How many of the best-fitting experts hear about a newly opened need.
NEW_NEED_NOTIFY_TOP_DEFAULT = 10


def _validate(kind: str, title: str, url: str) -> None:
    if kind not in NotificationKind.values:
        raise ValidationError(_("Unknown kind of notification: %(kind)s"), params={"kind": kind})
    if not title.strip():
        raise ValidationError(_("A notification needs a title."))
    if url and not url.startswith("/"):
        # Stored links are paths on this site; the email adds SITE_URL in front.
        raise ValidationError(_("A notification links to a path on this site."))


def _email_kinds_off(user_ids: Iterable[int], kind: str) -> set[int]:
    return set(
        NotificationPreference.objects.filter(
            user_id__in=list(user_ids), kind=kind, email=False
        ).values_list("user_id", flat=True)
    )


@transaction.atomic
def notify_many(
    *, users: Iterable[User], kind: str, title: str, body: str = "", url: str = ""
) -> list[Notification]:
    """One notification per user (duplicates and inactive accounts skipped), one query for
    their email preferences, and the emails sent together after commit."""
    title = " ".join(title.split())  # one line: it is also an email subject
    _validate(kind, title, url)
    unique: dict[int, User] = {}
    for user in users:
        if user.is_active:
            unique.setdefault(user.pk, user)
    if not unique:
        return []
    now = timezone.now()
    made = Notification.objects.bulk_create(
        Notification(
            user=user, kind=kind, title=title[:200], body=body, url=url[:500], created_at=now
        )
        for user in unique.values()
    )
    silenced = _email_kinds_off(unique, kind)
    to_mail = [n for n in made if n.user_id not in silenced]
    if to_mail:
        # robust: a mail server that is down is logged, and does not undo or fail the action.
        transaction.on_commit(partial(_send_emails, to_mail), robust=True)
    _push_unread_counts_after_commit(list(unique))
    return made


def notify(*, user: User, kind: str, title: str, body: str = "", url: str = "") -> Notification:
    """Tell one person something: an in-app notification, and an email unless their
    preference for this kind says no (no preference row means yes)."""
    made = notify_many(users=[user], kind=kind, title=title, body=body, url=url)
    if not made:
        raise ValidationError(_("This account is not active."))
    return made[0]


def notify_institution(
    *, institution: Institution, kind: str, title: str, body: str = "", url: str = ""
) -> list[Notification]:
    """Tell every member of an institution."""
    members = User.objects.filter(memberships__institution=institution, is_active=True)
    return notify_many(users=members, kind=kind, title=title, body=body, url=url)


def notify_new_matching_need(*, need: "Need") -> list[Notification]:
    """A need has just opened: its best-fitting experts hear about it.

    Call it after the need's commit (`transaction.on_commit`), so the ranking sees the
    opened need. The institution's own members are left out.
    """
    from diaspora.matches.selectors import institution_levels
    from diaspora.matching.selectors import rank_experts_for_need
    from diaspora.people.models import ExpertProfile

    top = int(getattr(settings, "NEW_NEED_NOTIFY_TOP", NEW_NEED_NOTIFY_TOP_DEFAULT))
    if top <= 0:
        return []
    members = ExpertProfile.objects.filter(
        user__memberships__institution_id=need.institution_id
    ).values_list("pk", flat=True)
    ranked = rank_experts_for_need(
        need=need, levels=institution_levels(need), limit=top, exclude=list(members)
    )
    profiles = ExpertProfile.objects.select_related("user").in_bulk([r.expert_id for r in ranked])
    users = [profiles[r.expert_id].user for r in ranked if r.expert_id in profiles]
    title = _("A new need fits your profile: %(title)s") % {"title": need.title}
    body = _(
        "%(institution)s has opened a need that matches your expertise. See why it fits, and tell them if you are interested."
    ) % {"institution": need.institution.name}
    url = reverse("proposal_interest", args=[need.pk])
    return notify_many(
        users=users, kind=NotificationKind.NEW_MATCHING_NEED, title=title, body=body, url=url
    )


def _send_emails(notifications: list[Notification]) -> None:
    messages = []
    for notification in notifications:
        context: dict[str, Any] = {
            "notification": notification,
            "user": notification.user,
            "url": settings.SITE_URL + notification.url if notification.url else "",
            "preferences_url": settings.SITE_URL + reverse("notification_preferences"),
        }
        messages.append(
            EmailMessage(
                subject=notification.title,
                body=render_to_string("notifications/email/notification.txt", context),
                to=[notification.user.email],
            )
        )
    with get_connection() as connection:
        connection.send_messages(messages)


def _push_unread_counts(user_ids: list[int]) -> None:
    """Send each person's unread count to their open `/ws/me/` sockets (the navigation badge).

    Counted after commit, in one grouped query, so the number is the committed one whichever
    of several concurrent changes commits last."""
    counts = unread_counts(user_ids=user_ids)
    for user_id, unread in counts.items():
        broadcast.send_group(
            groups.user(user_id), {"type": protocol.NOTIFICATIONS_COUNT, "unread": unread}
        )


def _push_unread_counts_after_commit(user_ids: list[int]) -> None:
    if user_ids:
        # robust: a badge that is not updated must not fail what already committed.
        transaction.on_commit(partial(_push_unread_counts, user_ids), robust=True)


@transaction.atomic
def notification_mark_read(*, notification: Notification) -> Notification:
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
        _push_unread_counts_after_commit([notification.user_id])
    return notification


@transaction.atomic
def notifications_mark_all_read(*, user: User) -> int:
    marked = Notification.objects.filter(user=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    if marked:
        _push_unread_counts_after_commit([user.pk])
    return marked


@transaction.atomic
def notification_preferences_set(*, user: User, email: dict[str, bool]) -> dict[str, bool]:
    """Say, per kind, whether it also comes by email. Kinds left out keep their setting."""
    unknown = set(email) - set(NotificationKind.values)
    if unknown:
        raise ValidationError(
            _("Unknown kind of notification: %(kind)s"), params={"kind": ", ".join(sorted(unknown))}
        )
    for kind, wanted in email.items():
        NotificationPreference.objects.update_or_create(
            user=user, kind=kind, defaults={"email": bool(wanted)}
        )
    return email_preferences(user=user)
