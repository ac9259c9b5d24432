"""Config layering, provenance and error messages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import BaseModel, ValidationError

import kiosk.config.loader as loader_mod
from kiosk.config import (
    ConfigError,
    ConfigProblem,
    FormField,
    KioskConfig,
    Service,
    default_overlays,
    load_config,
    schema,
    shipped_dir,
)

DOCS = Path(__file__).resolve().parent.parent / "docs" / "config.md"

SERVICE_OK = """
department = "hotline_12345"
title = { zh = "测试", en = "Test" }
identity = "id_card"

[[fields]]
id = "applicant_name"
type = "name"
label = { zh = "姓名", en = "Name" }
prefill = "id_card.name"
personal = true
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(*overlays: Path) -> list[ConfigProblem]:
    with pytest.raises(ConfigError) as info:
        load_config(list(overlays))
    return info.value.problems


def lines_of(*overlays: Path) -> list[str]:
    return [str(p) for p in problems_of(*overlays)]


# -- shipped defaults and layering -------------------------------------------------------------


def test_shipped_defaults_validate_alone() -> None:
    config = load_config([])
    assert config.terminal.id == "KIOSK-DEV-001"
    assert config.terminal.profile == "production"
    assert config.terminal.state_dir == Path("/var/lib/kiosk")
    assert config.outbox_path() == Path("/var/lib/kiosk/outbox.sqlite3")
    assert config.outbox_key_path() == Path("/var/lib/kiosk/outbox.key")
    assert all(p.is_relative_to(shipped_dir()) for p in config.sources)
    assert shipped_dir().joinpath("kiosk.toml").is_file()


def test_default_overlays_only_existing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loader_mod, "ETC_DIR", tmp_path)
    assert default_overlays() == []
    write(tmp_path / "terminal.toml", "")
    assert default_overlays() == [tmp_path / "terminal.toml"]
    (tmp_path / "conf.d").mkdir()
    assert default_overlays() == [tmp_path / "conf.d", tmp_path / "terminal.toml"]
    # load_config(None) reads them
    write(tmp_path / "terminal.toml", '[terminal]\nid = "KIOSK-B2-07"\n')
    assert load_config().terminal.id == "KIOSK-B2-07"


def test_overlay_dir_overrides_one_key_and_keeps_the_rest(tmp_path: Path) -> None:
    write(tmp_path / "fleet" / "10-ui.toml", '[ui]\nlanguage = "en"\n')
    config = load_config([tmp_path / "fleet"])
    assert config.ui.language == "en"
    assert config.ui.fullscreen is True  # deep merge keeps siblings
    assert config.terminal.id == "KIOSK-DEV-001"
    assert config.sources[-1] == tmp_path / "fleet" / "10-ui.toml"


def test_conf_d_files_apply_in_name_order(tmp_path: Path) -> None:
    fleet = tmp_path / "conf.d"
    write(fleet / "20-late.toml", "[timeouts]\ndefault_s = 90\n")
    write(fleet / "10-early.toml", "[timeouts]\ndefault_s = 30\nwarning_s = 10\n")
    write(fleet / ".10-early.toml", "this is an editor's temp file, not TOML")
    config = load_config([fleet])
    assert config.timeouts.default_s == 90
    assert config.timeouts.warning_s == 10
    assert [p.name for p in config.sources[-2:]] == ["10-early.toml", "20-late.toml"]


def test_file_overlay_after_dir_overlay(tmp_path: Path) -> None:
    write(
        tmp_path / "conf.d" / "10.toml",
        '[terminal]\nid = "FLEET-DEFAULT"\nprofile = "production"\n',
    )
    write(tmp_path / "terminal.toml", '[terminal]\nid = "KIOSK-3F-12"\nstate_dir = "/srv/kiosk"\n')
    config = load_config([tmp_path / "conf.d", tmp_path / "terminal.toml"])
    assert config.terminal.id == "KIOSK-3F-12"
    assert config.terminal.profile == "production"
    assert config.outbox_path() == Path("/srv/kiosk/outbox.sqlite3")


