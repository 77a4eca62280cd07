// Follows a running scan: polls the page's progress endpoint every 2 s, updates the counters
// and appends each new result. Device strings go in as text nodes, never as HTML. Stops when
// nothing drives the scan any more (finished, or its process died).
(function () {
  "use strict";
  var live = document.getElementById("live");
  if (!live) { return; }
  var url = live.getAttribute("data-progress-url");
  var rows = document.querySelector("#live-results tbody");
  var state = document.getElementById("live-state");
  var status = document.getElementById("scan-status");
  var bar = document.getElementById("live-bar");
  var cursor = 0;

  function setText(id, value) {
    var node = document.getElementById(id);
    if (node) { node.textContent = String(value); }
  }

  function named(value) {  // the page's translation of a status or outcome
    return live.getAttribute("data-name-" + value) || value;
  }

  function cell(row, value) {
    var td = document.createElement("td");
    td.textContent = value === null || value === undefined ? "" : String(value);
    row.appendChild(td);
  }

  function show(progress) {
    progress.results.forEach(function (r) {
      var row = document.createElement("tr");
      row.className = r.outcome;
      cell(row, r.device || r.target);
      cell(row, r.method);
      cell(row, named(r.outcome));
      cell(row, [r.error_code, r.error].filter(Boolean).join(" "));
      cell(row, r.duration_ms);
      rows.appendChild(row);
    });
    cursor = progress.cursor;
    setText("live-done", progress.done);
    setText("live-expected", progress.expected === null ? "?" : progress.expected);
    ["ok", "ok_with_errors", "failed", "skipped"].forEach(function (key) {
      setText("live-" + key, progress.counts[key]);
    });
    bar.max = progress.expected || Math.max(progress.done, 1);
    bar.value = progress.done;
    status.textContent = named(progress.status);
    live.setAttribute("data-status", progress.status);
  }

  function poll() {
    fetch(url + "?after=" + cursor, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (progress) {
        show(progress);
        if (progress.results.length > 0 || progress.alive) {
          window.setTimeout(poll, progress.results.length > 0 ? 200 : 2000);
          return;
        }
        var done = progress.status === "completed";
        state.textContent = state.getAttribute(done ? "data-finished" : "data-stopped");
        live.setAttribute("data-finished", "true");
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  poll();
})();
