"""Search and browse the service catalogue, Qt-free.

A citizen finds a service by typing Chinese (营业执照), full pinyin (yingyezhizhao, or the start
of it while still typing: yingyez), pinyin initials (yyzz) or English (business licence), in
any case. Titles, keywords, department names, theme titles and descriptions are searched.
Characters with several readings match in each of them (行 in 银行 is hang, in 行驶证 xing; the
index keeps both, so "yh" and "yx" both find 银行), because a citizen cannot be expected to know
which reading the dictionary picked.

Ranking, best first: exact title, title prefix (in any form: 营业, yyzz, yingye), title
contains, keyword, theme, department, description; equal scores keep catalogue order.

The index is built once per config (`Catalogue(config)`), which the flow rebuilds when the
config object changes; a search is then substring tests over precomputed strings.
"""

from __future__ import annotations

import functools
import os
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# pypinyin's built-in phrase dictionary costs ~45 MB of RSS for the life of the kiosk, to read
# a handful of catalogue words right (the terminal's RSS target is 250 MB). Without it every
# character takes its most common reading; the phrases below are the catalogue's words where
# that reading is wrong, and tests/test_search.py checks the shipped catalogue reads the same
# as with the full dictionary. (Both readings match in search anyway; this keeps the ranking.)
os.environ.setdefault("PYPINYIN_NO_PHRASES", "1")
from pypinyin import Style, lazy_pinyin, load_phrases_dict, pinyin

from kiosk.config import KioskConfig, LocalText

load_phrases_dict(
    {
        "银行": [["yín"], ["háng"]],
        "调解": [["tiáo"], ["jiě"]],
        "协调": [["xié"], ["tiáo"]],
        "长期": [["cháng"], ["qī"]],
        "重庆": [["chóng"], ["qìng"]],
        "重新": [["chóng"], ["xīn"]],
        "调休": [["tiáo"], ["xiū"]],
        "长者": [["zhǎng"], ["zhě"]],
    }
)

__all__ = ["MAX_QUERY_LENGTH", "Catalogue", "Hit", "normalise_query"]

MAX_QUERY_LENGTH = 40
_HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_ALNUM = re.compile(r"[a-z0-9]+")
_SEP = "\x00"  # never in a query: separates the strings of one blob
_MAX_VARIANTS = 12  # readings of one text kept for heteronyms (contextual reading first)
_MAX_ALTERNATIVES = 2  # other readings kept per character

# What a match in each place is worth, by how well it matches: exact, prefix, contains.
_TITLE = (1000, 900, 700)
_KEYWORD = (800, 650, 500)
_THEME = (450, 450, 350)
_DEPARTMENT = (400, 400, 300)
_DESCRIPTION = (100, 100, 100)
_EXACT, _PREFIX, _CONTAINS = 0, 1, 2


def normalise_query(text: str) -> tuple[str, str]:
    """Return (compact, words): lower case, full-width folded; compact has no spaces or '.

    The Pinyin keyboard shows syllable separators in its pre-edit text (y'y'z'z); they go.
    """
    text = unicodedata.normalize("NFKC", text)[:MAX_QUERY_LENGTH].lower()
    words = " ".join(text.replace("'", " ").split())
    compact = words.replace(" ", "")
    return compact, words


@functools.lru_cache(maxsize=4096)
def _readings(ch: str) -> tuple[str, ...]:
    """Every toneless reading of one character (pypinyin's heteronym list)."""
    found = pinyin(ch, style=Style.NORMAL, heteronym=True, errors="ignore")
    out: list[str] = []
    for reading in found[0] if found else ():
        if reading.isascii() and reading.isalpha() and reading not in out:
            out.append(reading)
    return tuple(out)