def test_outbox_paths_relative_to_state_dir_or_absolute(tmp_path: Path) -> None:
    write(
        tmp_path / "o.toml", '[outbox]\npath = "q/outbox.db"\nkey_path = "/etc/kiosk/outbox.key"\n'
    )
    config = load_config([tmp_path / "o.toml"])
    assert config.outbox_path() == Path("/var/lib/kiosk/q/outbox.db")
    assert config.outbox_key_path() == Path("/etc/kiosk/outbox.key")


def test_device_options_deep_merge_and_faults(tmp_path: Path) -> None:
    write(tmp_path / "a.toml", "[devices.receipt.options]\nprint_delay_s = 0.5\nkeep_jobs = 100\n")
    write(
        tmp_path / "b.toml",
        '[devices.receipt]\nfaults = ["paper_low", "card_insert expired"]\n'
        "[devices.receipt.options]\nkeep_jobs = 101\n",
    )
    config = load_config([tmp_path / "a.toml", tmp_path / "b.toml"])
    assert config.devices.receipt.options == {"print_delay_s": 0.5, "keep_jobs": 101}
    assert config.devices.receipt.faults == ("paper_low", "card_insert expired")
    assert config.devices.camera.backend == "sim"


def test_services_replaced_whole_by_stem(tmp_path: Path) -> None:
    write(
        tmp_path / "fleet" / "services" / "hotline_consult.toml",
        'department = "hotline_12345"\ntitle = { zh = "热线", en = "Hotline" }\n',
    )
    write(tmp_path / "fleet" / "services" / "aaa_new.toml", SERVICE_OK)
    config = load_config([tmp_path / "fleet"])
    consult = config.services["hotline_consult"]
    assert consult.title.en == "Hotline"
    assert consult.fields == ()  # replaced whole, not merged with the shipped fields
    assert consult.deadline_working_days is None
    ids = list(config.services)
    assert ids[0] == "aaa_new"  # catalogue order is file-name order across layers
    assert ids == sorted(ids)


def test_timeout_for(tmp_path: Path) -> None:
    write(tmp_path / "t.toml", "[timeouts]\ndefault_s = 40\n[timeouts.screens]\nreview = 120\n")
    config = load_config([tmp_path / "t.toml"])
    assert config.timeout_for("review") == 120
    assert config.timeout_for("identify") == 40


def test_formfield_validator_defaults_from_type() -> None:
    label = {"zh": "x", "en": "x"}
    assert FormField(id="p", type="phone", label=label).validator == "phone"
    assert FormField(id="c", type="credit_code", label=label).validator == "credit_code"
    assert FormField(id="t", type="text", label=label).validator is None
    assert FormField(id="t", type="text", label=label, validator="postal_code").validator == (
        "postal_code"
    )


def test_localtext_get() -> None:
    text = schema.LocalText(zh="营业执照", en="Business licence")
    assert text.get("zh_CN") == "营业执照"
    assert text.get("en") == "Business licence"
    assert text.get("fr") == "营业执照"


def test_models_are_frozen_and_forbid_extra() -> None:
    config = load_config([])
    with pytest.raises(ValidationError):
        config.ui.language = "en"  # type: ignore[misc]
    with pytest.raises(ValidationError, match="Extra inputs"):
        schema.UiSettings(colour="red")  # type: ignore[call-arg]


def test_direct_construction_runs_cross_checks() -> None:
    field = {"id": "n", "label": {"zh": "x", "en": "x"}, "prefill": "id_card.name"}
    with pytest.raises(ValidationError, match=r"fields\[0\]\.prefill"):
        Service(id="s", department="d", title={"zh": "x", "en": "x"}, fields=[field])  # type: ignore[arg-type,list-item]
    config = load_config([])
    with pytest.raises(ValidationError, match="unknown department 'nope'"):
        KioskConfig.model_validate(
            {
                **config.model_dump(include={"terminal", "departments"}),
                "services": {
                    "s": {"id": "s", "department": "nope", "title": {"zh": "x", "en": "x"}}
                },
            }
        )


