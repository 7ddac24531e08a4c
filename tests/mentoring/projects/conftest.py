"""Projects for the project tests.

`project` (from tests/mentoring/conftest.py) belongs to no institution: alice is its lead on
the expert side, bob a member on the institution side. `institution_project` belongs to
`institution` and was created by bob, who coordinates it; dana is its expert lead. alice,
an admin of the institution who does not take part, oversees it.
"""

from collections.abc import Callable

import pytest

from diaspora.accounts.models import Role, User
from diaspora.institutions.models import Institution
from mentoring.engagements.models import Engagement, EngagementInvitation, ParticipantRole, Side
from mentoring.engagements.services import engagement_invitation_accept
from mentoring.projects.services import InvitationLine, project_create


@pytest.fixture
def dana(make_user: Callable[..., User]) -> User:
    return make_user("dana@example.org", name="Dana Diallo", role=Role.EXPERT)


@pytest.fixture
def institution_project(institution: Institution, alice: User, bob: User, dana: User) -> Engagement:
    engagement = project_create(
        institution=institution,
        created_by=bob,
        title="Curriculum in health data science",
        work_plan="1. Map the courses\n2. Write the modules",
        impact_plan="Graduates trained per year.",
        invitations=[
            InvitationLine(
                email=dana.email,
                role=ParticipantRole.LEAD,
                side=Side.EXPERT,
                role_title="Principal investigator",
            )
        ],
    )
    invitation = EngagementInvitation.objects.get(engagement=engagement, email=dana.email)
    engagement_invitation_accept(invitation=invitation, user=dana)
    return engagement
