/* Calibration rounds: Krippendorff's alpha per attribute (one line each) across complete
 * rounds, labelled with their codebook version, with reference lines at 0.667 and 0.800.
 * Data come from <script id="rounds-chart-data" type="application/json">; no inline script. */
(function () {
  "use strict";

  var source = document.getElementById("rounds-chart-data");
  var box = document.getElementById("rounds-chart");
  if (!source || !box || typeof Plotly === "undefined") return;
  var data = JSON.parse(source.textContent);
  var FONT = { family: 'system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif', size: 13, color: "#1d2433" };

  var traces = data.series.map(function (s) {
    return {
      type: "scatter", mode: "lines+markers", name: s.label, x: data.rounds, y: s.alpha,
      connectgaps: false,
      // Plotly writes the number (%{y:.3f}) with the decimal mark of its locale.
      hovertemplate: s.label + "<br>%{x}<br>" +
        interpolate(gettext("alpha %(alpha)s"), { alpha: "%{y:.3f}" }, true) + "<extra></extra>"
    };
  });
  var shapes = [0.667, 0.8].map(function (y) {
    return { type: "line", xref: "paper", x0: 0, x1: 1, yref: "y", y0: y, y1: y,
      line: { color: y < 0.7 ? "#9a5b00" : "#1e7a46", width: 1.5, dash: "dash" } };
  });
  var layout = {
    font: FONT, dragmode: false, height: 360, paper_bgcolor: "rgba(0,0,0,0)",
    plot_bgcolor: "rgba(0,0,0,0)", shapes: shapes, margin: { l: 10, r: 16, t: 16, b: 10 },
    yaxis: { title: { text: gettext("Krippendorff's alpha") }, range: [-0.2, 1.05], automargin: true },
    xaxis: { type: "category", automargin: true },
    legend: { orientation: "h", y: -0.2 }
  };
  box.style.height = layout.height + "px";
  Plotly.react(box, traces, layout, { responsive: true, displaylogo: false,
    modeBarButtonsToRemove: ["zoom2d", "pan2d", "select2d", "lasso2d", "zoomIn2d",
      "zoomOut2d", "autoScale2d", "resetScale2d"] }).then(function () {
    box.querySelectorAll("svg.main-svg").forEach(function (svg) {
      svg.setAttribute("aria-hidden", "true");
    });
  });
})();
