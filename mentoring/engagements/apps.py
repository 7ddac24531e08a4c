from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EngagementsConfig(AppConfig):
    name = "mentoring.engagements"
    label = "engagements"
    verbose_name = _("Engagements")

    def ready(self) -> None:
        from diaspora.demo.signals import demo_seeded
        from diaspora.matches.signals import match_created
        from diaspora.needs.signals import offer_request_accepted
        from mentoring.demo import seed_engagements
        from mentoring.engagements.receivers import (
            open_engagement_for_match,
            open_engagement_for_offer_request,
        )

        match_created.connect(open_engagement_for_match, dispatch_uid="engagement_from_match")
        offer_request_accepted.connect(
            open_engagement_for_offer_request, dispatch_uid="engagement_from_offer_request"
        )
        demo_seeded.connect(seed_engagements, dispatch_uid="demo_engagements")
