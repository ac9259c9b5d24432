"""Form editing: typed values, multi-choice fields, repeated rows and their validation."""

from __future__ import annotations

from typing import Any

from kiosk import privacy, validators
from kiosk.config import FormField
from kiosk.config.schema import TYPE_VALIDATORS
from kiosk.session.core import FlowCore
from kiosk.session.delivery import COURIER_FIELDS
from kiosk.session.model import Session

LIST_TYPES = frozenset({"multi_choice", "rows"})  # values kept as lists, not strings


class FormMixin(FlowCore):
    """The fill_form screen's intents and the validation run before review and submit."""

    def _intent_input(self, args: dict[str, Any]) -> None:
        session = self._session
        if session is None:
            return
        field_id = str(args.get("field", ""))
        if field_id == "delivery" or field_id in COURIER_FIELDS:
            self._input_delivery(session, field_id, str(args.get("value", "")))
            return
        spec = self._field(field_id)
        if spec is None or field_id in session.prefilled:
            return
        if spec.type == "multi_choice":
            self._toggle_choice(session, spec, str(args.get("value", "")))
            return
        if spec.type == "rows":
            return  # edited with row_add / row_remove / row_input
        value = str(args.get("value", ""))[: spec.max_length]
        session.values[field_id] = value
        session.errors.pop(field_id, None)

    def _toggle_choice(self, session: Session, spec: FormField, value: str) -> None:
        if value not in {c.value for c in spec.choices}:
            return
        chosen = session.lists.setdefault(spec.id, [])
        if value in chosen:
            chosen.remove(value)
        elif spec.max_choices and len(chosen) >= spec.max_choices:
            session.errors[spec.id] = "invalid.too_many"
            return
        else:
            chosen.append(value)
        session.errors.pop(spec.id, None)

    def _rows_spec(self, args: dict[str, Any]) -> tuple[Session, FormField] | None:
        session = self._session
        if session is None:
            return None
        spec = self._field(str(args.get("field", "")))
        if spec is None or spec.type != "rows":
            return None
        return session, spec

    def _intent_row_add(self, args: dict[str, Any]) -> None:
        """Add an empty row to a rows field: {"field": "shareholders"}."""
        found = self._rows_spec(args)
        if found is None:
            return
        session, spec = found
        rows = session.rows.setdefault(spec.id, [])
        if len(rows) < spec.max_rows:
            rows.append({c.id: "" for c in spec.columns})

    def _intent_row_remove(self, args: dict[str, Any]) -> None:
        """Remove a row: {"field": "shareholders", "row": 1}."""
        found = self._rows_spec(args)
        if found is None:
            return
        session, spec = found
        rows = session.rows.get(spec.id, [])
        index = args.get("row")
        if isinstance(index, int) and 0 <= index < len(rows):
            del rows[index]
            self._clear_row_errors(session, spec.id)

    def _intent_row_input(self, args: dict[str, Any]) -> None:
        """Type into one cell: {"field": ..., "row": 0, "column": "name", "value": ...}."""
        found = self._rows_spec(args)
        if found is None:
            return
        session, spec = found
        rows = session.rows.get(spec.id, [])
        index = args.get("row")
        column = next((c for c in spec.columns if c.id == args.get("column")), None)
        if not isinstance(index, int) or not 0 <= index < len(rows) or column is None:
            return
        rows[index][column.id] = str(args.get("value", ""))[: column.max_length]
        session.errors.pop(f"{spec.id}.{index}.{column.id}", None)
        session.errors.pop(spec.id, None)

    @staticmethod
    def _clear_row_errors(session: Session, field_id: str) -> None:
        for key in [k for k in session.errors if k == field_id or k.startswith(field_id + ".")]:
            del session.errors[key]

    def _list_errors(self, session: Session, f: FormField) -> dict[str, str]:
        """Errors of a multi_choice or rows field: the field's own key plus one per cell."""
        errors: dict[str, str] = {}
        if f.type == "multi_choice":
            chosen = session.lists.get(f.id, [])
            if not chosen and f.required:
                errors[f.id] = "required"
            elif f.max_choices and len(chosen) > f.max_choices:
                errors[f.id] = "invalid.too_many"
            return errors
        rows = session.rows.get(f.id, [])
        if not rows:
            if f.required:
                errors[f.id] = "required"
            return errors
        errors = _cell_errors(f, rows)
        if errors:
            errors[f.id] = "invalid.rows"
        elif not _sums_match(f, rows, session.values):
            errors[f.id] = "invalid.capital_sum"
        return errors

    def _list_value(self, session: Session, f: FormField) -> Any:
        """A multi_choice or rows field's value for the transaction (a list)."""
        if f.type == "multi_choice":
            return list(session.lists.get(f.id, []))
        return [
            {c.id: row.get(c.id, "").strip() for c in f.columns}
            for row in session.rows.get(f.id, [])
        ]

    def _list_display(self, session: Session, f: FormField) -> str:
        """A multi_choice or rows field as review text (personal cells masked)."""
        if f.type == "multi_choice":
            labels = {c.value: self._t(c.label) for c in f.choices}
            return "、".join(labels.get(v, v) for v in session.lists.get(f.id, []))
        lines = []
        for row in session.rows.get(f.id, []):
            cells = []
            for c in f.columns:
                value = row.get(c.id, "").strip()
                if f.personal and c.type in ("name", "id_number", "phone"):
                    value = privacy.mask_value(c.type, value)
                cells.append(value)
            lines.append(" ".join(v for v in cells if v))
        return "\n".join(lines)

    def _field(self, field_id: str) -> FormField | None:
        session = self._session
        if session is None:
            return None
        return next((f for f in session.service.fields if f.id == field_id), None)

    def _validate(self, session: Session) -> dict[str, str]:
        errors: dict[str, str] = {}
        for f in session.service.fields:
            if f.type in LIST_TYPES:
                errors.update(self._list_errors(session, f))
                continue
            value = session.values.get(f.id, "").strip()
            if not value:
                if f.required:
                    errors[f.id] = "required"
                continue
            if f.type == "choice" and value not in {c.value for c in f.choices}:
                errors[f.id] = "invalid.choice"
                continue
            if f.type == "lookup" and self._lookup_item(session, value) is None:
                errors[f.id] = "invalid.choice"
                continue
            if f.validator:
                error = validators.validate(f.validator, value)
                if error:
                    errors[f.id] = error
        errors.update(self._courier_errors(session))
        return errors


def _cell_errors(f: FormField, rows: list[dict[str, str]]) -> dict[str, str]:
    """One error per bad cell, keyed "<field>.<row>.<column>"."""
    errors: dict[str, str] = {}
    for i, row in enumerate(rows):
        for c in f.columns:
            value = row.get(c.id, "").strip()
            key = f"{f.id}.{i}.{c.id}"
            if not value:
                if c.required:
                    errors[key] = "required"
                continue
            validator = TYPE_VALIDATORS.get(c.type)
            error = validators.validate(validator, value) if validator else None
            if error:
                errors[key] = error
    return errors


def _sums_match(f: FormField, rows: list[dict[str, str]], values: dict[str, str]) -> bool:
    """Columns with `sums_to` add up to their target field (a target in error is skipped:
    it reports its own error)."""
    for c in f.columns:
        if c.sums_to is None:
            continue
        target = values.get(c.sums_to, "").strip()
        if validators.validate("money", target) is not None:
            continue
        total = sum(round(float(r.get(c.id, "0") or 0) * 100) for r in rows)
        if total != round(float(target) * 100):
            return False
    return True
