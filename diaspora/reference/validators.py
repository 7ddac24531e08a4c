from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from diaspora.reference.languages import is_language
from diaspora.reference.timezones import is_timezone


def validate_timezone(value: str) -> None:
    if not is_timezone(value):
        raise ValidationError(_("%(value)s is not a known time zone."), params={"value": value})


def validate_language(value: str) -> None:
    if not is_language(value):
        raise ValidationError(
            _("%(value)s is not an ISO 639-1 language code."), params={"value": value}
        )
