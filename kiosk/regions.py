"""China's administrative divisions for the courier address pickers (province / city / district).

The table is config data, `config/regions.json` (GB/T 2260 codes, 31 provincial-level regions
of the mainland; its header names the source and licence). Loaded once, lazily: the attract
screen needs none of it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

# The shipped defaults directory (kiosk/defaults is the package's view of config/).
DEFAULT_PATH = Path(str(resources.files("kiosk") / "defaults" / "regions.json"))
LEVELS = ("province", "city", "district")


@dataclass(frozen=True)
class Region:
    """One division: its 6-digit code, its name and the divisions under it."""

    code: str
    name: str
    children: tuple[Region, ...] = ()


@dataclass(frozen=True)
class RegionTable:
    """Provinces with their cities and districts; lookups by code."""

    provinces: tuple[Region, ...]

    def province(self, code: str) -> Region | None:
        """The province with `code`, None if unknown."""
        return next((p for p in self.provinces if p.code == code), None)

    def city(self, province: str, code: str) -> Region | None:
        """The city `code` of `province`, None if it is not one of its cities."""
        p = self.province(province)
        return None if p is None else next((c for c in p.children if c.code == code), None)

    def district(self, province: str, city: str, code: str) -> Region | None:
        """The district `code` of that city, None if it is not one of its districts."""
        c = self.city(province, city)
        return None if c is None else next((d for d in c.children if d.code == code), None)

    def options(self, province: str = "", city: str = "") -> dict[str, list[dict[str, str]]]:
        """What each picker offers given the choices so far (empty lists when not yet open)."""
        p = self.province(province) if province else None
        c = self.city(province, city) if p is not None and city else None
        return {
            "province": [{"code": r.code, "name": r.name} for r in self.provinces],
            "city": [{"code": r.code, "name": r.name} for r in (p.children if p else ())],
            "district": [{"code": r.code, "name": r.name} for r in (c.children if c else ())],
        }

    def check(self, province: str, city: str, district: str) -> str | None:
        """An error key ('required', 'invalid.region') or None when the choice is complete."""
        if not province or not city:
            return "required"
        c = self.city(province, city)
        if c is None:
            return "invalid.region"
        if not c.children:  # a city without districts (东莞, 中山, 仙桃, ...)
            return None if not district else "invalid.region"
        if not district:
            return "required"
        return None if self.district(province, city, district) else "invalid.region"

    def address(self, province: str, city: str, district: str) -> str:
        """The divisions' names joined (a municipality is named once): 广东省广州市天河区."""
        p = self.province(province)
        c = self.city(province, city)
        d = self.district(province, city, district) if district else None
        names: list[str] = []
        for region in (p, c, d):
            if region is not None and (not names or names[-1] != region.name):
                names.append(region.name)
        return "".join(names)


def _region(raw: dict[str, object], child_key: str | None) -> Region:
    children: tuple[Region, ...] = ()
    if child_key == "cities":
        children = tuple(_region(c, "districts") for c in raw["cities"])  # type: ignore[attr-defined]
    elif child_key == "districts":
        children = tuple(
            Region(str(code), str(name))
            for code, name in raw["districts"]  # type: ignore[attr-defined]
        )
    return Region(str(raw["code"]), str(raw["name"]), children)


def load_regions(path: Path = DEFAULT_PATH) -> RegionTable:
    """Read a regions file (see config/regions.json for the format)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return RegionTable(tuple(_region(p, "cities") for p in data["provinces"]))


@lru_cache(maxsize=1)
def default_regions() -> RegionTable:
    """The shipped table, read once."""
    return load_regions(DEFAULT_PATH)
