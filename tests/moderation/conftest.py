"""The communities' fixtures, for the moderation tests."""

from tests.communities.conftest import (  # noqa: F401
    community,
    dave,
    other_community,
    private_community,
    thread,
)
