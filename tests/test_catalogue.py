"""The shipped service catalogue: size, coverage and consistency."""

from __future__ import annotations

import pytest

from kiosk.config import KioskConfig, load_config, shipped_dir


@pytest.fixture(scope="module")
def config() -> KioskConfig:
    return load_config([])


def test_catalogue_size(config: KioskConfig) -> None:
    assert len(config.services) >= 10
    assert len(config.departments) >= 6
    used = {s.department for s in config.services.values()}
    assert len(used) >= 6
    assert used <= set(config.departments)


def test_service_files_are_named_by_id(config: KioskConfig) -> None:
    files = sorted(p.stem for p in (shipped_dir() / "services").glob("*.toml"))
    assert files == list(config.services)


def test_expected_services_present(config: KioskConfig) -> None:
    s = config.services
    lic = s["licence_selfprint"]
    assert lic.title.zh == "营业执照自助打印"
    assert (lic.identity, lic.outputs, lic.online_only) == ("id_card_face", ("licence",), True)
    assert s["licence_selfprint"].department == "market_regulation"
    opening = s["enterprise_opening"]
    assert opening.delivery == ("pickup", "courier") and opening.deadline_working_days == 1
    assert {f.type for f in opening.fields} >= {"text", "choice", "number", "textarea", "phone"}
    assert s["hotline_consult"].identity == "none"
    assert s["hotline_consult"].deadline_working_days == 1
    assert s["hotline_complaint"].deadline_working_days == 10
    ncr = s["no_criminal_record"]
    assert ncr.deadline_working_days == 5 and "courier" in ncr.delivery
    assert s["social_insurance_certificate"].outputs == ("licence",)


def test_every_text_is_bilingual_and_distinct(config: KioskConfig) -> None:
    for sid, svc in config.services.items():
        assert svc.title.zh != svc.title.en, sid
        assert svc.description is not None, sid
        assert any("\u4e00" <= ch <= "\u9fff" for ch in svc.title.zh), sid
        assert svc.title.en.isascii(), sid
        for f in svc.fields:
            assert f.label.en.isascii(), (sid, f.id)
        assert svc.keywords, sid
    titles = [s.title.zh for s in config.services.values()]
    assert len(titles) == len(set(titles))


def test_identity_services_prefill_and_mark_personal(config: KioskConfig) -> None:
    for sid, svc in config.services.items():
        prefills = {f.prefill for f in svc.fields if f.prefill}
        if svc.identity != "none":
            assert "id_card.name" in prefills, sid
        for f in svc.fields:
            if f.prefill or f.type in ("name", "id_number", "phone"):
                assert f.personal, (sid, f.id)


def test_typed_fields_have_validators(config: KioskConfig) -> None:
    for svc in config.services.values():
        for f in svc.fields:
            if f.type in ("name", "phone", "id_number", "credit_code", "postal_code"):
                assert f.validator == f.type
            if f.type == "choice":
                assert len(f.choices) >= 2


def test_licence_output_services_are_self_print(config: KioskConfig) -> None:
    # Printing an official document needs the live backend and a verified holder.
    for sid, svc in config.services.items():
        if "licence" in svc.outputs:
            assert svc.online_only, sid
            assert svc.identity != "none", sid
