from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoursesConfig(AppConfig):
    name = "mentoring.courses"
    label = "courses"
    verbose_name = _("Courses")

    def ready(self) -> None:
        from mentoring.courses.panels import course_panel, materials_panel
        from mentoring.engagements.models import EngagementKind
        from mentoring.engagements.panels import register_panel

        register_panel(
            name="course",
            template="courses/panel_course.html",
            context=course_panel,
            kinds=frozenset({EngagementKind.COURSE}),
            order=20,
        )
        register_panel(
            name="materials",
            template="courses/panel_materials.html",
            context=materials_panel,
            kinds=None,
            order=70,
        )
