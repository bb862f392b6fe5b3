// Draws the results' map from the data the page carries (data-map on #map). Without tiles the map
// is a plain background with the providers' markers and their towns' names; the list below says
// the same in words, so nothing here is needed to find care.
(function () {
  "use strict";
  var element = document.getElementById("map");
  if (!element || typeof L === "undefined") {
    return;
  }
  var data = JSON.parse(element.getAttribute("data-map") || "{}");
  var points = data.points || [];
  if (!points.length) {
    return;
  }
  element.classList.add("drawn");
  var map = L.map(element, { scrollWheelZoom: false, zoomControl: false, attributionControl: Boolean(data.tiles) });
  // The zoom buttons' names in the page's language (Leaflet's own are English).
  L.control.zoom({
    zoomInTitle: element.getAttribute("data-zoom-in") || "Zoom in",
    zoomOutTitle: element.getAttribute("data-zoom-out") || "Zoom out"
  }).addTo(map);
  if (data.tiles) {
    L.tileLayer(data.tiles, { maxZoom: 18, attribution: data.attribution || "" }).addTo(map);
  } else {
    element.classList.add("no-tiles");
  }
  var bounds = [];
  (data.towns || []).forEach(function (town) {
    L.tooltip({ permanent: true, direction: "right", offset: [10, 0], className: "town-name", interactive: false })
      .setLatLng([town.lat, town.lng])
      .setContent(document.createTextNode(town.name).textContent)
      .addTo(map);
  });
  points.forEach(function (point) {
    var marker = L.circleMarker([point.lat, point.lng], {
      radius: 8, color: "#0b4f6c", weight: 2, fillColor: "#1f7a99", fillOpacity: 0.85
    }).addTo(map);
    var link = document.createElement("a");
    link.href = point.url;
    link.textContent = point.name;
    marker.bindPopup(link);
    bounds.push([point.lat, point.lng]);
  });
  if (bounds.length === 1) {
    map.setView(bounds[0], 12);
  } else {
    map.fitBounds(bounds, { padding: [30, 30], maxZoom: 13 });
  }
})();
