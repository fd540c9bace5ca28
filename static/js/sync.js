// The sync page: poll the latest run; show progress while it runs, reload when it ends.
(function () {
  "use strict";
  var panel = document.querySelector("[data-sync-status]");
  if (!panel) { return; }
  var url = panel.getAttribute("data-sync-status");
  var status = panel.querySelector('[data-sync="status"]');
  var bar = panel.querySelector('[data-sync="progress"]');
  var deadline = Date.now() + 30 * 60 * 1000;
  var seen = null;
  function label(run) {
    if (run.status === "running") {
      return "Running: " + run.done + (run.total ? " of " + run.total : "") + " checked";
    }
    return run.status.charAt(0).toUpperCase() + run.status.slice(1);
  }
  function poll() {
    if (Date.now() > deadline) { return; }
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data || !data.run) { return; }
        var run = data.run;
        var key = run.id + ":" + run.status;
        if (seen && seen !== key && (run.status === "succeeded" || run.status === "failed")) {
          window.location.reload();
          return;
        }
        seen = key;
        status.textContent = label(run);
        bar.hidden = run.status !== "running";
        bar.max = Math.max(run.total, 1);
        bar.value = run.done;
      })
      .catch(function () { /* retried on the next tick */ })
      .finally(function () { setTimeout(poll, 1500); });
  }
  poll();
})();
