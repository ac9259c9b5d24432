"""Backend options are typed: a mistyped key in a config file is refused at load by file, key."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from drivers.base import BadOptions
from drivers.registry import BACKENDS, OPTIONS, create_device
from kiosk.config.loader import ConfigError, load_config


def test_registry_models_are_the_backends_own() -> None:
    for device_class, backends in BACKENDS.items():
        for backend, target in backends.items():
            module, _, attr = target.partition(":")
            cls = getattr(importlib.import_module(module), attr)
            assert cls.Options is OPTIONS[device_class][backend], target


def test_mistyped_option_names_file_and_key(tmp_path: Path) -> None:
    bad = tmp_path / "50-fleet.toml"
    bad.write_text(
        '[devices.receipt]\nbackend = "escpos"\n'
        '[devices.receipt.options]\nurl = "tcp://127.0.0.1:9100"\npoll_s = 1\n'
    )
    with pytest.raises(ConfigError) as info:
        load_config([bad])
    text = str(info.value)
    assert f"{bad}: devices.receipt.options.poll_s: unknown option" in text
    assert "renamed to poll_interval_s" in text


def test_backend_refuses_unknown_option() -> None:
    with pytest.raises(BadOptions, match="read_delay"):
        create_device("idcard", "sim", lambda event: None, read_delay=1)
