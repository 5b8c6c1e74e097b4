/* Reliability page, coder drift: Krippendorff's alpha between all coders per block (with its
 * 95% interval where the page shows one) and each coder's alpha with the others, one line
 * each. Data come from <script id="drift-chart-data" type="application/json">; the tables
 * under the chart have the same figures. */
(function () {
  "use strict";

  var source = document.getElementById("drift-chart-data");
  var box = document.getElementById("drift-chart");
  if (!source || !box || typeof Plotly === "undefined") return;
  var data = JSON.parse(source.textContent);
  var FONT = { family: 'system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif', size: 13, color: "#1d2433" };
  // Distinguishable without colour too: each line gets a marker symbol and a dash.
  var COLORS = ["#1d2433", "#1f5fbf", "#b4451f", "#1e7a46", "#7a3ea1", "#9a5b00", "#4a5568"];
  var SYMBOLS = ["circle", "square", "diamond", "triangle-up", "x", "cross", "star"];
  var DASHES = ["solid", "dash", "dot", "dashdot", "longdash", "longdashdot", "dash"];
  var lowest = 0;
  var lang = document.documentElement.lang || undefined;
  var alpha3 = new Intl.NumberFormat(lang, { minimumFractionDigits: 3, maximumFractionDigits: 3 });
  var alpha2 = new Intl.NumberFormat(lang, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  var percent = new Intl.NumberFormat(lang, { style: "percent", maximumFractionDigits: 1 });
  var count = new Intl.NumberFormat(lang);

  var traces = data.series.map(function (s, i) {
    var points = s.points.filter(function (p) { return p.alpha !== null; });
    var between = i === 0;  // the first series is all coders with each other
    points.forEach(function (p) { lowest = Math.min(lowest, p.low !== null ? p.low : p.alpha); });
    var trace = {
      type: "scatter", mode: "lines+markers", name: s.coder,
      x: points.map(function (p) { return p.period; }),
      y: points.map(function (p) { return p.alpha; }),
      hovertext: points.map(function (p) {
        var text = s.coder + "<br>" + p.period + "<br>" +
          interpolate(gettext("alpha %(alpha)s"), { alpha: alpha3.format(p.alpha) }, true);
        if (p.low !== null) {
          text += " " + interpolate(gettext("(%(low)s to %(high)s)"),
            { low: alpha2.format(p.low), high: alpha2.format(p.high) }, true);
        }
        return text + "<br>" + interpolate(ngettext("%(percent)s of %(count)s pair agree",
          "%(percent)s of %(count)s pairs agree", p.compared),
          { percent: percent.format(p.percent / 100), count: count.format(p.compared) }, true);
      }),
      hoverinfo: "text",
      line: { color: COLORS[i % COLORS.length], dash: DASHES[i % DASHES.length], width: between ? 3 : 1.5 },
      marker: { size: between ? 9 : 7, symbol: SYMBOLS[i % SYMBOLS.length], color: COLORS[i % COLORS.length] }
    };
    if (between) {
      trace.error_y = {
        type: "data", symmetric: false, visible: true, color: COLORS[0], thickness: 1.5,
        array: points.map(function (p) { return p.high !== null ? p.high - p.alpha : 0; }),
        arrayminus: points.map(function (p) { return p.low !== null ? p.alpha - p.low : 0; })
      };
    }
    return trace;
  });
  // Narrow screens: the slanted period labels take more height, so the legend goes lower
  // (below the axis title, not over it).
  var narrow = box.clientWidth < 600;
  var layout = {
    font: FONT, dragmode: false, height: narrow ? 380 : 340,
    paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "rgba(0,0,0,0)",
    margin: { l: 10, r: 16, t: 16, b: 10 },
    legend: { orientation: "h", y: narrow ? -0.5 : -0.25 },
    yaxis: { range: [Math.min(0, lowest) - 0.05, 1.05], title: { text: gettext("Krippendorff's alpha") },
      automargin: true, zeroline: true },
    xaxis: { type: "category", categoryorder: "array", categoryarray: data.periods,
      automargin: true, tickangle: -30,
      title: { text: data.by === "week" ? gettext("Week the cases became complete")
        : gettext("Complete cases") } }
  };
  box.style.height = layout.height + "px";
  Plotly.react(box, traces, layout, { responsive: true, displaylogo: false,
    modeBarButtonsToRemove: ["zoom2d", "pan2d", "select2d", "lasso2d", "zoomIn2d",
      "zoomOut2d", "autoScale2d", "resetScale2d"] }).then(function () {
    // The box is a labelled group and the tables have the figures (as reliability.js).
    box.querySelectorAll("svg.main-svg").forEach(function (svg) {
      svg.setAttribute("aria-hidden", "true");
    });
  });
})();