# -- errors: every message names file and key --------------------------------------------------


def test_toml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    bad = write(tmp_path / "bad.toml", '[ui]\nlanguage = "en"\nfullscreen = \n')
    assert lines_of(bad) == [
        f"{bad}: line 3: invalid TOML: Invalid value (column 14)",
    ]


def test_unknown_top_level_key(tmp_path: Path) -> None:
    f = write(tmp_path / "x.toml", "[printer]\nport = 1\n")
    (line,) = lines_of(f)
    assert line.startswith(f"{f}: printer: unknown table (allowed: terminal, devices,")


def test_unknown_nested_key_lists_allowed_keys(tmp_path: Path) -> None:
    f = write(tmp_path / "x.toml", "[devices.receipt]\nbackand = 'escpos'\n")
    assert lines_of(f) == [
        f"{f}: devices.receipt.backand: unknown key (allowed: backend, enabled, options, faults)"
    ]


def test_unknown_key_in_service_field(tmp_path: Path) -> None:
    svc = write(tmp_path / "d" / "services" / "demo.toml", SERVICE_OK + "colour = 'red'\n")
    (line,) = lines_of(tmp_path / "d")
    assert line.startswith(f"{svc}: fields[0].colour: unknown key (allowed: id, type, label,")


def test_wrong_type(tmp_path: Path) -> None:
    f = write(tmp_path / "x.toml", '[timeouts]\ndefault_s = "60"\n[ui]\nfullscreen = "yes"\n')
    assert lines_of(f) == [
        f"{f}: timeouts.default_s: must be an integer (got str '60')",
        f"{f}: ui.fullscreen: must be true or false (got str 'yes')",
    ]


def test_bad_value_and_missing_key(tmp_path: Path) -> None:
    f = write(tmp_path / "x.toml", '[terminal]\nid = "kiosk 1"\nprofile = "prod"\n')
    lines = lines_of(f)
    assert lines[0].startswith(f"{f}: terminal.id: String should match pattern")
    assert lines[0].endswith("(got 'kiosk 1')")
    assert lines[1] == (
        f"{f}: terminal.profile: Input should be 'production' or 'development' (got 'prod')"
    )


def test_missing_required_key_in_service(tmp_path: Path) -> None:
    svc = write(tmp_path / "d" / "services" / "demo.toml", 'department = "hotline_12345"\n')
    assert lines_of(tmp_path / "d") == [f"{svc}: title: required key missing"]


def test_bad_fault_word_names_the_file_that_set_it(tmp_path: Path) -> None:
    fleet = tmp_path / "conf.d"
    write(fleet / "10-base.toml", '[devices.receipt]\nbackend = "escpos"\n')
    f = write(fleet / "20-devices.toml", '[devices.receipt]\nfaults = ["paper_gone"]\n')
    (line,) = lines_of(fleet)
    assert line.startswith(
        f"{f}: devices.receipt.faults[0]: unknown fault word 'paper_gone' (known: camera_stall "
    )
    assert "unplug)" in line


def test_fault_argument_only_for_card_insert(tmp_path: Path) -> None:
    f = write(tmp_path / "x.toml", '[devices.idcard]\nfaults = ["card_remove now"]\n')
    assert lines_of(f) == [
        f"{f}: devices.idcard.faults[0]: fault word 'card_remove' takes no argument"
    ]


def test_unknown_screen_id(tmp_path: Path) -> None:
    f = write(tmp_path / "x.toml", "[timeouts.screens]\npayment = 30\n")
    (line,) = lines_of(f)
    assert line.startswith(f"{f}: timeouts.screens.payment: unknown screen id 'payment' (known:")


def test_unknown_department(tmp_path: Path) -> None:
    svc = write(
        tmp_path / "d" / "services" / "demo.toml",
        SERVICE_OK.replace('"hotline_12345"', '"customs"'),
    )
    (line,) = lines_of(tmp_path / "d")
    assert line.startswith(f"{svc}: department: unknown department 'customs' (known: ")
    assert "data_administration, " in line


