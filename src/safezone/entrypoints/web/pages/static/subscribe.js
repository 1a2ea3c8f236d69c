/* Subscribing from the public page: Web Push through the page's service worker (with the
   server's VAPID key from /api/push-key) and/or e-mail, for the chosen place or chosen alert
   areas, in the chosen languages, drills only if asked. The manage token is kept on this
   device alone (localStorage); with it the page shows, changes and deletes the subscription.
   Nothing else of it is stored in the browser. */
"use strict";
(function () {
  var t = SZ.t, el = SZ.el, KEY = "sz-subscription";
  var current = {place: null, area: null}, areas = {}, held = null, shown = null;

  function $(id) { return document.getElementById(id); }
  function fail(text) { $("sub-error").textContent = text || ""; }

  function stored() {
    try { return JSON.parse(localStorage.getItem(KEY) || "null"); } catch (e) { return null; }
  }

  function store(value) {
    try {
      if (value) localStorage.setItem(KEY, JSON.stringify(value)); else localStorage.removeItem(KEY);
    } catch (e) { /* private mode: the subscription still works, the page just cannot manage it later */ }
  }

  function manage(method, body) {
    var headers = {"Authorization": "Bearer " + held.token, "Accept": "application/json"};
    if (body) headers["Content-Type"] = "application/json";
    return fetch("/api/subscriptions/" + encodeURIComponent(held.id),
                 {method: method, headers: headers, body: body ? JSON.stringify(body) : undefined, cache: "no-store"})
      .then(function (response) {
        if (response.status === 204) return null;
        return response.json().then(function (data) {
          if (!response.ok) { var e = new Error(SZ.reason(data, response.statusText)); e.status = response.status; throw e; }
          return data;
        });
      });
  }

  function pushSupported() { return "serviceWorker" in navigator && "PushManager" in window; }

  /* The key as PushManager wants it: the bytes of the base64url text. */
  function keyBytes(text) {
    var padded = (text + "===".slice((text.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = atob(padded), bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes;
  }

  function pushSubscription() {
    if (!pushSupported()) return Promise.reject(new Error(t("sub_push_unsupported")));
    return SZ.fetchJSON("/api/push-key").catch(function () { return {body: {}}; })
      .then(function (answer) {
        if (!answer.body.public_key) throw new Error(t("sub_push_off"));
        return navigator.serviceWorker.ready.then(function (registration) {
          return registration.pushManager.subscribe({userVisibleOnly: true,
                                                     applicationServerKey: keyBytes(answer.body.public_key)});
        });
      }).then(function (subscription) {
        var json = subscription.toJSON();
        return {endpoint: json.endpoint, keys: {p256dh: json.keys.p256dh, auth: json.keys.auth}};
      }, function (error) { throw new Error(error && error.name === "NotAllowedError" ? t("sub_push_denied") : error.message); });
  }

  function dropPush() {
    if (!pushSupported()) return Promise.resolve();
    return navigator.serviceWorker.getRegistration("/").then(function (registration) {
      return registration && registration.pushManager.getSubscription();
    }).then(function (subscription) { return subscription && subscription.unsubscribe(); }).catch(function () {});
  }

  function scope() { return document.querySelector("input[name=sub-scope]:checked").value; }

  function languages() {
    var chosen = [];
    document.querySelectorAll("input[name=sub-lang]:checked").forEach(function (box) { chosen.push(box.value); });
    return chosen;
  }

  /* The request, checked here first so that the person is told what is missing in their words. */
  function request() {
    var body = {languages: languages(), drills: $("sub-drills").checked};
    if (scope() === "place") {
      if (!current.place) throw new Error(t("sub_need_place"));
      body.place = {lat: Number(current.place.lat.toFixed(5)), lon: Number(current.place.lon.toFixed(5))};
    } else {
      body.areas = Object.keys(areas);
      if (!body.areas.length) throw new Error(t("sub_need_areas"));
    }
    var email = $("sub-email").value.trim();
    if (email) body.email = email;
    if (!$("sub-push").checked && !email) throw new Error(t("sub_need_channel"));
    if (!body.languages.length) throw new Error(t("sub_need_language"));
    return body;
  }

  function save(event) {
    event.preventDefault();
    fail("");
    var body;
    try { body = request(); } catch (e) { fail(e.message); return; }
    var button = $("sub-save");
    button.disabled = true;
    var push = $("sub-push").checked ? pushSubscription() : Promise.resolve(null);
    push.then(function (subscription) {
      if (subscription) body.push = subscription;
      if (held) return manage("PUT", body);
      return SZ.fetchJSON("/api/subscriptions", {method: "POST", headers: {"Content-Type": "application/json"},
                                                 body: JSON.stringify(body)}).then(function (answer) { return answer.body; });
    }).then(function (answer) {
      if (answer.token) { held = {id: answer.id, token: answer.token}; store(held); }
      if (!body.push) dropPush();
      show(answer);
    }).catch(function (error) { fail(error.message); })
      .finally(function () { button.disabled = false; });
  }

  function remove() {
    fail("");
    manage("DELETE").catch(function (error) { if (error.status !== 404) throw error; })
      .then(function () {
        held = null;
        store(null);
        show(null);
        $("sub-summary").parentNode.hidden = false;
        $("sub-summary").textContent = t("sub_deleted");
        $("sub-delete").hidden = true;
        return dropPush();
      }).catch(function (error) { fail(error.message); });
  }

  function show(subscription) {
    shown = subscription;
    $("sub-manage").hidden = !subscription;
    $("sub-delete").hidden = !subscription;
    $("sub-save").textContent = t(subscription ? "sub_change" : "sub_save");
    document.body.toggleAttribute("data-subscribed", !!subscription);
    if (!subscription) return;
    var channels = subscription.channels.map(function (c) { return t("sub_channel_" + c); });
    var where = subscription.has_place ? t("sub_for_place") : t("sub_for_areas", {n: subscription.areas.length});
    var lines = [t("sub_summary", {where: where, channels: channels.join(", ") || "—",
                                   languages: subscription.languages.join(", ")}),
                 subscription.drills ? t("sub_with_drills") : t("sub_without_drills")];
    if (subscription.email === "pending") lines.push(t("sub_email_pending"));
    $("sub-summary").textContent = lines.join(" ");
    $("sub-drills").checked = subscription.drills;
    document.querySelectorAll("input[name=sub-lang]").forEach(function (box) {
      box.checked = subscription.languages.indexOf(box.value) >= 0;
    });
    $("sub-push").checked = subscription.channels.indexOf("webpush") >= 0;
    if (!subscription.has_place && subscription.areas.length) {
      document.querySelector("input[name=sub-scope][value=areas]").checked = true;
      subscription.areas.forEach(function (id) { if (!areas[id]) areas[id] = id; });
      renderAreas();
    }
  }

  function renderAreas() {
    var list = $("sub-areas");
    list.textContent = "";
    Object.keys(areas).forEach(function (id) {
      var drop = el("button", {type: "button", "class": "small", text: t("remove"), "aria-label": t("remove") + " " + areas[id]});
      drop.addEventListener("click", function () { delete areas[id]; renderAreas(); });
      list.appendChild(el("li", {"data-area": id}, [el("span", {text: areas[id] + " "}), drop]));
    });
  }

  function addArea() {
    fail("");
    if (!current.area) { fail(t("sub_need_place")); return; }
    areas[current.area.id] = current.area.name;
    document.querySelector("input[name=sub-scope][value=areas]").checked = true;
    renderAreas();
  }

  function start() {
    $("sub-form").addEventListener("submit", save);
    $("sub-delete").addEventListener("click", remove);
    $("sub-add-area").addEventListener("click", addArea);
    if (!pushSupported()) $("sub-push-label").hidden = true;
    document.addEventListener("sz:where", function (e) {
      current.place = e.detail.place;
      current.area = e.detail.where && e.detail.where.area;
    });
    document.addEventListener("sz:language", function (e) {
      if (!held && !languages().length) {
        var box = document.querySelector("input[name=sub-lang][value='" + e.detail + "']");
        if (box) box.checked = true;
      }
      show(shown);
      renderAreas();
    });
    held = stored();
    if (held) {
      manage("GET").then(show).catch(function (error) {
        if (error.status === 404) { held = null; store(null); show(null); fail(t("sub_gone")); }
      });
    }
  }

  start();
})();
