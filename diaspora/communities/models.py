"""Communities and their forums: who belongs, what they wrote, what they watch and read.

Posts keep their Markdown source beside the sanitised HTML (`set_body`), and every change
to a thread that an open page must show is also a `ThreadEvent` with a per-thread sequence
number, stored before it is broadcast (the same approach as live rooms).
"""

import re
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from diaspora.markup import render_markdown

# An address someone could paste into a browser, linked or not.
_ADDRESS = re.compile(r"(?:\b[a-z][a-z0-9+.-]*://|\bwww\.)[^\s<>()\[\]\"']+", re.IGNORECASE)


def count_links(markdown: str, html: str) -> int:
    """Links for the new-member limit: the rendered anchors, or the addresses written in the
    text if there are more (a bare address is not linked, but it is still an advert)."""
    return max(html.count("<a "), len(_ADDRESS.findall(markdown)))


class CommunityKind(models.TextChoices):
    DISCIPLINE = "discipline", _("Discipline")
    REGION = "region", _("Region")
    COUNTRY = "country", _("Country")
    PROGRAMME = "programme", _("Programme")


class CommunityVisibility(models.TextChoices):
    # Anyone may read; anyone signed in may join.
    PUBLIC = "public", _("Public")
    # Nobody but its members learns that it exists; people join by invitation.
    MEMBERS = "members", _("Members only")
    # Listed and described to everyone signed in; threads are for members; people join by
    # invitation.
    INVITATION = "invitation", _("By invitation")


class CommunityQuerySet(models.QuerySet["Community"]):
    def active(self) -> "CommunityQuerySet":
        return self.filter(archived_at__isnull=True)


class Community(models.Model):
    slug = models.SlugField(_("short name"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=20, choices=CommunityKind.choices)
    country = CountryField(_("country"), blank=True)
    description_md = models.TextField(_("description"), blank=True)
    description_html = models.TextField(blank=True, editable=False)
    code_of_conduct_md = models.TextField(_("code of conduct"))
    code_of_conduct_html = models.TextField(blank=True, editable=False)
    visibility = models.CharField(
        _("who can see and join"),
        max_length=20,
        choices=CommunityVisibility.choices,
        default=CommunityVisibility.PUBLIC,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    archived_at = models.DateTimeField(null=True, blank=True)

    objects = CommunityQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("community")
        verbose_name_plural = _("communities")

    def __str__(self) -> str:
        return self.name

    def set_description(self, markdown: str) -> None:
        self.description_md = markdown
        self.description_html = render_markdown(markdown) if markdown.strip() else ""

    def set_code_of_conduct(self, markdown: str) -> None:
        self.code_of_conduct_md = markdown
        self.code_of_conduct_html = render_markdown(markdown) if markdown.strip() else ""


class MemberRole(models.TextChoices):
    MEMBER = "member", _("Member")
    MODERATOR = "moderator", _("Moderator")


class MembershipQuerySet(models.QuerySet["Membership"]):
    def current(self) -> "MembershipQuerySet":
        return self.filter(left_at__isnull=True)


class Membership(models.Model):
    """One person in one community. Leaving keeps the row (`left_at`): the audit trail and
    the member's history point at it, and a silence outlives leaving and rejoining."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="community_memberships"
    )
    role = models.CharField(max_length=20, choices=MemberRole.choices, default=MemberRole.MEMBER)
    joined_at = models.DateTimeField(default=timezone.now)
    # The code of conduct as it was accepted, and when.
    conduct_accepted_at = models.DateTimeField()
    left_at = models.DateTimeField(null=True, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["community", "user"], name="one_membership_per_person")
        ]
        indexes = [models.Index(fields=["user", "left_at"])]

    def __str__(self) -> str:
        return f"{self.user} in {self.community}"

    @property
    def is_current(self) -> bool:
        return self.left_at is None


class CommunityInvitation(models.Model):
    """An invitation to a members-only or by-invitation community, sent to an email address.
    The link carries `token`; it is accepted by the signed-in account with that address."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    token = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("community invitation")
        verbose_name_plural = _("community invitations")

    def __str__(self) -> str:
        return f"{self.email} to {self.community}"


class Tag(models.Model):
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="tags")
    name = models.CharField(max_length=40)
    slug = models.SlugField(max_length=40)

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        constraints = [
            models.UniqueConstraint(fields=["community", "slug"], name="one_tag_per_slug")
        ]

    def __str__(self) -> str:
        return self.name


class ThreadQuerySet(models.QuerySet["Thread"]):
    def listed(self) -> "ThreadQuerySet":
        """Pinned first, then the most recently active."""
        # PostgreSQL puts NULLs first in a descending sort: say where unpinned threads go.
        return self.order_by(models.F("pinned_at").desc(nulls_last=True), "-last_posted_at", "-id")


class Thread(models.Model):
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="threads")
    title = models.CharField(_("title"), max_length=200)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="forum_threads"
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="threads")
    created_at = models.DateTimeField(default=timezone.now)
    last_posted_at = models.DateTimeField(default=timezone.now)
    # Posts members can see (hidden ones are not counted); `Post.number` keeps counting.
    post_count = models.PositiveIntegerField(default=0)
    # The highest `Post.number` given so far: numbers are never reused.
    last_number = models.PositiveIntegerField(default=0)
    pinned_at = models.DateTimeField(null=True, blank=True)
    locked_at = models.DateTimeField(null=True, blank=True)
    # The highest ThreadEvent.seq; taken under this row's lock.
    last_seq = models.PositiveBigIntegerField(default=0)

    objects = ThreadQuerySet.as_manager()

    class Meta:
        verbose_name = _("thread")
        verbose_name_plural = _("threads")
        indexes = [models.Index(fields=["community", "pinned_at", "last_posted_at"])]

    def __str__(self) -> str:
        return self.title

    @property
    def is_locked(self) -> bool:
        return self.locked_at is not None

    @property
    def is_pinned(self) -> bool:
        return self.pinned_at is not None