def test_prefill_needs_identity(tmp_path: Path) -> None:
    svc = write(
        tmp_path / "d" / "services" / "demo.toml",
        SERVICE_OK.replace('identity = "id_card"', 'identity = "none"'),
    )
    assert lines_of(tmp_path / "d") == [
        f"{svc}: fields[0].prefill: prefill 'id_card.name' needs the service's identity to be "
        "'id_card' or 'id_card_face' (it is 'none')"
    ]


def test_field_level_problems(tmp_path: Path) -> None:
    text = SERVICE_OK + (
        '\n[[fields]]\nid = "applicant_name"\nlabel = { zh = "a", en = "a" }\n'
        '\n[[fields]]\nid = "kind"\ntype = "choice"\nlabel = { zh = "a", en = "a" }\n'
        '\n[[fields]]\nid = "Bad-Id"\nvalidator = "iban"\nprefill = "id_card.photo"\n'
        'label = { zh = "a", en = "a" }\n'
    )
    svc = write(tmp_path / "d" / "services" / "demo.toml", text)
    lines = lines_of(tmp_path / "d")
    assert lines[0] == (
        f"{svc}: fields[2].choices: a field of type 'choice' needs at least one choice"
    )
    assert lines[1].startswith(f"{svc}: fields[3].id: String should match pattern")
    assert lines[2].startswith(f"{svc}: fields[3].validator: unknown validator 'iban' (known: id_")
    assert lines[3].startswith(f"{svc}: fields[3].prefill: unknown prefill 'id_card.photo'")
    assert len(lines) == 4
    # once those are fixed, the cross-check on the duplicate id shows
    svc.write_text(SERVICE_OK + text[len(SERVICE_OK) :].split('\n[[fields]]\nid = "kind"')[0])
    assert lines_of(tmp_path / "d") == [
        f"{svc}: fields[1].id: duplicate field id 'applicant_name' (also fields[0])"
    ]


def test_service_id_must_match_file_and_file_name_must_be_an_id(tmp_path: Path) -> None:
    svc = write(tmp_path / "d" / "services" / "demo.toml", 'id = "other"\n' + SERVICE_OK)
    bad_name = write(tmp_path / "d" / "services" / "Demo-2.toml", SERVICE_OK)
    assert lines_of(tmp_path / "d") == [
        f"{bad_name}: -: file name must be a service id: lowercase letters, digits, _ "
        "(e.g. tax_record)",
        f"{svc}: id: must match the file name 'demo' (or be left out)",
    ]


def test_department_id_must_match_table(tmp_path: Path) -> None:
    f = write(
        tmp_path / "x.toml",
        '[departments.civil_affairs]\nid = "civil"\n'
        'title = { zh = "民政局", en = "Civil Affairs" }\n',
    )
    assert lines_of(f) == [
        f"{f}: departments.civil_affairs.id: must match the table name 'civil_affairs' "
        "(or be left out)"
    ]


