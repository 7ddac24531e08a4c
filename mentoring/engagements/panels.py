"""The sections of an engagement's page that belong to other apps.

Each app registers its panel in `AppConfig.ready`: which kinds show it (None: every kind),
the template, and a function giving the template its context for one viewer. The page asks
only for the panels of its kind, so it never needs to know the apps.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mentoring.engagements.permissions import Access

PanelContext = Callable[[Access], dict[str, Any]]


@dataclass(frozen=True)
class Panel:
    name: str
    template: str
    context: PanelContext
    kinds: frozenset[str] | None
    order: int


_PANELS: dict[str, Panel] = {}


def register_panel(
    *,
    name: str,
    template: str,
    context: PanelContext,
    kinds: frozenset[str] | None = None,
    order: int = 50,
) -> None:
    _PANELS[name] = Panel(name=name, template=template, context=context, kinds=kinds, order=order)


@dataclass(frozen=True)
class RenderedPanel:
    name: str
    template: str
    context: dict[str, Any]


def panels_for(access: Access) -> list[RenderedPanel]:
    kind = access.engagement.kind
    chosen = sorted(
        (panel for panel in _PANELS.values() if panel.kinds is None or kind in panel.kinds),
        key=lambda panel: (panel.order, panel.name),
    )
    return [
        RenderedPanel(name=panel.name, template=panel.template, context=panel.context(access))
        for panel in chosen
    ]
