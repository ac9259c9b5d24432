"""The [intake] config table: defaults, TLS unless loopback, key needs cert."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.config import ConfigError, KioskConfig, load_config

from .conftest import write_overlay


def load(overlay_dir: Path, text: str) -> KioskConfig:
    write_overlay(overlay_dir, text, name="60-intake.toml")
    return load_config([overlay_dir])


def test_defaults_mean_no_intake(overlay_dir: Path) -> None:
    intake = load_config([overlay_dir]).intake
    assert intake.url is None and intake.batch_size == 50 and intake.heartbeat_s == 60


@pytest.mark.parametrize(
    "url", ["https://intake.example.gov.cn", "https://10.0.0.5:8443/api", "http://127.0.0.1:8080"]
)
def test_good_urls(overlay_dir: Path, url: str) -> None:
    assert load(overlay_dir, f'[intake]\nurl = "{url}"\n').intake.url == url


@pytest.mark.parametrize("url", ["http://intake.example.gov.cn", "ftp://x", "intake"])
def test_plain_http_only_on_loopback(overlay_dir: Path, url: str) -> None:
    with pytest.raises(ConfigError) as info:
        load(overlay_dir, f'[intake]\nurl = "{url}"\n')
    assert "intake.url" in str(info.value)


def test_client_key_needs_cert_and_limits(overlay_dir: Path) -> None:
    with pytest.raises(ConfigError, match="client_key needs client_cert"):
        load(overlay_dir, '[intake]\nclient_key = "k.pem"\n')
    with pytest.raises(ConfigError, match="batch_size"):
        load(overlay_dir, "[intake]\nbatch_size = 501\n")
    ok = load(overlay_dir, '[intake]\nclient_cert = "c.pem"\nclient_key = "k.pem"\n')
    assert ok.intake.client_key == Path("k.pem")
