"""Panels that apps above this one add to an item's pages: an explicit provider list.

The entry screen (this app) and the item page (reports) show the item-year's thread and its
別紙, which the reporting cycle owns; ``evaluations`` may not import ``cycle``, and template
tags read nothing from the database. So the cycle registers a provider once at start-up
(``item_panels.provide(...)`` in its ``AppConfig.ready``), each view asks ``panels_for`` while
it gathers its data, and the template prints what came back:
``{% for panel in panels %}{{ panel }}{% endfor %}``.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from programs.models import Item


@dataclass(frozen=True)
class PanelRequest:
    """What a page asks panels for: who looks, at which item, for which years."""

    user: object
    item: Item
    fiscal_years: tuple[int, ...]
    show_years: bool  # the item page (every year, a year chooser) rather than one item-year
    next_url: str  # where a form in the panel returns to


@dataclass(frozen=True)
class Panel:
    template: str
    context: dict


Provider = Callable[[PanelRequest], Panel | None]
_providers: list[Provider] = []


def provide(provider: Provider) -> None:
    """Register ``provider`` (once, however often ready() runs); panels show in registration order."""
    if provider not in _providers:
        _providers.append(provider)


def panels_for(request, item: Item, fiscal_years: Sequence[int], *, show_years: bool = False) -> list[SafeString]:
    """Return every registered panel for the page, rendered; a provider returns None to show nothing."""
    asked = PanelRequest(
        user=request.user,
        item=item,
        fiscal_years=tuple(fiscal_years),
        show_years=show_years,
        next_url=request.get_full_path(),
    )
    panels = [panel for provider in _providers if (panel := provider(asked)) is not None]
    return [render_to_string(panel.template, panel.context, request=request) for panel in panels]
