"""The audit trail as CSV."""

import csv
import io
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from django.http import HttpResponse

from diaspora.accounts.models import User
from diaspora.communities.models import Community, Post, Thread
from diaspora.moderation.audit import audit_record
from diaspora.moderation.exports import audit_csv
from diaspora.moderation.models import ActionKind, ModerationAction
from diaspora.moderation.selectors import audit_entries
from diaspora.moderation.services import post_hide

pytestmark = pytest.mark.django_db


def rows(response: HttpResponse) -> list[list[str]]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")  # spreadsheet apps read it as UTF-8
    return list(csv.reader(io.StringIO(text[1:])))


def test_it_exports_every_column(alice: User, bob: User, thread: Thread) -> None:
    post = Post.objects.select_related("thread__community", "author").get(thread=thread, number=1)
    post_hide(actor=alice, post=post, reason="Personal data")
    ModerationAction.objects.update(created_at=datetime(2025, 3, 1, 9, 30, tzinfo=UTC))

    response = audit_csv(audit_entries(viewer=alice))

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="moderation-audit.csv"'
    header, row = rows(response)
    assert header == [
        "when (UTC)",
        "community",
        "actor",
        "action",
        "target",
        "member",
        "reason",
        "before",
        "after",
    ]
    assert row[:7] == [
        "2025-03-01T09:30:00Z",
        "Public Health",
        "Alice Ndiaye",
        "Hid a post",
        "#1 in Cholera surveillance in Dakar",
        "Bob Mensah",
        "Personal data",
    ]
    assert json.loads(row[7])["body_md"] == "What data do we have?"
    assert json.loads(row[8])["hidden"] is True


def test_it_names_the_platform_and_automatic_acts(moderator: User, bob: User) -> None:
    audit_record(actor=None, action=ActionKind.MEMBER_SUSPEND, community=None, member=bob)

    _, row = rows(audit_csv(audit_entries(viewer=moderator)))

    assert row[1:4] == ["Platform-wide", "Automatic", "Suspended an account"]
    assert row[7:] == ["", ""]


def test_it_defuses_spreadsheet_formulas(alice: User, community: Community, bob: User) -> None:
    audit_record(
        actor=alice,
        action=ActionKind.MEMBER_WARN,
        community=community,
        member=bob,
        target_label='=HYPERLINK("http://evil")',
        reason="@SUM(1+1)",
        after={"message": "é"},
    )

    response = audit_csv(audit_entries(viewer=alice), filename="public-health-audit.csv")

    assert 'filename="public-health-audit.csv"' in response["Content-Disposition"]
    _, row = rows(response)

    assert row[4] == '\'=HYPERLINK("http://evil")'
    assert row[6] == "'@SUM(1+1)"
    assert row[8] == '{"message": "é"}'


def test_it_reads_a_long_trail_in_a_constant_number_of_queries(
    alice: User, community: Community, bob: User, django_assert_max_num_queries: Any
) -> None:
    for _ in range(30):
        audit_record(actor=alice, action=ActionKind.MEMBER_WARN, community=community, member=bob)

    with django_assert_max_num_queries(2):
        response = audit_csv(audit_entries(viewer=alice))

    assert len(rows(response)) == 31
