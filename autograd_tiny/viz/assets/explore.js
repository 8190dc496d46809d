/* autograd_tiny explorer: a stepper through the forward and backward passes of a graph.
 *
 * Embedding API (one global function, no dependencies, works from file://):
 *
 *   var stepper = mountStepper(element, data);
 *
 *   element  an empty block element; its content is replaced by the stepper.
 *   data     the object that autograd_tiny.viz.explore writes (Explorer.to_data()):
 *            { version: 1, svg: "<svg...>", boxes: [{name, svg}], boxOf: [k or -1 per value],
 *              values: [{name, label, data, shown}] (data: the leaf's repr, "" for an op),
 *              steps: [{phase, node, title, lines, rows, set: [[node, "d"|"g", repr, shown]],
 *                       targets: [node]}], interval: milliseconds between steps of Play }
 *   returns  { go(position), next(), previous(), reset(), play(), pause(), position(),
 *              count, destroy() }; position 0 is the start (only the leaves' data known),
 *              position k is "after step k"; count = steps + 1 positions.
 *
 * Every value's element carries data-node (its index), data-label, data-data and data-grad:
 * the exact repr of the float shown at the current position, "" while not yet computed
 * (data) or while no share has arrived (grad).  Two steppers on one page share nothing:
 * every lookup is inside `element`, and keys are heard only while the stepper has focus.
 */
