"""The demo users in a real browser: an accepted match becomes an engagement, the demo course
fills, waitlists and promotes, and the timeline is in order with nothing private leaking."""

import re
import uuid
from typing import Any

import pytest
from django.conf import settings as django_settings

from diaspora.demo.data import DEMO_PASSWORD
from diaspora.demo.services import demo_seed
from diaspora.matches.models import Proposal
from mentoring.courses.models import Enrolment, EnrolmentStatus
from mentoring.demo import COURSE_TITLE
from mentoring.engagements.models import Engagement, EngagementKind

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def seeded(settings: Any) -> None:
    # allauth counts logins in the cache: a fresh prefix keeps its rate limit out of the way.
    cache = dict(django_settings.CACHES["default"])
    cache["KEY_PREFIX"] = f"test-{uuid.uuid4().hex}"
    cache.setdefault("LOCATION", cache["KEY_PREFIX"])
    settings.CACHES = {"default": cache}
    demo_seed()


def _sign_in(browser: Any, live_server: Any, email: str) -> Any:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.locator("#id_password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name=re.compile("Sign In", re.I)).click()
    page.wait_for_url(re.compile(r"/dashboard/$"))
    return page


def test_it_opens_an_engagement_when_the_expert_accepts(live_server: Any, browser: Any) -> None:
    proposal = Proposal.objects.pending().get(expert__user__email="expert@example.org")
    expert = _sign_in(browser, live_server, "expert@example.org")
    expert.goto(f"{live_server.url}/proposals/{proposal.pk}/")
    expert.get_by_role("button", name="Accept").click()
    expert.goto(live_server.url + "/engagements/")
    link = expert.get_by_role("link", name=proposal.need.title)
    assert link.count() == 1
    link.click()
    expert.wait_for_url(re.compile(r"/engagements/\d+/$"))
    assert "Proposed" in expert.content()
    engagement = Engagement.objects.get(need=proposal.need)
    assert engagement.kind == EngagementKind.COURSE

    admin = _sign_in(browser, live_server, "institution@example.org")
    admin.goto(live_server.url + "/engagements/")
    assert admin.get_by_role("link", name=proposal.need.title).count() == 1


def test_it_waitlists_the_outsider_and_promotes_them_when_a_seat_frees(
    live_server: Any, browser: Any
) -> None:
    course = Engagement.objects.get(title=COURSE_TITLE).course
    outsider = _sign_in(browser, live_server, "outsider@example.org")
    outsider.goto(live_server.url + "/courses/")
    outsider.get_by_role("link", name=COURSE_TITLE).first.click()
    outsider.get_by_role("button", name="Join the waiting list").click()
    outsider.wait_for_load_state()
    enrolment = Enrolment.objects.get(course=course, user__email="outsider@example.org")
    assert enrolment.status == EnrolmentStatus.WAITLISTED
    assert outsider.get_by_role("button", name="Leave the waiting list").count() == 1

    learner = _sign_in(browser, live_server, "learner@example.org")
    learner.goto(f"{live_server.url}/courses/{course.pk}/")
    learner.once("dialog", lambda dialog: dialog.accept())  # "Leave this course?"
    learner.get_by_role("button", name="Leave the course").click()
    learner.wait_for_load_state()

    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.ENROLLED
    outsider.reload()
    assert outsider.get_by_role("button", name="Leave the course").count() == 1
    outsider.goto(live_server.url + "/notifications/")
    assert COURSE_TITLE in outsider.content()


def test_it_shows_the_mentorship_timeline_in_order_without_the_other_private_note(
    live_server: Any, browser: Any
) -> None:
    mentorship = Engagement.objects.get(kind=EngagementKind.MENTORSHIP)
    pages = {
        "learner@example.org": ("Ask about the sample size", "needs help with statistics"),
        "expert@example.org": ("needs help with statistics", "Ask about the sample size"),
        "institution@example.org": (None, "needs help with statistics"),
    }
    for email, (own, other) in pages.items():
        page = _sign_in(browser, live_server, email)
        page.goto(f"{live_server.url}/engagements/{mentorship.pk}/timeline/")
        html = page.content()
        if own:
            assert own in html
        assert other not in html
        assert "Ask about the sample size" not in html or email == "learner@example.org"
        stamps = page.locator("ol.timeline time").evaluate_all(
            "nodes => nodes.map(n => n.getAttribute('datetime'))"
        )
        assert len(stamps) > 5
        assert stamps == sorted(stamps)
        api = page.request.get(f"{live_server.url}/api/engagements/{mentorship.pk}/timeline")
        assert other not in api.text()
