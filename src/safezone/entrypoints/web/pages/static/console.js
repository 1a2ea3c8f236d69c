/* The operator console: log in, compose (status first; a drill changes the whole screen), pick
   areas on the map, by a place name, by a band of distances around a place, or by drawing a
   polygon (draw.js), preview who it reaches, edit texts per language, submit;
   approve or reject other people's alerts (never one's own); issue; cancel or all-clear in one
   step. Workflow steps arrive live from /api/operator/stream. */
"use strict";
(function () {
  var el = SZ.el, t = SZ.t, CELL_BROADCAST = 360, API = "/api/operator";
  var session = null, options = null, map, areaLayer, reviewed = null;
  var selected = {};  // area id -> name
  var draft = null;   // the last preview
  var draw = null;    // the polygon draw mode (draw.js)
  var bandPlace = null;  // the centre of a band: a place from the search
  var rendering = false;

  function $(id) { return document.getElementById(id); }
  function say(text) { $("status").textContent = text || ""; }

  function call(method, url, body) {
    var headers = {"Accept": "application/json"};
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (method !== "GET" && session) headers["X-CSRF-Token"] = session.csrf_token;
    return fetch(url, {method: method, headers: headers, credentials: "same-origin",
                       body: body === undefined ? undefined : JSON.stringify(body)})
      .then(function (response) {
        if (response.status === 204) return null;
        return response.json().then(function (data) {
          if (!response.ok) {
            var error = new Error(SZ.reason(data, response.statusText));
            error.status = response.status;
            error.field = data && data.field;
            throw error;
          }
          return data;
        });
      });
  }

  function problem(error) {
    return typeof error.message === "string" ? error.message : JSON.stringify(error.message);
  }

  /* A value's word in the catalogue (states, kinds), or the value itself if it has none. */
  function word(prefix, value) {
    var key = prefix + String(value).replace(/-/g, "_"), found = t(key);
    return found === key ? String(value) : found;
  }

  function statusName(status) { return t("c_status_" + status.toLowerCase()); }

  /* The stage banner and title say what the chosen status does, in the operator's language. */
  function showStage() {
    var status = chosenStatus();
    $("stage-banner").textContent = t(status ? "c_stage_" + status.toLowerCase() : "c_stage_none");
    $("console-title").textContent = !status ? t("c_title") : status === "Actual" ? t("c_title_actual")
                                                            : t("c_title_drill", {status: statusName(status).toUpperCase()});
  }

  /* Everything drawn by script again in the chosen language (static text follows data-i18n). */
  function relabel() {
    showStage();
    renderSelected();
    showBandPlace();
    if (draw) draw.refresh();
    if (session) {
      $("who").textContent = session.user + " (" + session.roles.map(function (r) { return t("c_role_" + r); }).join(", ") + ")";
      if (options) fillThreats();
      refresh();  // a preview on screen keeps its words (and any edits) until the next one
    }
  }

  function has(role) { return session && session.roles.indexOf(role) >= 0; }

  // -- session ------------------------------------------------------------------------------

  function start() {
    var select = $("lang"), chosen = SZ.chooseLanguage();
    select.value = chosen;
    select.addEventListener("change", function () { SZ.setLanguage(select.value).then(relabel); });
    SZ.setLanguage(chosen).then(relabel).finally(begin);
  }

  function begin() {
    call("GET", API + "/me").then(enter).catch(function () { $("login").hidden = false; $("username").focus(); });
    $("login").addEventListener("submit", function (e) {
      e.preventDefault();
      $("login-error").textContent = "";
      call("POST", API + "/login", {username: $("username").value, password: $("password").value})
        .then(enter).catch(function (error) { $("login-error").textContent = problem(error); });
    });
    $("logout").addEventListener("click", function () {
      call("POST", API + "/logout").finally(function () { location.reload(); });
    });
  }

  function enter(me) {
    session = me;
    $("login").hidden = true;
    $("desk").hidden = false;
    $("logout").hidden = false;
    $("who").textContent = me.user + " (" + me.roles.map(function (r) { return t("c_role_" + r); }).join(", ") + ")";
    $("compose").hidden = !has("issuer");
    $("draw").hidden = !has("issuer");
    $("ready-section").hidden = !has("issuer");
    $("queue-section").hidden = !has("approver");
    makeMap();
    call("GET", API + "/options").then(function (o) { options = o; fillOptions(); });
    refresh();
    var source = listen();
    // Other parts of the desk (console-reports.js) work through the same session and stream.
    document.dispatchEvent(new CustomEvent("sz:desk", {detail: {call: call, has: has, say: say, source: source}}));
    document.dispatchEvent(new CustomEvent("sz:operator", {detail: me}));  // console-admin.js: its screens
    document.body.setAttribute("data-ready", "1");
  }

  // -- the map -----------------------------------------------------------------------------

  function areaStyle(feature) {
    var id = feature.properties.id, chosen = !!selected[id];
    var review = reviewed && reviewed.indexOf(id) >= 0;
    return {color: review ? "#1d4ed8" : chosen ? "#7f1d1d" : SZ.bandColour(feature.properties.band),
            weight: chosen || review ? 4 : 1, fillOpacity: chosen || review ? 0.5 : 0.15,
            fillColor: review ? "#3b82f6" : chosen ? "#dc2626" : SZ.bandColour(feature.properties.band)};
  }

  function makeMap() {
    map = SZ.makeMap("cmap");
    window.szMap = map;
    areaLayer = L.geoJSON(null, {style: areaStyle, onEachFeature: function (f, layer) {
      showName(layer, f.properties.name + " — " + SZ.timeToShelter(f.properties.time_to_shelter_s));
      layer.on("click", function () { if (!draw.active()) toggle(f.properties.id, f.properties.name); });
    }}).addTo(map);
    draw = SZDraw.attach(map, {start: $("draw-start"), finish: $("draw-finish"), undo: $("draw-undo"), clear: $("draw-clear"),
                               status: $("draw-status"), error: $("draw-error")}, t, polygonChanged);
    SZ.drawZones(map).then(function (answer) { fillPresets(answer.body); loadAreas(); });
    map.on("moveend", loadAreas);
  }

  /* The area's name shows on hover and on keyboard focus; a click only selects. A tooltip
     bound to the layer (bindTooltip) is also opened again on each click, which lays the page
     out: ten times the cost of the click under a flood. So one name box for the map, opened
     and closed here with Leaflet's public calls. */
  var areaName = null, named = null;  // the name box, and the area it names
  function showName(layer, text) {
    areaName = areaName || L.tooltip();
    function show() {
      if (named === layer && areaName.isOpen()) return;  // already says it: no layout
      named = layer;
      map.openTooltip(areaName.setLatLng(layer.getCenter()).setContent(text));
      layer.getElement().setAttribute("aria-describedby", areaName.getElement().id);
    }
    function hide() { if (named === layer) { named = null; map.closeTooltip(areaName); } }
    layer.on({mouseover: show, mouseout: hide, remove: hide});
    layer.once("add", function () {
      layer.getElement().addEventListener("focus", show);
      layer.getElement().addEventListener("blur", hide);
    });
  }

  function loadAreas() {
    var b = map.getBounds();
    var box = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) { return v.toFixed(4); }).join(",");
    window.szAreaLoading = (window.szAreaLoading || 0) + 1;
    SZ.fetchJSON("/api/areas.geojson?bbox=" + box).then(function (answer) {
      areaLayer.clearLayers();
      areaLayer.addData(answer.body);
      window.szAreaLoads = (window.szAreaLoads || 0) + 1;
    }).catch(function (error) { say(problem(error)); })
      .finally(function () { window.szAreaLoading -= 1; });
  }

  function restyle() { areaLayer.setStyle(areaStyle); }

  /* A preview made before the polygon changed no longer says what would be sent. */
  function polygonChanged() {
    $("compose-error").textContent = "";
    $("preview-box").textContent = "";
    draft = null;
  }

  // -- composing ---------------------------------------------------------------------------

  function fillThreats() {
    var threat = $("threat"), was = threat.value;
    threat.textContent = "";
    options.threats.forEach(function (c) {
      threat.appendChild(el("option", {value: c.name, text: t("c_threat_option", {name: c.name, km: c.max_range_km})}));
    });
    if (was) threat.value = was;
  }

  function fillOptions() {
    fillThreats();
    var langs = $("languages");
    langs.textContent = "";
    options.languages.forEach(function (code) {
      var box = el("input", {type: "checkbox", value: code, checked: "checked"});
      langs.appendChild(el("label", {}, [box, document.createTextNode(" " + code)]));
    });
    document.querySelectorAll("input[name=status]").forEach(function (radio) {
      radio.addEventListener("change", function () { chooseStatus(radio.value); });
    });
    $("search").addEventListener("input", search);
    $("band-select").addEventListener("click", selectBand);
    $("preview").addEventListener("click", preview);
  }

  function chooseStatus(status) {
    document.body.classList.remove("status-Actual", "status-Exercise", "status-Test");
    document.body.classList.add("status-" + status);
    showStage();
    $("compose-rest").disabled = false;
    $("preview-box").textContent = "";
    draft = null;
  }

  function chosenStatus() {
    var radio = document.querySelector("input[name=status]:checked");
    return radio ? radio.value : null;
  }

  function toggle(id, name) {
    if (selected[id]) delete selected[id]; else selected[id] = name;
    showSelection();
  }

  /* The list and the map follow the selection once a frame, however many clicks came. */
  function showSelection() {
    if (rendering) return;
    rendering = true;
    requestAnimationFrame(function () { rendering = false; renderSelected(); restyle(); });
  }

  function renderSelected() {
    var list = $("selected");
    list.textContent = "";
    Object.keys(selected).forEach(function (id) {
      var remove = el("button", {type: "button", text: t("remove"), "aria-label": t("remove") + " " + selected[id]});
      remove.addEventListener("click", function () { toggle(id, selected[id]); });
      list.appendChild(el("li", {"data-area": id}, [el("span", {text: selected[id] + " (" + id + ") "}), remove]));
    });
    if (!list.children.length) list.appendChild(el("li", {text: t("c_none_yet")}));
  }

  var searching = 0;
  function search() {
    var q = $("search").value.trim(), mine = ++searching, list = $("search-results");
    if (q.length < 2) { list.textContent = ""; return; }
    SZ.fetchJSON("/api/areas/search?q=" + encodeURIComponent(q)).then(function (answer) {
      if (mine !== searching) return;
      list.textContent = "";
      answer.body.areas.forEach(function (a) {
        var add = el("button", {type: "button", text: t("c_add_area", {name: a.name + (a.matched !== a.name ? " (" + a.matched + ")" : ""),
                                                                   time: SZ.timeToShelter(a.time_to_shelter_s)})});
        add.addEventListener("click", function () {
          if (!selected[a.id]) toggle(a.id, a.name);
          map.fitBounds([[a.bbox[1], a.bbox[0]], [a.bbox[3], a.bbox[2]]], {maxZoom: 11});
        });
        var item = el("li", {}, [add]);
        if (a.place) {
          var around = el("button", {type: "button", "class": "around", text: t("c_band_around", {name: a.place.name})});
          around.addEventListener("click", function () { bandPlace = a.place; showBandPlace(); $("band-max").focus(); });
          item.appendChild(document.createTextNode(" "));
          item.appendChild(around);
        }
        list.appendChild(item);
      });
      if (!answer.body.areas.length) list.appendChild(el("li", {text: t("c_no_area_named")}));
    }).catch(function (error) { list.textContent = problem(error); });
  }

  // -- a band around a place ----------------------------------------------------------------

  function showBandPlace() {
    $("band-place").textContent = bandPlace ? t("c_band_place", {name: bandPlace.name, lat: bandPlace.lat, lon: bandPlace.lon})
                                            : t("c_band_no_place");
  }

  /* The zone set's distance bands as presets (a band from the border, used around the place). */
  function fillPresets(zones) {
    var seen = {}, box = $("band-presets");
    box.textContent = "";
    zones.features.forEach(function (f) {
      var p = f.properties, key = p.min_km + "-" + p.max_km;
      if (seen[key]) return;
      seen[key] = true;
      var preset = el("button", {type: "button", text: t("c_band_preset", {min: p.min_km, max: p.max_km})});
      preset.addEventListener("click", function () { $("band-min").value = String(p.min_km); $("band-max").value = String(p.max_km); });
      box.appendChild(preset);
    });
  }

  var banding = 0;
  function selectBand() {
    var error = $("band-error"), low = $("band-min").value.trim() || "0", high = $("band-max").value.trim();
    error.textContent = "";
    if (!bandPlace) { error.textContent = t("c_band_need_place"); return; }
    if (!/^\d+(\.\d+)?$/.test(low) || !/^\d+(\.\d+)?$/.test(high)) { error.textContent = t("c_band_need_km"); return; }
    var mine = ++banding, button = $("band-select");
    button.disabled = true;
    call("GET", API + "/areas/near?place=" + encodeURIComponent(bandPlace.id) + "&min_km=" + low + "&max_km=" + high)
      .then(function (answer) {
        if (mine !== banding) return;
        answer.areas.forEach(function (a) { selected[a.id] = a.name; });
        showSelection();
        say(t(answer.count ? "c_band_chosen" : "c_band_none", {n: answer.count, min: low, max: high, name: bandPlace.name}));
        map.fitBounds(L.latLng(bandPlace.lat, bandPlace.lon).toBounds(Number(high) * 2000), {maxZoom: 12});
      }).catch(function (e) { error.textContent = problem(e); })
      .finally(function () { button.disabled = false; });
  }

  function compositionBody(texts) {
    var languages = [];
    document.querySelectorAll("#languages input:checked").forEach(function (box) { languages.push(box.value); });
    var body = {status: chosenStatus(), threat: $("threat").value, languages: languages, areas: Object.keys(selected)};
    var minutes = Number($("lifetime").value);
    if ($("lifetime").value.trim()) body.lifetime_minutes = minutes;
    if (texts) body.texts = texts;
    var polygon = draw.polygon();
    if (polygon) body.polygon = polygon;
    return body;
  }

  function preview() {
    $("compose-error").textContent = "";
    if (!chosenStatus()) { $("compose-error").textContent = t("c_need_status"); return; }
    if (draw.problem()) { $("compose-error").textContent = draw.problem(); return; }
    if (!Object.keys(selected).length && !draw.polygon()) { $("compose-error").textContent = t("c_need_areas"); return; }
    if (!/^\d+$/.test($("lifetime").value.trim())) { $("compose-error").textContent = t("c_need_lifetime"); return; }
    call("POST", API + "/alerts", compositionBody()).then(showPreview).catch(refused);
  }

  /* The server's reason on the page; a refused polygon's next to the map as well. */
  function refused(error) {
    $("compose-error").textContent = problem(error);
    if (error.field === "polygon") draw.say(problem(error));
  }

  function countLine(total) {
    return el("p", {"class": "count" + (total > CELL_BROADCAST ? " over" : ""),
                    text: t("c_cell_broadcast", {n: total, max: CELL_BROADCAST}) +
                          (total > CELL_BROADCAST ? t("c_cell_too_long") : "")});
  }

  function showPreview(p) {
    draft = p;
    var box = $("preview-box"), alert = p.alert;
    box.textContent = "";
    box.appendChild(el("h3", {text: t("c_preview") + (alert.status !== "Actual" ? t("c_preview_drill", {status: statusName(alert.status)}) : "")}));
    var bands = {};
    p.areas.forEach(function (a) { bands[a.time_to_shelter_s] = (bands[a.time_to_shelter_s] || 0) + a.population; });
    box.appendChild(el("p", {"class": "reach", text: t("c_reach", {population: p.population.toLocaleString(SZ.lang()), areas: p.areas.length,
                             settlements: p.settlements, subscribers: p.subscribers === null ? p.subscribers_note : p.subscribers})}));
    box.appendChild(el("ul", {"class": "by-band"}, Object.keys(bands).map(function (s) {
      return el("li", {text: t("c_band_people", {time: SZ.timeToShelter(Number(s)), n: bands[s].toLocaleString(SZ.lang())})});
    })));
    var perLang = {};
    alert.texts.forEach(function (t) { if (!perLang[t.language]) perLang[t.language] = t; });
    Object.keys(perLang).forEach(function (lang) {
      var text = perLang[lang], field = el("fieldset", {"data-lang": lang}, [el("legend", {text: t("c_text_in", {lang: lang})})]);
      ["headline", "description", "instruction"].forEach(function (name) {
        var id = "text-" + lang + "-" + name, area = el("textarea", {id: id, rows: name === "headline" ? "2" : "3", "data-field": name});
        area.value = text[name] || "";
        var count = el("span", {"class": "count", "aria-live": "polite"});
        field.appendChild(el("label", {"for": id, text: t("c_field_" + name)}));
        field.appendChild(area);
        field.appendChild(count);
      });
      var total = el("div", {"class": "total"});
      field.appendChild(total);
      field.addEventListener("input", function () { counts(field); });
      box.appendChild(field);
      counts(field);
    });
    var submit = el("button", {type: "button", "class": "primary", id: "submit",
                               text: alert.status === "Actual" ? t("c_submit") : t("c_issue_now", {status: statusName(alert.status)})});
    submit.addEventListener("click", submitDraft);
    box.appendChild(el("p", {}, [submit]));
  }

  function counts(field) {
    var total = 0;
    field.querySelectorAll("textarea").forEach(function (area) {
      var n = area.value.length;
      total += area.getAttribute("data-field") === "description" ? 0 : n;
      area.nextElementSibling.textContent = t("c_characters", {n: n});
    });
    var holder = field.querySelector(".total");
    holder.textContent = "";
    holder.appendChild(countLine(total));  // headline + instruction: what a cell broadcast carries
  }

  function editedTexts() {
    var texts = {}, edited = false;
    var original = {};
    draft.alert.texts.forEach(function (t) { if (!original[t.language]) original[t.language] = t; });
    document.querySelectorAll("#preview-box fieldset[data-lang]").forEach(function (field) {
      var lang = field.getAttribute("data-lang"), text = {};
      field.querySelectorAll("textarea").forEach(function (area) {
        var name = area.getAttribute("data-field");
        text[name] = area.value;
        if (area.value !== (original[lang][name] || "")) edited = true;
      });
      texts[lang] = text;
    });
    return edited ? texts : null;
  }

  function submitDraft() {
    $("compose-error").textContent = "";
    var texts = editedTexts();
    var ready = texts ? call("POST", API + "/alerts", compositionBody(texts)) : Promise.resolve(draft);
    ready.then(function (p) {
      var id = p.alert.id;
      return call("POST", API + "/alerts/" + id + "/submit").then(function (submitted) {
        if (submitted.status === "Actual") return submitted;
        return call("POST", API + "/alerts/" + id + "/issue");
      });
    }).then(function (result) {
      say(t(result.state === "issued" ? "c_issued" : "c_submitted", {id: result.id}));
      $("preview-box").textContent = "";
      selected = {};
      draw.clear();
      showSelection();
      refresh();
    }).catch(refused);
  }

  // -- the queues --------------------------------------------------------------------------

  function refresh() {
    call("GET", API + "/alerts?limit=200").then(function (answer) {
      var alerts = answer.alerts;
      renderQueue(alerts.filter(function (a) { return a.state === "submitted"; }));
      renderReady(alerts.filter(function (a) { return a.state === "approved"; }));
      renderInForce(alerts.filter(function (a) { return a.in_force && (a.kind === "alert" || a.kind === "update"); }));
    }).catch(function (error) { if (error.status === 401) location.reload(); else say(problem(error)); });
  }

  function card(alert, buttons) {
    var texts = alert.texts.map(function (t) {
      return el("li", {lang: t.language}, [el("strong", {text: t.language + ": "}), el("span", {text: t.headline}),
                                           el("span", {"class": "facts", text: t.instruction || ""})]);
    });
    var names = alert.areas.map(function (a) { return a.name; }).join(", ");
    var show = el("button", {type: "button", text: t("c_show_on_map")});
    show.addEventListener("click", function () { review(alert); });
    return el("article", {"class": "card" + (alert.status !== "Actual" ? " drill" : ""), "data-alert": alert.id}, [
      el("h3", {text: "#" + alert.id + " " + statusName(alert.status).toUpperCase() + " " + word("c_kind_", alert.kind) + " — " + alert.threat}),
      el("p", {text: t("c_card_facts", {areas: names, time: SZ.timeToShelter(alert.time_to_shelter_s), who: alert.workflow.created_by || "?"})}),
      el("ul", {}, texts), el("p", {}, [show].concat(buttons))
    ]);
  }

  function review(alert) {
    reviewed = alert.areas.map(function (a) { return a.id; });
    restyle();
    var found = [];
    areaLayer.eachLayer(function (layer) { if (reviewed.indexOf(layer.feature.properties.id) >= 0) found.push(layer); });
    if (found.length) map.fitBounds(L.featureGroup(found).getBounds(), {maxZoom: 11});
  }

  function action(label, fn) {
    var button = el("button", {type: "button", text: label});
    button.addEventListener("click", function () {
      button.disabled = true;
      fn().then(function (r) { say(t("c_done", {action: label, id: r.id, state: word("c_state_", r.state)})); refresh(); })
        .catch(function (error) { say(problem(error)); button.disabled = false; refresh(); });
    });
    return button;
  }

  function renderQueue(alerts) {
    var box = $("queue");
    box.textContent = "";
    alerts.forEach(function (a) {
      var mine = a.workflow.created_by === session.user || a.workflow.submitted_by === session.user;
      var buttons = [];
      if (mine) buttons.push(el("span", {"class": "own", text: " " + t("c_own_alert")}));
      else {
        var reason = el("input", {type: "text", "aria-label": t("c_reject_reason_label", {id: a.id}), placeholder: t("c_reject_reason")});
        buttons.push(action(t("c_approve"), function () { return call("POST", API + "/alerts/" + a.id + "/approve"); }));
        buttons.push(reason);
        buttons.push(action(t("c_reject"), function () {
          if (!reason.value.trim()) return Promise.reject(new Error(t("c_reject_why")));
          return call("POST", API + "/alerts/" + a.id + "/reject", {reason: reason.value.trim()});
        }));
      }
      box.appendChild(card(a, buttons));
    });
    if (!alerts.length) box.appendChild(el("p", {text: t("c_queue_empty")}));
  }

  function renderReady(alerts) {
    var box = $("ready");
    box.textContent = "";
    alerts.forEach(function (a) {
      box.appendChild(card(a, [action(t("c_issue"), function () { return call("POST", API + "/alerts/" + a.id + "/issue"); })]));
    });
    if (!alerts.length) box.appendChild(el("p", {text: t("c_ready_empty")}));
  }

  function renderInForce(alerts) {
    var box = $("in-force");
    box.textContent = "";
    inForce = alerts.map(function (a) { return a.id; });
    alerts.forEach(function (a) {
      var buttons = has("issuer") ? [
        action(t("c_cancel"), function () { return call("POST", API + "/alerts/" + a.id + "/cancel"); }),
        action(t("c_all_clear"), function () { return call("POST", API + "/alerts/" + a.id + "/all-clear"); })
      ] : [];
      var shown = card(a, buttons);
      shown.appendChild(el("p", {"class": "progress", "data-progress": String(a.id), "aria-live": "polite",
                                 text: progressText(receipts[a.id])}));
      box.appendChild(shown);
    });
    if (!alerts.length) box.appendChild(el("p", {text: t("none_in_force")}));
    pollDeliveries();
  }

  // -- delivery progress of the alerts in force ------------------------------------------------

  var inForce = [], receipts = {}, polling = null, round = 0, PROGRESS_EVERY_MS = 2000;

  /* targeted / sent / delivered / failed, and the time from issue to hand-over. */
  function progressText(r) {
    if (!r) return t("c_deliveries_counting");
    var s = r.states, line = t("c_deliveries", {total: r.total, queued: s.queued, sent: s.sent, delivered: s.delivered,
                                                failed: s.failed, dead: s.dead, expired: s.expired});
    if (r.latency) line += t("c_latency", {p50: Math.round(r.latency.p50_ms), p99: Math.round(r.latency.p99_ms)});
    return line;
  }

  /* Every few seconds while alerts are in force: the fan-out of a large alert takes a while. */
  function pollDeliveries() {
    if (polling) clearTimeout(polling);
    polling = null;
    var mine = ++round;  // a refresh starts a new round; an older one still running stops
    if (!inForce.length) return;
    Promise.all(inForce.map(function (id) {
      return call("GET", API + "/alerts/" + id + "/deliveries").then(function (r) {
        receipts[id] = r;
        var line = document.querySelector("[data-progress='" + id + "']");
        if (line) line.textContent = progressText(r);
      }).catch(function () { /* the next round tries again */ });
    })).finally(function () { if (mine === round) polling = setTimeout(pollDeliveries, PROGRESS_EVERY_MS); });
  }

  function listen() {
    var source = new EventSource(API + "/stream");
    source.onopen = function () { document.body.setAttribute("data-live", "1"); };
    source.onerror = function () { document.body.removeAttribute("data-live"); };
    ["alert.submitted", "alert.approved", "alert.rejected", "alert.issued"].forEach(function (name) {
      source.addEventListener(name, function (e) {
        var step = JSON.parse(e.data);
        if (name === "alert.submitted" && has("approver")) say(t("c_new_submission", {id: step.id}));
        refresh();
      });
    });
    return source;
  }

  window.SZConsole = {call: call, problem: problem, say: say};  // for console-admin.js
  renderSelected();
  start();
})();
