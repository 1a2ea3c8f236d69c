/* The chosen place's last 24 hours (/api/history for its alert area): each warning's start,
   end and how it ended. The Actual view lists Actual warnings only; the drills view lists
   Exercises and Tests only, so a drill is never read as a real alert. The archive publishes an
   ended warning only after its delay (24 h by default), and the page says so. */
"use strict";
(function () {
  var t = SZ.t, el = SZ.el, DAY_MS = 86400000;
  var drills = SZ.drills;
  var area = null, answers = null, asked = 0;

  function $(id) { return document.getElementById(id); }

  function since() {
    return new Date(Math.floor((Date.now() - DAY_MS) / 60000) * 60000).toISOString().slice(0, 16) + "Z";
  }

  function load() {
    var mine = ++asked;
    SZ.fetchArchive("history", area.id, since()).then(function (found) {
      if (mine !== asked) return;
      answers = found;
      render();
    }).catch(function () {
      if (mine !== asked) return;
      answers = null;
      $("history").hidden = false;
      $("history-list").textContent = "";
      $("history-note").textContent = t("load_failed", {what: t("hist_title")});
    });
  }

  function render() {
    if (!answers) return;
    var entries = [], delay = 0;
    answers.forEach(function (a) { entries = entries.concat(a.entries); delay = Math.max(delay, a.publication_delay_hours); });
    entries.sort(function (a, b) { return Date.parse(b.start) - Date.parse(a.start); });
    $("history-title").textContent = t(drills ? "hist_title_drills" : "hist_title");
    var list = $("history-list");
    list.textContent = "";
    entries.forEach(function (e) {
      var ended = e.ended === "in force" ? t("hist_in_force")
                : t("hist_ended", {time: SZ.clock(e.end), how: t("hist_" + e.ended.replace(/[ -]/g, "_"))});
      list.appendChild(el("li", {"class": "history-item" + (e.status !== "Actual" ? " drill" : ""), "data-alert": String(e.alert_id),
                                 "data-ended": e.ended}, [
        e.status !== "Actual" ? el("strong", {"class": "marker", text: t("hist_drill_" + e.status.toLowerCase())}) : null,
        el("span", {"class": "when", text: t("hist_started", {time: SZ.clock(e.start)}) + " · " + ended}),
        el("span", {"class": "facts", text: e.threat})
      ]));
    });
    if (!entries.length) list.appendChild(el("li", {"class": "empty", text: t(drills ? "hist_none_drills" : "hist_none")}));
    $("history-note").textContent = delay > 0 ? t("hist_delay", {n: delay}) : "";
    $("history").hidden = false;
  }

  document.addEventListener("sz:where", function (e) {
    area = e.detail.where && e.detail.where.area;
    if (!area) { $("history").hidden = true; answers = null; return; }
    load();
  });
  document.addEventListener("sz:language", render);
})();
