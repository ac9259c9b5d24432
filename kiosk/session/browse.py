"""Choosing a service: by department, by life-event theme, by search."""

from __future__ import annotations

import logging
from typing import Any

from kiosk.catalogue import MAX_QUERY_LENGTH, Catalogue
from kiosk.session.core import FlowCore
from kiosk.session.model import Session

log = logging.getLogger("kiosk.session")


class BrowseMixin(FlowCore):
    """The choose_service screen: its tabs, its search and the choice itself."""

    def _reset_browse(self) -> None:
        """Forget how the last citizen browsed (tab, department, theme, search text)."""
        self._browse_mode = "department"  # "department" | "theme" | "search"
        self._department = ""
        self._theme = ""
        self._query = ""

    def _catalogue_index(self) -> Catalogue:
        """The search index of the current config, rebuilt when the config object changes."""
        if self._catalogue is None or self._catalogue.config is not self.config:
            self._catalogue = Catalogue(self.config)
            self._search_cache = None
        return self._catalogue

    def _intent_department(self, args: dict[str, Any]) -> None:
        """Browse by department: {"id": department id, "" = all}; no id keeps the last one."""
        dep = str(args.get("id", self._department))
        if dep == "" or dep in self.config.departments:
            self._department = dep
            self._browse_mode = "department"

    def _intent_theme(self, args: dict[str, Any]) -> None:
        """Browse by life event: {"id": theme id}; "" lists the themes; no id keeps the last."""
        theme = str(args.get("id", self._theme))
        if theme == "" or theme in self.config.themes:
            self._theme = theme
            self._browse_mode = "theme"

    def _intent_search(self, args: dict[str, Any]) -> None:
        """Search: {"text": what is typed so far}; no text keeps the last search."""
        if "text" in args:
            self._query = str(args["text"])[:MAX_QUERY_LENGTH]
        self._browse_mode = "search"

    def _intent_choose_service(self, args: dict[str, Any]) -> None:
        service = self.config.services.get(str(args.get("service_id", "")))
        if service is None:
            self._message = "service.unknown"
            return
        reason = self.service_unavailable_reason(service)
        if reason is not None:
            self._message = reason
            return
        self._session = Session(service=service, delivery=service.delivery[0])
        for f in service.fields:
            self._session.values[f.id] = ""
        self._message = "idcard.insert" if service.identity != "none" else None
        self._chart.send("choose")
        log.info("service chosen: %s", service.id)

    def _shown_service_ids(self) -> list[str]:
        """The services the current tab shows, in display order."""
        catalogue = self._catalogue_index()
        if self._browse_mode == "theme":
            return catalogue.theme_services(self._theme) if self._theme else []
        if self._browse_mode == "search":
            cached = self._search_cache
            if cached is None or cached[0] is not catalogue or cached[1] != self._query:
                cached = (catalogue, self._query, catalogue.search(self._query))
                self._search_cache = cached
            return cached[2]
        return catalogue.department_services(self._department)

    def _data_choose_service(self) -> dict[str, Any]:
        deps = self.config.departments
        services = []
        for sid in self._shown_service_ids():
            s = self.config.services[sid]
            reason = self.service_unavailable_reason(s)
            services.append(
                {
                    "id": s.id,
                    "title": self._t(s.title),
                    "department": s.department,
                    "department_title": self._t(deps[s.department].title)
                    if s.department in deps
                    else s.department,
                    "identity": s.identity,
                    "available": reason is None,
                    "reason": reason,
                }
            )
        counts: dict[str, int] = {}
        for s in self.config.services.values():
            counts[s.department] = counts.get(s.department, 0) + 1
        theme = self.config.themes.get(self._theme)
        return {
            "mode": self._browse_mode,
            "departments": [
                {"id": d.id, "title": self._t(d.title), "count": counts[d.id]}
                for d in deps.values()
                if d.id in counts
            ],
            "department": self._department,
            "themes": [
                {
                    "id": t.id,
                    "title": self._t(t.title),
                    "description": self._t(t.description),
                    "count": len(self._catalogue_index().theme_services(t.id)),
                }
                for t in self.config.themes.values()
            ],
            "theme": self._theme,
            "theme_title": self._t(theme.title) if theme else "",
            "theme_description": self._t(theme.description) if theme else "",
            "query": self._query,
            "services": services,
        }
