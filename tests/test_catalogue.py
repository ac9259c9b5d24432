"""The shipped service catalogue: size, coverage and consistency."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.config import ConfigError, KioskConfig, load_config, shipped_dir


@pytest.fixture(scope="module")
def config() -> KioskConfig:
    return load_config([])


def test_catalogue_size(config: KioskConfig) -> None:
    assert len(config.services) >= 40
    assert len(config.departments) >= 10
    used = {s.department for s in config.services.values()}
    assert used == set(config.departments), "every department offers at least one service"
    assert len(config.themes) >= 6


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
    assert {f.type for f in opening.fields} >= {"text", "choice", "phone"}
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


def test_results_and_deadlines_are_consistent(config: KioskConfig) -> None:
    for sid, svc in config.services.items():
        if "courier" in svc.delivery:
            # Something is produced later and posted: a promised date, and a receipt to track it.
            assert svc.deadline_working_days, sid
            assert "receipt" in svc.outputs, sid
        if svc.online_only:
            # A live query of a central system is answered at once: no deadline to promise.
            assert svc.deadline_working_days is None, sid
        assert svc.description is not None and len(svc.description.zh) >= 10, sid


def test_themes_reference_real_services_in_sensible_groups(config: KioskConfig) -> None:
    titles = set()
    for tid, theme in config.themes.items():
        assert theme.title.zh.endswith("一件事"), tid
        assert theme.description is not None, tid
        assert len(theme.services) >= 3, tid
        assert len(set(theme.services)) == len(theme.services), tid
        assert set(theme.services) <= set(config.services), tid
        # A life event spans departments: that is the point of 一件事一次办.
        assert len({config.services[s].department for s in theme.services}) >= 2, tid
        titles.add(theme.title.zh)
    assert {"开办企业一件事", "新生儿出生一件事", "退休一件事", "身后一件事"} <= titles
    assert "二手房转移登记及水电气过户一件事" in titles
    assert "就业一件事" in titles


def _themes_overlay(tmp_path: Path, text: str) -> Path:
    layer = tmp_path / "conf.d"
    layer.mkdir()
    (layer / "60-themes.toml").write_text(text, encoding="utf-8")
    return layer


def _problems(layer: Path) -> list[str]:
    try:
        load_config([layer])
    except ConfigError as exc:
        return [str(p) for p in exc.problems]
    raise AssertionError("the config was accepted")


def test_theme_naming_an_unknown_service_is_a_config_error(tmp_path: Path) -> None:
    layer = _themes_overlay(
        tmp_path,
        '[themes.newborn]\nservices = ["birth_medical_certificate", "newborn_pass"]\n',
    )
    f = layer / "60-themes.toml"
    assert _problems(layer) == [
        f"{f}: themes.newborn.services[1]: unknown service 'newborn_pass' "
        "(no file services/newborn_pass.toml)"
    ]


def test_theme_problems_name_file_and_key(tmp_path: Path) -> None:
    layer = _themes_overlay(
        tmp_path,
        "[themes.moving_house]\n"
        'title = { zh = "搬家一件事", en = "Moving House" }\n'
        'services = ["water_transfer", "water_transfer"]\n'
        'colour = "red"\n'
        "[themes.empty]\n"
        'title = { zh = "空", en = "Empty" }\n'
        "services = []\n"
        "[themes.Bad]\n"
        'title = { zh = "错", en = "Bad" }\n'
        'services = ["water_transfer"]\n',
    )
    f = layer / "60-themes.toml"
    problems = _problems(layer)
    assert (
        f"{f}: themes.moving_house.colour: unknown key (allowed: id, title, description, "
        "services, keywords)" in problems
    )
    assert any(p.startswith(f"{f}: themes.empty.services: ") for p in problems), problems
    assert any(p.startswith(f"{f}: themes.Bad.id: ") for p in problems), problems
    # A service listed twice is reported once the table itself is valid.
    (tmp_path / "b").mkdir()
    layer2 = _themes_overlay(
        tmp_path / "b",
        '[themes.moving_house]\ntitle = { zh = "搬家一件事", en = "Moving House" }\n'
        'services = ["water_transfer", "gas_transfer", "water_transfer"]\n',
    )
    g = layer2 / "60-themes.toml"
    assert _problems(layer2) == [
        f"{g}: themes.moving_house.services[2]: lists service 'water_transfer' twice"
    ]


def test_a_fleet_layer_can_add_a_theme(tmp_path: Path) -> None:
    layer = _themes_overlay(
        tmp_path,
        "[themes.moving_house]\n"
        'title = { zh = "搬家一件事", en = "Moving House" }\n'
        'services = ["water_transfer", "electricity_transfer", "gas_transfer"]\n'
        'keywords = ["搬家", "banjia"]\n',
    )
    config = load_config([layer])
    assert list(config.themes)[-1] == "moving_house"
    assert config.themes["moving_house"].services[0] == "water_transfer"
    assert "newborn" in config.themes  # the shipped themes stay
