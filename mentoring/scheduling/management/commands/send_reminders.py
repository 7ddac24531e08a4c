from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from mentoring.scheduling.services import reminders_send


class Command(BaseCommand):
    help = (
        "Send the reminders that are due: live sessions starting within "
        "SESSION_REMINDER_MINUTES, overdue mentorship tasks and overdue project milestones. "
        "Each reminder is sent once, so run it every few minutes from cron or a systemd timer; "
        "two runs at the same moment do not send anything twice."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        count = reminders_send(now=timezone.now())
        self.stdout.write(f"{count} reminder(s) sent.")
