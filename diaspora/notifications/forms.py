from typing import Any

from django import forms

from diaspora.notifications.models import NotificationKind


class PreferencesForm(forms.Form):
    """One checkbox per kind of notification: whether it also comes by email."""

    def __init__(self, *args: Any, current: dict[str, bool] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        current = current or {}
        for kind in NotificationKind:
            self.fields[kind.value] = forms.BooleanField(
                label=kind.label,
                required=False,
                initial=current.get(kind.value, True),
            )

    def email_by_kind(self) -> dict[str, bool]:
        return {kind: bool(self.cleaned_data.get(kind)) for kind in NotificationKind.values}
