from django.utils.translation import gettext_lazy as _

from diaspora.imports.command import ImportCommand
from diaspora.imports.services import needs_import


class Command(ImportCommand):
    help = (
        "Create or update needs from a CSV file (see docs/imports.md). A need is found by its "
        "external_id and created open; a missing institution is created, unverified. Importing "
        "the same file again changes nothing."
    )
    label = _("Needs")
    service = staticmethod(needs_import)
