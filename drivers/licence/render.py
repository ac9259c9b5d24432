"""A4 documents drawn with Qt from data-driven layouts: PDF (fonts embedded) and PNG previews.

A layout is a TOML file in `drivers/licence/layouts/` (or a mapping passed in the document as
`"layout"`): page furniture and elements positioned in millimetres. A new document type is a
new layout file, not new code. Element kinds:

- `text`: `text` with placeholders `{title}`, `{transaction_id}`, `{printed_at}`,
  `{field:<name>}`; `x y w h`, `size` (pt), `font` (sans|serif), `bold`, `align`, `color`.
- `field`: one field's value (`key`), with an optional `label` drawn in `label_w` mm.
- `fields`: a label/value table of the document's fields (`keys`, or every field not placed
  elsewhere); long values wrap, and rows that do not fit above `max_y` are elided.
- `rule`, `frame` (a double border), `seal` (a round seal with `text`), `qr` (`value`, `size`).

Text that does not fit its box is elided (with "…"), never drawn over its neighbours.
"""

from __future__ import annotations

import functools
import math
import re
import threading
import tomllib
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF, QPointF, QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontDatabase,
    QFontMetricsF,
    QImage,
    QPageLayout,
    QPageSize,
    QPainter,
    QPainterPath,
    QPdfWriter,
    QPen,
    QTextOption,
)

LAYOUTS_DIR = Path(__file__).with_name("layouts")
DEFAULT_LAYOUT = "statement"
A4_MM = (210.0, 297.0)
PDF_DPI = 300
FONTS = {"sans": "Noto Sans CJK SC", "serif": "Noto Serif CJK SC"}
_PLACEHOLDER = re.compile(r"\{(title|transaction_id|printed_at|field:[^{}]+)\}")
_qt_lock = threading.Lock()


class LayoutError(ValueError):
    """A layout file or document that cannot be rendered (names the layout, not the data)."""


def ensure_qt() -> None:
    """Create the Qt application object if there is none (headless tools, from the main thread).

    `kiosk run` creates its own (with the input method the UI needs) before anything prints.
    """
    from PySide6.QtWidgets import QApplication

    if QApplication.instance() is None:
        QApplication([])
    missing = [f for f in FONTS.values() if f not in QFontDatabase.families()]
    if missing:
        raise LayoutError(f"fonts missing for A4 documents: {', '.join(missing)}")


def _require_qt() -> None:
    from PySide6.QtGui import QGuiApplication

    if QGuiApplication.instance() is None:
        raise LayoutError("no Qt application object: call ensure_qt() from the main thread")


@functools.lru_cache(maxsize=32)
def _load_layout_file(path: Path) -> dict[str, Any]:
    with path.open("rb") as fh:
        return tomllib.load(fh)


def layouts(extra_dir: Path | None = None) -> dict[str, dict[str, Any]]:
    """Every layout by id (the shipped ones, then `extra_dir` overriding them)."""
    found: dict[str, dict[str, Any]] = {}
    for directory in (LAYOUTS_DIR, extra_dir):
        if directory is None or not directory.is_dir():
            continue
        for path in sorted(directory.glob("*.toml")):
            try:
                layout = _load_layout_file(path)
            except (OSError, tomllib.TOMLDecodeError) as exc:
                raise LayoutError(f"layout {path.name}: {exc}") from exc
            found[str(layout.get("id", path.stem))] = layout
    return found


def choose_layout(document: Mapping[str, Any], extra_dir: Path | None = None) -> dict[str, Any]:
    """The layout for a document: its own `layout` mapping or id, its template, or the default."""
    given = document.get("layout")
    if isinstance(given, Mapping):
        return dict(given)
    available = layouts(extra_dir)
    if isinstance(given, str):
        if given not in available:
            raise LayoutError(f"unknown layout {given[:40]!r}")
        return available[given]
    template = str(document.get("template", ""))
    for layout in available.values():
        if template and (template == layout.get("id") or template in layout.get("templates", [])):
            return layout
    return available[DEFAULT_LAYOUT]


