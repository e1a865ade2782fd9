// Charts without inline scripts: every <canvas data-chart='{Chart.js config as JSON}'> becomes a chart.
//
// Usage in a template (the view builds the config as a dict; json_script is not needed):
//
//   {% block head %}
//     <script src="{% static 'vendor/chartjs/chart.umd.js' %}" defer></script>
//     <script src="{% static 'js/charts.js' %}" defer></script>
//   {% endblock %}
//   ...
//   <div class="chart"><canvas data-chart="{{ chart_config_json }}" role="img"
//        aria-label="{% translate 'Registrations per month' %}"></canvas></div>
//
// where chart_config_json = json.dumps({"type": "line", "data": {"labels": [...], "datasets": [...]}})
// (Django's autoescaping keeps the attribute safe; Chart.js options may be given in "options").
// Give the canvas an aria-label (and, ideally, the same numbers in a table) for screen readers.
// Inside <div class="chart"> (280px; .chart.tall 380px) the chart fills the box; elsewhere it keeps
// Chart.js's aspect ratio. Charts inserted later by htmx are drawn too; JewelCharts.draw(element) draws
// the charts inside an element on demand. Colours default to the JewelCRM palette; set
// "backgroundColor"/"borderColor" on a dataset to override them.
(function () {
  "use strict";
  const PALETTE = ["#1f2d45", "#a8844a", "#5b7a99", "#c9a97a", "#7a1f3d", "#0f4c5c", "#8a8f99", "#d8c7a6"];

  function withDefaults(config, canvas) {
    const type = config.type || "bar";
    // Inside a .chart box the chart fills the box's height; elsewhere it keeps Chart.js's aspect ratio.
    const inBox = !!(canvas.parentElement && canvas.parentElement.classList.contains("chart"));
    config.options = Object.assign({ responsive: true, maintainAspectRatio: !inBox, animation: false }, config.options || {});
    const datasets = (config.data && config.data.datasets) || [];
    datasets.forEach((dataset, index) => {
      const colour = PALETTE[index % PALETTE.length];
      if (type === "pie" || type === "doughnut") {
        if (!dataset.backgroundColor) dataset.backgroundColor = PALETTE;
      } else {
        if (!dataset.borderColor) dataset.borderColor = colour;
        if (!dataset.backgroundColor) dataset.backgroundColor = type === "line" ? colour + "22" : colour;
        if (type === "line" && dataset.tension === undefined) dataset.tension = 0.25;
      }
    });
    return config;
  }

  function draw(scope) {
    if (typeof window.Chart === "undefined") return;
    window.Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
    window.Chart.defaults.color = "#6a6f7a";
    (scope || document).querySelectorAll("canvas[data-chart]").forEach((canvas) => {
      if (canvas.dataset.chartReady === "1") return;
      let config;
      try { config = JSON.parse(canvas.dataset.chart); } catch (error) {
        console.warn("charts.js: invalid data-chart JSON", canvas, error);
        return;
      }
      canvas.dataset.chartReady = "1";
      new window.Chart(canvas, withDefaults(config, canvas));
    });
  }

  window.JewelCharts = { draw };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", () => draw());
  else draw();
  document.addEventListener("htmx:afterSettle", (event) => draw(event.target));
})();
