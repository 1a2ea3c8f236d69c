/* Shared by the public page and the console: message catalogues, fetching (with the age of
   data a service worker answered offline), and the base map drawn from safezone's own data. */
"use strict";
var SZ = (function () {
  var LANGS = ["en", "uk", "ru"];
  var BAND_COLOURS = ["#8b0000", "#c2410c", "#b7791f", "#4d7c0f", "#1d4ed8", "#6b21a8"];
  var messages = {};
  var lang = "en";

  function chooseLanguage() {
    var saved = null;
    try { saved = localStorage.getItem("sz-lang"); } catch (e) { /* private mode */ }
    if (saved && LANGS.indexOf(saved) >= 0) return saved;
    var wanted = navigator.languages || [navigator.language || "en"];
    for (var i = 0; i < wanted.length; i++) {
      var primary = String(wanted[i]).toLowerCase().split("-")[0];
      if (LANGS.indexOf(primary) >= 0) return primary;
    }
    return "en";
  }

  function t(key, values) {
    var text = messages[key];
    if (text === undefined) text = key;
    if (typeof text !== "string") return text;
    return text.replace(/\{(\w+)\}/g, function (_, name) {
      return values && values[name] !== undefined ? String(values[name]) : "{" + name + "}";
    });
  }

  function applyMessages(root) {
    (root || document).querySelectorAll("[data-i18n]").forEach(function (el) {
      el.textContent = t(el.getAttribute("data-i18n"));
    });
    (root || document).querySelectorAll("[data-i18n-label]").forEach(function (el) {
      el.setAttribute("aria-label", t(el.getAttribute("data-i18n-label")));
    });
    (root || document).querySelectorAll("[data-i18n-placeholder]").forEach(function (el) {
      el.setAttribute("placeholder", t(el.getAttribute("data-i18n-placeholder")));
    });
  }

  function setLanguage(code) {
    lang = LANGS.indexOf(code) >= 0 ? code : "en";
    try { localStorage.setItem("sz-lang", lang); } catch (e) { /* private mode */ }
    return fetchJSON("/messages/" + lang + ".json").then(function (answer) {
      messages = answer.body;
      document.documentElement.lang = lang;
      applyMessages();
      document.dispatchEvent(new CustomEvent("sz:language", {detail: lang}));
      return lang;
    });
  }

  /* A JSON answer, and how old it is when the service worker answered from its cache. */
  function fetchJSON(url, options) {
    return fetch(url, options).then(function (response) {
      var cachedAt = response.headers.get("x-sz-cached-at");
      return response.json().then(function (body) {
        if (!response.ok) {
          var error = new Error(reason(body, response.statusText));
          error.status = response.status;
          error.body = body;
          throw error;
        }
        return {body: body, cachedAt: cachedAt ? Number(cachedAt) : null};
      });
    });
  }

  /* A refusal's reason a person can act on, with the field at fault (see web.errors). */
  function reason(body, fallback) {
    if (!body || typeof body.reason !== "string") return fallback;
    return body.reason + (body.field ? " (" + body.field + ")" : "");
  }

  function timeToShelter(seconds) {
    if (seconds === null || seconds === undefined) return "—";
    return seconds <= 0 ? t("immediately") : t("seconds", {n: seconds});
  }

  function bandColour(band) { return BAND_COLOURS[Math.min(band, BAND_COLOURS.length - 1)]; }

  /* A map with no tiles from anyone unless the deployment names a tile server. */
  function makeMap(element) {
    var map = L.map(element, {zoomControl: true, attributionControl: true, preferCanvas: false});
    map.setView([50.5, 33.0], 6);
    // Leaflet 1.9's default prefix carries a national flag: the pages take no side, so plain words.
    map.attributionControl.setPrefix("Leaflet");
    var tiles = document.querySelector('meta[name="safezone-tiles"]');
    var url = tiles && tiles.content;
    if (url && url.indexOf("{z}") >= 0) L.tileLayer(url, {maxZoom: 18}).addTo(map);
    return map;
  }

  /* Bands coloured by distance, the border line, and area outlines with their names. */
  function drawZones(map, onReady) {
    return fetchJSON("/api/zones.geojson").then(function (answer) {
      var layer = L.geoJSON(answer.body, {
        style: function (f) {
          return {color: bandColour(f.properties.band), weight: 1, fillColor: bandColour(f.properties.band),
                  fillOpacity: 0.18};
        }
      }).addTo(map);
      var meta = answer.body.safezone || {};
      if (meta.border) L.geoJSON(meta.border, {style: {color: "#111", weight: 3, dashArray: "8 4"}, interactive: false}).addTo(map);
      if (layer.getBounds().isValid()) map.fitBounds(layer.getBounds(), {padding: [8, 8], animate: false});
      if (onReady) onReady(answer);
      return answer;
    });
  }

  function bearing(fromLat, fromLon, toLat, toLon) {
    var r = Math.PI / 180, f1 = fromLat * r, f2 = toLat * r, dl = (toLon - fromLon) * r;
    var y = Math.sin(dl) * Math.cos(f2);
    var x = Math.cos(f1) * Math.sin(f2) - Math.sin(f1) * Math.cos(f2) * Math.cos(dl);
    return (Math.atan2(y, x) / r + 360) % 360;
  }

  function direction(fromLat, fromLon, toLat, toLon) {
    var names = t("directions");
    var index = Math.round(bearing(fromLat, fromLon, toLat, toLon) / 45) % 8;
    return Array.isArray(names) ? names[index] : "";
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k]; else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) node.appendChild(c); });
    return node;
  }

  /* The drills view (/drills) shows Exercise and Test messages only; the Actual view, Actual only. */
  var DRILLS = location.pathname.replace(/\/+$/, "") === "/drills";
  var VIEW_STATUSES = DRILLS ? ["Exercise", "Test"] : ["Actual"];

  /* One archive answer (`history` or `stats`) per status of this view, for one area since `from`:
     their bodies, in the order of VIEW_STATUSES (the API never mixes Actual and drills). */
  function fetchArchive(kind, areaId, from) {
    return Promise.all(VIEW_STATUSES.map(function (status) {
      return fetchJSON("/api/" + kind + "?status=" + status + "&area=" + encodeURIComponent(areaId) + "&from=" + from)
        .then(function (answer) { return answer.body; });
    }));
  }

  function clock(iso) {
    var d = new Date(iso);
    return d.toLocaleTimeString(lang, {hour: "2-digit", minute: "2-digit"});
  }

  function age(ms) {
    var minutes = Math.max(0, Math.round(ms / 60000));
    return minutes < 120 ? t("age_minutes", {n: minutes}) : t("age_hours", {n: Math.round(minutes / 60)});
  }

  return {
    LANGS: LANGS, t: t, chooseLanguage: chooseLanguage, setLanguage: setLanguage, applyMessages: applyMessages,
    fetchJSON: fetchJSON, reason: reason, timeToShelter: timeToShelter, bandColour: bandColour, makeMap: makeMap,
    drawZones: drawZones, direction: direction, el: el, clock: clock, age: age, drills: DRILLS, viewStatuses: VIEW_STATUSES, fetchArchive: fetchArchive,
    lang: function () { return lang; }
  };
})();
