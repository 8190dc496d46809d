/* autograd_tiny's IEEE-754 functions in JavaScript, named as the ops of autograd_tiny/ops.py.
 *
 * The page's op rules (viz/js_rules.py) are the table's own forwards and derivative rules
 * evaluated on symbols: arithmetic and ops.where come out as JavaScript, and every helper a rule
 * calls (exp, sigmoid, div, ...) is a call R.name(...) of this object.  Each function returns
 * what the table's forward returns on floats: inf or nan where Python's math would raise,
 * signed zeros as C's, Python's % and // (the divisor's sign), halves rounded to even.
 * Nothing here is a derivative.  One entry a line, "  name: function": js_rules.py reads the
 * names from this file, and a rule that calls any other name is refused with a ValueError.
 */
var TRAINING_RUNTIME = (function () {
  "use strict";
  function sigmoid(x) { if (x >= 0) return 1 / (1 + Math.exp(-x)); var e = Math.exp(x); return e / (1 + e); }
  function floordiv(x, y) {  // CPython's float floor division, from fmod
    if (y === 0) return x / y;
    var m = x % y, d = (x - m) / y;
    if (m !== 0 && (y < 0) !== (m < 0)) d -= 1;
    if (d !== 0) { var f = Math.floor(d); return d - f > 0.5 ? f + 1 : f; }
    return x / y < 0 || Object.is(x / y, -0) ? -0 : 0;
  }
  return {
  div: function (x, y) { return x / y; },
  pow: function (x, y) { return x === 1 || (x === -1 && !isFinite(y) && y === y) ? 1 : Math.pow(x, y); },
  mod: function (x, y) {
    if (y === 0) return NaN;
    var m = x % y;
    if (m === 0) return y < 0 ? -0 : 0;
    return (y < 0) !== (m < 0) ? m + y : m;
  },
  floordiv: floordiv,
  abs: Math.abs,
  exp: Math.exp,
  log: Math.log,
  sqrt: Math.sqrt,
  tanh: Math.tanh,
  sigmoid: sigmoid,
  softplus: function (x) { return x === x ? (x < 0 ? 0 : x) + Math.log1p(Math.exp(-Math.abs(x))) : x; },
  sin: Math.sin,
  cos: Math.cos,
  tan: Math.tan,
  asin: Math.asin,
  acos: Math.acos,
  atan: Math.atan,
  atan2: Math.atan2,
  sinh: Math.sinh,
  cosh: Math.cosh,
  log1p: Math.log1p,
  expm1: Math.expm1,
  floor: Math.floor,
  ceil: Math.ceil,
  trunc: Math.trunc,
  round: function (x) {  // halves to even, as Python's round and torch.round
    var r = Math.round(x);
    return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
  },
  sign: function (x) { return x > 0 ? 1 : (x < 0 ? -1 : (x === 0 ? 0 : NaN)); },
  min: function (x, y) { return x !== x || y !== y ? x + y : (x <= y ? x : y); },
  max: function (x, y) { return x !== x || y !== y ? x + y : (x >= y ? x : y); }
  };
})();
