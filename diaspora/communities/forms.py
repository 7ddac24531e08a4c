"""Forms of the community and forum pages. They validate and normalise; the services decide."""

import uuid
from collections.abc import Iterable
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from diaspora.communities.models import (
    Community,
    CommunityKind,
    CommunityVisibility,
    Tag,
    WatchLevel,
)

# Path segments under /communities/ that are pages, not communities.
RESERVED_SLUGS = frozenset({"new", "invitations"})

MARKDOWN_HELP = _(
    "Markdown: **bold**, *italic*, [links](https://…), `code`, > quotes, lists. Mention someone with @handle."
)


def _choice(form: forms.Form, name: str) -> forms.ChoiceField:
    return cast(forms.ChoiceField, form.fields[name])


def new_client_id() -> str:
    """A fresh id for one message, so that sending the same form twice stores one post."""
    return uuid.uuid4().hex


class CommunityFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("Any")), *CommunityKind.choices]
    )
    mine = forms.BooleanField(label=_("Only communities I belong to"), required=False)


class ThreadFilterForm(forms.Form):
    tag = forms.ChoiceField(label=_("Tag"), required=False)
    unread = forms.BooleanField(label=_("Only threads with unread posts"), required=False)

    def __init__(self, *args: Any, tags: Iterable[Tag] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choice(self, "tag").choices = [("", _("All tags")), *[(t.slug, t.name) for t in tags]]


class CommunityForm(forms.Form):
    """A community's settings. The short name (its address) is chosen once, at creation."""

    name = forms.CharField(label=_("Name"), max_length=120)
    slug = forms.SlugField(
        label=_("Short name"),
        max_length=60,
        help_text=_("Letters, digits and hyphens; the community's address. It cannot change."),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=CommunityKind.choices)
    visibility = forms.ChoiceField(
        label=_("Who can see and join"),
        choices=CommunityVisibility.choices,
        widget=forms.RadioSelect,
        initial=CommunityVisibility.PUBLIC,
        help_text=_(
            "Public: anyone reads, anyone signed in joins. By invitation: listed, threads for members. Members only: invisible to everyone else."
        ),
    )
    country = forms.ChoiceField(label=_("Country"), required=False)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Markdown is supported."),
    )
    code_of_conduct = forms.CharField(
        label=_("Code of conduct"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Members accept it when they join. Markdown is supported."),
    )

    def __init__(self, *args: Any, community: Community | None = None, **kwargs: Any) -> None:
        if community is not None:
            kwargs.setdefault(
                "initial",
                {
                    "name": community.name,
                    "kind": community.kind,
                    "visibility": community.visibility,
                    "country": community.country.code or "",
                    "description": community.description_md,
                    "code_of_conduct": community.code_of_conduct_md,
                },
            )
        super().__init__(*args, **kwargs)
        _choice(self, "country").choices = [
            ("", _("None (not about one country)")),
            *[(c.code, c.name) for c in countries],
        ]
        if community is not None:
            del self.fields["slug"]

    def clean_slug(self) -> str:
        slug = str(self.cleaned_data["slug"]).lower()
        if slug in RESERVED_SLUGS:
            raise forms.ValidationError(_("This short name is taken by a page; choose another."))
        return slug

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        arguments = {
            "name": data["name"],
            "kind": data["kind"],
            "visibility": data["visibility"],
            "description": data["description"],
            "code_of_conduct": data["code_of_conduct"],
            "country": data["country"],
        }
        if "slug" in self.fields:
            arguments["slug"] = data["slug"]
        return arguments


class TagForm(forms.Form):
    name = forms.CharField(label=_("New tag"), max_length=40)


class JoinForm(forms.Form):
    accept_conduct = forms.BooleanField(
        label=_("I have read the code of conduct and will follow it."),
        error_messages={"required": _("Tick the box to accept the code of conduct.")},
    )


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Email address of the person to invite"))


class WatchForm(forms.Form):
    level = forms.ChoiceField(label=_("Notifications"), choices=WatchLevel.choices)

    def __init__(self, *args: Any, thread: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if thread:
            # Empty: drop the thread's own level, so the community's applies again.
            field = _choice(self, "level")
            field.required = False
            field.choices = [("", _("As set for the community")), *WatchLevel.choices]


class ComposeForm(forms.Form):
    """The Markdown text of a post, with its live preview (static/js/forum-compose.js)."""

    text = forms.CharField(
        label=_("Your post"),
        strip=False,
        widget=forms.Textarea(attrs={"rows": 8, "data-compose-text": ""}),
        help_text=MARKDOWN_HELP,
        error_messages={"required": _("Write something first.")},
    )

    def clean_text(self) -> str:
        text = str(self.cleaned_data["text"])
        if not text.strip():
            raise forms.ValidationError(_("Write something first."))
        return text


class ThreadForm(ComposeForm):
    title = forms.CharField(label=_("Title"), max_length=200)
    tags = forms.MultipleChoiceField(
        label=_("Tags"), required=False, widget=forms.CheckboxSelectMultiple
    )
    client_id = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    field_order = ["title", "tags", "text", "client_id"]

    def __init__(self, *args: Any, tags: Iterable[Tag] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(tag.slug, tag.name) for tag in tags]
        if choices:
            _choice(self, "tags").choices = choices
        else:
            del self.fields["tags"]
        self.fields["text"].label = _("First post")


class ReplyForm(ComposeForm):
    reply_to = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    client_id = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["text"].label = _("Your reply")
        if not self.is_bound:
            self.initial.setdefault("client_id", new_client_id())


class PostEditForm(ComposeForm):
    reason = forms.CharField(
        label=_("Reason for the edit"),
        required=False,
        max_length=500,
        help_text=_(
            "Required when you edit someone else's post; the author is told and the edit is in the audit trail."
        ),
    )

    def __init__(self, *args: Any, moderator_edit: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["text"].label = _("Text")
        if moderator_edit:
            self.fields["reason"].required = True
        else:
            del self.fields["reason"]


class ReactForm(forms.Form):
    emoji = forms.CharField(max_length=16)


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Words"), required=False, max_length=200)
    community = forms.ChoiceField(label=_("Community"), required=False)
    tag = forms.SlugField(label=_("Tag"), required=False, max_length=40)
    author = forms.CharField(
        label=_("Author"), required=False, max_length=41, help_text=_("Their @handle.")
    )

    def __init__(self, *args: Any, communities: Iterable[Community] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choice(self, "community").choices = [
            ("", _("All communities")),
            *[(c.slug, c.name) for c in communities],
        ]
        # "from" is a Python keyword, so these two are added by name.
        date = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        self.fields["from"] = forms.DateField(label=_("From"), required=False, widget=date)
        self.fields["to"] = forms.DateField(label=_("To"), required=False, widget=date)

    def clean_author(self) -> str:
        return str(self.cleaned_data["author"]).strip().lstrip("@").lower()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("from"), data.get("to")
        if since and until and since > until:
            self.add_error("to", _("The end date is before the start date."))
        return data