function mountStepper(element, data) {
  "use strict";
  var doc = element.ownerDocument;
  var PENDING = "\u2026";

  function make(tag, cls, text) {
    var e = doc.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function button(name) {
    var b = make("button", "agt-button", name);
    b.type = "button";
    return b;
  }

  element.textContent = "";
  element.classList.add("agt-explore");
  element.tabIndex = 0;
  var bar = make("div", "agt-bar");
  var reset = button("Reset"), previous = button("Previous step");
  var play = button("Play"), next = button("Next step");
  var counter = make("span", "agt-counter");
  counter.setAttribute("aria-live", "polite");
  [reset, previous, play, next, counter].forEach(function (b) { bar.appendChild(b); });
  var graph = make("div", "agt-graph");
  graph.innerHTML = data.svg;
  var expansions = make("div", "agt-expansions");
  var panel = make("div", "agt-panel");
  element.appendChild(bar);
  element.appendChild(graph);
  element.appendChild(expansions);
  element.appendChild(panel);

  var boxes = (data.boxes || []).map(function (box, k) {
    var holder = make("div", "agt-expansion");
    holder.hidden = true;
    holder.appendChild(make("div", "agt-expansion-title", box.name));
    var inner = make("div", "agt-expansion-graph");
    inner.innerHTML = box.svg;
    holder.appendChild(inner);
    expansions.appendChild(holder);
    var shape = graph.querySelector('[data-box="' + k + '"]');
    if (shape) {
      shape.setAttribute("role", "button");
      shape.setAttribute("aria-expanded", "false");
      shape.setAttribute("aria-label", "neuron " + box.name);
      shape.setAttribute("tabindex", "0");
      shape.addEventListener("click", function () { toggle(k); });
    }
    return { holder: holder, shape: shape };
  });
  function toggle(k) {
    var box = boxes[k];
    box.holder.hidden = !box.holder.hidden;
    if (box.shape) box.shape.setAttribute("aria-expanded", String(!box.holder.hidden));
  }

  var n = data.values.length;
  var elements = [], boxTexts = [];
  for (var i = 0; i < n; i++) {
    elements.push(element.querySelector('[data-node="' + i + '"]'));
  }
  boxes.forEach(function (box) {
    boxTexts.push(box.shape ? {
      data: box.shape.querySelector('[data-role="data"]'),
      grad: box.shape.querySelector('[data-role="grad"]'),
      output: Number(box.shape.getAttribute("data-output"))
    } : null);
  });
  var steps = data.steps, count = steps.length + 1;
  var state = { d: [], ds: [], g: [], gs: [] }, at = 0, timer = null;

  function blank() {
    for (var i = 0; i < n; i++) {
      state.d[i] = data.values[i].data;
      state.ds[i] = data.values[i].shown;
      state.g[i] = "";
      state.gs[i] = "";
    }
  }
  function apply(step) {
    step.set.forEach(function (change) {
      var node = change[0], field = change[1];
      state[field][node] = change[2];
      state[field + "s"][node] = change[3];
    });
  }
  function setText(el, word, shown) {
    if (el) el.textContent = word + " " + (shown === "" ? PENDING : shown);
  }
  function showValues() {
    for (var i = 0; i < n; i++) {
      var el = elements[i];
      if (!el) continue;
      el.setAttribute("data-data", state.d[i]);
      el.setAttribute("data-grad", state.g[i]);
      setText(el.querySelector('[data-role="data"]'), "data", state.ds[i]);
      setText(el.querySelector('[data-role="grad"]'), "grad", state.gs[i]);
    }
    boxTexts.forEach(function (t) {
      if (!t) return;
      setText(t.data, "data", state.ds[t.output]);
      setText(t.grad, "grad", state.gs[t.output]);
    });
  }
  function clearMarks() {
    var marked = element.querySelectorAll(".agt-current, .agt-active, .agt-target");
    Array.prototype.forEach.call(marked, function (e) {
      e.classList.remove("agt-current", "agt-active", "agt-target");
    });
  }
  function mark(selector, cls) {
    Array.prototype.forEach.call(element.querySelectorAll(selector), function (e) {
      e.classList.add(cls);
    });
  }
  function markNode(node, cls) {
    mark('[data-node="' + node + '"]', cls);
    var k = data.boxOf ? data.boxOf[node] : -1;
    if (k >= 0) mark('[data-box="' + k + '"]', cls);
  }
  function showPanel(step) {
    panel.textContent = "";
    if (!step) {
      panel.appendChild(make("div", "agt-title", data.start || "Start"));
      return;
    }
    panel.appendChild(make("div", "agt-title agt-" + step.phase, step.title));
    (step.lines || []).forEach(function (line) { panel.appendChild(make("div", "agt-line", line)); });
    if (step.rows && step.rows.length) {
      var table = make("table", "agt-rows");
      step.rows.forEach(function (row, r) {
        var tr = make("tr");
        row.forEach(function (cell) { tr.appendChild(make(r === 0 ? "th" : "td", "", cell)); });
        table.appendChild(tr);
      });
      panel.appendChild(table);
    }
  }
  function render() {
    showValues();
    clearMarks();
    var step = at > 0 ? steps[at - 1] : null;
    if (step) {
      markNode(step.node, "agt-current");
      mark('[data-op="' + step.node + '"], [data-edge="' + step.node + '"]', "agt-active");
      (step.targets || []).forEach(function (t) { markNode(t, "agt-target"); });
    }
    showPanel(step);
    counter.textContent = "step " + at + " of " + steps.length;
    element.setAttribute("data-position", String(at));
    previous.disabled = at === 0;
    next.disabled = at === count - 1;
  }
  function go(position) {
    position = Math.max(0, Math.min(count - 1, Math.floor(position)));
    if (position < at) {
      blank();
      at = 0;
    }
    while (at < position) apply(steps[at++]);
    render();
    return at;
  }
  function pause() {
    if (timer !== null) clearInterval(timer);
    timer = null;
    play.textContent = "Play";
    element.removeAttribute("data-playing");
  }
  function start() {
    if (at === count - 1) go(0);
    play.textContent = "Pause";
    element.setAttribute("data-playing", "true");
    timer = setInterval(function () {
      go(at + 1);
      if (at === count - 1) pause();
    }, data.interval || 600);
  }
  var api = {
    go: go,
    next: function () { return go(at + 1); },
    previous: function () { return go(at - 1); },
    reset: function () { pause(); return go(0); },
    play: start,
    pause: pause,
    position: function () { return at; },
    count: count,
    destroy: function () { pause(); element.textContent = ""; }
  };
  next.addEventListener("click", function () { pause(); api.next(); });
  previous.addEventListener("click", function () { pause(); api.previous(); });
  reset.addEventListener("click", api.reset);
  play.addEventListener("click", function () { if (timer === null) start(); else pause(); });
  element.addEventListener("keydown", function (event) {
    if (event.key === "ArrowRight") { pause(); api.next(); }
    else if (event.key === "ArrowLeft") { pause(); api.previous(); }
    else if ((event.key === "Enter" || event.key === " ") && event.target.hasAttribute("data-box")) {
      toggle(Number(event.target.getAttribute("data-box")));
    } else return;
    event.preventDefault();
  });
  blank();
  render();
  return api;
}
