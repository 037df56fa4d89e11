/* 助联体 summary: households by town as stacked bars, and days from discovery to assistance as columns.
   Progressive enhancement only: the tables beside the charts hold the same figures. */
(function () {
  "use strict";
  var COLOURS = { on_time: "#15803d", late: "#ca8a04", open: "#1d4ed8", overdue: "#b91c1c" };

  function show(box, option) {
    box.hidden = false;
    var chart = echarts.init(box, null, { renderer: "svg" });
    chart.setOption(Object.assign({ aria: { enabled: true }, animation: false }, option));
    window.addEventListener("resize", function () { chart.resize(); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var towns = document.querySelector("[data-assistance-towns]");
    if (!window.echarts || !towns) return;
    var data = JSON.parse(towns.nextElementSibling.textContent);
    var words = JSON.parse(towns.nextElementSibling.nextElementSibling.textContent);
    if (data.towns.length) {
      show(towns, {
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
        legend: { top: 0 },
        grid: { left: 8, right: 24, top: 36, bottom: 8, containLabel: true },
        xAxis: { type: "value", minInterval: 1 },
        yAxis: { type: "category", data: data.towns, inverse: true },
        series: data.series.map(function (s) {
          return { name: words[s.key], type: "bar", stack: "all", data: s.data, itemStyle: { color: COLOURS[s.key] } };
        })
      });
    }
    var days = document.querySelector("[data-assistance-days]");
    if (days && data.days.some(function (n) { return n > 0; })) {
      show(days, {
        color: ["#15803d"],
        tooltip: { trigger: "axis" },
        grid: { left: 8, right: 24, top: 24, bottom: 8, containLabel: true },
        xAxis: { type: "category", data: data.buckets, name: words.days, nameLocation: "middle", nameGap: 28 },
        yAxis: { type: "value", minInterval: 1, name: words.households },
        series: [{ type: "bar", data: data.days, barMaxWidth: 48 }]
      });
    }
  });
})();
