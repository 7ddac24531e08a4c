from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _seed_demo_communities(sender: Any, **kwargs: Any) -> None:
    # Imported when seeding, not at start-up: the demo pulls in every forum service.
    from diaspora.communities.demo import seed_communities

    seed_communities(sender, **kwargs)


class CommunitiesConfig(AppConfig):
    name = "diaspora.communities"
    label = "communities"
    verbose_name = _("Communities and forums")

    def ready(self) -> None:
        from diaspora.demo.signals import demo_seeded

        demo_seeded.connect(_seed_demo_communities, dispatch_uid="demo_communities")
