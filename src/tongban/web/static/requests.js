/* The report page (我要反映): a tap on the map marks the place of the problem. Progressive enhancement only:
   without this file, or without map tiles, the latitude and longitude fields do the same. */
(function () {
  "use strict";

  function number(input) {
    var value = parseFloat(input.value);
    return isFinite(value) ? value : null;
  }

  function pickMap(box) {
    var data = JSON.parse(box.nextElementSibling.textContent);
    var form = box.closest("form");
    var lat = form.querySelector("[name=lat]");
    var lon = form.querySelector("[name=lon]");
    if (!window.L || !data.tiles) return;
    box.hidden = false;
    var map = L.map(box, { scrollWheelZoom: false });
    map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
    L.tileLayer(data.tiles, { attribution: data.attribution, maxZoom: 19 }).addTo(map);
    var marker = null;

    function mark(point) {
      if (marker) marker.setLatLng(point);
      else marker = L.marker(point, { title: data.here, alt: data.here }).addTo(map);
    }

    function typed() {
      var point = [number(lat), number(lon)];
      return point[0] === null || point[1] === null ? null : point;
    }

    var start = typed();
    if (start) {
      mark(start);
      map.setView(start, 17);
    } else {
      map.setView(data.centre, 14);
    }
    map.on("click", function (event) {
      mark(event.latlng);
      lat.value = event.latlng.lat.toFixed(6);
      lon.value = event.latlng.lng.toFixed(6);
      // The nearby list listens for changes on the form, as it does for typed coordinates.
      lon.dispatchEvent(new Event("change", { bubbles: true }));
    });
    [lat, lon].forEach(function (input) {
      input.addEventListener("change", function () {
        var point = typed();
        if (point) {
          mark(point);
          map.panTo(point);
        }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-pick-map]").forEach(pickMap);
  });
})();
