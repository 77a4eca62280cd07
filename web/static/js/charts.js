// Charts from JSON data islands. Labels reach Chart.js as data and are drawn on a
// canvas as text, so a device-supplied name can never become markup.
(function () {
  "use strict";
  var COLOURS = ["#3b6ea5", "#c2571a", "#3f8f4f", "#8a4fa0", "#9a8a2f"];
  function island(dataId) {
    var element = document.getElementById(dataId);
    return element ? JSON.parse(element.textContent) : null;
  }
  function bar(canvas, data) {
    var percent = data.percent === true;
    new Chart(canvas, {
      type: "bar",
      data: { labels: data.labels, datasets: [{ data: data.values, backgroundColor: COLOURS[0] }] },
      options: { animation: false, plugins: { legend: { display: false } },
                 scales: { y: percent ? { beginAtZero: true, max: 100 }
                                      : { beginAtZero: true, ticks: { precision: 0 } } } }
    });
  }
  function line(canvas, data) {
    new Chart(canvas, {
      type: "line",
      data: { labels: data.labels, datasets: data.datasets.map(function (d, i) {
        return { label: d.label, data: d.values, spanGaps: true,
                 borderColor: COLOURS[i % COLOURS.length], backgroundColor: COLOURS[i % COLOURS.length] };
      }) },
      options: { animation: false, scales: { y: { beginAtZero: true, max: 100 } } }
    });
  }
  function draw(canvas, kind, dataId) {
    var data = island(dataId);
    if (!canvas || !data || typeof Chart === "undefined") { return; }
    (kind === "line" ? line : bar)(canvas, data);
  }
  draw(document.getElementById("severity-chart"), "bar", "severity-data");
  draw(document.getElementById("children-chart"), "bar", "children-data");
  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    draw(canvas, canvas.getAttribute("data-chart"), canvas.getAttribute("data-source"));
  });
})();
