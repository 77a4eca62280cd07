// Bar charts from JSON data islands. Labels reach Chart.js as data and are drawn on a
// canvas as text, so a device-supplied name can never become markup.
(function () {
  "use strict";
  function bar(canvasId, dataId) {
    var canvas = document.getElementById(canvasId);
    var island = document.getElementById(dataId);
    if (!canvas || !island || typeof Chart === "undefined") { return; }
    var data = JSON.parse(island.textContent);
    new Chart(canvas, {
      type: "bar",
      data: { labels: data.labels, datasets: [{ data: data.values, backgroundColor: "#3b6ea5" }] },
      options: { animation: false, plugins: { legend: { display: false } },
                 scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }
    });
  }
  bar("severity-chart", "severity-data");
  bar("children-chart", "children-data");
})();