def _units(text: str) -> list[tuple[str, ...]]:
    """Split text into syllable units: each a tuple of readings, contextual reading first.

    Latin letters and digits are kept whole as units of their own (12345), marked by a
    leading _SEP so that their "initial" is the whole token.
    """
    units: list[tuple[str, ...]] = []
    pos = 0
    lowered = text.lower()
    for m in _HAN_RUN.finditer(lowered):
        units.extend((_SEP + tok,) for tok in _ALNUM.findall(lowered[pos : m.start()]))
        run = m.group()
        context = lazy_pinyin(run, style=Style.NORMAL, errors="ignore")
        if len(context) != len(run):  # a character pypinyin has no reading for
            context = [(lazy_pinyin(ch, style=Style.NORMAL) or [ch])[0] for ch in run]
        for ch, first in zip(run, context, strict=True):
            others = [r for r in _readings(ch) if r != first][:_MAX_ALTERNATIVES]
            units.append((first, *others))
        pos = m.end()
    units.extend((_SEP + tok,) for tok in _ALNUM.findall(lowered[pos:]))
    return units


def _variants(units: Sequence[tuple[str, ...]], heteronyms: bool) -> list[list[str]]:
    """Syllable sequences: the contextual one, then one other reading per character at a time."""
    base = [u[0] for u in units]
    out = [base]
    if heteronyms:
        for i, unit in enumerate(units):
            for other in unit[1:]:
                if len(out) >= _MAX_VARIANTS:
                    return out
                out.append([*base[:i], other, *base[i + 1 :]])
    return out


@dataclass(frozen=True)
class _Text:
    """One searchable text in every form a citizen may type it."""

    han: str  # Chinese text, lower case (Latin parts included: "12345热线咨询")
    words: str  # English text, lower case, single spaces, with a leading space
    fulls: tuple[str, ...]  # full pinyin of each reading: "yingyezhizhao"
    starts: str  # every syllable-boundary suffix of each full reading, SEP-joined, SEP first
    initials: tuple[str, ...]  # initials of each reading: "yyzz"
    blob: str  # all of the above: a query found nowhere in it cannot match

    @classmethod
    def of(cls, zh: str, en: str = "", *, heteronyms: bool = True) -> _Text:
        units = _units(zh)
        fulls: list[str] = []
        initials: list[str] = []
        starts: list[str] = []
        for marked in _variants(units, heteronyms):
            syllables = [s.lstrip(_SEP) for s in marked]
            full = "".join(syllables)
            if full and full not in fulls:
                fulls.append(full)
                starts.extend("".join(syllables[i:]) for i in range(len(syllables)))
                initials.append("".join(s[1:] if s[0] == _SEP else s[0] for s in marked))
        han = unicodedata.normalize("NFKC", zh).lower()
        words = " " + " ".join(re.sub(r"[^\w]+", " ", en.lower()).split())
        starts_blob = _SEP + _SEP.join(starts)
        blob = _SEP.join((han, words, starts_blob, *initials))
        return cls(han, words, tuple(fulls), starts_blob, tuple(initials), blob)

    def match(self, compact: str, words: str, cjk: bool) -> int | None:
        """How well the query matches: _EXACT, _PREFIX, _CONTAINS or None."""
        if cjk:  # Chinese typed: only the Chinese text can match
            if compact not in self.han:
                return None
            if self.han == compact:
                return _EXACT
            return _PREFIX if self.han.startswith(compact) else _CONTAINS
        if compact not in self.blob and words not in self.blob:
            return None
        if compact in self.fulls or compact in self.initials or self.words[1:] == words:
            return _EXACT
        if self.han == compact:
            return _EXACT
        if (
            any(f.startswith(compact) for f in self.fulls)
            or any(i.startswith(compact) for i in self.initials)
            or self.words.startswith(" " + words)
            or self.han.startswith(compact)
        ):
            return _PREFIX
        if (
            _SEP + compact in self.starts
            or any(compact in i for i in self.initials)
            or " " + words in self.words
            or compact in self.han
        ):
            return _CONTAINS
        return None


@dataclass(frozen=True)
class Hit:
    """One search result: the service, its score, and where it matched."""

    service_id: str
    score: int
    where: str  # "title", "keyword", "theme", "department" or "description"


@dataclass(frozen=True)
class _Entry:
    service_id: str
    order: int
    title: _Text
    keywords: tuple[_Text, ...]
    department: _Text | None
    description: _Text | None
    han: str = ""  # every Chinese text of the service: a Chinese query not in it cannot match
    blob: str = ""  # every form of every text: a query not in it cannot match

    @classmethod
    def of(
        cls,
        service_id: str,
        order: int,
        title: _Text,
        keywords: tuple[_Text, ...],
        department: _Text | None,
        description: _Text | None,
    ) -> _Entry:
        texts = [t for t in (title, *keywords, department, description) if t is not None]
        return cls(
            service_id,
            order,
            title,
            keywords,
            department,
            description,
            han=_SEP.join(t.han for t in texts),
            blob=_SEP.join(t.blob for t in texts),
        )


