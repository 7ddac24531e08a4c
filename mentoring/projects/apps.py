from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "mentoring.projects"
    label = "projects"
    verbose_name = _("Joint projects")

    def ready(self) -> None:
        from mentoring.engagements.models import EngagementKind
        from mentoring.engagements.panels import register_panel
        from mentoring.engagements.requirements import register_start_check
        from mentoring.projects.selectors import project_panel, project_start_problems

        register_start_check(EngagementKind.PROJECT, project_start_problems)
        register_panel(
            name="project",
            template="projects/panel.html",
            context=project_panel,
            kinds=frozenset({EngagementKind.PROJECT}),
            order=20,
        )
