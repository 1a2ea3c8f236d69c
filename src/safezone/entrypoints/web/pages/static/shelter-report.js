/* "Report a problem" with a shelter, in two taps: the button, then one of four problems; the
   report is sent at once and the answer said in words (thanks, or how long to wait when too
   many reports came). Nothing about the resident is sent: the shelter and the problem only. */
"use strict";
var SZ_REPORT = (function () {
  var el = SZ.el, t = SZ.t;
  var PROBLEMS = ["locked", "full", "not_accessible", "gone"];

  function send(shelterId, problem, result, choices) {
    choices.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
    return fetch("/api/shelters/" + shelterId + "/reports", {
      method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify({problem: problem})
    }).then(function (response) {
      if (response.ok) {
        choices.hidden = true;
        result.className = "report-result sent";
        result.textContent = t("report_sent", {problem: t("problem_" + problem)});
        return;
      }
      return response.json().catch(function () { return null; }).then(function (body) {
        result.className = "report-result error";
        result.textContent = response.status === 429
          ? t("report_limited", {n: response.headers.get("Retry-After") || "60"})
          : t("report_failed", {reason: SZ.reason(body, response.statusText)});
        choices.querySelectorAll("button").forEach(function (b) { b.disabled = false; });
      });
    }).catch(function () {
      result.className = "report-result error";
      result.textContent = t("report_failed", {reason: t("report_offline")});
      choices.querySelectorAll("button").forEach(function (b) { b.disabled = false; });
    });
  }

  /* The button, its four choices and where the answer is said, for one shelter. */
  function widget(shelterId, name) {
    var result = el("p", {"class": "report-result", role: "status", "aria-live": "polite"});
    var choices = el("div", {"class": "report-choices", role: "group",
                             "aria-label": t("report_what", {name: name})}, PROBLEMS.map(function (problem) {
      var choice = el("button", {type: "button", "data-problem": problem, text: t("problem_" + problem)});
      choice.addEventListener("click", function () { send(shelterId, problem, result, choices); });
      return choice;
    }));
    choices.hidden = true;
    var open = el("button", {type: "button", "class": "report-open", "aria-expanded": "false", text: t("report_open")});
    open.addEventListener("click", function () {
      choices.hidden = !choices.hidden;
      open.setAttribute("aria-expanded", String(!choices.hidden));
      if (!choices.hidden) { result.textContent = ""; choices.querySelector("button").focus(); }
    });
    return el("div", {"class": "report", "data-shelter": String(shelterId)}, [open, choices, result]);
  }

  return {widget: widget, PROBLEMS: PROBLEMS};
})();
