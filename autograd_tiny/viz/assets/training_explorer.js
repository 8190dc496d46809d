/* autograd_tiny training explorer: decision boundary, loss curve and one sample's graph per epoch.
 *
 *   mountTrainingExplorer(element, data)   data: what autograd_tiny.viz.TrainingExplorer embeds
 *   returns { show(snapshot), pick(index), evaluate(snapshot, index) }
 *
 * The sample's graph is evaluated here from what viz/training_graph.py traced with the engine:
 * its template (the graph's shape) and its schedule (the engine's own backward pass over that
 * shape: the nodes in the order it takes them, each with the operands it passes a share to).
 * Each op's forward and shares are TRAINING_OPS, the rules of autograd_tiny/ops.py written in
 * JavaScript by viz/js_rules.py (calling TRAINING_RUNTIME, assets/training_runtime.js); the
 * page puts both before this file.  Nothing here knows a derivative or the chain rule: the
 * schedule is run straight through, so the numbers are those of backward().  No request
 * leaves the page.
 */
function trainingNumber(v) {
  "use strict";
  if (typeof v === "number") return v;
  return v === "nan" ? NaN : (v === "inf" ? Infinity : -Infinity);
}

/* Forward and backward of a template: {data: [...], grad: [... or null]} per node.
 * The root's gradient is 1 (backward()'s); each schedule step [node, positions...] adds the
 * node's share to each of those operands, in the engine's order (so the sums are its sums). */
function evaluateTrainingGraph(nodes, schedule, constants, inputs, weights) {
  "use strict";
  var n = nodes.length, data = new Array(n), grad = new Array(n).fill(null);
  function operand(ref) { return ref >= 0 ? data[ref] : constants[-1 - ref]; }
  nodes.forEach(function (node, i) {
    var kind = node[0], ref = node[1];
    if (kind === "input") data[i] = inputs[ref];
    else if (kind === "param") data[i] = weights[ref];
    else if (kind === "const") data[i] = constants[-1 - ref];
    else data[i] = TRAINING_OPS[kind].f.apply(null, ref.map(operand));
  });
  grad[n - 1] = 1.0;
  schedule.forEach(function (step) {
    if (step.length < 2) return;  // a root that is a leaf passes nothing on
    var i = step[0], refs = nodes[i][1], share = TRAINING_OPS[nodes[i][0]].share;
    var args = [grad[i]].concat(refs.map(operand), [data[i]]);
    for (var k = 1; k < step.length; k++) {
      var r = refs[step[k]], c = share[step[k]].apply(null, args);
      grad[r] = grad[r] === null ? c : grad[r] + c;
    }
  });
  return { data: data, grad: grad };
}

