from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MentorshipsConfig(AppConfig):
    name = "mentoring.mentorships"
    label = "mentorships"
    verbose_name = _("Mentorships")

    def ready(self) -> None:
        from mentoring.engagements.models import EngagementKind
        from mentoring.engagements.panels import register_panel
        from mentoring.engagements.requirements import register_start_check
        from mentoring.mentorships.panel import panel_context
        from mentoring.mentorships.selectors import mentorship_start_problems

        register_start_check(EngagementKind.MENTORSHIP, mentorship_start_problems)
        register_panel(
            name="mentorship",
            template="mentorships/panel.html",
            context=panel_context,
            kinds=frozenset({EngagementKind.MENTORSHIP}),
            order=10,
        )
