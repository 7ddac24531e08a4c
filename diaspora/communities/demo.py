"""Demo communities, added by `seed_demo` through the `demo_seeded` signal.

- "Public Health Across Africa" (public): moderator@example.org moderates it; expert@ and
  learner@ are members; lively threads with replies, mentions, quotes and reactions, a
  pinned welcome thread, a locked thread, and a post with two pending flags in the review
  queue.
- "Senegal Knowledge Circle" (public): expert@example.org moderates it, and only it (expert@
  is no platform moderator), which shows a moderator's reach ending at their community.
- "Asia Pacific Migration Research Network" (members only): invisible to the demo accounts
  other than the platform moderator.
- "Diaspora Fellows Alumni" (by invitation): listed, its threads for members; learner@ has
  a pending invitation.

Everything goes through the services (so events, notifications and the audit trail are
real), with the forum's rate limits lifted while seeding, then dated back over the last
days so that the threads look lived-in and the demo accounts are not rate-limited
afterwards. A community that exists already is left as it is.
"""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.db.models import F
from django.test.utils import override_settings
from django.utils import timezone

from diaspora.accounts.models import User
from diaspora.accounts.services import handle_ensure
from diaspora.communities.models import (
    Community,
    CommunityKind,
    CommunityVisibility,
    Post,
    Thread,
    ThreadEvent,
)
from diaspora.communities.services import (
    community_create,
    invitation_send,
    membership_join,
    moderator_set,
    post_create,
    reaction_toggle,
    tag_create,
    thread_create,
)
from diaspora.demo.data import DEMO_ACCOUNTS
from diaspora.moderation.models import ModerationAction
from diaspora.moderation.services import flag_create, thread_lock, thread_pin

Say = Callable[[str], None]

CONDUCT = """\
1. **Be generous.** Answer the question asked; assume good faith.
2. **Cite your sources.** Data and papers, with links, so others can check.
3. **No advertising, no recruiting** outside the threads meant for it.
4. **Protect people.** Never post patients', students' or colleagues' personal data.
5. Moderators may hide posts, lock threads and silence members who break these rules; every such act is recorded and visible to the community's moderators.
"""

NO_LIMITS = {
    "FORUM_POSTS_PER_MINUTE": 10**6,
    "FORUM_THREADS_PER_HOUR": 10**6,
    "FORUM_NEW_MEMBER_DAYS": 0,
    "FORUM_NEW_MEMBER_THREADS": 10**6,
    "FORUM_NEW_MEMBER_LINKS": 10**6,
    "FORUM_NEW_MEMBER_POSTS_PER_HOUR": 10**6,
}


def _experts(users: dict[str, User], count: int) -> list[User]:
    """Generated experts of the demo network (not the demo accounts), in a fixed order."""
    demo = {account.email for account in DEMO_ACCOUNTS}
    chosen = [
        users[email]
        for email in sorted(users)
        if email not in demo and users[email].role == "expert" and users[email].is_active
    ]
    return chosen[:count]


def _at(user: User) -> str:
    return "@" + handle_ensure(user=user)


def _join(community: Community, *people: User) -> None:
    for person in people:
        membership_join(user=person, community=community, accept_conduct=True)


