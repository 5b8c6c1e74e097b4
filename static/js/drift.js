/* Reliability page, coder drift: agreement with the consensus per coder over time, one line
 * per coder. Data come from <script id="drift-chart-data" type="application/json">; the
 * table under the chart has the same figures. */
(function () {
  "use strict";

  var source = document.getElementById("drift-chart-data");
  var box = document.getElementById("drift-chart");
  if (!source || !box || typeof Plotly === "undefined") return;
  var data = JSON.parse(source.textContent);
  var FONT = { family: 'system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif', size: 13, color: "#1d2433" };
  // Distinguishable without colour too: each coder gets a marker symbol and a dash.
  var COLORS = ["#1f5fbf", "#b4451f", "#1e7a46", "#7a3ea1", "#9a5b00", "#4a5568"];
  var SYMBOLS = ["circle", "square", "diamond", "triangle-up", "x", "cross"];
  var DASHES = ["solid", "dash", "dot", "dashdot", "longdash", "longdashdot"];

  var traces = data.series.map(function (s, i) {
    var points = s.points.filter(function (p) { return p.percent !== null; });
    return {
      type: "scatter", mode: "lines+markers", name: s.coder,
      x: points.map(function (p) { return p.period; }),
      y: points.map(function (p) { return p.percent; }),
      hovertext: points.map(function (p) {
        return s.coder + "<br>" + p.period + "<br>" + p.percent + "% of " + p.compared + " values";
      }),
      hoverinfo: "text",
      line: { color: COLORS[i % COLORS.length], dash: DASHES[i % DASHES.length], width: 2 },
      marker: { size: 8, symbol: SYMBOLS[i % SYMBOLS.length], color: COLORS[i % COLORS.length] }
    };
  });
  var layout = {
    font: FONT, dragmode: false, height: 340,
    paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "rgba(0,0,0,0)",
    margin: { l: 10, r: 16, t: 16, b: 10 },
    legend: { orientation: "h", y: -0.25 },
    yaxis: { range: [0, 102], title: { text: "Agreement with consensus (%)" }, automargin: true },
    xaxis: { type: "category", categoryorder: "array", categoryarray: data.periods,
      automargin: true, tickangle: -30,
      title: { text: data.by === "week" ? "Week submitted" : "Submitted cases" } }
  };
  box.style.height = layout.height + "px";
  Plotly.react(box, traces, layout, { responsive: true, displaylogo: false,
    modeBarButtonsToRemove: ["zoom2d", "pan2d", "select2d", "lasso2d", "zoomIn2d",
      "zoomOut2d", "autoScale2d", "resetScale2d"] }).then(function () {
    // The box is a labelled group and the table has the figures (as reliability.js).
    box.querySelectorAll("svg.main-svg").forEach(function (svg) {
      svg.setAttribute("aria-hidden", "true");
    });
  });
})();
