"""A4 layouts rendered with Qt, and `kiosk devices test-print` with its previews."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from PIL import Image

from drivers.licence.render import (
    LayoutError,
    choose_layout,
    layouts,
    render_image,
    render_pdf,
    render_png,
)
from kiosk.cli import main
from kiosk.config import load_config

pytestmark = pytest.mark.qt

DOC = {
    "template": "licence_selfprint",
    "title": "营业执照",
    "transaction_id": "01933b7e-1f2a-7c3d-8e4f-0123456789ab",
    "fields": {"统一社会信用代码": "91310000MA1K35XXXX", "名称": "上海某某信息科技有限公司"},
}


def ink(png: bytes, box: tuple[float, float, float, float] = (0, 0, 1, 1)) -> float:
    """Share of dark pixels in a region given as fractions (left, top, right, bottom)."""
    image = np.asarray(Image.open(io.BytesIO(png)).convert("L"))
    h, w = image.shape
    region = image[int(box[1] * h) : int(box[3] * h), int(box[0] * w) : int(box[2] * w)]
    return float((region < 128).mean())


def test_every_service_with_an_a4_output_has_a_layout_that_renders(qapp: Any) -> None:
    config = load_config()
    shipped = layouts()
    assert {"business_licence_copy", "certificate", "statement"} <= set(shipped)
    a4_services = [s for s in config.services.values() if "licence" in s.outputs]
    assert a4_services
    for service in a4_services:
        layout = choose_layout({"template": service.id})
        assert service.id in layout.get("templates", []), service.id
        fields = {f.label.zh: "示例" for f in service.fields if not f.personal}
        pdf = render_pdf(
            {
                "template": service.id,
                "title": service.title.zh,
                "fields": fields,
                "transaction_id": "t",
            }
        )
        assert pdf.startswith(b"%PDF") and b"FontFile2" in pdf  # fonts embedded


def test_an_unknown_template_uses_the_statement_layout_and_a_document_may_bring_its_own(
    qapp: Any,
) -> None:
    assert choose_layout({"template": "no_such_service"})["id"] == "statement"
    own = {"id": "note", "element": [{"kind": "text", "text": "{title}", "size": 30, "y": 20}]}
    png = render_png({"layout": own, "title": "通知", "fields": {}})
    assert ink(png, (0, 0.05, 1, 0.12)) > 0.005
    assert ink(png, (0, 0.2, 1, 1)) == 0.0
    with pytest.raises(LayoutError):
        choose_layout({"layout": "no_such_layout"})
    with pytest.raises(LayoutError):
        render_pdf({"layout": {"element": [{"kind": "hologram"}]}})


def test_overlong_fields_wrap_or_are_elided_inside_their_box(qapp: Any) -> None:
    long_doc = {
        **DOC,
        "fields": {
            **DOC["fields"],
            "名称": "超长企业名称" * 30,
            "经营范围": "一般项目：技术服务、技术开发。" * 80,
            "住所": "某某路" * 60,
        },
    }
    png = render_png(long_doc, dpi=60)
    # The table ends above the registration authority block (238 mm of 297).
    assert ink(png, (0.1, 0.77, 0.55, 0.80)) == 0.0
    # Nothing is drawn outside the frame's right edge.
    assert ink(png, (0.955, 0, 1, 1)) == 0.0
    image = render_image(long_doc, dpi=30)
    assert image.width() == round(210 / 25.4 * 30)


def test_licence_qr_code_is_scannable(qapp: Any) -> None:
    png = render_png(DOC, dpi=150)
    image = np.asarray(Image.open(io.BytesIO(png)).convert("L"))
    text, _points, _ = cv2.QRCodeDetector().detectAndDecode(image)
    assert text == f"KIOSK-DOC:{DOC['transaction_id']}"


def test_test_print_receipt_on_the_simulator_writes_a_scannable_preview(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    preview = tmp_path / "receipt.png"
    assert main(["devices", "test-print", "receipt", "--sim", "--preview", str(preview)]) == 0
    assert "printed" in capsys.readouterr().out
    image = np.asarray(Image.open(preview).convert("L"))
    text, _points, _ = cv2.QRCodeDetector().detectAndDecode(image)
    assert text == "KIOSK-TX:00000000-0000-7000-8000-000000000000"


def test_test_print_licence_on_the_simulator_writes_its_preview(
    qapp: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    preview = tmp_path / "licence.png"
    args = ["devices", "test-print", "licence", "--sim", "--preview", str(preview), "--dpi", "50"]
    assert main(args) == 0
    png = preview.read_bytes()
    assert ink(png, (0.3, 0.07, 0.7, 0.15)) > 0.05  # the title 营业执照


def test_test_print_reports_a_failing_printer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    overlay = tmp_path / "conf.d"
    overlay.mkdir()
    (overlay / "50-printer.toml").write_text(
        '[devices.receipt]\nbackend = "escpos"\n'
        'options = { url = "tcp://127.0.0.1:9", timeout_s = 0.3, poll_interval_s = 0 }\n'
    )
    code = main(
        ["devices", "test-print", "receipt", "--config-dir", str(overlay), "--timeout", "5"]
    )
    assert code == 1
    assert "not_reachable" in capsys.readouterr().out