def _public_health(users: dict[str, User], moderator: User, say: Say) -> Community | None:
    if Community.objects.filter(slug="public-health-africa").exists():
        return None
    expert, learner = users["expert@example.org"], users["learner@example.org"]
    a, b, c, d, e = _experts(users, 5)
    community = community_create(
        actor=moderator,
        name="Public Health Across Africa",
        slug="public-health-africa",
        kind=CommunityKind.DISCIPLINE,
        visibility=CommunityVisibility.PUBLIC,
        description=(
            "Epidemiologists, clinicians, data people and health officers of the diaspora and "
            "at home: surveillance, trials, training, funding."
        ),
        code_of_conduct=CONDUCT,
    )
    for name in ("Epidemiology", "Data", "Funding", "Training", "Events"):
        tag_create(actor=moderator, community=community, name=name)
    _join(community, expert, learner, a, b, c, d, e)

    welcome = thread_create(
        author=moderator,
        community=community,
        title="Welcome: introduce yourself",
        text=(
            "Welcome to **Public Health Across Africa**. Tell us where you work, what you "
            "research, and what you could help a colleague at home with.\n\n"
            "Please read the code of conduct; moderators are listed on the members page."
        ),
        tags=["events"],
    )
    post_create(
        author=expert,
        thread=welcome,
        text=(
            "Mariama Sow, epidemiologist in Lyon, from Saint-Louis. I teach *Research Methods "
            "for Public Health* on this platform and mentor two students in Dakar."
        ),
    )
    post_create(
        author=a,
        thread=welcome,
        text=(
            f"Hello all. I work on vaccine cold chains. {_at(expert)}, I would love to sit "
            "in on one of your classes."
        ),
    )
    post_create(
        author=learner,
        thread=welcome,
        text="Abena Ofori, MPH student in Accra. Mostly here to learn and ask questions!",
    )
    thread_pin(actor=moderator, thread=welcome, reason="Newcomers start here.")

    surveillance = thread_create(
        author=expert,
        community=community,
        title="Cholera surveillance data in Senegal: what is open?",
        text=(
            "I am preparing a lesson on outbreak detection and would like to use real data.\n\n"
            "- Which district-level counts are public, and how often are they updated?\n"
            "- Has anyone worked with the DHIS2 exports of the ministry?"
        ),
        tags=["epidemiology", "data"],
    )
    first = post_create(
        author=b,
        thread=surveillance,
        text=(
            "Weekly counts by region are in the ministry's situation reports (PDF). District "
            "level needs a data-sharing agreement; it took us three months in 2024."
        ),
    )
    post_create(
        author=c,
        thread=surveillance,
        reply_to=first,
        text=(
            f"> Weekly counts by region are in the ministry's situation reports\n\n"
            f"{_at(b)} we scraped those PDFs into a tidy CSV, with a script to update it. "
            "Happy to share; the code is MIT-licensed."
        ),
    )
    post_create(
        author=expert,
        thread=surveillance,
        text=f"Thank you {_at(b)} and {_at(c)}: that is exactly what the exercise needs.",
    )
    reaction_toggle(user=learner, post=first, emoji="👍")
    reaction_toggle(user=expert, post=first, emoji="🎉")

    grants = thread_create(
        author=d,
        community=community,
        title="Grant calls for diaspora and home-country teams (2027)",
        text=(
            "Collecting open calls that fund joint teams. Add yours, with the deadline.\n\n"
            "1. EDCTP3 calls for clinical research capacity.\n"
            "2. Wellcome Discovery Awards (a lead abroad with a co-lead at home is fine)."
        ),
        tags=["funding"],
    )
    spam = post_create(
        author=e,
        thread=grants,
        text=(
            "GUARANTEED grant success!!! Our agency writes your proposal for a small fee. "
            "Write to us today, limited places."
        ),
    )
    flag_create(user=learner, post=spam, reason="spam")
    flag_create(
        user=expert,
        post=spam,
        reason="other",
        note="Advertising a paid proposal-writing service; against rule 3.",
    )

    closed = thread_create(
        author=moderator,
        community=community,
        title="Call for abstracts: diaspora health day (closed)",
        text="Abstracts for the online diaspora health day were due on 1 October.",
        tags=["events"],
    )
    post_create(author=a, thread=closed, text="Is there a late-breaking track?")
    post_create(
        author=moderator,
        thread=closed,
        text="No, sorry: the programme is final. Locking this thread; see you on the day.",
    )
    thread_lock(actor=moderator, thread=closed, reason="The call is closed.")
    say(f"Community: {community.name} (moderated by {moderator.email}).")
    return community


def _senegal(users: dict[str, User], moderator: User, say: Say) -> Community | None:
    if Community.objects.filter(slug="senegal-knowledge-circle").exists():
        return None
    expert, learner = users["expert@example.org"], users["learner@example.org"]
    a, b, c = _experts(users, 8)[5:8]
    community = community_create(
        actor=moderator,
        name="Senegal Knowledge Circle",
        slug="senegal-knowledge-circle",
        kind=CommunityKind.COUNTRY,
        country="SN",
        visibility=CommunityVisibility.PUBLIC,
        description="Senegalese scholars abroad and the universities at home: teaching, "
        "supervision, visits.",
        code_of_conduct=CONDUCT,
    )
    _join(community, expert, learner, a, b, c)
    moderator_set(
        actor=moderator,
        community=community,
        member=expert,
        is_moderator=True,
        reason="Runs the circle's teaching exchange.",
    )
    for name in ("Teaching", "Supervision", "Visits"):
        tag_create(actor=expert, community=community, name=name)
    teaching = thread_create(
        author=a,
        community=community,
        title="Teaching statistics to 300 first-years at UCAD: what works?",
        text="Large classes, one projector, patchy wifi. What have you tried that worked?",
        tags=["teaching"],
    )
    post_create(
        author=expert,
        thread=teaching,
        text=(
            "Short live sessions on this platform for the exercises, recorded chat and polls "
            "so the students who lose the connection can catch up. Slides as Markdown, so "
            "they load on a phone."
        ),
    )
    post_create(
        author=learner,
        thread=teaching,
        text="As a student: polls during class kept me awake more than anything else.",
    )
    visits = thread_create(
        author=b,
        community=community,
        title="Short teaching visits in 2027: who is coming home?",
        text="Planning a two-week visit in March. Who else, and which faculties asked?",
        tags=["visits"],
    )
    post_create(author=c, thread=visits, text="I will be in Saint-Louis in April, at UGB.")
    say(f"Community: {community.name} (moderated by expert@example.org).")
    return community


