"""The console speaks English, Ukrainian and Russian from the same message catalogues as the
public page: the browser's language by default, a switch that redraws what is on screen and is
remembered. In Chromium, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from tests.pages.accessibility import serious_violations
from tests.pages.browsing import open_page
from tests.pages.test_console import compose_at_westgate, console

pytestmark = pytest.mark.browser


def catalogue(language: str) -> dict:
    return json.loads(resources.files("safezone.entrypoints.web.pages").joinpath("messages", f"{language}.json").read_text("utf-8"))


def test_console_strings_come_from_the_catalogues_in_each_language():
    catalogues = {lang: catalogue(lang) for lang in ("en", "uk", "ru")}
    console_keys = {k for k in catalogues["en"] if k.startswith("c_")}
    assert len(console_keys) > 60
    for lang in ("uk", "ru"):
        same = [k for k in console_keys if catalogues[lang][k] == catalogues["en"][k] and "{" not in catalogues["en"][k]]
        assert same == [], (lang, same)  # every plain console string is translated


def test_the_console_in_the_browsers_language_and_the_switch(served, chromium):
    login = open_page(chromium, served.url + "/console", ready="#login:not([hidden])", locale="uk-UA")
    login.wait_for_function("document.documentElement.lang === 'uk'")
    assert login.locator("#login h2").inner_text() == "Увійти"
    assert login.locator("label[for=username]").inner_text() == "Ім’я користувача"

    page = console(chromium, served.url, "carol", locale="uk-UA")
    assert page.locator("#compose-title").inner_text() == "Скласти тривогу"
    assert page.locator("#stage-banner").inner_text() == "Спершу оберіть статус."
    assert "випускає" in page.locator("#who").inner_text()
    compose_at_westgate(page, "Exercise")
    assert page.locator("#stage-banner").inner_text().startswith("НАВЧАННЯ")
    assert "не справжня тривога" in page.locator("#console-title").inner_text()
    assert page.locator("#preview-box .reach").inner_text().startswith("Населення:")
    assert serious_violations(page) == []

    page.select_option("#lang", "ru")
    page.wait_for_function("document.documentElement.lang === 'ru'")
    assert page.locator("#compose-title").inner_text() == "Составить тревогу"
    assert page.locator("#stage-banner").inner_text().startswith("УЧЕНИЯ")
    assert page.locator("#search").get_attribute("placeholder") == "напр. Сумы"
    page.click("#submit")  # an exercise is issued at once
    card = page.locator("#in-force article")
    card.wait_for()
    assert "УЧЕНИЯ тревога" in card.locator("h3").inner_text()
    assert page.locator("#in-force [data-progress]").inner_text().startswith("Доставка:")
    assert card.get_by_role("button", name="Отбой").is_visible()
    page.reload()
    page.wait_for_selector("#desk:not([hidden])")
    page.wait_for_function("document.documentElement.lang === 'ru'")  # the choice is kept
    assert page.locator("#in-force-title").inner_text() == "Действующие"
