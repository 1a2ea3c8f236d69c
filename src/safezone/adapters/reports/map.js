// Pan and zoom for inline SVG maps (svg.map): drag to pan, wheel or +/- buttons to zoom.
// Written for safezone; self-contained so saved reports need no network.
(function () {
  function attach(svg) {
    var base = svg.viewBox.baseVal;
    var view = { x: base.x, y: base.y, w: base.width, h: base.height };
    var full = { x: view.x, y: view.y, w: view.w, h: view.h };
    function apply() { svg.setAttribute("viewBox", [view.x, view.y, view.w, view.h].join(" ")); }
    function toMap(evt) {
      var r = svg.getBoundingClientRect();
      var s = Math.max(view.w / r.width, view.h / r.height);
      var ox = (r.width * s - view.w) / 2, oy = (r.height * s - view.h) / 2;
      return { x: view.x + (evt.clientX - r.left) * s - ox, y: view.y + (evt.clientY - r.top) * s - oy, s: s };
    }
    function zoom(factor, at) {
      var nw = Math.min(full.w * 2, Math.max(full.w / 200, view.w * factor));
      var k = nw / view.w;
      view.x = at.x - (at.x - view.x) * k; view.y = at.y - (at.y - view.y) * k;
      view.w = nw; view.h = view.h * k; apply();
    }
    svg.addEventListener("wheel", function (evt) {
      evt.preventDefault(); zoom(evt.deltaY > 0 ? 1.25 : 0.8, toMap(evt));
    }, { passive: false });
    var drag = null;
    svg.addEventListener("pointerdown", function (evt) { drag = toMap(evt); svg.setPointerCapture(evt.pointerId); });
    svg.addEventListener("pointermove", function (evt) {
      if (!drag) return;
      var now = toMap(evt); view.x -= now.x - drag.x; view.y -= now.y - drag.y; apply();
    });
    svg.addEventListener("pointerup", function () { drag = null; });
    var box = svg.parentNode.querySelector(".map-controls");
    if (box) {
      box.querySelector("[data-zoom=in]").onclick = function () { zoom(0.67, { x: view.x + view.w / 2, y: view.y + view.h / 2 }); };
      box.querySelector("[data-zoom=out]").onclick = function () { zoom(1.5, { x: view.x + view.w / 2, y: view.y + view.h / 2 }); };
      box.querySelector("[data-zoom=reset]").onclick = function () { view = { x: full.x, y: full.y, w: full.w, h: full.h }; apply(); };
    }
  }
  document.querySelectorAll("svg.map").forEach(attach);
})();
