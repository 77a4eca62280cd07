// The topology graph: devices coloured by zone, cross-zone links drawn thick and red.
// Labels are cytoscape data rendered on a canvas, never inserted as HTML.
(function () {
  "use strict";
  var container = document.getElementById("topology");
  var island = document.getElementById("topology-data");
  if (!container || !island || typeof cytoscape === "undefined") { return; }
  var elements = JSON.parse(island.textContent);
  var zoneColours = {
    internal: "#2e7d32", external: "#1565c0", internet: "#ef6c00",
    satellite: "#6a1b9a", management: "#546e7a", unknown: "#9e9e9e"
  };
  var cy = cytoscape({
    container: container,
    elements: elements.nodes.concat(elements.edges),
    style: [
      { selector: "node", style: {
          "label": "data(label)", "font-size": 10, "text-valign": "bottom",
          "background-color": function (n) { return zoneColours[n.data("zone")] || zoneColours.unknown; } } },
      { selector: "edge", style: { "width": 2, "line-color": "#90a4ae", "curve-style": "bezier" } },
      { selector: "edge[?cross_zone]", style: { "width": 5, "line-color": "#d32f2f", "line-style": "dashed" } }
    ],
    layout: { name: elements.nodes.length > 60 ? "grid" : "cose", animate: false }
  });
  container.setAttribute("data-nodes", String(cy.nodes().length));
  container.setAttribute("data-edges", String(cy.edges().length));
  container.setAttribute("data-cross-zone", String(cy.edges("[?cross_zone]").length));
})();
