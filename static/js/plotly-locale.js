/* Plotly's own words (the toolbar's tooltips, month names, the decimal mark) in the page's
 * language: picks the locale registered by static/vendor/plotly-locales.js (es, zh-CN; see
 * scripts/vendor_plotly.sh) from <html lang>, for every chart the page draws. Other
 * languages keep Plotly's English. Load after plotly.min.js, before the chart scripts. */
(function () {
  "use strict";
  if (typeof Plotly === "undefined") return;
  var lang = (document.documentElement.lang || "en").toLowerCase();
  // Django's zh-hans is Plotly's zh-CN; otherwise the language without its region.
  var locale = lang.indexOf("zh") === 0 ? "zh-CN" : lang.split("-")[0];
  Plotly.setPlotConfig({ locale: locale });
})();
