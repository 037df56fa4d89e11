/* Request indicators: the index as coloured bars with its thresholds (三色图), and closed-on-time over
   periods. Progressive enhancement only: the tables beside the charts hold the same figures. */
(function () {
  "use strict";

  function dataOf(box) {
    return JSON.parse(box.nextElementSibling.textContent);
  }

  // Shown before the option is built: a hidden box has no width to size the labels by.
  function show(box, build) {
    box.hidden = false;
    var chart = echarts.init(box, null, { renderer: "svg" });
    chart.setOption(Object.assign({ aria: { enabled: true }, animation: false }, build()));
    window.addEventListener("resize", function () { chart.resize(); });
  }

  function threshold(value, colour) {
    return { xAxis: value, lineStyle: { color: colour, type: "dashed" }, label: { formatter: String(value), color: colour } };
  }

  function drawIndex(box) {
    var data = dataOf(box);
    if (!window.echarts || !data.categories.length) return;
    show(box, function () { return {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      grid: { left: 8, right: 40, top: 24, bottom: 8, containLabel: true },
      xAxis: { type: "value", min: 0, max: 100 },
      yAxis: { type: "category", data: data.categories, inverse: true, axisLabel: { width: Math.min(220, box.clientWidth * 0.35), overflow: "break" } },
      series: [{
        type: "bar",
        barMaxWidth: 24,
        data: data.values.map(function (value, i) { return { value: value, itemStyle: { color: data.colours[i] } }; }),
        label: { show: true, position: "right", formatter: function (p) { return p.value.toFixed(1); } },
        markLine: { symbol: "none", silent: true, data: [threshold(data.green, "#15803d"), threshold(data.yellow, "#ca8a04")] }
      }]
    }; });
  }

  function drawTrend(box) {
    var data = dataOf(box);
    if (!window.echarts || !data.categories.length) return;
    show(box, function () { return {
      color: ["#1d4ed8"],
      tooltip: { trigger: "axis", valueFormatter: function (v) { return v === null || v === undefined ? "—" : v + "%"; } },
      legend: { top: 0 },
      grid: { left: 8, right: 24, top: 36, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: data.categories, boundaryGap: false },
      yAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
      series: [{ name: data.name, type: "line", data: data.values, connectNulls: false, symbolSize: 7 }]
    }; });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-index-chart]").forEach(drawIndex);
    document.querySelectorAll("[data-trend-chart]").forEach(drawTrend);
  });
})();
