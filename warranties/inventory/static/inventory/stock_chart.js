// Stock by store: a stacked bar chart from <canvas data-stock-chart='{"labels": [...], "datasets": [...]}'>.
(function () {
  "use strict";
  const COLOURS = { in_stock: "#1e6b45", in_transit: "#a8844a", sold: "#1f2d45", in_service: "#5b7a99",
    lost: "#a3242b", stolen: "#7a1f3d", destroyed: "#8a8f99" };

  function draw() {
    if (typeof window.Chart === "undefined") return;
    document.querySelectorAll("canvas[data-stock-chart]").forEach((canvas) => {
      if (canvas.dataset.ready === "1") return;
      let data;
      try { data = JSON.parse(canvas.dataset.stockChart); } catch (error) { return; }
      canvas.dataset.ready = "1";
      data.datasets.forEach((d) => { d.backgroundColor = COLOURS[d.status] || "#8a8f99"; });
      new window.Chart(canvas, {
        type: "bar",
        data: data,
        options: {
          responsive: true, maintainAspectRatio: false, animation: false,
          scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } },
          plugins: { legend: { position: "bottom" } },
        },
      });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
