/* The console's audit and accounts screens. Shown by role: the audit log to admins and
   approvers, the accounts to admins only (the API refuses anyone else anyway). The chain's
   verification is a sentence with a mark, never a colour alone. Uses console.js's `call`. */
"use strict";
(function () {
  var el = SZ.el, t = SZ.t, API = "/api/operator", ROLES = ["issuer", "approver", "admin", "analyst"];
  var me = null, verdict = null, cursor = null, shown = [];

  function $(id) { return document.getElementById(id); }
  function call(method, url, body) { return SZConsole.call(method, url, body); }
  function has(role) { return me && me.roles.indexOf(role) >= 0; }
  function roleNames(roles) { return roles.map(function (r) { return t("c_role_" + r); }).join(", "); }

  // -- screens -------------------------------------------------------------------------------

  function enter(event) {
    me = event.detail;
    var audit = has("admin") || has("approver");
    screenButton("audit-view").hidden = !audit;
    screenButton("accounts-view").hidden = !has("admin");
    $("screens").hidden = !audit;
    document.querySelectorAll("#screens button").forEach(function (button) {
      button.addEventListener("click", function () { show(button.getAttribute("data-screen")); });
    });
  }

  function screenButton(id) { return document.querySelector("#screens [data-screen='" + id + "']"); }

  function show(id) {
    ["alerts-view", "audit-view", "accounts-view"].forEach(function (view) {
      $(view).hidden = view !== id;
      if (view === id) screenButton(view).setAttribute("aria-current", "page");
      else screenButton(view).removeAttribute("aria-current");
    });
    if (id === "alerts-view" && window.szMap) window.szMap.invalidateSize();
    if (id === "audit-view") { loadAudit(null); if (has("admin")) verify(); else showVerdict(); }
    if (id === "accounts-view") loadAccounts();
  }

  // -- the audit log ---------------------------------------------------------------------------

  /* A datetime-local value is the operator's local time: sent as UTC. */
  function isoOf(input) { return input.value ? new Date(input.value).toISOString() : null; }

  function filters() {
    var wanted = {actor: $("audit-actor").value.trim(), action: $("audit-action").value.trim(),
                  alert: $("audit-alert").value.trim(), from: isoOf($("audit-from")), to: isoOf($("audit-to"))};
    var query = [];
    Object.keys(wanted).forEach(function (k) { if (wanted[k]) query.push(k + "=" + encodeURIComponent(wanted[k])); });
    return query;
  }

  function loadAudit(before) {
    $("audit-error").textContent = "";
    var query = filters().concat(["limit=50"]);
    if (before) query.push("before=" + before);
    return call("GET", API + "/audit?" + query.join("&")).then(function (page) {
      shown = page.entries;
      cursor = page.next_before;
      renderAudit(before);
    }).catch(function (error) { $("audit-error").textContent = SZConsole.problem(error); });
  }

  function renderAudit(paged) {
    var body = $("audit-table").tBodies[0];
    body.textContent = "";
    shown.forEach(function (e) {
      var details = Object.keys(e.details).length ? JSON.stringify(e.details) : "";
      body.appendChild(el("tr", {"data-seq": String(e.seq)}, [
        el("td", {text: String(e.seq)}), el("td", {text: new Date(e.at).toLocaleString(SZ.lang())}),
        el("td", {text: e.actor}), el("td", {text: e.action}), el("td", {text: e.subject}),
        el("td", {"class": "details", text: details})]));
    });
    if (!shown.length) body.appendChild(el("tr", {}, [el("td", {colspan: "6", text: t("c_audit_none")})]));
    $("audit-older").hidden = cursor === null;
    $("audit-newest").hidden = !paged;
  }

  function verify() {
    verdict = {checking: true};
    showVerdict();
    call("GET", API + "/audit/verify").then(function (report) { verdict = report; })
      .catch(function (error) { verdict = {error: SZConsole.problem(error)}; })
      .finally(showVerdict);
  }

  /* The verdict in words with a mark (✓ / ✗), so it does not depend on seeing colour. */
  function showVerdict() {
    var box = $("audit-verdict"), v = verdict;
    $("audit-verify").hidden = !has("admin");
    box.className = "verdict";
    if (!has("admin")) { box.textContent = t("c_audit_admins_verify"); return; }
    if (!v || v.checking) { box.textContent = t("c_audit_checking"); return; }
    if (v.error) { box.textContent = v.error; box.classList.add("broken"); return; }
    if (v.intact) {
      box.textContent = "✓ " + t("c_audit_verified", {n: v.entries, hash: v.head.hash.slice(0, 16)});
      box.classList.add("ok");
    } else {
      var p = v.first_problem;
      box.textContent = "✗ " + t("c_audit_broken", {n: v.problem_count, seq: p.seq, what: p.kind + " — " + p.message});
      box.classList.add("broken");
    }
    box.setAttribute("data-intact", String(!!v.intact));
  }

  // -- accounts ------------------------------------------------------------------------------

  function loadAccounts() {
    return call("GET", API + "/users").then(function (answer) { renderAccounts(answer.users); })
      .catch(function (error) { $("accounts-error").textContent = SZConsole.problem(error); });
  }

  function roleBoxes(holder, chosen, prefix) {
    ROLES.forEach(function (role) {
      var box = el("input", {type: "checkbox", value: role, id: prefix + role});
      box.checked = box.defaultChecked = chosen.indexOf(role) >= 0;  // a form reset comes back to it
      holder.appendChild(el("label", {"for": prefix + role}, [box, document.createTextNode(" " + t("c_role_" + role))]));
    });
  }

  function checkedRoles(holder) {
    var roles = [];
    holder.querySelectorAll("input[type=checkbox]:checked").forEach(function (box) { roles.push(box.value); });
    return roles;
  }

  /* A change after a confirmation; the API's refusal (last admin, bad name) is shown as it says. */
  function change(question, method, url, body) {
    $("accounts-error").textContent = "";
    if (!window.confirm(question)) return;
    call(method, url, body).then(function (user) {
      SZConsole.say(t("c_accounts_done", {name: user.name}));
      loadAccounts();
    }).catch(function (error) { $("accounts-error").textContent = SZConsole.problem(error); });
  }

  function renderAccounts(users) {
    var body = $("accounts-table").tBodies[0];
    body.textContent = "";
    users.forEach(function (u) {
      var path = API + "/users/" + encodeURIComponent(u.name);
      var roles = el("fieldset", {"class": "inline"}, [el("legend", {"class": "visually-hidden", text: t("c_accounts_roles_of", {name: u.name})})]);
      roleBoxes(roles, u.roles, "roles-" + u.name + "-");
      var save = el("button", {type: "button", text: t("c_accounts_save_roles")});
      save.addEventListener("click", function () {
        var chosen = checkedRoles(roles);
        change(t("c_accounts_confirm_roles", {name: u.name, roles: roleNames(chosen) || "—"}), "PUT", path + "/roles", {roles: chosen});
      });
      var toggle = el("button", {type: "button", text: t(u.active ? "c_accounts_disable" : "c_accounts_enable")});
      toggle.addEventListener("click", function () {
        change(t(u.active ? "c_accounts_confirm_disable" : "c_accounts_confirm_enable", {name: u.name}),
               "POST", path + (u.active ? "/disable" : "/enable"));
      });
      body.appendChild(el("tr", {"data-user": u.name}, [
        el("th", {scope: "row", text: u.name}), el("td", {}, [roles, save]),
        el("td", {"class": u.active ? "active" : "disabled", text: t(u.active ? "c_accounts_enabled" : "c_accounts_disabled")}),
        el("td", {}, [toggle])]));
    });
  }

  function add(event) {
    event.preventDefault();
    var name = $("new-name").value.trim(), roles = checkedRoles($("new-roles"));
    $("accounts-error").textContent = "";
    if (!roles.length) { $("accounts-error").textContent = t("c_accounts_need_role"); return; }
    if (!window.confirm(t("c_accounts_confirm_add", {name: name, roles: roleNames(roles)}))) return;
    call("POST", API + "/users", {name: name, password: $("new-password").value, roles: roles}).then(function (user) {
      SZConsole.say(t("c_accounts_added", {name: user.name}));
      $("account-add").reset();
      loadAccounts();
    }).catch(function (error) { $("accounts-error").textContent = SZConsole.problem(error); });
  }

  function relabel() {
    var holder = $("new-roles"), chosen = checkedRoles(holder);
    holder.querySelectorAll("label").forEach(function (label) { label.remove(); });
    roleBoxes(holder, chosen, "new-role-");
    if (!me) return;
    if (!$("audit-view").hidden) { renderAudit(!$("audit-newest").hidden); showVerdict(); }
    if (!$("accounts-view").hidden) loadAccounts();
  }

  document.addEventListener("sz:operator", enter);
  document.addEventListener("sz:language", relabel);
  $("audit-filters").addEventListener("submit", function (e) { e.preventDefault(); loadAudit(null); });
  $("audit-filters").addEventListener("reset", function () { setTimeout(function () { loadAudit(null); }, 0); });
  $("audit-older").addEventListener("click", function () { loadAudit(cursor); });
  $("audit-newest").addEventListener("click", function () { loadAudit(null); });
  $("audit-verify").addEventListener("click", verify);
  $("account-add").addEventListener("submit", add);
  roleBoxes($("new-roles"), ["issuer"], "new-role-");
})();
