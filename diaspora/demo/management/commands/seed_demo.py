from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.test.utils import override_settings

from diaspora.demo.services import DemoSeedError, demo_seed


class Command(BaseCommand):
    help = (
        "Load a demo network: experts of the diaspora, institutions in their home countries "
        "and five demo accounts with the password 'diaspora-demo'. Safe to run again: it "
        "creates what is missing, restores what drifted and resets the demo passwords."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even though DEBUG is off (a staging server, say). Never in production.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "Refusing to load demo data: DEBUG is off, so this may be a production "
                "database, and the demo accounts have a published password. "
                "Run with DEBUG=1, or pass --force if you really mean it."
            )
        try:
            # Opening demo needs notifies the best-fitting demo experts; their addresses are
            # not real, so those emails stay in memory instead of flooding the console.
            with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
                summary = demo_seed(stdout=self.stdout)
        except DemoSeedError as error:
            raise CommandError(str(error)) from error

        out = self.stdout
        out.write(
            self.style.SUCCESS(
                f"Demo network ready: {summary.users_created} accounts created, "
                f"{summary.rows_changed} existing rows restored, "
                f"{summary.passwords_reset} demo passwords reset."
            )
        )
        out.write(
            f"  Experts:       {summary.experts} from {summary.origin_countries} countries of "
            f"origin, living in {summary.residence_countries} countries"
        )
        out.write(f"  Fields (FORD): {summary.fields}")
        out.write(
            f"  Institutions:  {summary.institutions} in {summary.institution_countries} "
            f"countries ({summary.verified_institutions} verified)"
        )
        out.write(f"Demo accounts (password: {summary.password}):")
        width = max(len(account.email) for account in summary.accounts)
        for account in summary.accounts:
            out.write(f"  {account.email:<{width}}  {account.description}")
