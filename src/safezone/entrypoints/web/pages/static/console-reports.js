/* The console's "Shelter reports": residents' open reports, newest first, each with Close
   shelter and Dismiss (both audited on the server); kept current by the operator stream.
   Shown to issuers and admins, who may handle them. */
"use strict";
(function () {
  var el = SZ.el, t = SZ.t, API = "/api/operator/shelter-reports";
  var desk = null;

  function line(r) {
    return t("c_report_line", {shelter: r.shelter_name, problem: t("problem_" + r.problem), count: r.count,
                               time: SZ.clock(r.last_at)});
  }

  function button(label, report, step, done) {
    var b = el("button", {type: "button", text: label, "aria-label": label + ": " + report.shelter_name});
    b.addEventListener("click", function () {
      b.disabled = true;
      desk.call("POST", API + "/" + report.id + "/" + step).then(function (r) {
        desk.say(t(done, {shelter: r.shelter_name}));
        load();
      }).catch(function (error) { desk.say(error.message); b.disabled = false; load(); });
    });
    return b;
  }

  function render(reports) {
    var list = document.getElementById("reports");
    list.textContent = "";
    reports.forEach(function (r) {
      list.appendChild(el("li", {"data-report": String(r.id), "data-shelter": String(r.shelter_id)}, [
        el("span", {text: line(r)}), el("span", {"class": "report-actions"}, [
          button(t("c_report_close"), r, "close-shelter", "c_report_closed"),
          button(t("c_report_dismiss"), r, "dismiss", "c_report_dismissed")
        ])
      ]));
    });
    if (!reports.length) list.appendChild(el("li", {"class": "none", text: t("c_reports_none")}));
  }

  function load() {
    return desk.call("GET", API).then(function (answer) { render(answer.reports); })
      .catch(function (error) { desk.say(error.message); });
  }

  document.addEventListener("sz:desk", function (e) {
    desk = e.detail;
    if (!desk.has("issuer") && !desk.has("admin")) return;
    document.getElementById("reports-section").hidden = false;
    ["shelter.reported", "shelter_report.dismissed", "shelter_report.acted"].forEach(function (name) {
      desk.source.addEventListener(name, load);
    });
    document.addEventListener("sz:language", load);
    load();
  });
})();
