from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SchedulingConfig(AppConfig):
    name = "mentoring.scheduling"
    label = "scheduling"
    verbose_name = _("Scheduling")

    def ready(self) -> None:
        from mentoring.engagements.panels import register_panel
        from mentoring.scheduling.selectors import sessions_panel_context

        register_panel(
            name="sessions",
            template="scheduling/panel.html",
            context=sessions_panel_context,
            kinds=None,
            order=30,
        )
