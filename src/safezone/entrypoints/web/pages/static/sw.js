/* The public page's service worker: after a first visit the page, its scripts, the zones and
   the last known alerts load without a network. Answers come from the network first; a copy
   of each is kept, stamped with when it was fetched (x-sz-cached-at), and answered only when
   the network fails, so the page can say plainly how old what it shows is. The live stream,
   a resident's own subscription and everything of the operators' are never kept. It also
   shows the Web Push notifications a subscription receives. */
"use strict";
var CACHE = "safezone-pages-v3";
var SHELL = ["/", "/drills", "/static/pages.css", "/static/common.js", "/static/public.js", "/static/subscribe.js", "/static/history.js", "/static/history-chart.js",
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
   at once; an Update, Cancel or all-clear replaces the notification of its chain (same tag). */
self.addEventListener("push", function (event) {
  var data = {};
  try { data = event.data ? event.data.json() : {}; } catch (e) { data = {body: event.data ? event.data.text() : ""}; }
  var drill = data.status && data.status !== "Actual";
  event.waitUntil(self.registration.showNotification(data.title || "safezone", {
    body: data.body || "", lang: data.lang || "", tag: data.tag || "safezone", renotify: true,
    requireInteraction: !drill && data.kind !== "cancel" && data.kind !== "all-clear",
    data: {url: drill ? "/drills" : "/"}
  }));
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var url = (event.notification.data && event.notification.data.url) || "/";
  event.waitUntil(self.clients.matchAll({type: "window", includeUncontrolled: true}).then(function (open) {
    var same = open.filter(function (c) { return new URL(c.url).pathname === url; });
    return same.length ? same[0].focus() : self.clients.openWindow(url);
  }));
});