class PostQuerySet(models.QuerySet["Post"]):
    def visible(self) -> "PostQuerySet":
        return self.filter(hidden_at__isnull=True)


class Post(models.Model):
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="posts")
    # 1 for the opening post, then in order of writing; shown as "#n" and used for unread.
    number = models.PositiveIntegerField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="forum_posts"
    )
    body_md = models.TextField(_("text"))
    body_html = models.TextField(editable=False)
    reply_to = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replies"
    )
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    edit_count = models.PositiveIntegerField(default=0)
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Hidden by reaching FORUM_AUTO_HIDE_FLAGS, not by a person.
    hidden_automatically = models.BooleanField(default=False)
    hidden_reason = models.CharField(max_length=500, blank=True)
    # The number of links in body_html, counted once at save for the new-member limit.
    link_count = models.PositiveIntegerField(default=0)
    # The client's id for the message: sending it again returns the stored post.
    client_id = models.CharField(max_length=64, blank=True)

    objects = PostQuerySet.as_manager()

    class Meta:
        ordering = ["thread", "number"]
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        constraints = [
            models.UniqueConstraint(fields=["thread", "number"], name="one_post_per_number"),
            models.UniqueConstraint(
                fields=["thread", "author", "client_id"],
                condition=~models.Q(client_id=""),
                name="one_post_per_client_id",
            ),
        ]
        indexes = [models.Index(fields=["author", "created_at"])]

    def __str__(self) -> str:
        return f"{self.thread_id}#{self.number}"

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None

    def set_body(self, markdown: str) -> "list[Any]":
        """Source, sanitised HTML with mentions marked, and the link count together; returns
        the people mentioned (who may be told)."""
        from diaspora.communities.mentions import render_with_mentions

        html, people = render_with_mentions(markdown)
        self.body_md = markdown
        self.body_html = html
        # Mention spans are not links; bare addresses count although they are not linked.
        self.link_count = count_links(markdown, html)
        return people


class PostRevision(models.Model):
    """The text a post had before an edit: the edit history, oldest first."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="revisions")
    body_md = models.TextField()
    body_html = models.TextField()
    # Who made the edit that replaced this text, when, and (for a moderator) why.
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    edited_at = models.DateTimeField(default=timezone.now)
    reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["post", "edited_at", "id"]
        verbose_name = _("post revision")
        verbose_name_plural = _("post revisions")

    def __str__(self) -> str:
        return f"{self.post} at {self.edited_at:%Y-%m-%d %H:%M}"


class Reaction(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="reactions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    emoji = models.CharField(max_length=16)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("reaction")
        verbose_name_plural = _("reactions")
        constraints = [
            models.UniqueConstraint(fields=["post", "user", "emoji"], name="one_reaction_each")
        ]

    def __str__(self) -> str:
        return f"{self.emoji} on {self.post}"


class WatchLevel(models.TextChoices):
    # Told of every new post.
    WATCHING = "watching", _("Watching")
    # Told when mentioned, replied to or quoted.
    NORMAL = "normal", _("Normal")
    # Told of nothing, and not counted as unread.
    MUTED = "muted", _("Muted")


class CommunityWatch(models.Model):
    """A level for every thread of a community, unless the thread has its own."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="watches")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    level = models.CharField(max_length=20, choices=WatchLevel.choices)

    class Meta:
        verbose_name = _("community watch")
        verbose_name_plural = _("community watches")
        constraints = [
            models.UniqueConstraint(fields=["community", "user"], name="one_community_watch")
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.level} {self.community}"


class ThreadWatch(models.Model):
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="watches")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    level = models.CharField(max_length=20, choices=WatchLevel.choices)

    class Meta:
        verbose_name = _("thread watch")
        verbose_name_plural = _("thread watches")
        constraints = [models.UniqueConstraint(fields=["thread", "user"], name="one_thread_watch")]

    def __str__(self) -> str:
        return f"{self.user} {self.level} {self.thread}"


class ReadState(models.Model):
    """How far one person has read a thread: every post numbered above is unread."""

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="read_states")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    last_read_number = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("read state")
        verbose_name_plural = _("read states")
        constraints = [models.UniqueConstraint(fields=["thread", "user"], name="one_read_state")]

    def __str__(self) -> str:
        return f"{self.user} read {self.thread} to #{self.last_read_number}"


class ThreadEvent(models.Model):
    """What an open thread page must show, stored before it is broadcast. A client resumes
    with `?after=<seq>` and receives exactly the events it missed, in order."""

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="events")
    seq = models.PositiveBigIntegerField()
    type = models.CharField(max_length=40)
    # The event as sent to clients, minus `seq` and `ts`, which come from the columns.
    payload = models.JSONField(default=dict)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["thread", "seq"]
        verbose_name = _("thread event")
        verbose_name_plural = _("thread events")
        constraints = [
            models.UniqueConstraint(fields=["thread", "seq"], name="one_thread_event_per_seq")
        ]

    def __str__(self) -> str:
        return f"{self.thread_id}#{self.seq} {self.type}"
