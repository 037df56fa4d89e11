/* Tongban pages: progressive enhancement only. Every page works without this file. */
(function () {
  "use strict";

  function text(tag, value) {
    var node = document.createElement(tag);
    node.textContent = value;
    return node;
  }

  function popup(marker) {
    var box = document.createElement("div");
    var link = text("a", marker.name);
    link.href = marker.url;
    box.appendChild(document.createElement("strong")).appendChild(link);
    box.appendChild(text("p", marker.tier + " · " + marker.address));
    return box;
  }

  function drawMap(box) {
    var data = JSON.parse(box.nextElementSibling.textContent);
    if (!window.L || !data.tiles) return;
    box.hidden = false;
    var map = L.map(box, { scrollWheelZoom: false });
    map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
    L.tileLayer(data.tiles, { attribution: data.attribution, maxZoom: 18 }).addTo(map);
    var bounds = data.markers.map(function (marker) {
      L.marker([marker.lat, marker.lon], { title: marker.name, alt: marker.name })
        .bindPopup(popup(marker))
        .addTo(map);
      return [marker.lat, marker.lon];
    });
    if (data.origin) {
      L.circleMarker([data.origin.lat, data.origin.lon], { radius: 8, color: "#b3261e", fillOpacity: 0.6 })
        .bindTooltip(data.here + "：" + data.origin.name)
        .addTo(map);
      bounds.push([data.origin.lat, data.origin.lon]);
    }
    if (bounds.length === 1) map.setView(bounds[0], 15);
    else map.fitBounds(bounds, { padding: [24, 24] });
  }

  function field(form, selector) {
    return form.querySelector(selector);
  }

  function enableLocate(form) {
    var button = field(form, "[data-locate]");
    var status = field(form, "[data-locate-status]");
    var area = field(form, "select[name=area]");
    if (!button || !navigator.geolocation) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      status.textContent = form.dataset.locating;
      navigator.geolocation.getCurrentPosition(
        function (position) {
          field(form, "[data-lat]").value = position.coords.latitude.toFixed(6);
          field(form, "[data-lon]").value = position.coords.longitude.toFixed(6);
          field(form, "[data-lat]").disabled = false;
          field(form, "[data-lon]").disabled = false;
          area.disabled = true;
          form.submit();
        },
        function () {
          status.textContent = form.dataset.locateFailed;
        },
        { timeout: 10000, maximumAge: 60000 }
      );
    });
    // Coming back through the history cache must not leave the form half switched.
    window.addEventListener("pageshow", function () {
      area.disabled = false;
      field(form, "[data-lat]").disabled = true;
      field(form, "[data-lon]").disabled = true;
    });
  }

  // The nav's menus (<details data-menu>) open one at a time and close on Escape or a click elsewhere.
  function closeMenus(except) {
    document.querySelectorAll("details[data-menu][open]").forEach(function (menu) {
      if (menu !== except) menu.open = false;
    });
  }

  function enableMenus() {
    document.querySelectorAll("details[data-menu]").forEach(function (menu) {
      menu.addEventListener("toggle", function () {
        if (menu.open) closeMenus(menu);
      });
    });
    document.addEventListener("click", function (event) {
      closeMenus(event.target.closest && event.target.closest("details[data-menu]"));
    });
    document.addEventListener("keydown", function (event) {
      if (event.key !== "Escape") return;
      var open = document.querySelector("details[data-menu][open]");
      if (!open) return;
      open.open = false;
      open.querySelector("summary").focus();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-map]").forEach(drawMap);
    document.querySelectorAll("[data-locate-form]").forEach(enableLocate);
    enableMenus();
  });
})();

/* --- Cases pages: the apply form's inline checks and the supervisor's board chart. --- */
(function () {
  "use strict";

  function checking(event) {
    var ctx = event.detail && event.detail.ctx;
    var source = ctx && ctx.sourceElement;
    return source && source.hasAttribute && source.hasAttribute("data-check") ? ctx : null;
  }

  // htmx posts the whole form with an inline check; the chosen files stay in the browser.
  document.addEventListener("htmx:config:request", function (event) {
    var ctx = checking(event);
    if (!ctx || !(ctx.request.body instanceof FormData)) return;
    var files = [];
    ctx.request.body.forEach(function (value, name) {
      if (value instanceof File) files.push(name);
    });
    files.forEach(function (name) {
      ctx.request.body.delete(name);
    });
  });

  // The message slot was refreshed: keep aria-invalid and the field's look in step with it.
  document.addEventListener("htmx:after:swap", function (event) {
    var ctx = checking(event);
    if (!ctx) return;
    var input = ctx.sourceElement;
    var message = document.getElementById("err-" + input.id);
    var bad = !!(message && message.textContent.trim());
    if (bad) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
    var box = input.closest(".field");
    if (box) box.classList.toggle("has-error", bad);
  });

  function drawBoard(box) {
    var data = JSON.parse(box.nextElementSibling.textContent);
    if (!window.echarts || !data.categories.length) return;
    box.hidden = false;
    var chart = echarts.init(box, null, { renderer: "svg" });
    chart.setOption({
      aria: { enabled: true },
      animation: false,
      color: data.series.map(function (series) { return series.colour; }),
      legend: { top: 0 },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      grid: { left: 8, right: 24, top: 36, bottom: 8, containLabel: true },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", data: data.categories, inverse: true, axisLabel: { width: Math.min(220, box.clientWidth * 0.35), overflow: "break" } },
      series: data.series.map(function (series) {
        return { name: series.name, type: "bar", stack: "cases", data: series.data, barMaxWidth: 28 };
      })
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-board-chart]").forEach(drawBoard);
  });
})();
