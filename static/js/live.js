// Live panels: poll the wizard's JSON status and update [data-live] regions in place.
// Polling stops after ten minutes (reload the page to watch again).
(function () {
  "use strict";
  var panel = document.querySelector("[data-live-url]");
  if (!panel) { return; }
  var url = panel.getAttribute("data-live-url");
  var interval = 2000;
  var deadline = Date.now() + 10 * 60 * 1000;

  function set(name, text) {
    document.querySelectorAll('[data-live="' + name + '"]').forEach(function (el) {
      if (el.textContent !== text) { el.textContent = text; }
    });
  }
  function list(name, items, render) {
    document.querySelectorAll('[data-live="' + name + '"]').forEach(function (el) {
      var html = items.map(render).join("");
      if (el.getAttribute("data-rendered") !== html) {
        el.replaceChildren();
        items.forEach(function (item) { el.appendChild(render(item, true)); });
        el.setAttribute("data-rendered", html);
      }
    });
  }
  function li(text, asNode) {
    if (!asNode) { return "<li>" + text + "</li>"; }
    var node = document.createElement("li");
    node.textContent = text;
    return node;
  }
  function row(group, asNode) {
    if (!asNode) { return group.name + ":" + group.members; }
    var tr = document.createElement("tr");
    [group.name, String(group.members)].forEach(function (text) {
      var td = document.createElement("td");
      td.textContent = text;
      tr.appendChild(td);
    });
    return tr;
  }
  function update(data) {
    var p = data.provisioning;
    var status = document.querySelector('[data-live="provisioning"]');
    if (status) {
      var text = p.verified ? "Okta connected — verified at " + p.verified_at
        : p.failed_at ? "Okta tried with a token we don't recognise at " + p.failed_at
        : "Waiting for Okta's Test API Credentials…";
      status.classList.toggle("ok", p.verified);
      status.classList.toggle("bad", !p.verified && !!p.failed_at);
      set("provisioning", text);
    }
    set("users-count", String(data.users.count));
    list("users-recent", data.users.recent, li);
    if (data.groups.groups.length) { list("groups", data.groups.groups, row); }
    set("unknown-count", String(data.groups.unknown_members));
    document.querySelectorAll('[data-live="unknown-members"]').forEach(function (el) {
      el.hidden = data.groups.unknown_members === 0;
    });
  }
  function poll() {
    if (Date.now() > deadline) { return; }
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) { if (data) { update(data); } })
      .catch(function () { /* a missed poll is retried on the next tick */ })
      .finally(function () { setTimeout(poll, interval); });
  }
  poll();
})();
