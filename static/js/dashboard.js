/* Draws the dashboard's charts with Plotly from the data the server put in
 * <script id="dashboard-data" type="application/json">. Every bar, cell, country and
 * Sankey band carries the URL of the gallery filtered to its cases (customdata);
 * clicking it opens that URL. No inline script: the page only loads this file. */
(function () {
  "use strict";

  var dataElement = document.getElementById("dashboard-data");
  var root = document.getElementById("dashboard");
  if (!dataElement || !root || typeof Plotly === "undefined") return;
  var charts = JSON.parse(dataElement.textContent);
  var numbers = new Intl.NumberFormat(document.documentElement.lang || undefined);

  // What a point's tooltip says: "Health care: 15 cases" (the count in the page's language).
  function casesText(label, count) {
    return interpolate(ngettext("%(label)s: %(count)s case", "%(label)s: %(count)s cases", count),
      { label: label, count: numbers.format(count) }, true);
  }

  var FONT = { family: 'system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif', size: 13, color: "#1d2433" };
  var BAR = "#1f5fbf";
  var SCALE = [[0, "#eef3fb"], [1, "#174a94"]];
  var CONFIG = {
    responsive: true,
    displaylogo: false,
    scrollZoom: false,
    modeBarButtonsToRemove: ["zoom2d", "pan2d", "select2d", "lasso2d", "zoomIn2d", "zoomOut2d",
      "autoScale2d", "resetScale2d", "toggleSpikelines", "hoverClosestCartesian",
      "hoverCompareCartesian", "zoomInGeo", "zoomOutGeo", "resetGeo", "hoverClosestGeo"]
  };

  function narrow(element) {
    return element.clientWidth < 520;
  }

  // Long category labels wrap onto several lines on small screens.
  function wrap(label, width) {
    var words = String(label).split(" ");
    var lines = [];
    var line = "";
    words.forEach(function (word) {
      if (line && (line + " " + word).length > width) {
        lines.push(line);
        line = word;
      } else {
        line = line ? line + " " + word : word;
      }
    });
    if (line) lines.push(line);
    return lines.join("<br>");
  }

  function baseLayout(chart, extra) {
    var layout = {
      font: FONT,
      margin: { l: 10, r: 10, t: 10, b: 10 },
      paper_bgcolor: "rgba(0,0,0,0)",
      plot_bgcolor: "rgba(0,0,0,0)",
      hoverlabel: { font: { family: FONT.family } },
      modebar: { bgcolor: "rgba(255,255,255,0.85)", color: "#5b6478", activecolor: "#1f5fbf" },
      dragmode: false
    };
    return Object.assign(layout, extra || {});
  }

  // Plotly centres a y-axis title on the plot area and clips what does not fit (a long
  // attribute name beside two bars lost both ends): wrap the title to the plot's height, on
  // two lines at most, and make the chart taller when a line still does not fit.
  var CHAR_PX = 7.5;      // width of a character of FONT
  var AXIS_ROOM = 90;     // what the x axis, its title and the margins take of the height
  function fitYTitle(layout) {
    var title = layout.yaxis && layout.yaxis.title && layout.yaxis.title.text;
    if (!title) return layout;
    var fits = Math.max(8, Math.floor((layout.height - AXIS_ROOM) / CHAR_PX));
    var lines = wrap(title, fits).split("<br>");
    if (lines.length > 2) lines = wrap(title, Math.ceil(title.length / 2) + 1).split("<br>");
    var longest = Math.max.apply(null, lines.map(function (l) { return l.length; }));
    layout.height = Math.max(layout.height, Math.ceil(longest * CHAR_PX) + AXIS_ROOM);
    layout.yaxis.title.text = lines.join("<br>");
    return layout;
  }

  // The chart's box is a labelled group (its numbers are in the table below); Plotly's
  // drawing is hidden from screen readers, which would read every tick label, while its
  // toolbar stays reachable. (A role="img" around the toolbar nests controls in an image.)
  function hideDrawing(element) {
    element.querySelectorAll("svg.main-svg").forEach(function (svg) {
      svg.setAttribute("aria-hidden", "true");
    });
  }

  function bar(element, chart) {
    var p = chart.plot;
    var trace = {
      type: "bar", x: p.labels, y: p.values, customdata: p.urls, marker: { color: BAR },
      hovertext: p.labels.map(function (label, i) { return casesText(label, p.values[i]); }),
      hovertemplate: "%{hovertext}<extra></extra>", text: p.values,
      textposition: "outside", cliponaxis: false
    };
    var layout = baseLayout(chart, {
      height: 300,
      xaxis: { title: { text: chart.x_title }, type: "category", automargin: true, fixedrange: true },
      yaxis: { title: { text: chart.y_title }, automargin: true, fixedrange: true, rangemode: "tozero" },
      bargap: 0.2
    });
    return [[trace], layout];
  }

  function hbar(element, chart) {
    var p = chart.plot;
    var small = narrow(element);
    var labels = p.labels.map(function (label) { return small ? wrap(label, 16) : label; });
    var trace = {
      type: "bar", orientation: "h", x: p.values, y: labels, customdata: p.urls,
      marker: { color: BAR }, text: p.values, textposition: "auto",
      hovertext: p.labels.map(function (label, i) { return casesText(label, p.values[i]); }),
      hovertemplate: "%{hovertext}<extra></extra>"
    };
    var lines = Math.max.apply(null, labels.map(function (l) { return l.split("<br>").length; }));
    var rowHeight = Math.max(30, 17 * lines + 10);
    var layout = baseLayout(chart, {
      height: Math.max(170, 80 + rowHeight * p.labels.length),
      xaxis: { title: { text: chart.x_title }, automargin: true, fixedrange: true, rangemode: "tozero" },
      yaxis: { title: { text: small ? "" : chart.y_title }, automargin: true, fixedrange: true, autorange: "reversed", type: "category" },
      bargap: 0.25
    });
    return [[trace], layout];
  }

  function map(element, chart) {
    var p = chart.plot;
    var small = narrow(element);
    var trace = {
      type: "choropleth", locationmode: "ISO-3", locations: p.locations, z: p.values,
      text: p.labels.map(function (label, i) { return casesText(label, p.values[i]); }),
      customdata: p.urls, colorscale: SCALE, marker: { line: { color: "#ffffff", width: 0.5 } },
      hovertemplate: "%{text}<extra></extra>",
      // On a phone the colour scale goes under the map, which then gets the full width.
      colorbar: small ? { title: { text: gettext("Cases"), side: "top" }, orientation: "h", thickness: 10, len: 0.9, y: -0.02, yanchor: "top" }
                      : { title: { text: gettext("Cases") }, thickness: 12, len: 0.8 }
    };
    var layout = baseLayout(chart, {
      height: small ? 290 : 380,
      geo: {
        projection: { type: "natural earth" }, showframe: false, showcoastlines: false,
        showcountries: true, countrycolor: "#c9d1de", showland: true, landcolor: "#f5f7fa",
        lataxis: { range: [-58, 85] }, bgcolor: "rgba(0,0,0,0)"
      }
    });
    return [[trace], layout];
  }

  function heatmap(element, chart) {
    var p = chart.plot;
    var small = narrow(element);
    var trace = {
      type: "heatmap", x: p.x.map(function (l) { return small ? wrap(l, 10) : l; }),
      y: p.y.map(function (l) { return small ? wrap(l, 12) : l; }), z: p.z,
      customdata: p.urls, colorscale: SCALE, texttemplate: "%{z}", xgap: 2, ygap: 2,
      text: p.y.map(function (row, i) {
        return p.x.map(function (column, j) { return casesText(row + " × " + column, p.z[i][j]); });
      }),
      hovertemplate: "%{text}<extra></extra>",
      colorbar: { title: { text: gettext("Cases") }, thickness: 12 }
    };
    var layout = baseLayout(chart, {
      height: Math.max(260, 110 + 60 * p.y.length),
      xaxis: { title: { text: chart.x_title }, automargin: true, fixedrange: true, side: "bottom" },
      yaxis: { title: { text: small ? "" : chart.y_title }, automargin: true, fixedrange: true, autorange: "reversed" }
    });
    return [[trace], layout];
  }

  function sankey(element, chart) {
    var p = chart.plot;
    // On a phone the diagram keeps its width (public.css gives it a minimum) and the
    // reader scrolls it sideways: four columns of labels do not fit in 390 px.
    var trace = {
      type: "sankey", arrangement: "snap",
      node: { label: p.nodes, customdata: p.nodes, pad: 12, thickness: 14, color: BAR,
              hovertemplate: "%{customdata}<extra></extra>" },
      link: { source: p.source, target: p.target, value: p.value, customdata: p.urls,
              color: "rgba(31,95,191,0.25)",
              label: p.value.map(function (value, i) {
                return casesText(p.nodes[p.source[i]] + " → " + p.nodes[p.target[i]], value);
              }),
              hovertemplate: "%{label}<extra></extra>" }
    };
    var layout = baseLayout(chart, { height: 480, font: Object.assign({}, FONT, { size: 12 }) });
    return [[trace], layout];
  }

  var DRAW = { bar: bar, hbar: hbar, map: map, heatmap: heatmap, sankey: sankey };

  function onClick(event) {
    var point = event && event.points && event.points[0];
    var url = point && point.customdata;
    if (typeof url === "string" && url.charAt(0) === "/") window.location.assign(url);
  }

  function draw(chart) {
    var element = root.querySelector('[data-chart="' + chart.id + '"]');
    if (!element || chart.empty || !DRAW[chart.kind]) return Promise.resolve();
    var spec = DRAW[chart.kind](element, chart);
    return Plotly.newPlot(element, spec[0], fitYTitle(spec[1]), CONFIG).then(function (plot) {
      hideDrawing(element);
      plot.on("plotly_click", onClick);
      element.classList.add("drawn");
    });
  }

  function loadTopojson() {
    var needsMap = charts.some(function (c) { return c.kind === "map" && !c.empty; });
    if (!needsMap) return Promise.resolve();
    window.PlotlyGeoAssets = window.PlotlyGeoAssets || { topojson: {} };
    return fetch(root.dataset.topojson).then(function (response) {
      if (!response.ok) throw new Error("world map unavailable");
      return response.json();
    }).then(function (topojson) {
      window.PlotlyGeoAssets.topojson.world_110m = topojson;
    });
  }

  charts.filter(function (c) { return c.kind !== "map"; }).forEach(draw);
  loadTopojson().then(function () {
    charts.filter(function (c) { return c.kind === "map"; }).forEach(draw);
  }).catch(function () {
    charts.filter(function (c) { return c.kind === "map"; }).forEach(function (c) {
      var element = root.querySelector('[data-chart="' + c.id + '"]');
      if (element) element.textContent = gettext("The world map could not be loaded; the table below has the numbers.");
    });
  });
})();
