/* The public page: the map of zones and alerts in force, "where am I", and alerts arriving live.
   The Actual view (/) never shows a drill; the drills view (/drills) shows only Exercise and
   Test messages, in the drill style. */
"use strict";
(function () {
  var t = SZ.t, el = SZ.el;
  var drills = SZ.drills, STATUSES = SZ.viewStatuses;
  var state = {alerts: {}, place: null, where: null, takeover: null, dismissed: {}, zones: null};
  var map, alertLayer, placeMarker, shelterLayer, registryLayer;
  var SHELTER_ZOOM = 12, NAMES_ZOOM = 10, namesLayer;

  function shows(alert) { return STATUSES.indexOf(alert.status) >= 0; }

  function savedPlace() {
    try { return JSON.parse(localStorage.getItem("sz-place") || "null"); } catch (e) { return null; }
  }

  function status(text) { document.getElementById("status").textContent = text || ""; }

  /* An answer the service worker kept from an earlier visit: say how old the oldest shown is. */
  function noteAge(answer) {
    if (answer && answer.cachedAt) {
      state.oldest = Math.min(state.oldest || Infinity, answer.cachedAt);
      showAge();
    }
    return answer;
  }

  function showAge() {
    var box = document.getElementById("age");
    box.hidden = !state.oldest;
    if (!state.oldest) return;
    box.textContent = t("offline_age", {time: SZ.clock(new Date(state.oldest).toISOString()),
                                        age: SZ.age(Date.now() - state.oldest)});
    document.body.classList.add("offline");
  }

  /* The text for the reader: their language, and the time to shelter of their area. */
  function textFor(alert, seconds) {
    var texts = alert.texts || [];
    var mine = texts.filter(function (x) { return x.language.toLowerCase().split("-")[0] === SZ.lang(); });
    var pool = mine.length ? mine : texts;
    var exact = pool.filter(function (x) { return x.time_to_shelter_s === seconds; });
    return exact[0] || pool[0] || {headline: alert.headline};
  }

  function myArea(alert) {
    var area = state.where && state.where.area;
    if (!area) return null;
    var found = (alert.areas || []).filter(function (a) { return a.id === area.id; });
    if (found.length) return found[0];
    var here = (state.where.alerts || []).concat(state.where.drills || []).filter(function (h) { return h.id === alert.id; });
    return here.length ? {id: here[0].area, time_to_shelter_s: here[0].time_to_shelter_s} : null;
  }

  // -- the alerts in force -----------------------------------------------------------------

  function loadAlerts() {
    var lists = STATUSES.map(function (s) { return SZ.fetchJSON("/api/alerts?status=" + s).then(noteAge); });
    return Promise.all(lists).then(function (answers) {
      state.alerts = {};
      answers.forEach(function (a) { a.body.alerts.forEach(function (x) { state.alerts[x.id] = x; }); });
      renderAlerts();
      drawAlerts();
    }).catch(function () { status(t("load_failed", {what: t("in_force")})); });
  }

  function drawAlerts() {
    var shapes = STATUSES.map(function (s) { return SZ.fetchJSON("/api/alerts.geojson?status=" + s); });
    return Promise.all(shapes).then(function (answers) {
      alertLayer.clearLayers();
      answers.forEach(function (a) { alertLayer.addData(a.body); });
    }).catch(function () { /* the list still says it */ });
  }

  function renderAlerts() {
    var list = document.getElementById("alerts");
    list.textContent = "";
    var items = Object.keys(state.alerts).map(function (k) { return state.alerts[k]; });
    items.sort(function (a, b) { return a.time_to_shelter_s - b.time_to_shelter_s; });
    if (!items.length) list.appendChild(el("li", {"class": "empty", text: t(drills ? "no_drills" : "none_in_force")}));
    items.forEach(function (alert) {
      var text = textFor(alert, alert.time_to_shelter_s);
      var names = (alert.areas || []).map(function (a) { return a.name; }).join(", ");
      list.appendChild(el("li", {"class": "alert-item" + (alert.status !== "Actual" ? " drill" : ""), "data-alert": alert.id}, [
        alert.status !== "Actual" ? el("strong", {"class": "marker", text: alert.banner || alert.status.toUpperCase()}) : null,
        el("span", {"class": "headline", text: text.headline}),
        el("span", {"class": "meta", text: t("time_to_shelter") + ": " + SZ.timeToShelter(alert.time_to_shelter_s) +
                                           " · " + t("expires", {time: SZ.clock(alert.expires)})}),
        el("span", {"class": "areas", text: names})
      ]));
    });
    document.getElementById("in-force-title").textContent = t(drills ? "drills_in_force" : "in_force");
  }

  // -- where am I --------------------------------------------------------------------------

  function locate() {
    if (!navigator.geolocation) { status(t("geo_denied")); return; }
    status(t("locating"));
    navigator.geolocation.getCurrentPosition(function (p) {
      status("");
      where(p.coords.latitude, p.coords.longitude);
    }, function () { status(t("geo_denied")); }, {enableHighAccuracy: true, timeout: 15000, maximumAge: 60000});
  }

  function where(lat, lon) {
    state.place = {lat: lat, lon: lon};
    try { localStorage.setItem("sz-place", JSON.stringify(state.place)); } catch (e) { /* private mode */ }
    if (placeMarker) placeMarker.setLatLng([lat, lon]);
    else placeMarker = L.circleMarker([lat, lon], {radius: 9, color: "#000", weight: 3, fillColor: "#fff", fillOpacity: 1})
      .bindTooltip(t("your_place")).addTo(map);
    return SZ.fetchJSON("/api/where?shelters=5&lat=" + lat.toFixed(5) + "&lon=" + lon.toFixed(5)).then(noteAge)
      .then(function (answer) {
        state.where = answer.body;
        renderWhere();
        announce();
        var here = drills ? state.where.drills : state.where.alerts;
        var open = here.filter(function (h) { return state.alerts[h.id] && !state.dismissed[h.id]; });
        if (open.length && !state.takeover) takeover(state.alerts[open[0].id]);
      }).catch(function () { status(t("load_failed", {what: t("where_title")})); });
  }

  /* Other parts of the page (subscribing, the history) follow the chosen place. */
  function announce() {
    document.dispatchEvent(new CustomEvent("sz:where", {detail: {place: state.place, where: state.where}}));
  }

  function shelterFacts(s) {
    return [s.kind, s.capacity ? t("capacity", {n: s.capacity}) : null,
            s.accessible === true ? t("step_free") : s.accessible === false ? t("not_step_free") : null,
            s.opening ? t("opening", {hours: s.opening}) : null];
  }

  /* Every shelter in view once the map is close enough to tell them apart. */
  function loadShelters() {
    if (map.getZoom() < SHELTER_ZOOM) { registryLayer.clearLayers(); return; }
    var b = map.getBounds();
    var box = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) { return v.toFixed(4); }).join(",");
    SZ.fetchJSON("/api/shelters.geojson?bbox=" + box).then(function (answer) {
      registryLayer.clearLayers();
      answer.body.features.forEach(function (f) {
        var p = f.properties;
        L.circleMarker([p.lat, p.lon], {radius: 6, color: "#064e3b", weight: 2, fillColor: "#a7f3d0", fillOpacity: 0.9,
                                        className: "shelter-marker"})
          .bindPopup("<strong></strong><br><span></span><div></div>").on("popupopen", function (e) {
            var node = e.popup.getElement();
            node.querySelector("strong").textContent = p.name;
            node.querySelector("span").textContent = shelterFacts(p).filter(Boolean).join(" · ");
            var report = node.querySelector(".leaflet-popup-content > div");
            report.textContent = "";
            if (p.id) report.appendChild(SZ_REPORT.widget(p.id, p.name));
          }).addTo(registryLayer);
      });
    }).catch(function () { /* zoom in further, or offline: the nearest ones stay listed */ });
  }

  /* Area outlines named after their largest settlement, once close enough to read them. */
  function loadAreaNames() {
    if (map.getZoom() < NAMES_ZOOM) { namesLayer.clearLayers(); return; }
    var b = map.getBounds();
    var box = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) { return v.toFixed(4); }).join(",");
    SZ.fetchJSON("/api/areas.geojson?bbox=" + box).then(function (answer) {
      namesLayer.clearLayers();
      L.geoJSON(answer.body, {interactive: false, style: {color: "#374151", weight: 1, fill: false},
        onEachFeature: function (f, layer) {
          layer.bindTooltip(f.properties.name, {permanent: true, direction: "center", className: "area-label"});
        }}).addTo(namesLayer);
    }).catch(function () { /* too many in view, or offline: the bands stay */ });
  }

  function shelterItem(s, from, withReport) {
    var line = t("shelter_line", {distance: Math.round(s.distance_m), minutes: Math.max(1, Math.round(s.walking_s / 60)),
                                  direction: SZ.direction(from.lat, from.lon, s.lat, s.lon)});
    var facts = shelterFacts(s);
    return el("li", {"class": s.in_time ? "in-time" : "late", "data-shelter": String(s.id)}, [
      el("strong", {text: s.name}), el("span", {text: " — " + line + " (" + t(s.in_time ? "in_time" : "not_in_time") + ")"}),
      el("span", {"class": "facts", text: facts.filter(Boolean).join(" · ")}),
      s.id && withReport ? SZ_REPORT.widget(s.id, s.name) : null
    ]);
  }

  function renderWhere() {
    var box = document.getElementById("where"), w = state.where;
    box.textContent = "";
    if (!w) return;
    if (!w.inside) box.appendChild(el("p", {"class": "outside", text: t("outside")}));
    else {
      var a = w.area, sides = (state.zones && state.zones.sides) || [];
      var side = sides.filter(function (s) { return s.code === a.side; })[0];
      box.appendChild(el("dl", {"class": "facts-list"}, [
        el("dt", {text: t("area")}), el("dd", {"class": "area-name", text: a.name}),
        el("dt", {text: t("side")}), el("dd", {text: side ? side.name : a.side}),
        el("dt", {text: t("band")}), el("dd", {text: t("band_value", {min: a.min_km, max: a.max_km})}),
        el("dt", {text: t("time_to_shelter")}), el("dd", {"class": "tts", text: SZ.timeToShelter(w.time_to_shelter_s)})
      ]));
    }
    var here = drills ? w.drills : w.alerts;
    box.appendChild(el("h3", {text: t(drills ? "drills_here" : "alerts_here")}));
    if (!here.length) box.appendChild(el("p", {"class": "none-here", text: t(drills ? "no_drills_here" : "no_alerts_here")}));
    else box.appendChild(el("ul", {"class": "here"}, here.map(function (h) {
      var head = h.headline[SZ.lang()] || h.headline[Object.keys(h.headline)[0]];
      return el("li", {"class": h.status !== "Actual" ? "drill" : ""}, [el("span", {text: head + " — " + SZ.timeToShelter(h.time_to_shelter_s)})]);
    })));
    box.appendChild(el("h3", {text: t("nearest_shelters")}));
    if (!w.shelters.length) box.appendChild(el("p", {text: t("no_shelters")}));
    else box.appendChild(el("ul", {"class": "shelters"}, w.shelters.map(function (s) { return shelterItem(s, w, true); })));
    shelterLayer.clearLayers();
    w.shelters.forEach(function (s) {
      L.circleMarker([s.lat, s.lon], {radius: 6, color: "#064e3b", weight: 2, fillColor: "#10b981", fillOpacity: 0.9})
        .bindPopup(s.name + (s.kind ? " — " + s.kind : "") + (s.capacity ? " · " + t("capacity", {n: s.capacity}) : ""))
        .addTo(shelterLayer);
    });
  }

  // -- the screen an alert for your place fills --------------------------------------------

  function takeover(alert) {
    state.takeover = {alert: alert, ended: null};
    showTakeover();
  }

  function showTakeover() {
    var box = document.getElementById("takeover"), now = state.takeover;
    if (!now) { box.hidden = true; return; }
    var alert = now.alert, area = myArea(alert);
    var seconds = area ? area.time_to_shelter_s : alert.time_to_shelter_s;
    var text = textFor(alert, seconds);
    box.className = "takeover" + (alert.status !== "Actual" ? " drill" : "") + (now.ended ? " ended" : "");
    box.setAttribute("data-alert", alert.id);
    document.getElementById("takeover-marker").textContent = alert.status !== "Actual" ? (alert.banner || t("drill_banner")) : t("take_shelter");
    document.getElementById("takeover-headline").textContent = now.ended ? t(now.ended === "cancel" ? "ended_cancel" : "ended_all_clear") : text.headline;
    document.getElementById("takeover-instruction").textContent = now.ended ? "" : (text.instruction || "");
    document.getElementById("takeover-description").textContent = now.ended ? "" : (text.description || "");
    var list = document.getElementById("takeover-shelters");
    list.textContent = "";
    if (!now.ended && state.where) state.where.shelters.slice(0, 3).forEach(function (s) { list.appendChild(shelterItem(s, state.where)); });
    list.previousElementSibling.hidden = !!now.ended || !list.children.length;
    now.deadline = Date.parse(alert.issued_at) + Math.max(0, seconds) * 1000;
    tick();
    box.hidden = false;
    box.scrollTop = 0;
    document.getElementById("takeover-headline").focus({preventScroll: true});
    window.szShownAt = performance.now();
  }

  function tick() {
    var now = state.takeover, counter = document.getElementById("takeover-countdown");
    if (!now || now.ended) { counter.textContent = ""; return; }
    var left = Math.ceil((now.deadline - Date.now()) / 1000);
    counter.textContent = left > 0 ? t("countdown", {n: left}) : t("shelter_now");
    counter.classList.toggle("now", left <= 0);
  }

  /* An alert past its expiry is no longer in force: it leaves the list (and the screen). */
  function pruneExpired() {
    var now = Date.now(), gone = false;
    Object.keys(state.alerts).forEach(function (id) {
      if (Date.parse(state.alerts[id].expires) <= now) { delete state.alerts[id]; gone = true; }
    });
    if (state.takeover && !state.takeover.ended && Date.parse(state.takeover.alert.expires) <= now) closeTakeover();
    if (gone) { renderAlerts(); drawAlerts(); }
  }

  function closeTakeover() {
    if (state.takeover) state.dismissed[state.takeover.alert.id] = true;
    state.takeover = null;
    document.getElementById("takeover").hidden = true;
  }

  // -- live --------------------------------------------------------------------------------

  function onMessage(kind, alert) {
    window.szReceivedAt = performance.now();
    if (!shows(alert)) return;  // never a drill on the Actual view, nor the reverse
    var ending = kind === "cancel" || kind === "all-clear";
    var previous = alert.follows;
    if (previous) delete state.alerts[previous];
    var concerned = state.takeover && (state.takeover.alert.id === previous || state.takeover.alert.id === alert.id);
    if (ending) {
      if (concerned) { state.takeover.ended = kind; showTakeover(); }
    } else {
      state.alerts[alert.id] = alert;
      if (concerned || myArea(alert)) takeover(alert);
    }
    renderAlerts();
    drawAlerts();
    if (state.place) refreshWhere();
  }

  function refreshWhere() {
    return SZ.fetchJSON("/api/where?shelters=5&lat=" + state.place.lat.toFixed(5) + "&lon=" + state.place.lon.toFixed(5))
      .then(function (answer) { state.where = answer.body; renderWhere(); announce(); }).catch(function () { /* kept */ });
  }

  function listen() {
    if (!window.EventSource) return;
    var source = new EventSource("/api/stream");
    source.onopen = function () {
      status(t("live"));
      if (state.oldest) { state.oldest = null; showAge(); document.body.classList.remove("offline"); loadAlerts(); }
      document.body.setAttribute("data-live", "1");
    };
    source.onerror = function () { status(t("reconnecting")); document.body.removeAttribute("data-live"); };
    ["alert", "update", "cancel", "all-clear"].forEach(function (kind) {
      source.addEventListener(kind, function (e) { onMessage(kind, JSON.parse(e.data)); });
    });
    source.addEventListener("resync", function () { loadAlerts(); if (state.place) refreshWhere(); });
  }

  function legend(zones) {
    var box = document.getElementById("legend"), seen = {};
    box.textContent = "";
    box.appendChild(el("h3", {text: t("legend")}));
    var list = el("ul", {});
    zones.features.forEach(function (f) {
      var p = f.properties;
      if (seen[p.band]) return;
      seen[p.band] = true;
      var swatch = el("span", {"class": "swatch", "aria-hidden": "true"});
      swatch.style.background = SZ.bandColour(p.band);
      list.appendChild(el("li", {}, [swatch, el("span", {text: t("legend_band", {min: p.min_km, max: p.max_km, time: SZ.timeToShelter(p.time_to_shelter_s)})})]));
    });
    var hatch = el("span", {"class": "swatch alert-swatch", "aria-hidden": "true"});
    list.appendChild(el("li", {}, [hatch, el("span", {text: t("legend_alert")})]));
    var border = el("span", {"class": "swatch border-swatch", "aria-hidden": "true"});
    list.appendChild(el("li", {}, [border, el("span", {text: t("legend_border")})]));
    box.appendChild(list);
  }

  function start() {
    document.body.classList.toggle("drill", drills);
    document.getElementById("drill-banner").hidden = !drills;
    document.getElementById(drills ? "link-drills" : "link-actual").setAttribute("aria-current", "page");
    var select = document.getElementById("lang");
    var chosen = SZ.chooseLanguage();
    select.value = chosen;
    map = SZ.makeMap("map");
    window.szMap = map;  // for tests and the benchmark: where a place is on screen
    alertLayer = L.geoJSON(null, {style: {color: "#7f1d1d", weight: 4, dashArray: "6 4", fillColor: "#dc2626", fillOpacity: 0.35},
      onEachFeature: function (f, layer) { layer.bindTooltip(f.properties.headline || ""); }}).addTo(map);
    namesLayer = L.layerGroup().addTo(map);
    map.on("moveend", loadAreaNames);
    registryLayer = L.layerGroup().addTo(map);
    shelterLayer = L.layerGroup().addTo(map);
    map.on("moveend", loadShelters);
    map.on("click", function (e) { where(e.latlng.lat, e.latlng.lng); });
    document.getElementById("locate").addEventListener("click", locate);
    document.getElementById("takeover-close").addEventListener("click", closeTakeover);
    document.addEventListener("keydown", function (e) { if (e.key === "Escape" && state.takeover) closeTakeover(); });
    setInterval(tick, 250);
    setInterval(showAge, 30000);
    setInterval(pruneExpired, 5000);
    select.addEventListener("change", function () {
      SZ.setLanguage(select.value).then(function () { renderAlerts(); renderWhere(); showAge(); if (state.zones) legend(state.zonesLayer); showTakeover(); document.getElementById("view-name").textContent = t(drills ? "view_drills_name" : "view_actual_name"); });
    });
    SZ.setLanguage(chosen).then(function () {
      document.getElementById("view-name").textContent = t(drills ? "view_drills_name" : "view_actual_name");
      return SZ.drawZones(map, function (answer) { noteAge(answer); state.zones = answer.body.safezone || {}; state.zonesLayer = answer.body; legend(answer.body); });
    }).catch(function () { status(t("load_failed", {what: t("map_label")})); })
      .then(function () { listen(); return loadAlerts(); }).then(function () {
        var place = savedPlace();
        if (place) where(place.lat, place.lon);
        document.body.setAttribute("data-ready", "1");
      });
    if ("serviceWorker" in navigator) navigator.serviceWorker.register("/sw.js", {scope: "/"}).catch(function () {});
  }

  start();
})();
