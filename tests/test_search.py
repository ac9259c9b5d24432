"""Catalogue search (kiosk/catalogue.py): Chinese text, full pinyin, pinyin initials,
heteronyms, English, ranking, and no match; over the shipped catalogue and a small made-up one."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.catalogue import Catalogue, normalise_query
from kiosk.config import KioskConfig, load_config


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return Catalogue(load_config([]))


def top(catalogue: Catalogue, query: str, n: int = 3) -> list[str]:
    return catalogue.search(query)[:n]


LICENCE_TITLES = {"licence_selfprint", "business_licence_change", "business_licence_replacement"}


@pytest.mark.parametrize("query", ["yyzz", "YYZZ", "Yyzz", "ｙｙｚｚ", "y'y'z'z", "yy zz"])
def test_initials_find_the_business_licence(catalogue: Catalogue, query: str) -> None:
    # Typed on the keyboard, in capitals, full-width, or as the Pinyin keyboard's pre-edit.
    assert set(top(catalogue, query)) == LICENCE_TITLES


@pytest.mark.parametrize("query", ["yingyezhizhao", "yingye", "yingyez", "YingYeZhiZhao"])
def test_full_pinyin_and_its_start_find_the_business_licence(
    catalogue: Catalogue, query: str
) -> None:
    assert set(top(catalogue, query)) == LICENCE_TITLES


def test_chinese_substring(catalogue: Catalogue) -> None:
    assert set(top(catalogue, "营业执照")) == LICENCE_TITLES
    assert top(catalogue, "无犯罪", 1) == ["no_criminal_record"]
    assert top(catalogue, "签注", 2) == ["hk_macao_endorsement", "residence_permit_endorsement"]
    found = catalogue.search("公积金")
    assert set(found[:3]) == {
        "housing_fund_statement",
        "housing_fund_withdrawal",
        "housing_fund_loan_statement",
    }


def test_pinyin_matches_start_at_a_syllable(catalogue: Catalogue) -> None:
    # "an" is inside "xian" (线) and "yuan" (员) but starts no syllable of 12345热线咨询.
    assert "hotline_consult" not in catalogue.search("ianzi")
    assert "hotline_consult" in catalogue.search("xianzi")  # 线咨
    assert "hotline_consult" in catalogue.search("rexian")


def test_heteronym_hang_and_xing(catalogue: Catalogue) -> None:
    # 行驶证: xíng. The contextual reading ranks it; the other reading still finds it.
    assert top(catalogue, "xingshizheng", 1) == ["vehicle_licence_replacement"]
    assert "vehicle_licence_replacement" in catalogue.search("xsz")
    assert "vehicle_licence_replacement" in catalogue.search("hangshizheng")
    # 银行卡 (a keyword of the fund withdrawal): háng, and xíng as a citizen may guess it.
    for query in ("yinhangka", "yhk", "yinxingka", "yxk"):
        assert "housing_fund_withdrawal" in catalogue.search(query), query


def test_heteronym_zhong_and_chong(catalogue: Catalogue) -> None:
    for query in ("zhongdu", "chongdu", "zdcj", "cdcj", "重度"):
        assert top(catalogue, query, 1) == ["disability_subsidies"], query


def test_ranking_puts_title_prefix_first(catalogue: Catalogue) -> None:
    hits = catalogue.hits("gjj")
    assert hits[0].service_id == "housing_fund_loan_statement"  # 公积金贷款… starts with gjj
    assert hits[0].where == "title"
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    # An exact title beats a title that merely contains it.
    assert top(catalogue, "失业登记", 1) == ["unemployment_registration"]
    # Initials are ambiguous: 失业登记 and 生育登记 are both sydj, both exact, both first.
    assert set(top(catalogue, "sydj", 2)) == {"unemployment_registration", "birth_registration"}
    # A keyword match ranks below every title match.
    hits = catalogue.hits("违章")
    assert hits[0].service_id == "vehicle_violation_query" and hits[0].where == "keyword"


def test_equal_scores_keep_catalogue_order(catalogue: Catalogue) -> None:
    ids = catalogue.search("12345")
    assert ids[:3] == sorted(ids[:3])  # catalogue order is file-name order


def test_department_and_theme_and_description(catalogue: Catalogue) -> None:
    hits = {h.service_id: h.where for h in catalogue.hits("民政局")}
    assert hits and set(hits.values()) == {"department"}
    assert {"minimum_living_allowance", "elderly_allowance"} <= set(hits)
    # A life event's title lists its services, below services named after it.
    hits = catalogue.hits("退休")
    assert hits[0].service_id == "pension_application"
    assert {h.service_id for h in hits if h.where == "theme"} >= {"housing_fund_withdrawal"}
    assert "newborn_household_registration" in catalogue.search("xsecs")  # 新生儿出生
    # A description: 有房证明 is only in the property inquiry's keywords and description.
    assert "property_registration_query" in catalogue.search("无房")


def test_english(catalogue: Catalogue) -> None:
    assert "licence_selfprint" in catalogue.search("business licence")
    assert "licence_selfprint" in catalogue.search("Business Lic")
    assert top(catalogue, "marriage", 1) == ["marriage_registration_appointment"]


@pytest.mark.parametrize("query", ["", "   ", "'", "qqxq", "不存在的事项", "zzzzzzzz", "x" * 200])
def test_no_match(catalogue: Catalogue, query: str) -> None:
    assert catalogue.search(query) == []


def test_one_letter_matches_only_starts(catalogue: Catalogue) -> None:
    hits = catalogue.hits("y")
    assert hits and all(h.where in ("title", "keyword", "department", "theme") for h in hits)
    assert all(h.score >= 400 for h in hits)


def test_normalise_query() -> None:
    assert normalise_query(" Y'Y Z'Z ") == ("yyzz", "y y z z")
    assert normalise_query("ＡＢＣ") == ("abc", "abc")
    assert len(normalise_query("字" * 100)[0]) == 40


def test_index_follows_the_config(tmp_path: Path) -> None:
    layer = tmp_path / "conf.d"
    (layer / "services").mkdir(parents=True)
    (layer / "services" / "aaa_bank.toml").write_text(
        'department = "hotline_12345"\n'
        'title = { zh = "银行网点查询", en = "Bank Branches" }\n'
        'description = { zh = "查询附近银行网点。", en = "Find a bank branch." }\n'
        'keywords = ["网点"]\n',
        encoding="utf-8",
    )
    config: KioskConfig = load_config([layer])
    catalogue = Catalogue(config)
    assert catalogue.search("yhwd")[:1] == ["aaa_bank"]
    assert catalogue.search("yxwd")[:1] == ["aaa_bank"]  # 行 read xíng: still found
    assert catalogue.search("yinhang")[:1] == ["aaa_bank"]
    assert Catalogue(load_config([])).search("yhwd") == []


def test_department_and_theme_listing(catalogue: Catalogue) -> None:
    config = catalogue.config
    assert catalogue.department_services("") == list(config.services)
    civil = catalogue.department_services("civil_affairs")
    assert civil and all(config.services[s].department == "civil_affairs" for s in civil)
    assert catalogue.theme_services("newborn") == list(config.themes["newborn"].services)
    assert catalogue.theme_services("no_such_theme") == []


def test_life_event_words_find_its_services(catalogue: Catalogue) -> None:
    # Words of the theme, not of any service: 生孩子 (having a baby), qushi (去世, a death).
    newborn = set(catalogue.config.themes["newborn"].services)
    assert set(catalogue.search("生孩子")) == newborn
    assert set(catalogue.search("shenghaizi")) == newborn
    assert "funeral_subsidy" in catalogue.search("qushi")


def test_catalogue_reads_as_with_the_full_phrase_dictionary() -> None:
    """The kiosk runs pypinyin without its 45 MB phrase dictionary (kiosk/catalogue.py): every
    shipped text must read the same as a process with the full dictionary reads it."""
    import json
    import os
    import subprocess
    import sys

    from pypinyin import lazy_pinyin

    from kiosk.config import load_config

    cfg = load_config()
    texts: set[str] = set()
    for s in cfg.services.values():
        texts.add(s.title.zh)
        texts.update(s.keywords)
    texts.update(d.title.zh for d in cfg.departments.values())
    texts.update(t.title.zh for t in cfg.themes.values())
    code = (
        "import json, sys\nfrom pypinyin import lazy_pinyin\n"
        "print(json.dumps({t: lazy_pinyin(t) for t in json.load(sys.stdin)}))"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYPINYIN_NO_PHRASES"}
    out = subprocess.run(
        [sys.executable, "-c", code],
        input=json.dumps(sorted(texts)),
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=60,
    ).stdout
    full = json.loads(out)
    assert os.environ.get("PYPINYIN_NO_PHRASES"), "the kiosk's pypinyin runs without phrases"
    wrong = {t: (lazy_pinyin(t), full[t]) for t in texts if lazy_pinyin(t) != full[t]}
    assert not wrong, f"add these words to kiosk/catalogue.py's phrases: {wrong}"
