"""Municipalities as a tile map and as lists grouped by region: the one way every page shows them.

Each municipality is a tile at its ``tile_row``/``tile_column`` (Tokyo's 62 are laid out west to
east, 多摩 left, 区部 right, 島しょ below); a list loaded without positions is laid out in code
order, 13 to a row. The map is server-side SVG (no script, printable); what a tile says is
also written in its text (「未到達」, the years), never told by colour alone, and every page
lists the same municipalities as text beside it.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

TILE_WIDTH, TILE_HEIGHT, GAP = 66, 40, 4
COLUMNS_WITHOUT_POSITIONS = 13


@dataclass(frozen=True)
class Place:
    """A municipality as maps and lists show it (read once, no model instance in templates)."""

    id: int
    code: str
    name: str
    region: str
    tile_row: int | None = None
    tile_column: int | None = None


@dataclass(frozen=True)
class Tile:
    place: Place
    x: int
    y: int
    marked: bool  # drawn filled (reached, selected); the note says the same in words
    note: str = ""  # the second line (「R1・R2」「未到達」)
    href: str = ""

    @property
    def text_x(self) -> int:
        return self.x + TILE_WIDTH // 2


@dataclass(frozen=True)
class TileMap:
    tiles: tuple[Tile, ...]
    width: int
    height: int
    tile_width: int = TILE_WIDTH
    tile_height: int = TILE_HEIGHT

    @property
    def role(self) -> str:
        """Return the map's ARIA role: a picture, or a group of links (an image may not hold links)."""
        return "group" if any(tile.href for tile in self.tiles) else "img"


@dataclass(frozen=True)
class RegionGroup:
    region: str
    places: tuple[Place, ...]


PLACE_FIELDS = ("id", "code", "name", "region", "tile_row", "tile_column")


def places_of(rows: Iterable[dict]) -> tuple[Place, ...]:
    """Return places from ``Municipality.objects.values(*PLACE_FIELDS)`` rows, in code order."""
    return tuple(Place(**row) for row in sorted(rows, key=lambda row: row["code"]))


def tile_map(
    places: Iterable[Place],
    *,
    marked: Callable[[Place], bool] = lambda place: False,
    note: Callable[[Place], str] = lambda place: "",
    href: Callable[[Place], str] = lambda place: "",
) -> TileMap:
    """Lay the places out as tiles, each marked and annotated by the caller's rules."""
    places = tuple(places)
    positioned = all(p.tile_row is not None and p.tile_column is not None for p in places)
    tiles = []
    for index, place in enumerate(places):
        if positioned:
            row, column = place.tile_row, place.tile_column
        else:
            row, column = divmod(index, COLUMNS_WITHOUT_POSITIONS)
        tiles.append(
            Tile(
                place=place,
                x=column * (TILE_WIDTH + GAP),
                y=row * (TILE_HEIGHT + GAP),
                marked=marked(place),
                note=note(place),
                href=href(place),
            )
        )
    width = max((tile.x for tile in tiles), default=0) + TILE_WIDTH
    height = max((tile.y for tile in tiles), default=0) + TILE_HEIGHT
    return TileMap(tiles=tuple(tiles), width=width, height=height)


def by_region(places: Iterable[Place]) -> tuple[RegionGroup, ...]:
    """Group places by region, regions in the order of their first code (区部, 多摩, 島しょ)."""
    groups: dict[str, list[Place]] = {}
    for place in sorted(places, key=lambda p: p.code):
        groups.setdefault(place.region or "（地域なし）", []).append(place)
    return tuple(RegionGroup(region=region, places=tuple(members)) for region, members in groups.items())