def _text(value: LocalText | None, *, heteronyms: bool = True) -> _Text | None:
    return None if value is None else _Text.of(value.zh, value.en, heteronyms=heteronyms)


def _keyword(word: str) -> _Text:
    # A keyword is either Chinese or Latin; a Latin one is matched as English words and as is.
    if word.isascii():
        return _Text.of(word, word)
    return _Text.of(word)


class Catalogue:
    """The search index of one config's services and themes."""

    def __init__(self, config: KioskConfig) -> None:
        self.config = config
        departments = {d.id: _text(d.title) for d in config.departments.values()}
        self._entries = [
            _Entry.of(
                service_id=s.id,
                order=i,
                title=_Text.of(s.title.zh, s.title.en),
                keywords=tuple(_keyword(k) for k in s.keywords),
                department=departments.get(s.department),
                # Long texts: contextual readings only, or every heteronym would match noise.
                description=_text(s.description, heteronyms=False),
            )
            for i, s in enumerate(config.services.values())
        ]
        self._themes = [
            (
                tuple(sid for sid in t.services if sid in config.services),
                (_Text.of(t.title.zh, t.title.en), *(_keyword(k) for k in t.keywords)),
            )
            for t in config.themes.values()
        ]

    def search(self, query: str, limit: int | None = None) -> list[str]:
        """Service ids matching `query`, best first (empty query: none)."""
        return [h.service_id for h in self.hits(query)[:limit]]

    def hits(self, query: str) -> list[Hit]:
        """Scored matches of `query`, best first; equal scores keep catalogue order."""
        compact, words = normalise_query(query)
        if not compact:
            return []
        cjk = _HAN_RUN.search(compact) is not None
        # One letter matches nearly everything somewhere: then only starts of words count.
        loose = len(compact) >= 2
        best: dict[str, tuple[int, str]] = {}

        def offer(sid: str, score: int, where: str) -> None:
            if score > best.get(sid, (-1, ""))[0]:
                best[sid] = (score, where)

        def level(texts: Iterable[_Text | None]) -> int | None:
            levels = [t.match(compact, words, cjk) for t in texts if t is not None]
            found = [lv for lv in levels if lv is not None and (loose or lv != _CONTAINS)]
            return min(found) if found else None

        for entry in self._entries:
            if cjk:
                if compact not in entry.han:
                    continue
            elif compact not in entry.blob and words not in entry.blob:
                continue
            sid = entry.service_id
            if (lv := level((entry.title,))) is not None:
                offer(sid, _TITLE[lv], "title")
                continue  # nothing else can beat a title match
            if (lv := level(entry.keywords)) is not None:
                offer(sid, _KEYWORD[lv], "keyword")
            if (lv := level((entry.department,))) is not None:
                offer(sid, _DEPARTMENT[lv], "department")
            if (cjk or len(compact) >= 3) and level((entry.description,)) is not None:
                offer(sid, _DESCRIPTION[0], "description")
        for services, texts in self._themes:
            if (lv := level(texts)) is not None:
                for sid in services:
                    offer(sid, _THEME[lv], "theme")
        order = {e.service_id: e.order for e in self._entries}
        ranked = sorted(best.items(), key=lambda kv: (-kv[1][0], order[kv[0]]))
        return [Hit(sid, score, where) for sid, (score, where) in ranked]

    def department_services(self, department_id: str) -> list[str]:
        """Service ids of one department in catalogue order ("" = every service)."""
        return [
            s.id
            for s in self.config.services.values()
            if not department_id or s.department == department_id
        ]

    def theme_services(self, theme_id: str) -> list[str]:
        """Service ids of one theme, in the theme's order (unknown theme: none)."""
        theme = self.config.themes.get(theme_id)
        if theme is None:
            return []
        return [sid for sid in theme.services if sid in self.config.services]
