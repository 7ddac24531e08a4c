from typing import Any

from django.core.management.base import BaseCommand

from diaspora.matches.services import proposals_expire


class Command(BaseCommand):
    help = (
        "Expire every invitation and expression of interest past its answer deadline, and "
        "tell the side that waited. Run it from cron (every few minutes is fine); pages also "
        "expire a proposal when they read it past its deadline."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        count = proposals_expire()
        self.stdout.write(f"{count} proposal(s) expired.")
