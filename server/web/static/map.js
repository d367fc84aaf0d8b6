"use strict";
// The interconnection map: zoom by the SVG's viewBox, pan by moving the
// drawn map as one layer (the browser's compositor does it without
// drawing the map again) and set the viewBox when the drag ends; on an
// asset, its name, its links and the assets at their other ends; a
// search; the attack paths of the chosen target. What it needs beyond the
// SVG is in the page's JSON block #map-data; it loads nothing and runs
// offline.
(function () {
  const svg = document.getElementById("map");
  if (!svg) return;
  const NS = "http://www.w3.org/2000/svg";
  const data = JSON.parse(document.getElementById("map-data").textContent);
  const count = data.id.length;
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
  // 1/40 and 4 times the whole map.
  function zoom(f, at) {
    const w = Math.min(Math.max(vb.w * f, home.w / 40), home.w * 4);
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

  // Panning: drag anywhere; a drag that moved is not a click. While the
  // pointer moves, the map is only shifted (a CSS transform, composited);
  // at the end the shift becomes the new viewBox.
  let drag = null;
  let moved = false;
  svg.addEventListener("pointerdown", function (e) {
    if (e.button !== 0) return;
    drag = { x: e.clientX, y: e.clientY, dx: 0, dy: 0 };
    moved = false;
  });
  svg.addEventListener("pointermove", function (e) {
    if (!drag) return;
    const dx = e.clientX - drag.x, dy = e.clientY - drag.y;
    if (!moved && Math.abs(dx) + Math.abs(dy) < 4) return;
    if (!moved) {
      moved = true;
      if (e.pointerId !== undefined && svg.setPointerCapture) {
        try { svg.setPointerCapture(e.pointerId); } catch (err) { /* a synthetic pointer */ }
      }
      svg.classList.add("panning");
      hideHover();
    }
    drag.dx = dx;
    drag.dy = dy;
    svg.style.transform = "translate(" + dx + "px," + dy + "px)";
  });
  function endDrag(e) {
    if (!drag) return;
    if (moved) {
      const scale = vb.w / svg.clientWidth;
      vb = { x: vb.x - drag.dx * scale, y: vb.y - drag.dy * scale, w: vb.w, h: vb.h };
      svg.style.transform = "";
      apply();
    }
    drag = null;
    svg.classList.remove("panning");
    if (e.pointerId !== undefined && svg.hasPointerCapture && svg.hasPointerCapture(e.pointerId)) svg.releasePointerCapture(e.pointerId);
  }
  svg.addEventListener("pointerup", endDrag);
  svg.addEventListener("pointercancel", endDrag);

  // Links by asset: index -> [other end, clear text?]. An end at or past
  // count is a zone.
  const adj = new Map();
  for (let k = 0; k + 2 < data.links.length; k += 3) {
    const a = data.links[k], b = data.links[k + 1], clear = data.links[k + 2] === 1;
    if (!adj.has(a)) adj.set(a, []);
    if (!adj.has(b)) adj.set(b, []);
    adj.get(a).push([b, clear]);
    adj.get(b).push([a, clear]);
  }
  const index = new Map(data.id.map(function (id, i) { return [id, i]; }));
  const dots = svg.querySelectorAll("circle.node[data-i]");
  const hl = document.getElementById("map-hl");
  const hover = document.getElementById("map-hover");
  const info = {
    name: document.getElementById("mi-name"),
    meta: document.getElementById("mi-meta"),
    link: document.getElementById("mi-link"),
    links: document.getElementById("mi-links"),
  };
  let pinned = -1;
  let lit = [];

  function at(j) {
    if (j < count) return [data.x[j], data.y[j]];
    return [data.zx[j - count], data.zy[j - count]];
  }
  function label(j) {
    if (j < count) return data.name[j] || data.id[j];
    const z = document.querySelectorAll("g.zone-box")[j - count];
    return (z ? z.dataset.zone : "zone") + " (zone)";
  }

  function clear() {
    svg.classList.remove("focus");
    hl.textContent = "";
    lit.forEach(function (d) { d.classList.remove("hl"); });
    lit = [];
  }

  function showHover(i) {
    const t = hover.querySelector("text"), r = hover.querySelector("rect");
    t.textContent = data.name[i] ? data.name[i] + " · " + data.id[i] : data.id[i];
    t.setAttribute("x", data.x[i] + 9);
    t.setAttribute("y", data.y[i] - 8);
    hover.classList.remove("hidden");
    const bb = t.getBBox();
    r.setAttribute("x", bb.x - 3);
    r.setAttribute("y", bb.y - 2);
    r.setAttribute("width", bb.width + 6);
    r.setAttribute("height", bb.height + 4);
  }
  function hideHover() { hover.classList.add("hidden"); }

  // show draws an asset's links over the map and lists them beside it.
  function show(i) {
    clear();
    svg.classList.add("focus");
    const self = dots[i];
    self.classList.add("hl");
    lit.push(self);
    const others = [];
    const [x1, y1] = at(i);
    (adj.get(i) || []).forEach(function (e) {
      const [x2, y2] = at(e[0]);
      const l = document.createElementNS(NS, "line");
      l.setAttribute("x1", x1); l.setAttribute("y1", y1);
      l.setAttribute("x2", x2); l.setAttribute("y2", y2);
      l.setAttribute("class", e[1] ? "link clear hl" : "link hl");
      hl.appendChild(l);
      if (e[0] < count) {
        dots[e[0]].classList.add("hl");
        lit.push(dots[e[0]]);
      }
      if (others.indexOf(e[0]) < 0) others.push(e[0]);
    });
    info.name.textContent = data.name[i] || data.id[i];
    const sev = data.sev[i] ? "worst open risk " + data.sev[i] : "no open risk";
    info.meta.textContent = data.id[i] + " · " + data.kind[i] + " in " + data.zone[i] + " · " + sev;
    info.link.href = base + encodeURIComponent(data.id[i]);
    info.link.classList.remove("hidden");
    info.links.textContent = "";
    others.forEach(function (j) {
      const li = document.createElement("li");
      if (j < count) {
        const a = document.createElement("a");
        a.href = base + encodeURIComponent(data.id[j]);
        a.textContent = label(j);
        li.appendChild(a);
      } else {
        li.textContent = label(j);
      }
      info.links.appendChild(li);
    });
    if (others.length === 0) {
      const li = document.createElement("li");
      li.textContent = "no application links";
      info.links.appendChild(li);
    }
  }

  function dotIndex(el) {
    return el && el.dataset && el.dataset.i !== undefined ? Number(el.dataset.i) : -1;
  }
  const nodes = document.getElementById("map-nodes");
  nodes.addEventListener("pointerover", function (e) {
    const i = dotIndex(e.target);
    if (i < 0 || drag) return;
    showHover(i);
    if (pinned < 0) show(i);
  });
  nodes.addEventListener("pointerout", function (e) {
    if (dotIndex(e.target) < 0) return;
    hideHover();
    if (pinned < 0) clear();
  });
  function pin(i) {
    pinned = i;
    if (i >= 0) show(i); else clear();
  }
  nodes.addEventListener("click", function (e) {
    const i = dotIndex(e.target);
    if (i < 0) return;
    e.stopPropagation();
    if (moved) return;
    pin(pinned === i ? -1 : i);
  });
  nodes.addEventListener("keydown", function (e) {
    const i = dotIndex(e.target);
    if (i < 0) return;
    if (e.key === "Enter") window.location.href = base + encodeURIComponent(data.id[i]);
    if (e.key === " ") { e.preventDefault(); pin(i); }
  });
  nodes.addEventListener("focusin", function (e) {
    const i = dotIndex(e.target);
    if (i >= 0 && pinned < 0) show(i);
  });
  svg.addEventListener("click", function () {
    if (moved || pinned < 0) return;
    pin(-1);
  });

  // centreOn brings an asset to the middle of the view, close enough to
  // read its neighbours.
  function centreOn(i) {
    const w = Math.min(vb.w, Math.max(home.w / 8, 500));
    const h = w * home.h / home.w;
    vb = { x: data.x[i] - w / 2, y: data.y[i] - h / 2, w: w, h: h };
    apply();
  }

  // fitTo brings a drawn path whole into the view, with a margin.
  function fitTo(line) {
    if (!line) return;
    const pts = line.points;
    if (!pts || pts.numberOfItems === 0) return;
    let x1 = Infinity, y1 = Infinity, x2 = -Infinity, y2 = -Infinity;
    for (let k = 0; k < pts.numberOfItems; k++) {
      const p = pts.getItem(k);
      x1 = Math.min(x1, p.x); y1 = Math.min(y1, p.y);
      x2 = Math.max(x2, p.x); y2 = Math.max(y2, p.y);
    }
    const m = 60;
    let w = Math.max(x2 - x1 + 2 * m, 300), h = Math.max(y2 - y1 + 2 * m, 200);
    // keep the map's proportions, so that the view only scales
    if (w / h > home.w / home.h) h = w * home.h / home.w; else w = h * home.w / home.h;
    vb = { x: (x1 + x2) / 2 - w / 2, y: (y1 + y2) / 2 - h / 2, w: w, h: h };
    apply();
  }

  // Search: by id or name, the first few that contain what is typed.
  const search = document.getElementById("map-search");
  const hits = document.getElementById("map-hits");
  const names = data.name.map(function (n, i) { return ((n || "") + " " + data.id[i]).toLowerCase(); });
  function choose(i) {
    hits.classList.add("hidden");
    centreOn(i);
    pin(i);
  }
  function find() {
    const q = search.value.trim().toLowerCase();
    hits.textContent = "";
    if (!q) { hits.classList.add("hidden"); return []; }
    const found = [];
    for (let i = 0; i < count && found.length < 8; i++) {
      if (names[i].indexOf(q) >= 0) found.push(i);
    }
    found.forEach(function (i) {
      const li = document.createElement("li");
      const b = document.createElement("button");
      b.type = "button";
      b.textContent = (data.name[i] || data.id[i]) + " · " + data.zone[i];
      b.dataset.i = i;
      b.addEventListener("click", function () { choose(i); });
      li.appendChild(b);
      hits.appendChild(li);
    });
    if (found.length === 0) {
      const li = document.createElement("li");
      li.textContent = "no asset named so";
      li.className = "muted";
      hits.appendChild(li);
    }
    hits.classList.remove("hidden");
    return found;
  }
  if (search) {
    search.addEventListener("input", find);
    search.addEventListener("keydown", function (e) {
      if (e.key === "Enter") {
        e.preventDefault();
        const found = find();
        if (found.length > 0) choose(found[0]);
      }
      if (e.key === "Escape") hits.classList.add("hidden");
    });
  }

  // Attack paths: the chosen target's paths are drawn, numbered; the path
  // picked is drawn over the others, and is the one exported as SVG.
  const toggle = document.getElementById("show-paths");
  if (toggle) {
    toggle.addEventListener("change", function () {
      svg.classList.toggle("no-paths", !toggle.checked);
    });
  }
  document.querySelectorAll(".no-js").forEach(function (el) { el.classList.add("hidden"); });
  const pick = document.getElementById("map-target");
  function showTarget(t) {
    svg.querySelectorAll("g.target-paths").forEach(function (g) { g.classList.toggle("on", g.dataset.target === t); });
    document.querySelectorAll("div.target[data-target]").forEach(function (d) { d.classList.toggle("hidden", d.dataset.target !== t); });
    if (toggle && !toggle.checked) {
      toggle.checked = true;
      svg.classList.remove("no-paths");
    }
  }
  if (pick) {
    pick.addEventListener("change", function () {
      showTarget(pick.selectedOptions[0].dataset.target);
    });
  }
  document.querySelectorAll("button.path-pick").forEach(function (b) {
    b.addEventListener("click", function () {
      const box = b.closest("div.target");
      const n = b.dataset.path;
      const g = svg.querySelector('g.target-paths[data-target="' + box.dataset.target + '"]');
      g.querySelectorAll("g.path").forEach(function (p) {
        p.classList.toggle("sel", p.dataset.path === n);
        if (p.dataset.path === n) g.appendChild(p); // drawn last, on top
      });
      fitTo(g.querySelector('g.path[data-path="' + n + '"] polyline'));
      pin(-1);
      box.querySelectorAll("li.path-item").forEach(function (li) {
        li.classList.toggle("sel", li.dataset.path === n);
        if (li.dataset.path === n) li.querySelector("details").open = true;
      });
      box.querySelectorAll("button.path-pick").forEach(function (o) {
        o.classList.toggle("on", o === b);
        o.setAttribute("aria-pressed", o === b ? "true" : "false");
      });
      if (toggle && !toggle.checked) {
        toggle.checked = true;
        svg.classList.remove("no-paths");
      }
    });
  });
})();
