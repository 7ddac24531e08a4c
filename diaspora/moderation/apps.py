from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ModerationConfig(AppConfig):
    name = "diaspora.moderation"
    label = "moderation"
    verbose_name = _("Moderation")

    def ready(self) -> None:
        from diaspora.moderation.context_processors import connect_receivers

        connect_receivers()
