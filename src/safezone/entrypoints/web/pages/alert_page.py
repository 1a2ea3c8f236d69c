"""One issued alert as a page a person reads: where CAP's `<web>` and the feeds point.

Rendered on the server, plain HTML with no script, so it opens from a notification, a mail or
another agency's aggregator on any browser and reads well aloud. The alert's own words come in
each language it was issued in (`?lang=`, else the browser's, else the first); the page's own
labels come from the pages' catalogues (en, uk, ru). Drills carry their banner first.
"""

from __future__ import annotations

import functools
import html
import json
from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import Response

from safezone.entrypoints.web import caching, views
from safezone.entrypoints.web.public import AlertId, Services
from safezone.entrypoints.web.pages import LANGUAGES, MEDIA_TYPES, _own

router = APIRouter(include_in_schema=False)


@functools.lru_cache(maxsize=len(LANGUAGES))
def _labels(language: str) -> dict[str, object]:
    return json.loads(_own("messages", f"{language}.json"))


def page_url(alert_id: int) -> str:
    return f"/alerts/{alert_id}"


def chosen_language(offered: list[str], asked: str | None, accept_language: str) -> str:
    """The alert's language to show: the one asked for, else the browser's first that the
    alert has (by primary subtag: `uk-UA` reads `uk`), else the alert's first."""
    def primary(tag: str) -> str:
        return tag.split("-")[0].strip().lower()
    by_primary = {primary(tag): tag for tag in reversed(offered)}
    if asked and primary(asked) in by_primary:
        return by_primary[primary(asked)]
    wanted = sorted((-weight, position, primary(tag))
                    for position, (tag, weight) in enumerate(caching.weighted(accept_language))
                    if weight is not None and weight > 0)
    for _, _, tag in wanted:
        if tag in by_primary:
            return by_primary[tag]
    return offered[0]


def render(alert: dict, language: str) -> str:
    """The page of one alert (as `views.alert_json` describes it) in one of its languages."""
    texts = {text["language"]: text for text in alert["texts"]}
    text = texts[language]
    ui = primary if (primary := language.split("-")[0].lower()) in LANGUAGES else "en"
    labels = _labels(ui)

    def say(key: str, **values: object) -> str:
        words = str(labels.get(key) or _labels("en")[key])
        for name, value in values.items():
            words = words.replace("{" + name + "}", str(value))
        return html.escape(words)

    def moment(iso: str | None) -> str:
        return "" if iso is None else datetime.fromisoformat(iso).strftime("%Y-%m-%d %H:%M")

    def paragraphs(words: str | None) -> str:
        return "".join(f"<p>{html.escape(line)}</p>" for line in (words or "").splitlines() if line.strip())

    seconds = text.get("time_to_shelter_s") or alert["time_to_shelter_s"]
    state = (say("ap_in_force", time=moment(alert["expires"])) if alert["in_force"]
             else say("ap_ended_" + alert["ended"]) if alert["ended"] else "")
    drill = alert["banner"] is not None
    parts = [
        "<!doctype html>",
        f'<html lang="{html.escape(language)}">',
        '<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(('[' + alert['banner'] + '] ') if drill else '')}{html.escape(text['headline'])}</title>",
        '<link rel="stylesheet" href="/static/pages.css"></head>',
        f'<body class="alert-page{" drill" if drill else ""}">',
        f'<p class="drill-banner">{say("drill_banner")}</p>' if drill else "",
        f'<header class="bar"><p class="event">{html.escape(text["event"] or alert["threat"])}</p></header>',
        '<main class="alert-main">',
        f"<h1>{html.escape(text['headline'])}</h1>",
        f'<p class="alert-state" role="status">{state}</p>' if state else "",
        (f'<p class="alert-time">{say("ap_time_to_shelter", time=say("immediately") if seconds == 0 else say("seconds", n=seconds))}</p>'
         if alert["kind"] in ("alert", "update") and alert["stage"] == "alert" and alert["in_force"] else ""),
        f'<h2>{say("ap_what_to_do")}</h2>{paragraphs(text["instruction"])}' if text["instruction"] else "",
        f'<h2>{say("ap_what_happens")}</h2>{paragraphs(text["description"])}' if text["description"] else "",
        f'<h2>{say("ap_areas")}</h2><ul class="alert-areas">'
        + "".join(f"<li>{html.escape(area['name'])}</li>" for area in alert["areas"]) + "</ul>",
        f'<p class="facts">{say("ap_issued", time=moment(alert["issued_at"]), expires=moment(alert["expires"]))}</p>',
        '<nav class="alert-links" aria-label="' + say("ap_more") + '"><ul>',
        "".join(f'<li><a href="{page_url(alert["id"])}?lang={html.escape(other)}" lang="{html.escape(other)}" '
                f'hreflang="{html.escape(other)}">{html.escape(texts[other]["headline"])}</a></li>'
                for other in texts if other != language),
        f'<li><a href="{views.cap_url(alert["id"])}">{say("ap_cap")}</a></li>',
        f'<li><a href="{views.alert_url(alert["id"])}">{say("ap_json")}</a></li>',
        f'<li><a href="{"/drills" if drill else "/"}">{say("ap_live")}</a></li>',
        "</ul></nav></main></body></html>",
    ]
    return "".join(parts)


@router.get("/alerts/{alert_id}")
def alert_page(request: Request, services: Services, alert_id: AlertId, lang: str | None = None) -> Response:
    alert = views.published_json(services.public.published(alert_id))
    language = chosen_language([text["language"] for text in alert["texts"]], (lang or "")[:35],
                               request.headers.get("accept-language", "")[:200])
    answer = caching.cached(request, render(alert, language).encode("utf-8"), MEDIA_TYPES[".html"],
                            caching.ALERTS_MAX_AGE)
    answer.headers["Content-Language"] = language
    answer.headers["Vary"] = "Accept-Encoding, Accept-Language"
    return answer