def _asia_pacific(users: dict[str, User], moderator: User, say: Say) -> Community | None:
    if Community.objects.filter(slug="asia-pacific-migration").exists():
        return None
    a, b, c = _experts(users, 11)[8:11]
    community = community_create(
        actor=moderator,
        name="Asia Pacific Migration Research Network",
        slug="asia-pacific-migration",
        kind=CommunityKind.REGION,
        visibility=CommunityVisibility.MEMBERS,
        description="Researchers of migration in Asia and the Pacific: data, methods, fieldwork.",
        code_of_conduct=CONDUCT,
    )
    # Members-only communities are joined by invitation; the demo seeds the members directly
    # through the platform moderator's invitations, accepted at once.
    _invite_and_accept(community, moderator, a, b, c)
    moderator_set(actor=moderator, community=community, member=a, is_moderator=True)
    fieldwork = thread_create(
        author=a,
        community=community,
        title="Remittance surveys after the pandemic: comparable questions?",
        text="Which questionnaires kept their questions stable enough to compare 2019 and 2025?",
    )
    post_create(author=b, thread=fieldwork, text="The Philippine survey did, mostly.")
    post_create(author=c, thread=fieldwork, text=f"{_at(b)} which waves, exactly?")
    say(f"Community: {community.name} (members only).")
    return community


def _alumni(users: dict[str, User], moderator: User, say: Say) -> Community | None:
    if Community.objects.filter(slug="diaspora-fellows-alumni").exists():
        return None
    expert, learner = users["expert@example.org"], users["learner@example.org"]
    a, b = _experts(users, 13)[11:13]
    community = community_create(
        actor=moderator,
        name="Diaspora Fellows Alumni",
        slug="diaspora-fellows-alumni",
        kind=CommunityKind.PROGRAMME,
        visibility=CommunityVisibility.INVITATION,
        description="Alumni of diaspora fellowship programmes: what worked, what to ask for.",
        code_of_conduct=CONDUCT,
    )
    _invite_and_accept(community, moderator, expert, a, b)
    stories = thread_create(
        author=b,
        community=community,
        title="What I would ask for in a second fellowship",
        text="Longer visits, and funding for the host department's time, not just mine.",
    )
    post_create(author=expert, thread=stories, text="And a budget line for data access.")
    invitation_send(actor=moderator, community=community, email=learner.email)
    say(f"Community: {community.name} (by invitation; learner@example.org is invited).")
    return community


def _invite_and_accept(community: Community, moderator: User, *people: User) -> None:
    from diaspora.communities.services import invitation_accept

    for person in people:
        invitation = invitation_send(actor=moderator, community=community, email=person.email)
        invitation_accept(user=person, token=invitation.token, accept_conduct=True)


def _date_back(communities: list[Community]) -> None:
    """Spread what was just written over the last nine days, oldest first, keeping order."""
    now = timezone.now()
    threads = list(Thread.objects.filter(community__in=communities).order_by("pk"))
    for index, thread in enumerate(threads):
        start = now - timedelta(days=9 - index % 8, hours=3 * index)
        posts = list(thread.posts.order_by("number"))
        for number, post in enumerate(posts):
            Post.objects.filter(pk=post.pk).update(
                created_at=start + timedelta(hours=5 * number, minutes=7 * number)
            )
        last = start + timedelta(hours=5 * (len(posts) - 1), minutes=7 * (len(posts) - 1))
        Thread.objects.filter(pk=thread.pk).update(created_at=start, last_posted_at=last)
        ThreadEvent.objects.filter(thread=thread).update(created_at=last)
    ModerationAction.objects.filter(community__in=communities).update(
        created_at=F("created_at") - timedelta(days=1)
    )


def seed_communities(sender: Any, *, users: dict[str, User], say: Say, **kwargs: Any) -> None:
    moderator = users["moderator@example.org"]
    with override_settings(**NO_LIMITS):
        made = [
            community
            for community in (
                _public_health(users, moderator, say),
                _senegal(users, moderator, say),
                _asia_pacific(users, moderator, say),
                _alumni(users, moderator, say),
            )
            if community is not None
        ]
    if made:
        _date_back(made)
