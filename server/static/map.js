"use strict";
// The interconnection map: zoom and pan by changing the SVG's viewBox,
// highlight an asset's links on hover or click, show what it is and link
// to its page, choose or hide the attack paths. Everything it needs is in
// the page's data-* attributes; it loads nothing and runs offline.
(function () {
  const svg = document.getElementById("map");
  if (!svg) return;
  const full = svg.viewBox.baseVal;
  const home = { x: full.x, y: full.y, w: full.width, h: full.height };
  let vb = Object.assign({}, home);
  const base = svg.dataset.assets || "";

  function apply() {
    svg.setAttribute("viewBox", vb.x + " " + vb.y + " " + vb.w + " " + vb.h);
  }

  // toSVG turns a point on the screen into map coordinates.
  function toSVG(clientX, clientY) {
    const m = svg.getScreenCTM();
    if (!m) return { x: vb.x + vb.w / 2, y: vb.y + vb.h / 2 };
    const p = new DOMPoint(clientX, clientY).matrixTransform(m.inverse());
    return { x: p.x, y: p.y };
  }

  // zoom scales the view by f around a point in map coordinates, within
  // 1/20 and 4 times the whole map.
  function zoom(f, at) {
    const w = Math.min(Math.max(vb.w * f, home.w / 20), home.w * 4);
    const k = w / vb.w;
    vb = { x: at.x - (at.x - vb.x) * k, y: at.y - (at.y - vb.y) * k, w: w, h: vb.h * k };
    apply();
  }

  svg.addEventListener("wheel", function (e) {
    e.preventDefault();
    zoom(e.deltaY < 0 ? 0.8 : 1.25, toSVG(e.clientX, e.clientY));
  }, { passive: false });

  document.querySelectorAll("[data-zoom]").forEach(function (b) {
    b.addEventListener("click", function () {
      const centre = { x: vb.x + vb.w / 2, y: vb.y + vb.h / 2 };
      switch (b.dataset.zoom) {
        case "in": zoom(0.7, centre); break;
        case "out": zoom(1 / 0.7, centre); break;
        default: vb = Object.assign({}, home); apply();
      }
    });
  });

  // Panning: drag anywhere; a drag that moved is not a click.
  let drag = null;
  let moved = false;
  svg.addEventListener("pointerdown", function (e) {
    if (e.button !== 0) return;
    drag = { x: e.clientX, y: e.clientY, vb: Object.assign({}, vb) };
    moved = false;
  });
  svg.addEventListener("pointermove", function (e) {
    if (!drag) return;
    const dx = e.clientX - drag.x, dy = e.clientY - drag.y;
    if (!moved && Math.abs(dx) + Math.abs(dy) < 4) return;
    if (!moved) {
      moved = true;
      svg.setPointerCapture(e.pointerId);
      svg.classList.add("panning");
    }
    const scale = drag.vb.w / svg.clientWidth;
    vb = { x: drag.vb.x - dx * scale, y: drag.vb.y - dy * scale, w: drag.vb.w, h: drag.vb.h };
    apply();
  });
  function endDrag(e) {
    drag = null;
    svg.classList.remove("panning");
    if (svg.hasPointerCapture(e.pointerId)) svg.releasePointerCapture(e.pointerId);
  }
  svg.addEventListener("pointerup", endDrag);
  svg.addEventListener("pointercancel", endDrag);

  // Highlighting: the asset's lines and the assets at their other ends.
  const nodes = Array.from(svg.querySelectorAll("circle.node"));
  const byId = new Map(nodes.map(function (n) { return [n.dataset.id, n]; }));
  const lines = Array.from(svg.querySelectorAll("line[data-from]"));
  const info = {
    name: document.getElementById("mi-name"),
    meta: document.getElementById("mi-meta"),
    link: document.getElementById("mi-link"),
    links: document.getElementById("mi-links"),
  };
  let pinned = null;

  function clear() {
    svg.classList.remove("focus");
    svg.querySelectorAll(".hl").forEach(function (el) { el.classList.remove("hl"); });
  }

  function show(node) {
    clear();
    const id = node.dataset.id;
    svg.classList.add("focus");
    node.classList.add("hl");
    const others = [];
    lines.forEach(function (l) {
      let other = null;
      if (l.dataset.from === id) other = l.dataset.to;
      else if (l.dataset.to === id) other = l.dataset.from;
      if (other === null) return;
      l.classList.add("hl");
      const o = byId.get(other);
      if (o) o.classList.add("hl");
      if (!l.classList.contains("attack") && others.indexOf(other) < 0) others.push(other);
    });
    if (!info.name) return;
    info.name.textContent = node.dataset.name || id;
    const sev = node.dataset.sev ? "worst open risk " + node.dataset.sev : "no open risk";
    info.meta.textContent = id + " · " + node.dataset.kind + " in " + node.dataset.zone + " · " + sev;
    info.link.href = base + encodeURIComponent(id);
    info.link.classList.remove("hidden");
    info.links.textContent = "";
    others.forEach(function (other) {
      const li = document.createElement("li");
      if (byId.has(other)) {
        const a = document.createElement("a");
        a.href = base + encodeURIComponent(other);
        a.textContent = byId.get(other).dataset.name || other;
        li.appendChild(a);
      } else {
        li.textContent = other + " (zone)";
      }
      info.links.appendChild(li);
    });
    if (others.length === 0) {
      const li = document.createElement("li");
      li.textContent = "no application links";
      info.links.appendChild(li);
    }
  }

  nodes.forEach(function (n) {
    n.addEventListener("mouseenter", function () { if (!pinned) show(n); });
    n.addEventListener("mouseleave", function () { if (!pinned) clear(); });
    n.addEventListener("click", function (e) {
      e.stopPropagation();
      if (moved) return;
      pinned = pinned === n ? null : n;
      if (pinned) show(n); else clear();
    });
    n.addEventListener("keydown", function (e) {
      if (e.key === "Enter") window.location.href = base + encodeURIComponent(n.dataset.id);
      if (e.key === " ") { e.preventDefault(); pinned = n; show(n); }
    });
    n.addEventListener("focus", function () { if (!pinned) show(n); });
  });
  svg.addEventListener("click", function () {
    if (moved || !pinned) return;
    pinned = null;
    clear();
  });

  // Attack paths: one shown at a time; the checkbox hides them all.
  const toggle = document.getElementById("show-paths");
  if (toggle) {
    toggle.addEventListener("change", function () {
      svg.classList.toggle("no-paths", !toggle.checked);
    });
  }
  document.querySelectorAll("button.path-pick").forEach(function (b) {
    b.addEventListener("click", function () {
      const i = b.dataset.path;
      svg.querySelectorAll("g.path").forEach(function (g) { g.classList.toggle("on", g.dataset.path === i); });
      document.querySelectorAll("button.path-pick").forEach(function (o) { o.classList.toggle("on", o === b); });
      if (toggle && !toggle.checked) {
        toggle.checked = true;
        svg.classList.remove("no-paths");
      }
    });
  });
})();
