"""Delivery choice and courier details (双向免费快递): input, prefill, region pickers,
validation, and the masked forms of the address for screen and paper."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kiosk import documents, privacy, validators
from kiosk.regions import RegionTable, default_regions
from kiosk.session.core import FlowCore
from kiosk.session.model import Session

COURIER_FIELDS = ("courier_recipient", "courier_phone", "courier_region", "courier_detail")
COURIER_DETAIL_MAX = 80


@dataclass(frozen=True)
class _LocalText:
    """A bilingual label the session itself supplies (shaped like config's LocalText)."""

    zh: str
    en: str

    def get(self, language: str) -> str:
        return self.zh if language == "zh_CN" else self.en


class DeliveryMixin(FlowCore):
    """How the citizen gets the result: pickup at a window or a free courier."""

    @property
    def regions(self) -> RegionTable:
        """The administrative divisions the courier pickers offer."""
        return default_regions()

    def _input_delivery(self, session: Session, field_id: str, value: str) -> None:
        if field_id == "delivery":
            if value in session.service.delivery:
                session.delivery = value
                session.errors.pop("delivery", None)
                if value == "courier":
                    self._prefill_courier(session)
            return
        if session.delivery != "courier":
            return
        if field_id == "courier_region":
            return  # chosen with the pickers (intent "region")
        limit = COURIER_DETAIL_MAX if field_id == "courier_detail" else 20
        session.courier[field_id] = value[:limit]
        session.errors.pop(field_id, None)

    def _prefill_courier(self, session: Session) -> None:
        """Suggest the card holder and the form's phone; the citizen may change both."""
        if not session.courier.get("courier_recipient"):
            name = session.identity.name if session.identity is not None else ""
            if name:
                session.courier["courier_recipient"] = name[:20]
        if not session.courier.get("courier_phone"):
            phone = next(
                (
                    session.values.get(f.id, "")
                    for f in session.service.fields
                    if f.type == "phone" and session.values.get(f.id)
                ),
                "",
            )
            if phone:
                session.courier["courier_phone"] = phone[:20]

    def _intent_region(self, args: dict[str, Any]) -> None:
        """Pick a division: {"level": "province"|"city"|"district", "code": "440000"}."""
        session = self._session
        if session is None or session.delivery != "courier":
            return
        level = str(args.get("level", ""))
        code = str(args.get("code", ""))
        table = self.regions
        c = session.courier
        if level == "province" and table.province(code) is not None:
            if c.get("province") != code:
                c["province"], c["city"], c["district"] = code, "", ""
        elif level == "city" and table.city(c.get("province", ""), code) is not None:
            if c.get("city") != code:
                c["city"], c["district"] = code, ""
        elif (
            level == "district"
            and table.district(c.get("province", ""), c.get("city", ""), code) is not None
        ):
            c["district"] = code
        else:
            return
        session.errors.pop("courier_region", None)

    def _courier_errors(self, session: Session) -> dict[str, str]:
        if session.delivery != "courier":
            return {}
        c = session.courier
        errors: dict[str, str] = {}
        checks = (
            ("courier_recipient", "name"),
            ("courier_phone", "phone"),
        )
        for field_id, validator in checks:
            value = c.get(field_id, "").strip()
            if not value:
                errors[field_id] = "required"
            else:
                error = validators.validate(validator, value)
                if error:
                    errors[field_id] = error
        region_error = self.regions.check(
            c.get("province", ""), c.get("city", ""), c.get("district", "")
        )
        if region_error:
            errors["courier_region"] = region_error
        detail = c.get("courier_detail", "").strip()
        if not detail:
            errors["courier_detail"] = "required"
        elif len(detail) < 4:
            errors["courier_detail"] = "invalid.address_detail"
        return errors

    def _courier_address(self, session: Session) -> str:
        c = session.courier
        return self.regions.address(c.get("province", ""), c.get("city", ""), c.get("district", ""))

    def _intent_delivery(self, args: dict[str, Any]) -> None:
        session = self._session
        option = str(args.get("option", ""))
        if session is not None and option in session.service.delivery:
            session.delivery = option
            if option != "courier":
                return
            self._prefill_courier(session)
            errors = self._courier_errors(session)
            if errors and self.screen == "review":
                # Courier needs the recipient's details: back to the form, where they are asked.
                session.errors.update(errors)
                self._message = "courier.details_needed"
                self._chart.send("back")

    def _courier_receipt_lines(self, session: Session) -> tuple[str, ...]:
        """Masked courier lines for paper: recipient, phone, region and a hidden detail."""
        if session.delivery != "courier":
            return ()
        c = session.courier
        return (
            f"收件人：{privacy.mask_name(c.get('courier_recipient', '').strip())} "
            f"{privacy.mask_phone(c.get('courier_phone', '').strip())}",
            f"寄送至：{self._courier_address(session)}{privacy.MASK * 4}",
        )

    def _virtual_field(
        self, session: Session, field_id: str, type_: str, label: Any, max_length: int
    ) -> dict[str, Any]:
        return {
            "id": field_id,
            "type": type_,
            "label": self._t(label),
            "required": True,
            "value": session.courier.get(field_id, ""),
            "error": session.errors.get(field_id),
            "choices": [],
            "prefilled": False,
            "readonly": False,
            "max_length": max_length,
            "section": "",
        }

    def _delivery_fields(self, session: Session) -> list[dict[str, Any]]:
        """The delivery choice and, for courier, the recipient's details (form entries)."""
        options = session.service.delivery
        if len(options) < 2:
            return []
        texts = documents.DELIVERY_TEXT
        fields: list[dict[str, Any]] = [
            {
                "id": "delivery",
                "type": "choice",
                "label": self._t(_LocalText("窗口领取或免费快递", "Pick up or free courier")),
                "required": True,
                "value": session.delivery,
                "error": session.errors.get("delivery"),
                "choices": [
                    {"value": o, "label": texts[o]["zh" if self._language == "zh_CN" else "en"]}
                    for o in options
                ],
                "prefilled": False,
                "readonly": False,
                "max_length": 20,
                "section": self._t(_LocalText("领取方式", "Delivery")),
            }
        ]
        if session.delivery != "courier":
            return fields
        fields.append(
            self._virtual_field(
                session, "courier_recipient", "name", _LocalText("收件人", "Recipient"), 20
            )
        )
        fields.append(
            self._virtual_field(
                session, "courier_phone", "phone", _LocalText("收件人手机", "Mobile number"), 11
            )
        )
        region = self._virtual_field(
            session,
            "courier_region",
            "region",
            _LocalText("所在地区（省/市/区）", "Province / city / district"),
            20,
        )
        c = session.courier
        table = self.regions
        province, city, district = c.get("province", ""), c.get("city", ""), c.get("district", "")
        p = table.province(province) if province else None
        ct = table.city(province, city) if city else None
        d = table.district(province, city, district) if district else None
        region["region"] = {
            "province": province,
            "province_name": p.name if p else "",
            "city": city,
            "city_name": ct.name if ct else "",
            "district": district,
            "district_name": d.name if d else "",
            "needs_district": bool(ct.children) if ct else True,
        }
        region["options"] = table.options(province, city)
        region["value"] = self._courier_address(session)
        fields.append(region)
        fields.append(
            self._virtual_field(
                session,
                "courier_detail",
                "textarea",
                _LocalText("详细地址（街道、门牌号）", "Street and house number"),
                COURIER_DETAIL_MAX,
            )
        )
        return fields

    def _courier_view(self, session: Session) -> dict[str, str] | None:
        """The courier details as the public hall may see them (masked)."""
        if session.delivery != "courier":
            return None
        c = session.courier
        return {
            "recipient": privacy.mask_name(c.get("courier_recipient", "").strip()),
            "phone": privacy.mask_phone(c.get("courier_phone", "").strip()),
            "address": self._courier_address(session)
            + privacy.mask_text(c.get("courier_detail", "").strip(), keep=0),
        }
