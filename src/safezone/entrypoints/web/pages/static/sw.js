/* The public page's service worker: after a first visit the page, its scripts, the zones and
   the last known alerts load without a network. Answers come from the network first; a copy
   of each is kept, stamped with when it was fetched (x-sz-cached-at), and answered only when
   the network fails, so the page can say plainly how old what it shows is. The live stream,
   a resident's own subscription and everything of the operators' are never kept. It also
   shows the Web Push notifications a subscription receives. */
"use strict";
var CACHE = "safezone-pages-v4";
var SHELL = ["/", "/drills", "/static/pages.css", "/static/common.js", "/static/shelter-report.js", "/static/public.js", "/static/subscribe.js", "/static/history.js", "/static/history-chart.js",
             "/vendor/leaflet/leaflet.js", "/vendor/leaflet/leaflet.css",
             "/messages/en.json", "/messages/uk.json", "/messages/ru.json"];

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return Promise.all(SHELL.map(function (url) {
      return fetch(url).then(function (response) { return response.ok ? keep(cache, url, response) : null; });
    }));
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) { return n !== CACHE; }).map(function (n) { return caches.delete(n); }));
  }).then(function () { return self.clients.claim(); }));
});

function kept(url) {
  var path = new URL(url).pathname;
  if (path === "/api/stream" || path.indexOf("/api/operator") === 0 || path === "/console" ||
      path.indexOf("/api/subscriptions") === 0) return false;
  return SHELL.indexOf(path) >= 0 || path.indexOf("/api/") === 0 || path.indexOf("/vendor/") === 0 ||
         path.indexOf("/static/") === 0;
}

function keep(cache, request, response) {
  return response.clone().blob().then(function (body) {
    var headers = new Headers(response.headers);
    headers.set("x-sz-cached-at", String(Date.now()));
    return cache.put(request, new Response(body, {status: response.status, statusText: response.statusText, headers: headers}));
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET" || new URL(request.url).origin !== self.location.origin || !kept(request.url)) return;
  // Always ask the server (a 304 is cheap): an answer the browser's HTTP cache still holds
  // must not pass for fresh when the server cannot be reached.
  event.respondWith(fetch(request.url, {cache: "no-cache", credentials: "same-origin"}).then(function (response) {
    if (response.ok) {
      var copy = response.clone();
      event.waitUntil(caches.open(CACHE).then(function (cache) { return keep(cache, request, copy); }));
    }
    return response;
  }).catch(function () {
    return caches.match(request).then(function (found) {
      return found || new Response(JSON.stringify({error: "offline", reason: "offline, and not kept from an earlier visit"}),
                                   {status: 503, headers: {"Content-Type": "application/json"}});
    });
  }));
});

/* A warning pushed to this device (the payload of adapters/channels/render.push_payload): shown
   at once; an Update, Cancel, stand-down or all-clear replaces the notification of its chain
   (its tag is the chain, as the push Topic is). A copy the push service delivers again (same
   delivery id) while the first is still shown is dropped, so a phone does not ring twice.
   A drill says so in its title (the payload's) and opens the drills view. */
var ENDS = ["cancel", "all-clear", "stand-down"];

function pushed(event) {
  var data = {};
  try { data = event.data ? event.data.json() : {}; } catch (e) { data = {body: event.data ? event.data.text() : ""}; }
  var drill = Boolean(data.status) && data.status !== "Actual";
  var tag = data.tag || "safezone";
  event.waitUntil(self.registration.getNotifications({tag: tag}).then(function (shown) {
    var again = data.id && shown.some(function (n) { return n.data && n.data.id === data.id; });
    if (again) return null;
    return self.registration.showNotification(data.title || "safezone", {
      body: data.body || "", lang: data.lang || "", tag: tag, renotify: true,
      requireInteraction: !drill && ENDS.indexOf(data.kind) < 0,
      data: {id: data.id || null, url: drill ? "/drills" : "/"}
    });
  }));
}

/* A tap opens the page: a window of ours already open is brought to the view the warning
   belongs to (the drills view for a drill), else a new one is opened. */
function tapped(event) {
  event.notification.close();
  var url = (event.notification.data && event.notification.data.url) || "/";
  event.waitUntil(self.clients.matchAll({type: "window"}).then(function (open) {
    var same = open.filter(function (c) { return new URL(c.url).pathname === url; })[0];
    var ours = same || open.filter(function (c) { return new URL(c.url).origin === self.location.origin; })[0];
    if (!ours) return self.clients.openWindow(url);
    var there = same ? Promise.resolve(same) : ours.navigate(url);
    return there.then(function (client) {
      return client && client.focus().catch(function () { return client; });  // focusing may be refused
    });
  }));
}

self.addEventListener("push", pushed);
self.addEventListener("notificationclick", tapped);
