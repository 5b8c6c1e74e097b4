/* Reliability page: Krippendorff's alpha per attribute with its bootstrap 95% interval
 * as error bars, and reference lines at 0.667 and 0.800. Data come from
 * <script id="reliability-chart-data" type="application/json">; no inline script. */
(function () {
  "use strict";

  var source = document.getElementById("reliability-chart-data");
  var box = document.getElementById("alpha-chart");
  if (!source || !box || typeof Plotly === "undefined") return;
  var rows = JSON.parse(source.textContent);
  var FONT = { family: 'system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif', size: 13, color: "#1d2433" };
  var lang = document.documentElement.lang || undefined;
  var alpha3 = new Intl.NumberFormat(lang, { minimumFractionDigits: 3, maximumFractionDigits: 3 });

  function fmt(x) {
    return x === null ? gettext("undefined") : alpha3.format(x);
  }

  // The reference lines' labels: "0.667 tentative"; narrow screens show the number alone.
  var REFERENCES = [
    { y: 0.667, value: fmt(0.667), color: "#9a5b00",
      label: interpolate(gettext("%(alpha)s tentative"), { alpha: fmt(0.667) }, true) },
    { y: 0.8, value: fmt(0.8), color: "#1e7a46",
      label: interpolate(gettext("%(alpha)s reliable"), { alpha: fmt(0.8) }, true) }
  ];

  function draw() {
    var narrow = box.clientWidth < 520;
    var defined = rows.filter(function (r) { return r.alpha !== null; });
    var undefinedRows = rows.filter(function (r) { return r.alpha === null; });
    // Narrow screens: attributes down the side, alpha across (long labels stay readable).
    var cat = function (r) { return r.label; };
    var val = function (r) { return r.alpha; };
    var plus = defined.map(function (r) { return r.high === null ? 0 : r.high - r.alpha; });
    var minus = defined.map(function (r) { return r.low === null ? 0 : r.alpha - r.low; });
    var hover = defined.map(function (r) {
      return r.label + "<br>" + interpolate(gettext("alpha %(alpha)s (95% CI %(low)s to %(high)s)"),
        { alpha: fmt(r.alpha), low: fmt(r.low), high: fmt(r.high) }, true) + "<br>" +
        interpolate(ngettext("%(count)s case", "%(count)s cases", r.units),
          { count: new Intl.NumberFormat(lang).format(r.units) }, true);
    });
    var errors = { type: "data", symmetric: false, array: plus, arrayminus: minus,
      color: "#5b6478", thickness: 1.5, width: 6 };
    var trace = {
      type: "scatter", mode: "markers", name: gettext("Krippendorff's alpha"),
      marker: { size: 11, color: "#1f5fbf" },
      hovertext: hover, hoverinfo: "text"
    };
    var shapes = [];
    var annotations = [];
    REFERENCES.forEach(function (ref) {
      var line = { type: "line", line: { color: ref.color, width: 1.5, dash: "dash" } };
      if (narrow) {
        Object.assign(line, { xref: "x", x0: ref.y, x1: ref.y, yref: "paper", y0: 0, y1: 1 });
        // The two lines are close: label the lower one to its left, the upper to its right.
        annotations.push({ xref: "x", x: ref.y, yref: "paper", y: 1, yanchor: "bottom",
          xanchor: ref.y < 0.7 ? "right" : "left",
          text: ref.value, showarrow: false, font: { size: 11, color: ref.color } });
      } else {
        Object.assign(line, { yref: "y", y0: ref.y, y1: ref.y, xref: "paper", x0: 0, x1: 1 });
        annotations.push({ yref: "y", y: ref.y, xref: "paper", x: 1, xanchor: "right",
          yanchor: "bottom", text: ref.label, showarrow: false, font: { size: 11, color: ref.color } });
      }
      shapes.push(line);
    });
    var range = [Math.min(-0.2, Math.min.apply(null, defined.map(function (r) {
      return r.low === null ? r.alpha : r.low; }).concat([0])) - 0.05), 1.05];
    var layout = {
      font: FONT, showlegend: false, dragmode: false,
      paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "rgba(0,0,0,0)",
      shapes: shapes, annotations: annotations
    };
    if (narrow) {
      trace.y = defined.map(cat);
      trace.x = defined.map(val);
      trace.error_x = errors;
      layout.height = Math.max(320, 34 * defined.length + 90);
      layout.margin = { l: 10, r: 16, t: 28, b: 40 };
      layout.xaxis = { range: range, title: { text: gettext("Krippendorff's alpha") }, zeroline: true };
      layout.yaxis = { automargin: true, autorange: "reversed", type: "category" };
    } else {
      trace.x = defined.map(cat);
      trace.y = defined.map(val);
      trace.error_y = errors;
      layout.height = 380;
      // automargin: the y title sits beside the widest tick label instead of a fixed gap.
      layout.margin = { l: 10, r: 16, t: 16, b: 10 };
      layout.yaxis = { range: range, title: { text: gettext("Krippendorff's alpha") }, zeroline: true,
        automargin: true };
      layout.xaxis = { automargin: true, tickangle: -30, type: "category" };
    }
    // The box grows with the number of attributes (CSSOM, allowed by our CSP).
    box.style.height = layout.height + "px";
    Plotly.react(box, [trace], layout, { responsive: true, displaylogo: false,
      modeBarButtonsToRemove: ["zoom2d", "pan2d", "select2d", "lasso2d", "zoomIn2d",
        "zoomOut2d", "autoScale2d", "resetScale2d"] }).then(function () {
      // The box is a labelled group and the table has the figures: screen readers skip the
      // drawing (every tick label) but reach Plotly's toolbar.
      box.querySelectorAll("svg.main-svg").forEach(function (svg) {
        svg.setAttribute("aria-hidden", "true");
      });
    });
    if (undefinedRows.length) {
      var note = document.getElementById("alpha-chart-undefined");
      if (!note) {
        note = document.createElement("p");
        note.id = "alpha-chart-undefined";
        note.className = "muted";
        box.insertAdjacentElement("afterend", note);
      }
      note.textContent = interpolate(gettext("Not drawn (alpha undefined for the data): %(attributes)s."),
        { attributes: undefinedRows.map(function (r) { return r.label; }).join(", ") }, true);
    }
  }

  draw();
  var last = box.clientWidth;
  window.addEventListener("resize", function () {
    if ((last < 520) !== (box.clientWidth < 520)) draw();
    last = box.clientWidth;
  });
})();
