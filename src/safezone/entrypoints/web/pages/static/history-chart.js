/* Per day, the chosen area's minutes under alert (bars) and number of alerts (the figure over
   each bar), for the last 7 or 30 UTC days, from /api/stats. Drawn here as inline SVG (no
   chart library, nothing fetched but our own API), and given in words too: the SVG has a title
   and a summary, and the same figures are in a table, so nothing is said by colour or shape
   alone. The Actual view counts Actual alerts only; /drills counts Exercises and Tests only. */
"use strict";
(function () {
  var t = SZ.t, el = SZ.el, SVG = "http://www.w3.org/2000/svg", DAY_MS = 86400000;
  var WIDTH = 320, HEIGHT = 150, TOP = 22, BOTTOM = 18, LEFT = 4;
  var drills = SZ.drills;
  var area = null, span = 7, days = null, delay = 0, asked = 0;

  function $(id) { return document.getElementById(id); }

  function svg(tag, attrs, text) {
    var node = document.createElementNS(SVG, tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  /* The last `n` UTC days, oldest first, today last (the days /api/stats counts in). */
  function lastDays(n) {
    var today = Math.floor(Date.now() / DAY_MS) * DAY_MS, found = [];
    for (var i = n - 1; i >= 0; i--) found.push(new Date(today - i * DAY_MS).toISOString().slice(0, 10));
    return found;
  }

  function load() {
    var mine = ++asked, wanted = lastDays(span);
    SZ.fetchArchive("stats", area.id, wanted[0]).then(function (found) {
      if (mine !== asked) return;
      var per = {};
      wanted.forEach(function (day) { per[day] = {day: day, alerts: 0, minutes: 0}; });
      delay = 0;
      found.forEach(function (answer) {
        delay = Math.max(delay, answer.publication_delay_hours);
        answer.days.forEach(function (d) {
          if (!per[d.day]) return;
          per[d.day].alerts += d.alerts;
          // Exercises and Tests are counted apart by the API: together, never more than a day.
          per[d.day].minutes = Math.min(1440, Math.round((per[d.day].minutes + d.minutes_under_alert) * 10) / 10);
        });
      });
      days = wanted.map(function (day) { return per[day]; });
      render();
    }).catch(function () {
      if (mine !== asked) return;
      days = null;
      $("chart").hidden = false;
      $("chart-figure").textContent = "";
      $("chart-table").querySelector("tbody").textContent = "";
      $("chart-note").textContent = t("load_failed", {what: t(drills ? "chart_title_drills" : "chart_title", {area: area.name})});
    });
  }

  function dayLabel(day, long) {
    var options = long ? {weekday: "short", day: "numeric", month: "short", timeZone: "UTC"} : {day: "numeric", timeZone: "UTC"};
    return new Date(day + "T00:00:00Z").toLocaleDateString(SZ.lang(), options);
  }

  function chart(summary) {
    var most = Math.max(60, Math.max.apply(null, days.map(function (d) { return d.minutes; })));
    var slot = (WIDTH - LEFT) / days.length, room = HEIGHT - TOP - BOTTOM, every = days.length > 10 ? 5 : 1;
    var root = svg("svg", {viewBox: "0 0 " + WIDTH + " " + HEIGHT, role: "img", "aria-labelledby": "chart-svg-title chart-svg-desc",
                           "class": "day-chart", focusable: "false"});
    root.appendChild(svg("title", {id: "chart-svg-title"}, $("chart-title").textContent));
    root.appendChild(svg("desc", {id: "chart-svg-desc"}, summary));
    root.appendChild(svg("line", {x1: LEFT, x2: WIDTH, y1: TOP + room, y2: TOP + room, "class": "axis"}));
    root.appendChild(svg("text", {x: LEFT, y: 10, "class": "scale"}, t("chart_scale", {n: Math.round(most)})));
    days.forEach(function (d, i) {
      var height = d.minutes > 0 ? Math.max(2, room * d.minutes / most) : 0, x = LEFT + i * slot;
      var bar = svg("rect", {x: (x + slot * 0.15).toFixed(1), y: (TOP + room - height).toFixed(1), width: (slot * 0.7).toFixed(1),
                             height: height.toFixed(1), "class": "bar", "data-day": d.day, "data-minutes": String(d.minutes),
                             "data-alerts": String(d.alerts)});
      bar.appendChild(svg("title", {}, dayLabel(d.day, true) + ": " + t("chart_day", {alerts: d.alerts, minutes: d.minutes})));
      root.appendChild(bar);
      if (d.alerts > 0) {
        root.appendChild(svg("text", {x: (x + slot / 2).toFixed(1), y: (TOP + room - height - 3).toFixed(1), "class": "count",
                                      "text-anchor": "middle"}, String(d.alerts)));
      }
      if ((days.length - 1 - i) % every === 0) {
        root.appendChild(svg("text", {x: (x + slot / 2).toFixed(1), y: HEIGHT - 4, "class": "day", "text-anchor": "middle"},
                             dayLabel(d.day, false)));
      }
    });
    return root;
  }

  function render() {
    if (!days || !area) return;
    var alerts = 0, minutes = 0;
    days.forEach(function (d) { alerts += d.alerts; minutes += d.minutes; });
    $("chart-title").textContent = t(drills ? "chart_title_drills" : "chart_title", {area: area.name});
    var summary = t("chart_summary", {days: span, alerts: alerts, minutes: Math.round(minutes * 10) / 10});
    var figure = $("chart-figure");
    figure.textContent = "";
    figure.appendChild(chart(summary));
    figure.appendChild(el("p", {"class": "facts", text: summary}));
    var body = $("chart-table").querySelector("tbody");
    body.textContent = "";
    days.slice().reverse().forEach(function (d) {
      body.appendChild(el("tr", {"data-day": d.day}, [el("th", {scope: "row", text: dayLabel(d.day, true)}),
                                                      el("td", {text: String(d.alerts)}), el("td", {text: String(d.minutes)})]));
    });
    document.querySelectorAll("#chart-range button").forEach(function (b) {
      b.setAttribute("aria-pressed", String(Number(b.getAttribute("data-days")) === span));
    });
    $("chart-note").textContent = delay > 0 ? t("hist_delay", {n: delay}) : "";
    $("chart").hidden = false;
  }

  document.querySelectorAll("#chart-range button").forEach(function (b) {
    b.addEventListener("click", function () {
      span = Number(b.getAttribute("data-days"));
      if (area) load();
    });
  });
  document.addEventListener("sz:where", function (e) {
    var next = e.detail.where && e.detail.where.area;
    if (!next) { $("chart").hidden = true; area = null; days = null; return; }
    area = next;
    load();
  });
  document.addEventListener("sz:language", render);
})();