def test_missing_overlay_and_unreadable_encoding(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    latin = tmp_path / "latin.toml"
    latin.write_bytes("[ui]\n# caf\xe9\n".encode("latin-1"))
    assert lines_of(missing, latin) == [
        f"{missing}: -: no such file or directory",
        f"{latin}: -: not UTF-8 (byte 10)",
    ]


def test_many_problems_collected_at_once(tmp_path: Path) -> None:
    fleet = tmp_path / "conf.d"
    syntax = write(fleet / "00-broken.toml", "[ui\n")
    devices = write(fleet / "20-devices.toml", '[devices.camera]\nfaults = ["lens_cap"]\n')
    terminal = write(tmp_path / "terminal.toml", '[terminal]\nstate_dir = "var/kiosk"\n')
    svc_a = write(fleet / "services" / "a_one.toml", SERVICE_OK.replace("hotline_12345", "x"))
    svc_b = write(fleet / "services" / "b_two.toml", SERVICE_OK + "max_length = 0\n")
    problems = problems_of(fleet, terminal)
    assert [(p.file, p.key) for p in problems] == [
        (str(syntax), "line 1"),
        (str(devices), "devices.camera.faults[0]"),
        (str(svc_a), "department"),
        (str(svc_b), "fields[0].max_length"),
        (str(terminal), "terminal.state_dir"),
    ]
    message = str(ConfigError(problems))
    assert len(message.splitlines()) == 5
    assert "Traceback" not in message
    assert re.search(r"terminal\.state_dir: must be an absolute path \(got 'var/kiosk'\)", message)


def test_warning_must_be_shorter_than_timeouts(tmp_path: Path) -> None:
    f = write(tmp_path / "x.toml", "[timeouts]\ndefault_s = 20\nwarning_s = 20\n")
    assert lines_of(f) == [f"{f}: timeouts.warning_s: must be shorter than default_s (20)"]


# -- documentation -----------------------------------------------------------------------------


def _schema_keys(model: type[BaseModel], prefix: str = "") -> set[str]:
    keys: set[str] = set()
    for name, info in model.model_fields.items():
        keys.add(name)
        ann = loader_mod._unwrap(info.annotation)
        for candidate in (ann, *getattr(ann, "__args__", ())):
            candidate = loader_mod._unwrap(candidate)
            if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                keys |= _schema_keys(candidate)
    return keys


def test_every_schema_key_is_documented() -> None:
    text = DOCS.read_text(encoding="utf-8")
    keys = _schema_keys(KioskConfig) - {"sources"}  # computed, not a file key
    missing = sorted(k for k in keys if f"`{k}`" not in text)
    assert missing == []
    for word in (*schema.FAULT_WORDS, *schema.SCREENS, *schema.PREFILL_SOURCES):
        assert f"`{word}`" in text, word


def test_personal_data_fields_must_be_marked_personal(tmp_path: Path) -> None:
    svc = write(
        tmp_path / "d" / "services" / "demo.toml",
        'department = "hotline_12345"\n'
        'title = { zh = "示例", en = "Demo" }\n'
        'identity = "id_card"\n'
        "[[fields]]\n"
        'id = "addr"\n'
        'label = { zh = "地址", en = "Address" }\n'
        'prefill = "id_card.address"\n'
        "[[fields]]\n"
        'id = "mobile"\n'
        'type = "phone"\n'
        'label = { zh = "电话", en = "Phone" }\n'
        "personal = true\n",
    )
    assert lines_of(tmp_path / "d") == [
        f"{svc}: fields[0].personal: a field read from the ID card holds personal data: "
        "set personal = true"
    ]


def test_address_fields_must_be_marked_personal(tmp_path: Path) -> None:
    svc = write(
        tmp_path / "d" / "services" / "demo.toml",
        SERVICE_OK + '\n[[fields]]\nid = "service_address"\ntype = "textarea"\n'
        'label = { zh = "地址", en = "Address" }\n',
    )
    assert lines_of(tmp_path / "d") == [
        f"{svc}: fields[1].personal: an address field holds personal data: set personal = true"
    ]


def test_shipped_address_fields_are_personal() -> None:
    config = load_config([])
    addresses = [(s.id, f) for s in config.services.values() for f in s.fields if "address" in f.id]
    assert len(addresses) >= 6
    assert [(sid, f.id) for sid, f in addresses if not f.personal] == []


@pytest.mark.parametrize("hours", ["08:00-08:00", "08:00-12:00,13:00-13:00"])
def test_empty_opening_hours_range_is_refused(tmp_path: Path, hours: str) -> None:
    f = write(tmp_path / "x.toml", f'[terminal]\nhours = "{hours}"\n')
    (line,) = lines_of(f)
    assert line.startswith(f"{f}: terminal.hours: opening hours range ")
    assert "is empty" in line


def test_valid_opening_hours_still_accepted(tmp_path: Path) -> None:
    f = write(tmp_path / "x.toml", '[terminal]\nhours = "22:00-06:00,08:00-24:00"\n')
    assert load_config([f]).terminal.hours == "22:00-06:00,08:00-24:00"
