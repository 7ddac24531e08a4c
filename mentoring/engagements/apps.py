from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EngagementsConfig(AppConfig):
    name = "mentoring.engagements"
    label = "engagements"
    verbose_name = _("Engagements")

    def ready(self) -> None:
        from diaspora.demo.signals import demo_seeded
        from diaspora.matches.signals import match_created
        from mentoring.demo import seed_engagements
        from mentoring.engagements.receivers import open_engagement_for_match

        match_created.connect(open_engagement_for_match, dispatch_uid="engagement_from_match")
        demo_seeded.connect(seed_engagements, dispatch_uid="demo_engagements")