function mountTrainingExplorer(element, data) {
  "use strict";
  var doc = element.ownerDocument, SVG = "http://www.w3.org/2000/svg";
  var COLORS = ["#3b6fd8", "#d8503b", "#2e9d57", "#9b51c4", "#c79a16", "#16a3b5",
                "#7a5c3a", "#d04f9a", "#596a7a", "#7fa81c"];
  function make(tag, attrs, text) {
    var e = tag.indexOf("svg:") === 0 ? doc.createElementNS(SVG, tag.slice(4)) : doc.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function fmt(x) { return isFinite(x) ? Number(x).toPrecision(4).replace(/\.?0+(e|$)/, "$1") : String(x); }
  var snaps = data.snapshots, box = data.box, res = data.resolution, graph = data.graph;
  var W = 360, H = 360, at = 0, picked = 0;
  element.textContent = "";
  element.classList.add("ate");
  var controls = make("div", { "class": "ate-controls" });
  var slider = make("input", { type: "range", min: "0", max: String(snaps.length - 1), value: "0",
    step: "1", "aria-label": "Recorded epoch", id: "ate-epoch" });
  var status = make("output", { "class": "ate-status", "aria-live": "polite" });
  controls.appendChild(make("label", { "for": "ate-epoch" }, "epoch"));
  controls.appendChild(slider);
  controls.appendChild(status);
  var row = make("div", { "class": "ate-row" });
  var plane = make("div", { "class": "ate-plane", role: "img",
    "aria-label": "Decision boundary and data; click to pick the sample" });
  var canvas = make("canvas", { width: String(res), height: String(res), "class": "ate-boundary" });
  var points = make("svg:svg", { viewBox: "0 0 " + W + " " + H, "class": "ate-points" });
  plane.appendChild(canvas);
  plane.appendChild(points);
  var curve = make("svg:svg", { viewBox: "0 0 " + W + " 220", "class": "ate-curve",
    role: "img", "aria-label": "Loss per epoch" });
  row.appendChild(plane);
  row.appendChild(curve);
  var sample = make("section", { "class": "ate-sample" });
  [controls, row, sample].forEach(function (e) { element.appendChild(e); });

  function px(p) { return [(p[0] - box[0]) / (box[1] - box[0]) * W, H - (p[1] - box[2]) / (box[3] - box[2]) * H]; }
  var dots = data.points.map(function (p, k) {
    var xy = px(p), c = make("svg:circle", { cx: xy[0], cy: xy[1], r: 4, "data-index": data.indices[k],
      "data-class": data.classes[k], fill: COLORS[data.classes[k]], "class": "ate-point" });
    points.appendChild(c);
    return c;
  });
  var ring = make("svg:circle", { r: 8, "class": "ate-picked" });
  points.appendChild(ring);

  // The loss curve: History's loss per epoch, the recorded epoch marked.
  var ep = data.curve.epochs, loss = data.curve.loss.map(trainingNumber);
  var finite = loss.filter(isFinite), lo = Math.min.apply(null, finite.concat([0]));
  var hi = Math.max.apply(null, finite.concat([lo + 1e-12])), last = Math.max(ep[ep.length - 1] || 1, 1);
  function cxy(e, l) { return [30 + (e / last) * (W - 40), 200 - (l - lo) / (hi - lo) * 180]; }
  curve.appendChild(make("svg:polyline", { "class": "ate-loss", points: ep.map(function (e, k) {
    return isFinite(loss[k]) ? cxy(e, loss[k]).join(",") : ""; }).join(" ") }));
  curve.appendChild(make("svg:text", { x: 30, y: 215, "class": "ate-axis" }, "epoch 1 … " + last));
  curve.appendChild(make("svg:text", { x: 30, y: 12, "class": "ate-axis" }, "loss (max " + fmt(hi) + ")"));
  var marker = make("svg:circle", { r: 5, "class": "ate-marker" });
  curve.appendChild(marker);

  function drawBoundary(s) {
    var ctx = canvas.getContext("2d"), image = ctx.createImageData(res, res), grid = snaps[s].grid;
    for (var r = 0; r < res; r++) for (var c = 0; c < res; c++) {
      var hex = COLORS[+grid[r * res + c]], o = ((res - 1 - r) * res + c) * 4;
      for (var k = 0; k < 3; k++) image.data[o + k] = 255 - (255 - parseInt(hex.substr(1 + 2 * k, 2), 16)) * 0.35;
      image.data[o + 3] = 255;
    }
    ctx.putImageData(image, 0, 0);
    plane.setAttribute("data-grid", grid);
  }

  function show(s) {
    at = Math.max(0, Math.min(snaps.length - 1, s));
    slider.value = String(at);
    var snap = snaps[at], l = snap.loss === null ? null : trainingNumber(snap.loss);
    element.setAttribute("data-epoch", snap.epoch);
    element.setAttribute("data-loss", l === null ? "" : String(l));
    status.textContent = "epoch " + snap.epoch + " of " + snaps[snaps.length - 1].epoch +
      (l === null ? " (before training)" : " · loss " + fmt(l));
    drawBoundary(at);
    dots.forEach(function (d, k) { d.classList.toggle("ate-wrong", +snap.predicted[k] !== data.classes[k]); });
    marker.style.display = l === null || !isFinite(l) ? "none" : "";
    if (l !== null && isFinite(l)) { var m = cxy(snap.epoch, l); marker.setAttribute("cx", m[0]); marker.setAttribute("cy", m[1]); }
    marker.setAttribute("data-epoch", snap.epoch);
    drawSample();
  }

  function evaluate(s, k) {
    var t = graph.template_of[k], consts = graph.constants[t].slice();
    var varying = graph.per_sample ? graph.per_sample[k] : graph.per_snapshot[s][k], v = 0;
    for (var c = 0; c < consts.length; c++) consts[c] = trainingNumber(consts[c] === null ? varying[v++] : consts[c]);
    return evaluateTrainingGraph(graph.templates[t], graph.schedules[t], consts, data.points[k],
      snaps[s].weights.map(trainingNumber));
  }

  function drawSample() {
    var k = picked, p = data.points[k], xy = px(p);
    ring.setAttribute("cx", xy[0]); ring.setAttribute("cy", xy[1]);
    sample.textContent = "";
    sample.setAttribute("data-index", data.indices[k]);
    sample.appendChild(make("h2", {}, "Sample " + data.indices[k] + ": x = (" + fmt(p[0]) + ", " + fmt(p[1]) +
      "), class " + data.class_names[data.classes[k]] + ", predicted " + data.class_names[+snaps[at].predicted[k]]));
    if (!graph) {
      sample.appendChild(make("p", {}, "The graph of one sample's loss has more than " + data.max_nodes +
        " values: too many to show here."));
      return;
    }
    var t = graph.templates[graph.template_of[k]], values = evaluate(at, k);
    sample.appendChild(make("p", {}, "Its loss at epoch " + snaps[at].epoch + " is " +
      fmt(values.data[t.length - 1]) + "; each box shows a value's data and its gradient."));
    sample.appendChild(drawGraph(t, values));
  }

  // Columns by depth: an op one right of its deepest operand; a leaf just left of its first use.
  function drawGraph(nodes, values) {
    var depth = nodes.map(function () { return 0; }), firstUse = nodes.map(function () { return -1; });
    nodes.forEach(function (node, i) {
      if (typeof node[1] === "number") return;
      node[1].forEach(function (r) { if (r >= 0) { depth[i] = Math.max(depth[i], depth[r] + 1); if (firstUse[r] < 0) firstUse[r] = i; } });
    });
    nodes.forEach(function (node, i) { if (typeof node[1] === "number" && firstUse[i] >= 0) depth[i] = -1; });
    nodes.forEach(function (node, i) { if (depth[i] === -1) depth[i] = depth[firstUse[i]] - 1; });
    var rows = [], pos = [], BW = 150, BH = 44;
    nodes.forEach(function (node, i) { var d = depth[i]; rows[d] = (rows[d] || 0) + 1; pos[i] = [d, rows[d] - 1]; });
    var height = Math.max.apply(null, rows.filter(Boolean)) * (BH + 8) + 8;
    var svg = make("svg:svg", { width: rows.length * (BW + 30) + 10, height: height, "class": "ate-graph" });
    function at_(i) { return [10 + pos[i][0] * (BW + 30), 8 + pos[i][1] * (BH + 8)]; }
    nodes.forEach(function (node, i) {
      if (typeof node[1] === "number") return;
      node[1].forEach(function (r) {
        if (r < 0) return;
        var a = at_(r), b = at_(i);
        svg.appendChild(make("svg:line", { x1: a[0] + BW, y1: a[1] + BH / 2, x2: b[0], y2: b[1] + BH / 2, "class": "ate-edge" }));
      });
    });
    nodes.forEach(function (node, i) {
      var xy = at_(i), kind = node[0], isLeaf = typeof node[1] === "number";
      var name = isLeaf ? (kind === "const" ? "constant" : node[2]) : (node[2] ? node[2] + " = " : "") + kind;
      var g = make("svg:g", { "class": "ate-node ate-" + (isLeaf ? kind : "op"), "data-node": i,
        "data-label": isLeaf ? node[2] : node[2], "data-op": isLeaf ? "" : kind,
        "data-data": String(values.data[i]), "data-grad": values.grad[i] === null ? "" : String(values.grad[i]),
        transform: "translate(" + xy[0] + "," + xy[1] + ")" });
      g.appendChild(make("svg:rect", { width: BW, height: BH, rx: 4 }));
      g.appendChild(make("svg:text", { x: 5, y: 13 }, name.length > 24 ? "…" + name.slice(-23) : name));
      g.appendChild(make("svg:text", { x: 5, y: 27 }, "data " + fmt(values.data[i])));
      g.appendChild(make("svg:text", { x: 5, y: 40 }, "grad " + (values.grad[i] === null ? "—" : fmt(values.grad[i]))));
      g.appendChild(make("svg:title", {}, name + "\ndata " + values.data[i] + "\ngrad " + values.grad[i]));
      svg.appendChild(g);
    });
    var holder = make("div", { "class": "ate-graph-holder" });
    holder.appendChild(svg);
    return holder;
  }

  function pick(k) { picked = k; drawSample(); }
  points.addEventListener("click", function (event) {
    var rect = points.getBoundingClientRect();
    var x = (event.clientX - rect.left) / rect.width * W, y = (event.clientY - rect.top) / rect.height * H;
    var best = 0, bestD = Infinity;
    data.points.forEach(function (p, k) {
      var q = px(p), d = (q[0] - x) * (q[0] - x) + (q[1] - y) * (q[1] - y);
      if (d < bestD) { bestD = d; best = k; }
    });
    pick(best);
  });
  slider.addEventListener("input", function () { show(+slider.value); });
  show(0);
  return { show: show, pick: pick, evaluate: function (s, k) { return evaluate(s, k); } };
}
