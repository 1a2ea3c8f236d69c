/* Drawing a polygon on a Leaflet map with no plugin: Draw starts, each click adds a point,
   a double click or Finish closes it; Undo takes the last point back, Clear drops it all. The
   polygon is checked here for an immediate message (too few points, crossing itself), but the
   server checks it again and its word is final. Clicks are counted, never queued: past
   MAX_POINTS they only say so, and the outline is redrawn at most once a frame, so a flood
   of clicks cannot hang the page. */
"use strict";
var SZDraw = (function () {
  var MAX_POINTS = 500;

  function orientation(p, q, r) {
    var v = (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0]);
    return v > 0 ? 1 : v < 0 ? -1 : 0;
  }

  function onSegment(p, q, r) {  // q collinear with p-r: does it lie on it?
    return Math.min(p[0], r[0]) <= q[0] && q[0] <= Math.max(p[0], r[0]) &&
           Math.min(p[1], r[1]) <= q[1] && q[1] <= Math.max(p[1], r[1]);
  }

  function segmentsMeet(a, b, c, d) {
    var o1 = orientation(a, b, c), o2 = orientation(a, b, d), o3 = orientation(c, d, a), o4 = orientation(c, d, b);
    if (o1 !== o2 && o3 !== o4) return true;
    return (o1 === 0 && onSegment(a, c, b)) || (o2 === 0 && onSegment(a, d, b)) ||
           (o3 === 0 && onSegment(c, a, d)) || (o4 === 0 && onSegment(c, b, d));
  }

  /* Does the closed ring of [lon, lat] points (not repeating the first) cross itself? Edges that
     share a corner may touch there; any other contact is a crossing. */
  function selfIntersects(ring) {
    var n = ring.length;
    for (var i = 0; i < n; i++) {
      for (var j = i + 1; j < n; j++) {
        if (j === i + 1 || (i === 0 && j === n - 1)) continue;  // neighbours share a corner
        if (segmentsMeet(ring[i], ring[(i + 1) % n], ring[j], ring[(j + 1) % n])) return true;
      }
    }
    return false;
  }

  /* Draw mode on `map`, driven by the buttons in `ui` (start, finish, undo, clear, status, error);
     `t` translates. `onChange` is told whenever the polygon is drawn or dropped. */
  function attach(map, ui, t, onChange) {
    var points = [], closed = false, drawing = false, layer = null, pending = false;

    function render() {
      pending = false;
      if (layer) { map.removeLayer(layer); layer = null; }
      var latlngs = points.map(function (p) { return [p[1], p[0]]; });
      if (latlngs.length) {
        layer = (closed ? L.polygon(latlngs, {color: "#1d4ed8", weight: 3, fillOpacity: 0.15, interactive: false})
                        : L.polyline(latlngs, {color: "#1d4ed8", weight: 3, dashArray: "6 4", interactive: false})).addTo(map);
      }
      ui.finish.disabled = !drawing;
      ui.undo.disabled = !drawing || !points.length;
      ui.clear.disabled = !points.length;
      ui.start.disabled = drawing;
      ui.status.textContent = drawing ? t("c_draw_drawing", {n: points.length})
                            : closed ? t("c_draw_done", {n: points.length}) : "";
    }

    function later() {  // one redraw per frame, however many clicks came
      if (!pending) { pending = true; requestAnimationFrame(render); }
    }
    // A button is pressed once: its answer is drawn at once, not at the next frame (which a
    // busy or hidden page may not paint for a while). A frame still pending redraws the same.

    function say(text) {  // unchanged words are not written again (a flood of clicks)
      if (ui.error.textContent !== (text || "")) ui.error.textContent = text || "";
    }

    function start() {
      points = []; closed = false; drawing = true;
      map.doubleClickZoom.disable();
      map.getContainer().classList.add("drawing");
      say("");
      render();
      onChange();
    }

    function add(e) {
      if (!drawing) return;
      var p = [Number(e.latlng.lng.toFixed(6)), Number(e.latlng.lat.toFixed(6))], last = points[points.length - 1];
      if (last && last[0] === p[0] && last[1] === p[1]) return;  // the second click of a double click
      if (points.length >= MAX_POINTS) { say(t("c_draw_too_many", {max: MAX_POINTS})); return; }
      points.push(p);
      later();
    }

    function stop() {
      drawing = false;
      map.doubleClickZoom.enable();
      map.getContainer().classList.remove("drawing");
    }

    function finish() {
      if (!drawing) return;
      if (points.length < 3) { say(t("c_draw_few")); return; }
      stop();
      closed = true;
      say(selfIntersects(points) ? t("c_draw_crosses") : "");
      render();
      onChange();
    }

    function undo() {
      if (drawing && points.length) { points.pop(); say(""); render(); }
    }

    function clear() {
      if (drawing) stop();
      points = []; closed = false;
      say("");
      render();
      onChange();
    }

    map.on("click", add);
    map.on("dblclick", finish);
    ui.start.addEventListener("click", start);
    ui.finish.addEventListener("click", finish);
    ui.undo.addEventListener("click", undo);
    ui.clear.addEventListener("click", clear);
    render();

    return {
      active: function () { return drawing; },
      /* The drawn polygon as GeoJSON, or null; `problem` says why it cannot be sent (or ""). */
      polygon: function () {
        if (!closed) return null;
        return {type: "Polygon", coordinates: [points.concat([points[0]])]};
      },
      problem: function () {
        if (drawing) return t("c_draw_unfinished");
        return closed && selfIntersects(points) ? t("c_draw_crosses") : "";
      },
      say: say,
      clear: clear,
      refresh: render
    };
  }

  return {attach: attach, selfIntersects: selfIntersects, MAX_POINTS: MAX_POINTS};
})();