class _Painter:
    """Draws one layout on any paint device, in millimetres."""

    def __init__(self, painter: QPainter, dpi: float, document: Mapping[str, Any]) -> None:
        self.p = painter
        self.k = dpi / 25.4  # device pixels per mm
        self.dpi = dpi
        self.doc = document
        fields = document.get("fields") or {}
        self.fields = {str(k): str(v) for k, v in fields.items()}
        self.placed: set[str] = set()
        self.elided = 0

    def rect(self, e: Mapping[str, Any]) -> QRectF:
        return QRectF(
            float(e.get("x", 20)) * self.k,
            float(e.get("y", 20)) * self.k,
            float(e.get("w", 170)) * self.k,
            float(e.get("h", 8)) * self.k,
        )

    def font(self, e: Mapping[str, Any], size: float | None = None) -> QFont:
        font = QFont(FONTS.get(str(e.get("font", "sans")), FONTS["sans"]))
        font.setPixelSize(max(1, round(float(size or e.get("size", 11)) * self.dpi / 72)))
        font.setBold(bool(e.get("bold", False)))
        font.setLetterSpacing(QFont.SpacingType.PercentageSpacing, float(e.get("spacing", 100)))
        return font

    def pen(self, e: Mapping[str, Any], width_mm: float = 0.3) -> QPen:
        pen = QPen(QColor(str(e.get("color", "#000000"))))
        pen.setWidthF(float(e.get("line_mm", width_mm)) * self.k)
        return pen

    def expand(self, text: str) -> str:
        printed_at = str(self.doc.get("printed_at") or datetime.now().strftime("%Y-%m-%d %H:%M"))

        def sub(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("field:"):
                key = name[6:]
                self.placed.add(key)
                return self.fields.get(key, "")
            if name == "printed_at":
                return printed_at
            return str(self.doc.get(name, ""))

        return _PLACEHOLDER.sub(sub, text)

    def text_in(self, rect: QRectF, text: str, font: QFont, align: str, wrap: bool) -> float:
        """Draw `text` inside `rect` (elided if it overflows); return the height used."""
        self.p.setFont(font)
        metrics = QFontMetricsF(font)
        flags = {
            "left": Qt.AlignmentFlag.AlignLeft,
            "center": Qt.AlignmentFlag.AlignHCenter,
            "right": Qt.AlignmentFlag.AlignRight,
        }.get(align, Qt.AlignmentFlag.AlignLeft)
        option = QTextOption(flags)
        if wrap:
            option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
            needed = metrics.boundingRect(
                rect.adjusted(0, 0, 0, 100000), int(flags | Qt.TextFlag.TextWrapAnywhere), text
            ).height()
            if needed <= rect.height() + 0.5:
                self.p.drawText(rect, text, option)
                return needed
            # Too long for its box: keep the lines that fit and elide the last one.
            lines = max(1, int(rect.height() // metrics.lineSpacing()))
            text = self._elide_lines(text, metrics, rect.width(), lines)
            self.elided += 1
            self.p.drawText(rect, text, option)
            return rect.height()
        if metrics.horizontalAdvance(text) > rect.width():
            text = metrics.elidedText(text, Qt.TextElideMode.ElideRight, rect.width())
            self.elided += 1
        option.setWrapMode(QTextOption.WrapMode.NoWrap)
        self.p.drawText(rect, text, option)
        return metrics.lineSpacing()

    @staticmethod
    def _elide_lines(text: str, metrics: QFontMetricsF, width: float, lines: int) -> str:
        out: list[str] = []
        rest = text
        while rest and len(out) < lines - 1:
            n = len(rest)
            while n > 1 and metrics.horizontalAdvance(rest[:n]) > width:
                n -= 1
            out.append(rest[:n])
            rest = rest[n:]
        out.append(metrics.elidedText(rest, Qt.TextElideMode.ElideRight, width))
        return "\n".join(out)

    # -- element kinds --
    def draw(self, e: Mapping[str, Any]) -> None:
        kind = e.get("kind")
        method = getattr(self, f"_draw_{kind}", None)
        if method is None:
            raise LayoutError(f"unknown layout element kind {str(kind)[:20]!r}")
        self.p.save()
        try:
            method(e)
        finally:
            self.p.restore()

    def _draw_text(self, e: Mapping[str, Any]) -> None:
        self.p.setPen(self.pen(e))
        text = self.expand(str(e.get("text", "")))
        self.text_in(self.rect(e), text, self.font(e), str(e.get("align", "left")), False)

    def _draw_field(self, e: Mapping[str, Any]) -> None:
        key = str(e["key"])
        self.placed.add(key)
        rect = self.rect(e)
        self.p.setPen(self.pen(e))
        label = e.get("label", key)
        if label:
            label_w = float(e.get("label_w", 35)) * self.k
            self.text_in(
                QRectF(rect.x(), rect.y(), label_w, rect.height()),
                str(label),
                self.font(e, e.get("label_size")),
                "left",
                False,
            )
            rect = rect.adjusted(label_w, 0, 0, 0)
        value = self.fields.get(key, "")
        self.text_in(rect, value, self.font(e), str(e.get("align", "left")), bool(e.get("wrap")))

    def _draw_fields(self, e: Mapping[str, Any]) -> None:
        keys = [str(k) for k in e.get("keys", [])] or [
            k for k in self.fields if k not in self.placed
        ]
        rect = self.rect(e)
        label_w = float(e.get("label_w", 40)) * self.k
        gap = float(e.get("row_gap", 3)) * self.k
        max_y = float(e.get("max_y", 250)) * self.k
        label_font = self.font(e, e.get("label_size"))
        label_font.setBold(bool(e.get("label_bold", True)))
        value_font = self.font(e)
        line = QFontMetricsF(value_font).lineSpacing()
        max_rows = int(e.get("max_lines", 6))
        y = rect.y()
        self.p.setPen(self.pen(e))
        for index, key in enumerate(keys):
            self.placed.add(key)
            if y + line > max_y:
                self.elided += len(keys) - index
                marker_y = min(y - gap, max_y - line)  # the marker stays above max_y too
                self.text_in(
                    QRectF(rect.x(), marker_y, rect.width(), line), "……", value_font, "left", False
                )
                break
            self.text_in(QRectF(rect.x(), y, label_w, line), key, label_font, "left", False)
            height = min(max_rows * line, max_y - y)
            value_rect = QRectF(rect.x() + label_w, y, rect.width() - label_w, height)
            used = self.text_in(value_rect, self.fields.get(key, ""), value_font, "left", True)
            y += max(line, used) + gap

    def _draw_rule(self, e: Mapping[str, Any]) -> None:
        r = self.rect(e)
        self.p.setPen(self.pen(e))
        self.p.drawLine(QPointF(r.left(), r.top()), QPointF(r.right(), r.top()))

    def _draw_frame(self, e: Mapping[str, Any]) -> None:
        r = self.rect(e)
        self.p.setPen(self.pen(e, 0.8))
        self.p.drawRect(r)
        inset = float(e.get("inset", 2)) * self.k
        self.p.setPen(self.pen(e, 0.25))
        self.p.drawRect(r.adjusted(inset, inset, -inset, -inset))

    def _draw_seal(self, e: Mapping[str, Any]) -> None:
        r = self.rect(e)
        color = QColor(str(e.get("color", "#c8161d")))
        pen = QPen(color)
        pen.setWidthF(float(e.get("line_mm", 1.0)) * self.k)
        self.p.setPen(pen)
        self.p.drawEllipse(r)
        star = QPainterPath()
        cx, cy, radius = r.center().x(), r.center().y(), r.width() * 0.12
        for i in range(10):
            angle = -math.pi / 2 + i * math.pi / 5
            rad = radius if i % 2 == 0 else radius * 0.4
            point = QPointF(cx + rad * math.cos(angle), cy + rad * math.sin(angle))
            star.moveTo(point) if i == 0 else star.lineTo(point)
        star.closeSubpath()
        self.p.fillPath(star, color)
        self.p.setPen(QPen(color))
        text_rect = QRectF(
            r.x() + r.width() * 0.1, cy + radius * 1.2, r.width() * 0.8, r.height() * 0.24
        )
        font = self.font(e)
        self.text_in(text_rect, self.expand(str(e.get("text", ""))), font, "center", True)

    def _draw_qr(self, e: Mapping[str, Any]) -> None:
        import qrcode

        value = self.expand(str(e.get("value", "{transaction_id}")))
        if not value:
            return
        code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
        code.add_data(value.encode("utf-8"))
        code.make(fit=True)
        matrix = code.get_matrix()
        size = float(e.get("size", 25)) * self.k
        module = size / len(matrix)
        x0, y0 = float(e.get("x", 20)) * self.k, float(e.get("y", 250)) * self.k
        path = QPainterPath()
        for row_index, row in enumerate(matrix):
            for col, black in enumerate(row):
                if black:
                    path.addRect(QRectF(x0 + col * module, y0 + row_index * module, module, module))
        self.p.setPen(Qt.PenStyle.NoPen)
        self.p.fillPath(path, QColor("#000000"))


def _paint(painter: QPainter, dpi: float, document: Mapping[str, Any], layout: dict) -> int:
    drawer = _Painter(painter, dpi, document)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
    elements = list(layout.get("element", []))
    # `fields` tables go last so that they show only what no other element placed.
    for element in sorted(elements, key=lambda el: el.get("kind") == "fields"):
        drawer.draw(element)
    return drawer.elided


def _checked(document: Mapping[str, Any]) -> Mapping[str, Any]:
    if not isinstance(document, Mapping):
        raise LayoutError("document must be a mapping")
    fields = document.get("fields") or {}
    if not isinstance(fields, Mapping):
        raise LayoutError("document fields must be a mapping")
    return document


def render_pdf(
    document: Mapping[str, Any], *, layouts_dir: Path | None = None, dpi: int = PDF_DPI
) -> bytes:
    """The document as a one-page A4 PDF with its fonts embedded."""
    _require_qt()
    layout = choose_layout(_checked(document), layouts_dir)
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    with _qt_lock:
        writer = QPdfWriter(buffer)
        writer.setResolution(dpi)
        writer.setPageLayout(
            QPageLayout(
                QPageSize(QPageSize.PageSizeId.A4),
                QPageLayout.Orientation.Portrait,
                QMarginsF(0, 0, 0, 0),
            )
        )
        writer.setTitle(str(layout.get("title", "kiosk document")))
        writer.setCreator("kiosk")
        painter = QPainter(writer)
        try:
            _paint(painter, dpi, document, layout)
        finally:
            painter.end()
    buffer.close()
    return bytes(data.data())


def render_image(
    document: Mapping[str, Any], *, dpi: int = 100, layouts_dir: Path | None = None
) -> QImage:
    """The document as an A4 image at `dpi` (previews, comparisons)."""
    _require_qt()
    layout = choose_layout(_checked(document), layouts_dir)
    width = round(A4_MM[0] / 25.4 * dpi)
    height = round(A4_MM[1] / 25.4 * dpi)
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(QColor("#ffffff"))
    image.setDotsPerMeterX(round(dpi / 0.0254))
    image.setDotsPerMeterY(round(dpi / 0.0254))
    with _qt_lock:
        painter = QPainter(image)
        try:
            _paint(painter, dpi, document, layout)
        finally:
            painter.end()
    return image


def render_png(
    document: Mapping[str, Any],
    path: str | Path | None = None,
    *,
    dpi: int = 100,
    layouts_dir: Path | None = None,
) -> bytes:
    """The document as a PNG (written to `path` when given)."""
    image = render_image(document, dpi=dpi, layouts_dir=layouts_dir)
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")  # type: ignore[call-overload]  # the stubs want bytes, Qt a str
    buffer.close()
    png = bytes(data.data())
    if path is not None:
        Path(path).write_bytes(png)
    return png
