from django.utils.translation import gettext_lazy as _

from diaspora.imports.command import ImportCommand
from diaspora.imports.services import experts_import


class Command(ImportCommand):
    help = (
        "Create or update experts from a CSV file (see docs/imports.md). An expert is found by "
        "email; a new one gets an account without a password, to be claimed by password reset. "
        "Importing the same file again changes nothing."
    )
    label = _("Experts")
    service = staticmethod(experts_import)
