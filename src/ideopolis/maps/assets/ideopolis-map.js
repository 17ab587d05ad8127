/*
 * ideopolis map page.
 *
 * Draws every region once from packed shared-arc geometry and restyles the same shapes when the reader
 * switches layers. Everything that comes from data is put on the page with textContent or setAttribute,
 * never as HTML (the one HTML input, a methods note, is rebuilt element by element from a short list of
 * plain elements; see safeHtml).
 *
 * The payload is written by ideopolis.maps.encode / ideopolis.maps.interactive (Python). The file is
 * organised so that parts can be replaced one at a time:
 *   - geometry:  unpack, decodeFlat (the packed format, decoded once into typed arrays);
 *   - text:      fold (the region lookup's folding rules, ideopolis.regions.lookup), ratio (difflib's),
 *                number formats;
 *   - search:    createIndex (what a query finds) and searchBox (the combobox);
 *   - renderer:  createSvgRenderer (one SVG path a region, small maps) or createCanvasRenderer (one canvas,
 *                typed arrays, a grid index for hover and click; large maps) draws the regions; the rest
 *                of the page only calls their common methods (setFills, has, regionAt, bindTooltip...);
 *   - layout:    the title bar, the stage with the map, the footer; embed mode;
 *   - legend, card (the region card), about (the method panel);
 *   - init:      wires them together and exposes window.ideopolis for tests.
 */
(function () {
  "use strict";

  /* ------------------------------------------------------------------ geometry */

  var DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  var LOOKUP = new Int8Array(128).fill(-1);
  for (var d = 0; d < DIGITS.length; d++) LOOKUP[DIGITS.charCodeAt(d)] = d;
  var NO_DATA_FILL = "url(#ido-nodata)";
  /* Where the legend may go, in order of preference (the zoom buttons hold the top left). */
  var LEGEND_CORNERS = ["bottomright", "bottomleft", "topright"];

  /* Unpack base-64 variable-length integers (five bits a digit, bit 6 = more digits follow). */
  function unpack(text) {
    var out = [];
    var value = 0;
    var shift = 0;
    for (var i = 0; i < text.length; i++) {
      var digit = LOOKUP[text.charCodeAt(i)];
      value += (digit & 31) * Math.pow(2, shift);
      if (digit & 32) {
        shift += 5;
      } else {
        out.push(value);
        value = 0;
        shift = 0;
      }
    }
    return out;
  }

  function unzigzag(v) {
    return v % 2 ? -((v + 1) / 2) : v / 2;
  }

  /* A packed column of a large page (ideopolis.maps.interactive.pack_numbers): 0 = none, else
     zigzag(value * 10^decimals) + 1; dividing gives back the double the JSON literal would. */
  function unpackNumbers(text, decimals) {
    var codes = unpack(text);
    var scale = Math.pow(10, decimals);
    var out = new Array(codes.length);
    for (var i = 0; i < codes.length; i++) {
      out[i] = codes[i] === 0 ? null : decimals > 0 ? unzigzag(codes[i] - 1) / scale : unzigzag(codes[i] - 1);
    }
    return out;
  }

  /* ------------------------------------------------------------------ text */

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function button(className, text, label) {
    var node = el("button", className, text);
    node.type = "button";
    if (label) node.setAttribute("aria-label", label);
    return node;
  }

  /* A number as the map shows it everywhere: thousands separators, the layer's fixed decimals. */
  function fmt(value, decimals) {
    if (value === null || value === undefined) return "no data";
    return value.toLocaleString("en-US", {
      minimumFractionDigits: decimals,
      maximumFractionDigits: decimals,
    });
  }

  function ordinal(n) {
    var mod100 = n % 100;
    var suffix = mod100 >= 11 && mod100 <= 13 ? "th" : ["th", "st", "nd", "rd"][n % 10] || "th";
    return n.toLocaleString("en-US") + suffix;
  }

  /* The folding of ideopolis.regions.lookup.fold: Unicode NFKD without the accents, case folded, the
     letters Unicode does not decompose (letters: the same table as Python's), any run of characters that
     are not letters or digits as one space. */
  function makeFold(letters) {
    var table = letters || {};
    var keys = Object.keys(table);
    return function fold(text) {
      var s = String(text).normalize("NFKD").replace(/\p{Mn}/gu, "");
      s = s.toLowerCase().replace(/\u00df/g, "ss").replace(/\u03c2/g, "\u03c3");
      for (var k = 0; k < keys.length; k++) {
        if (s.indexOf(keys[k]) >= 0) s = s.split(keys[k]).join(table[keys[k]]);
      }
      return s.replace(/[^\p{L}\p{N}]+/gu, " ").trim();
    };
  }

  /* Python's difflib.SequenceMatcher(None, a, b).ratio(): 2 M / T over the matching blocks that the
     Ratcliff-Obershelp longest-match recursion finds (with difflib's "popular element" rule for long b). */
  function ratio(a, b) {
    a = Array.from(a);
    b = Array.from(b);
    if (!a.length && !b.length) return 1;
    var b2j = {};
    b.forEach(function (ch, j) {
      (b2j[ch] = b2j[ch] || []).push(j);
    });
    if (b.length >= 200) {
      var ntest = Math.floor(b.length / 100) + 1;
      Object.keys(b2j).forEach(function (ch) {
        if (b2j[ch].length > ntest) delete b2j[ch];
      });
    }
    function longest(alo, ahi, blo, bhi) {
      var besti = alo, bestj = blo, bestsize = 0;
      var j2len = {};
      for (var i = alo; i < ahi; i++) {
        var next = {};
        var js = b2j[a[i]] || [];
        for (var t = 0; t < js.length; t++) {
          var j = js[t];
          if (j < blo) continue;
          if (j >= bhi) break;
          var k = (j2len[j - 1] || 0) + 1;
          next[j] = k;
          if (k > bestsize) {
            besti = i - k + 1;
            bestj = j - k + 1;
            bestsize = k;
          }
        }
        j2len = next;
      }
      while (besti > alo && bestj > blo && a[besti - 1] === b[bestj - 1]) {
        besti--;
        bestj--;
        bestsize++;
      }
      while (besti + bestsize < ahi && bestj + bestsize < bhi && a[besti + bestsize] === b[bestj + bestsize]) {
        bestsize++;
      }
      return [besti, bestj, bestsize];
    }
    var matched = 0;
    var queue = [[0, a.length, 0, b.length]];
    while (queue.length) {
      var q = queue.pop();
      var m = longest(q[0], q[1], q[2], q[3]);
      if (m[2]) {
        matched += m[2];
        if (q[0] < m[0] && q[2] < m[1]) queue.push([q[0], m[0], q[2], m[1]]);
        if (m[0] + m[2] < q[1] && m[1] + m[2] < q[3]) queue.push([m[0] + m[2], q[1], m[1] + m[2], q[3]]);
      }
    }
    return (2 * matched) / (a.length + b.length);
  }

  /* ------------------------------------------------------------------ search */

  /* Letter buckets of the near-miss bound: a-z, 0-9, space, anything else. */
  var BUCKETS = 38, SPACE = 36;
  function bucket(ch) {
    var c = ch.charCodeAt(0);
    if (c >= 97 && c <= 122) return c - 97;
    if (c >= 48 && c <= 57) return c - 22;
    return c === 32 ? SPACE : 37;
  }

  /* What a query finds, by the rules of ideopolis.regions.lookup.find_region: the id; the whole name;
     the name's start; a whole word run of the name; any part of the name; then other names (aliases);
     then, for a near miss, names within a ratio of 0.75 (whole, or the name's start, spaces ignored). */
  function createIndex(data, present, fold) {
    var n = data.ids.length;
    /* folded names, made on the first query (85,000 names take a moment the first paint need not wait for) */
    var folded = null, squashed = null;
    /* per name: its letters counted in BUCKETS bins (a-z, 0-9, space, any other) and its length, to rule a
       name out of the near misses without computing its ratio (see nearMisses) */
    var counts = null, foldedLen = null, squashedLen = null, ready = 0;
    /* The index is built once, in slices while the page is idle after its first paint (warm), or at once on a
       query that comes first (prepare). */
    function prepare() {
      prepareUpTo(n);
    }
    function warm(deadline) {
      do prepareUpTo(Math.min(n, ready + 2000));
      while (ready < n && deadline && deadline.timeRemaining() > 2);
      if (ready < n) later(warm);
    }
    function later(fn) {
      if (window.requestIdleCallback) window.requestIdleCallback(fn, { timeout: 2000 });
      else setTimeout(fn, 50);
    }
    function prepareUpTo(upTo) {
      if (ready >= upTo) return;
      if (!folded) {
        folded = new Array(n);
        squashed = new Array(n);
        counts = new Uint8Array(n * BUCKETS);
        foldedLen = new Int32Array(n);
        squashedLen = new Int32Array(n);
      }
      for (var k = ready; k < upTo; k++) {
        folded[k] = fold(data.names[k]);
        var len = 0, spaces = 0;
        for (var ch of folded[k]) {
          var b = bucket(ch);
          if (counts[k * BUCKETS + b] < 255) counts[k * BUCKETS + b]++;
          if (b === SPACE) spaces++;
          len++;
        }
        foldedLen[k] = len;
        squashedLen[k] = len - spaces;
        squashed[k] = spaces ? folded[k].replace(/ /g, "") : folded[k];
      }
      ready = upTo;
    }
    var aliases = (data.aliases || []).map(function (pair) {
      return { folded: fold(pair[0]), text: pair[0], i: pair[1] };
    });

    function matches(query, limit) {
      prepare();
      var raw = String(query || "").trim();
      var q = fold(raw);
      var out = [];
      var seen = {};
      function add(i, rule, via) {
        if (seen[i] || !present(i)) return;
        seen[i] = true;
        out.push({ i: i, rule: rule, via: via || null });
      }
      if (!raw) return out;
      for (var i = 0; i < n; i++) if (data.ids[i] === raw) add(i, 0);
      if (!q) return out;
      var rules = [
        function (s) {
          return s === q;
        },
        function (s) {
          return s.indexOf(q) === 0;
        },
        function (s) {
          return (" " + s + " ").indexOf(" " + q + " ") >= 0;
        },
        function (s) {
          return s.indexOf(q) >= 0;
        },
      ];
      rules.forEach(function (rule, r) {
        for (var k = 0; k < n && out.length < limit; k++) if (rule(folded[k])) add(k, r + 1);
        aliases.forEach(function (alias) {
          if (out.length < limit && rule(alias.folded)) add(alias.i, r + 1.5, alias.text);
        });
      });
      return out;
    }

    function nearMisses(query, limit, skip) {
      prepare();
      var q = fold(query);
      if (!q) return [];
      var sq = q.replace(/ /g, "");
      /* difflib's ratio is 2 M / T with M matched characters; M is at most the letters two texts share
         (difflib's quick_ratio), counted here in buckets (a shared bucket only overcounts), so a name whose
         bound is below 0.75 is skipped without the ratio: most of them, after one pass over the counts */
      var qc = new Int32Array(BUCKETS), lq = 0;
      for (var ch of q) {
        qc[bucket(ch)]++;
        lq++;
      }
      var lsq = lq - qc[SPACE];
      var used = [];
      for (var b = 0; b < BUCKETS; b++) if (qc[b] && b !== SPACE) used.push(b);
      var scored = [];
      for (var k = 0; k < n; k++) {
        if (!present(k) || (skip && skip[k])) continue;
        var shared = 0, base = k * BUCKETS;
        for (var u = 0; u < used.length; u++) shared += Math.min(qc[used[u]], counts[base + used[u]]);
        var lp = Math.min(squashedLen[k], lsq + 1);
        var boundStart = (2 * Math.min(shared, lp)) / (lsq + lp);
        var boundWhole = (2 * (shared + Math.min(qc[SPACE], counts[base + SPACE]))) / (lq + foldedLen[k]);
        if (boundStart < 0.75 && boundWhole < 0.75) continue;
        /* a ratio whose bound is below 0.75 cannot be the best one that counts: it is not computed */
        var whole = boundWhole < 0.75 ? 0 : ratio(q, folded[k]);
        var start = boundStart < 0.75 ? 0 : ratio(sq, squashed[k].slice(0, sq.length + 1));
        var best = Math.max(whole, start);
        if (best >= 0.75) scored.push([best, k]);
      }
      scored.sort(function (x, y) {
        return y[0] - x[0] || x[1] - y[1];
      });
      var out = [];
      var names = {};
      for (var s = 0; s < scored.length && out.length < limit; s++) {
        var name = data.names[scored[s][1]];
        if (names[name]) continue;
        names[name] = true;
        out.push({ i: scored[s][1], rule: 9, via: null, score: scored[s][0] });
      }
      return out;
    }

    return {
      /* Build the index while the page is idle (after the first paint). */
      warm: function () {
        later(warm);
      },
      /* Options for the list under the search box: matches first, near misses after. */
      suggest: function (query, limit) {
        var found = matches(query, limit);
        if (found.length < limit && fold(query).length >= 3) {
          var skip = {};
          found.forEach(function (m) {
            skip[m.i] = true;
          });
          found = found.concat(nearMisses(query, limit - found.length, skip));
        }
        return found;
      },
      /* The best answer to a query (-1: none) and whether it is a near miss. */
      find: function (query) {
        var found = matches(query, 1);
        if (found.length) return found[0];
        var near = nearMisses(query, 3);
        return near.length ? near[0] : { i: -1, rule: -1 };
      },
      nearMisses: nearMisses,
    };
  }

  /* ------------------------------------------------------------------ renderer (SVG) */

  /* Draws the regions as one SVG path each. The page needs only: setFills(fillOf), has(i), element(i)
     (tests), and the events given in `on` (enter, leave, click with the region number). */
  function createSvgRenderer(map, geo, style, on) {
    var renderer = L.svg({ padding: 0.5 });
    var group = L.featureGroup();
    var paths = new Array(geo.n);
    for (var i0 = 0; i0 < geo.n; i0++) addPath(i0);
    function addPath(i) {
      if (!geo.present(i)) return;
      var polygons = geo.latlngs(i);
      var path = L.polygon(polygons, {
        renderer: renderer,
        weight: style.weight,
        color: style.outline,
        opacity: 1,
        fillOpacity: style.fillOpacity,
        fillColor: "#cccccc",
        smoothFactor: 0.5,
        bubblingMouseEvents: false, /* a click on a region is not also a click on the empty map */
      });
      path.on("mouseover", function (ev) {
        on.enter(i, ev.latlng, path);
      });
      path.on("mouseout", function () {
        on.leave(i, path);
      });
      path.on("click", function () {
        on.click(i);
      });
      paths[i] = path;
      group.addLayer(path);
    }
    group.addTo(map);
    /* a region sent at a finer grid lies under its neighbours' coarse shapes: draw it above them */
    geo.fine.list.forEach(function (i) {
      if (paths[i]) paths[i].bringToFront();
    });
    paths.forEach(function (path, i) {
      if (path) path.getElement().setAttribute("data-region", on.idOf(i));
    });
    return {
      kind: "svg",
      paths: paths,
      regionAt: function () {
        return -1;
      },
      has: function (i) {
        return !!paths[i];
      },
      setFills: function (fillOf) {
        for (var i = 0; i < paths.length; i++) if (paths[i]) paths[i].setStyle({ fillColor: fillOf(i) });
      },
      element: function (i) {
        return paths[i] ? paths[i].getElement() : null;
      },
      closeTooltip: function (i) {
        if (paths[i]) paths[i].closeTooltip();
      },
      bindTooltip: function (i, content) {
        if (!paths[i]) return;
        paths[i].bindTooltip(content, {
          sticky: true,
          direction: "auto",
          offset: [14, 0],
          className: "ido-tooltip",
          opacity: 1,
        });
      },
    };
  }

  /* ------------------------------------------------------------------ geometry as flat typed arrays */

  /* Web Mercator at zoom 0 (Leaflet's L.CRS.EPSG3857 with its 256-pixel world): the canvas renderer keeps
     every point projected once and scales by 2^zoom when it draws. */
  var MAX_LAT = 85.0511287798;
  /* The canvas renderer draws borders when most regions in view are at least this wide (pixels). */
  var MIN_BORDER_PX = 8;
  /* A region sent at a finer grid (its cell collapsed on the coarse one) is drawn at least this wide (pixels). */
  var FINE_MIN_PX = 2;
  /* Search zooms to the region found and its surroundings, no closer than this (a city block fills the map). */
  var SEARCH_MAX_ZOOM = 18;
  function mercX(lng) {
    return 256 * (0.5 + lng / 360);
  }
  function mercY(lat) {
    var s = Math.sin((Math.max(-MAX_LAT, Math.min(MAX_LAT, lat)) * Math.PI) / 180);
    return 256 * (0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI));
  }

  /* The packed geometry decoded once into typed arrays: arcs as (lat, lng) and projected points; each region
     as polygons -> rings -> points (CSR offsets); per region its box in degrees and in zoom-0 pixels. */
  function decodeFlat(geometry, n) {
    var sx = geometry.scale[0], sy = geometry.scale[1];
    var tx = geometry.translate[0], ty = geometry.translate[1];
    var stream = unpack(geometry.arcs);
    var nArcs = 0, nPts = 0, pos = 0;
    while (pos < stream.length) {
      nArcs++;
      nPts += stream[pos];
      pos += 1 + 2 * stream[pos];
    }
    var arcStart = new Int32Array(nArcs + 1);
    var alat = new Float64Array(nPts), alng = new Float64Array(nPts);
    var ax = new Float64Array(nPts), ay = new Float64Array(nPts);
    var x = 0, y = 0, p = 0, a = 0;
    pos = 0;
    while (pos < stream.length) {
      var count = stream[pos++];
      arcStart[a++] = p;
      for (var j = 0; j < count; j++, p++) {
        x += unzigzag(stream[pos++]);
        y += unzigzag(stream[pos++]);
        alng[p] = x * sx + tx;
        alat[p] = y * sy + ty;
        ax[p] = mercX(alng[p]);
        ay[p] = mercY(alat[p]);
      }
    }
    arcStart[nArcs] = p;
    var shapes = unpack(geometry.shapes);
    /* first pass: sizes */
    var nPoly = 0, nRing = 0, nRingPts = 0, prev = 0;
    pos = 0;
    for (var i = 0; i < n; i++) {
      var np = shapes[pos++];
      nPoly += np;
      for (var q = 0; q < np; q++) {
        var nr = shapes[pos++];
        nRing += nr;
        for (var r = 0; r < nr; r++) {
          var na = shapes[pos++];
          for (var k = 0; k < na; k++) {
            var code = prev + unzigzag(shapes[pos++]);
            prev = code;
            var len = arcStart[(code >> 1) + 1] - arcStart[code >> 1];
            nRingPts += k ? len - 1 : len;
          }
        }
      }
    }
    var regionPoly = new Int32Array(n + 1), polyRing = new Int32Array(nPoly + 1), ringPt = new Int32Array(nRing + 1);
    var rx = new Float64Array(nRingPts), ry = new Float64Array(nRingPts), rlat = new Float64Array(nRingPts), rlng = new Float64Array(nRingPts);
    var box = new Float64Array(4 * n), pbox = new Float64Array(4 * n); /* s, w, n, e and left, top, right, bottom */
    var pi = 0, ri = 0, pt = 0;
    pos = 0;
    prev = 0;
    for (i = 0; i < n; i++) {
      regionPoly[i] = pi;
      var s = Infinity, w = Infinity, nn = -Infinity, e = -Infinity;
      np = shapes[pos++];
      for (q = 0; q < np; q++, pi++) {
        polyRing[pi] = ri;
        nr = shapes[pos++];
        for (r = 0; r < nr; r++, ri++) {
          ringPt[ri] = pt;
          na = shapes[pos++];
          for (k = 0; k < na; k++) {
            code = prev + unzigzag(shapes[pos++]);
            prev = code;
            var a0 = arcStart[code >> 1], a1 = arcStart[(code >> 1) + 1], m = a1 - a0;
            for (var t = k ? 1 : 0; t < m; t++, pt++) {
              var src = code & 1 ? a1 - 1 - t : a0 + t;
              rx[pt] = ax[src];
              ry[pt] = ay[src];
              rlat[pt] = alat[src];
              rlng[pt] = alng[src];
              if (r === 0) {
                if (alat[src] < s) s = alat[src];
                if (alat[src] > nn) nn = alat[src];
                if (alng[src] < w) w = alng[src];
                if (alng[src] > e) e = alng[src];
              }
            }
          }
        }
      }
      box[4 * i] = s;
      box[4 * i + 1] = w;
      box[4 * i + 2] = nn;
      box[4 * i + 3] = e;
      pbox[4 * i] = mercX(w);
      pbox[4 * i + 1] = mercY(nn);
      pbox[4 * i + 2] = mercX(e);
      pbox[4 * i + 3] = mercY(s);
    }
    regionPoly[n] = pi;
    polyRing[nPoly] = ri;
    ringPt[nRing] = pt;
    var fine = decodeFine(geometry, n, box, pbox, regionPoly);
    var fineOf = fine.of;
    var geo = {
      n: n,
      regionPoly: regionPoly, polyRing: polyRing, ringPt: ringPt,
      rx: rx, ry: ry, pbox: pbox,
      /* the regions the grid is too coarse for, once more at a finer grid (ideopolis.maps.encode.pack_fine_shapes):
         fine.list their numbers; fineOf[i] their place in it (-1: none); fine.poly/ring/pt, rx/ry as above */
      fine: fine, fineOf: fineOf,
      present: function (i) {
        return regionPoly[i + 1] > regionPoly[i] || fineOf[i] >= 0;
      },
      /* [south, west, north, east] of region i (null without a shape) */
      box: function (i) {
        return geo.present(i) ? [box[4 * i], box[4 * i + 1], box[4 * i + 2], box[4 * i + 3]] : null;
      },
      /* Leaflet's nested [lat, lng] arrays of region i (polygons -> rings -> points) */
      latlngs: function (i) {
        if (fineOf[i] >= 0) return fine.latlngs(fineOf[i]);
        var out = [];
        for (var q2 = regionPoly[i]; q2 < regionPoly[i + 1]; q2++) {
          var rings = [];
          for (var r2 = polyRing[q2]; r2 < polyRing[q2 + 1]; r2++) {
            var ring = new Array(ringPt[r2 + 1] - ringPt[r2]);
            for (var t2 = ringPt[r2]; t2 < ringPt[r2 + 1]; t2++) ring[t2 - ringPt[r2]] = [rlat[t2], rlng[t2]];
            rings.push(ring);
          }
          out.push(rings);
        }
        return out;
      },
      /* [lat, lng] points of arc a */
      arc: function (a2) {
        var out = [];
        for (var t3 = arcStart[a2]; t3 < arcStart[a2 + 1]; t3++) out.push([alat[t3], alng[t3]]);
        return out;
      },
      nArcs: nArcs,
      arcStart: arcStart, ax: ax, ay: ay,
    };
    return geo;
  }

  /* The payload's `small` entry (see ideopolis.maps.encode): some regions' shapes at a grid `factor` times finer,
     each on its own. Their boxes in degrees (what search zooms to) become the fine shapes' boxes; their boxes in
     zoom-0 pixels (what is culled and hit-tested) the union of both shapes' boxes, as both are painted; fine.pbox
     holds the fine shapes' own. */
  function decodeFine(geometry, n, box, pbox, regionPoly) {
    var of = new Int32Array(n).fill(-1);
    var small = geometry.small;
    var fine = { of: of, list: new Int32Array(0), pbox: new Float64Array(0), poly: new Int32Array(1), ring: new Int32Array(1), pt: new Int32Array(1),
      rx: new Float64Array(0), ry: new Float64Array(0), lat: new Float64Array(0), lng: new Float64Array(0) };
    if (!small) {
      fine.latlngs = function () {
        return [];
      };
      return fine;
    }
    var sx = geometry.scale[0] / small.factor, sy = geometry.scale[1] / small.factor;
    var tx = geometry.translate[0], ty = geometry.translate[1];
    var steps = unpack(small.regions), stream = unpack(small.points);
    var m = steps.length, list = new Int32Array(m), at = 0, k;
    for (k = 0; k < m; k++) {
      at += steps[k];
      list[k] = at;
      of[at] = k;
    }
    /* sizes first, then the points */
    var nPoly = 0, nRing = 0, nPt = 0, pos = 0;
    for (k = 0; k < m; k++) {
      var np = stream[pos++];
      nPoly += np;
      for (var q = 0; q < np; q++) {
        var nr = stream[pos++];
        nRing += nr;
        for (var r = 0; r < nr; r++) {
          var c = stream[pos++];
          nPt += c;
          pos += 2 * c;
        }
      }
    }
    var poly = new Int32Array(m + 1), ring = new Int32Array(nPoly + 1), pt = new Int32Array(nRing + 1);
    var rx = new Float64Array(nPt), ry = new Float64Array(nPt), lat = new Float64Array(nPt), lng = new Float64Array(nPt);
    var fpbox = new Float64Array(4 * m);
    var pi = 0, ri = 0, p = 0, x = 0, y = 0;
    pos = 0;
    for (k = 0; k < m; k++) {
      poly[k] = pi;
      var s = Infinity, w = Infinity, nn = -Infinity, e = -Infinity;
      np = stream[pos++];
      for (q = 0; q < np; q++, pi++) {
        ring[pi] = ri;
        nr = stream[pos++];
        for (r = 0; r < nr; r++, ri++) {
          pt[ri] = p;
          c = stream[pos++];
          for (var t = 0; t < c; t++, p++) {
            x += unzigzag(stream[pos++]);
            y += unzigzag(stream[pos++]);
            lng[p] = x * sx + tx;
            lat[p] = y * sy + ty;
            rx[p] = mercX(lng[p]);
            ry[p] = mercY(lat[p]);
            if (r === 0) {
              if (lat[p] < s) s = lat[p];
              if (lat[p] > nn) nn = lat[p];
              if (lng[p] < w) w = lng[p];
              if (lng[p] > e) e = lng[p];
            }
          }
        }
      }
      var i = list[k];
      if (s <= nn) {
        box[4 * i] = s;
        box[4 * i + 1] = w;
        box[4 * i + 2] = nn;
        box[4 * i + 3] = e;
        fpbox[4 * k] = mercX(w);
        fpbox[4 * k + 1] = mercY(nn);
        fpbox[4 * k + 2] = mercX(e);
        fpbox[4 * k + 3] = mercY(s);
        var coarse = regionPoly[i + 1] > regionPoly[i];
        for (var c4 = 0; c4 < 4; c4++) {
          var v = fpbox[4 * k + c4];
          pbox[4 * i + c4] = !coarse ? v : c4 < 2 ? Math.min(v, pbox[4 * i + c4]) : Math.max(v, pbox[4 * i + c4]);
        }
      }
    }
    poly[m] = pi;
    ring[nPoly] = ri;
    pt[nRing] = p;
    fine.list = list;
    fine.pbox = fpbox;
    fine.poly = poly;
    fine.ring = ring;
    fine.pt = pt;
    fine.rx = rx;
    fine.ry = ry;
    fine.lat = lat;
    fine.lng = lng;
    fine.latlngs = function (k2) {
      var out = [];
      for (var q2 = poly[k2]; q2 < poly[k2 + 1]; q2++) {
        var rings = [];
        for (var r2 = ring[q2]; r2 < ring[q2 + 1]; r2++) {
          var pts = [];
          for (var t2 = pt[r2]; t2 < pt[r2 + 1]; t2++) pts.push([lat[t2], lng[t2]]);
          rings.push(pts);
        }
        out.push(rings);
      }
      return out;
    };
    return fine;
  }

  /* A grid over the regions' zoom-0 boxes: the candidates under a point, then an even-odd point-in-polygon
     test over the region's rings (holes included). */
  function createHitIndex(geo) {
    var n = geo.n, pbox = geo.pbox;
    var x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity, drawn = 0;
    for (var i = 0; i < n; i++) {
      if (!geo.present(i)) continue;
      drawn++;
      x0 = Math.min(x0, pbox[4 * i]);
      y0 = Math.min(y0, pbox[4 * i + 1]);
      x1 = Math.max(x1, pbox[4 * i + 2]);
      y1 = Math.max(y1, pbox[4 * i + 3]);
    }
    if (!drawn) return function () {
      return -1;
    };
    var side = Math.max(1, Math.ceil(Math.sqrt(drawn)));
    var cw = (x1 - x0) / side || 1, ch = (y1 - y0) / side || 1;
    function cx(v) {
      return Math.max(0, Math.min(side - 1, Math.floor((v - x0) / cw)));
    }
    function cy(v) {
      return Math.max(0, Math.min(side - 1, Math.floor((v - y0) / ch)));
    }
    var counts = new Int32Array(side * side + 1);
    function each(i, fn) {
      for (var gy = cy(pbox[4 * i + 1]); gy <= cy(pbox[4 * i + 3]); gy++)
        for (var gx = cx(pbox[4 * i]); gx <= cx(pbox[4 * i + 2]); gx++) fn(gy * side + gx);
    }
    for (i = 0; i < n; i++) if (geo.present(i)) each(i, function (c) {
      counts[c + 1]++;
    });
    for (var c = 0; c < side * side; c++) counts[c + 1] += counts[c];
    var fill = counts.slice(0, side * side);
    var items = new Int32Array(counts[side * side]);
    for (i = 0; i < n; i++) if (geo.present(i)) each(i, function (c2) {
      items[fill[c2]++] = i;
    });
    var fine = geo.fine, fineOf = geo.fineOf;
    function inside(i, px, py, coarse) {
      var odd = false, f = coarse ? -1 : fineOf[i];
      /* a region sent at a finer grid is tested against that shape (its coarse one collapsed) */
      var ringPt = f >= 0 ? fine.pt : geo.ringPt, rx = f >= 0 ? fine.rx : geo.rx, ry = f >= 0 ? fine.ry : geo.ry;
      var r0 = f >= 0 ? fine.ring[fine.poly[f]] : geo.polyRing[geo.regionPoly[i]];
      var r1 = f >= 0 ? fine.ring[fine.poly[f + 1]] : geo.polyRing[geo.regionPoly[i + 1]];
      for (var r = r0; r < r1; r++) {
        var a = ringPt[r], b = ringPt[r + 1];
        for (var k = a, j = b - 1; k < b; j = k++) {
          var yi = ry[k], yj = ry[j];
          if (yi > py !== yj > py && px < ((rx[j] - rx[k]) * (py - yi)) / (yj - yi) + rx[k]) odd = !odd;
        }
      }
      return odd;
    }
    /* the region under a zoom-0 pixel point (-1: none). A region sent at a finer grid is drawn above its
       neighbours (their coarse shapes cover it), so it wins; within `slack` (zoom-0 units) of its box it wins
       too, as the page draws it at least a pixel or two wide however far out the map is zoomed. */
    return function (px, py, slack) {
      var d = slack || 0;
      if (px < x0 - d || px > x1 + d || py < y0 - d || py > y1 + d) return -1;
      var c3 = cy(py) * side + cx(px);
      var found = -1, near = -1, nearest = Infinity;
      for (var t = counts[c3]; t < counts[c3 + 1]; t++) {
        var j = items[t];
        var e = fineOf[j] >= 0 ? d : 0;
        if (px < pbox[4 * j] - e || px > pbox[4 * j + 2] + e || py < pbox[4 * j + 1] - e || py > pbox[4 * j + 3] + e) continue;
        if (fineOf[j] >= 0) {
          if (inside(j, px, py)) return j;
          /* its coarse shape is painted in its colour too, under its neighbours' */
          if (found < 0 && geo.regionPoly[j + 1] > geo.regionPoly[j] && inside(j, px, py, true)) found = j;
          var fb = fine.pbox, f4 = 4 * fineOf[j];
          if (fb[f4 + 2] - fb[f4] < 2 * d && fb[f4 + 3] - fb[f4 + 1] < 2 * d) {
            /* drawn as a square wider than itself: the nearest such square under the pointer answers */
            var dist = Math.abs(px - (fb[f4] + fb[f4 + 2]) / 2) + Math.abs(py - (fb[f4 + 1] + fb[f4 + 3]) / 2);
            if (dist < nearest) {
              nearest = dist;
              near = j;
            }
          }
        } else if (found < 0 && inside(j, px, py)) {
          found = j;
          if (!fine.list.length) return j;
        }
      }
      return near >= 0 ? near : found;
    };
  }

  /* ------------------------------------------------------------------ renderer (canvas) */

  /* Draws every region on one canvas from the typed arrays (a Leaflet canvas renderer without a Leaflet
     layer per region): fills batched by colour, shared borders stroked once from the arcs, points closer
     than half a pixel skipped, regions outside the view culled. Leaflet moves and scales the canvas while
     the map pans and zooms; the regions are drawn again when it stops. Hover and click find the region
     under the pointer with a grid index and a point-in-polygon test. Same methods as createSvgRenderer. */
  function createCanvasRenderer(map, geo, style, on) {
    var n = geo.n;
    var hitAt = createHitIndex(geo);
    var fills = new Array(n);
    var hatch = null;
    var Layer = L.Canvas.extend({
      _updatePaths: function () {
        this._drawRegions();
      },
      _drawRegions: function () {
        if (!this._map || !this._bounds) return;
        var ctx = this._ctx, b = this._bounds;
        var scale = Math.pow(2, this._map.getZoom());
        var origin = this._map.getPixelOrigin();
        ctx.save();
        ctx.setTransform(1, 0, 0, 1, 0, 0);
        ctx.clearRect(0, 0, this._container.width, this._container.height);
        ctx.restore();
        /* the view in zoom-0 pixels */
        var vx0 = (b.min.x + origin.x) / scale, vx1 = (b.max.x + origin.x) / scale;
        var vy0 = (b.min.y + origin.y) / scale, vy1 = (b.max.y + origin.y) / scale;
        var pbox = geo.pbox, rx = geo.rx, ry = geo.ry, minStep = 0.5 / scale;
        var byFill = {};
        var order = [];
        var big = 0, shown = 0, bigW = MIN_BORDER_PX / scale;
        for (var i = 0; i < n; i++) {
          if (!geo.present(i)) continue;
          if (pbox[4 * i + 2] < vx0 || pbox[4 * i] > vx1 || pbox[4 * i + 3] < vy0 || pbox[4 * i + 1] > vy1) continue;
          var f = fills[i] || "#cccccc";
          if (!byFill[f]) {
            byFill[f] = [];
            order.push(f);
          }
          byFill[f].push(i);
          shown++;
          if (pbox[4 * i + 2] - pbox[4 * i] >= bigW) big++;
        }
        /* white borders only when most regions in view are at least MIN_BORDER_PX wide on screen */
        var borders = style.weight > 0 && big * 2 >= shown;
        ctx.globalAlpha = style.fillOpacity;
        var fineOf = geo.fineOf, onePx = 1 / scale, dots = [], fineShown = [];
        for (var o = 0; o < order.length; o++) {
          var list = byFill[order[o]];
          ctx.fillStyle = order[o] === NO_DATA_FILL ? hatchPattern(ctx) : order[o];
          ctx.beginPath();
          dots.length = 0;
          for (var l = 0; l < list.length; l++) {
            var g = list[l];
            /* a region sent at a finer grid is drawn again above the rest from that shape; its coarse shape is
               filled too, as its neighbours' coarse shapes leave that area to it (no white speck there) */
            if (fineOf[g] >= 0) fineShown.push(g);
            if (pbox[4 * g + 2] - pbox[4 * g] < onePx && pbox[4 * g + 3] - pbox[4 * g + 1] < onePx) {
              /* smaller than a pixel: its rings would shrink to nothing and leave a white speck where a city's
                 small regions are; a one-pixel square keeps its colour on the map */
              dots.push(g);
              continue;
            }
            for (var r = geo.polyRing[geo.regionPoly[g]]; r < geo.polyRing[geo.regionPoly[g + 1]]; r++) {
              var a = geo.ringPt[r], e = geo.ringPt[r + 1];
              var lx = rx[a], ly = ry[a];
              ctx.moveTo(lx * scale - origin.x, ly * scale - origin.y);
              for (var k = a + 1; k < e; k++) {
                if (Math.abs(rx[k] - lx) < minStep && Math.abs(ry[k] - ly) < minStep && k < e - 1) continue;
                lx = rx[k];
                ly = ry[k];
                ctx.lineTo(lx * scale - origin.x, ly * scale - origin.y);
              }
              /* no closePath: fill closes every subpath, and Chromium's closePath costs time in the length of
                 the whole path (85,000 regions: 11 s a draw) */
            }
          }
          ctx.fill("evenodd");
          if (!borders) {
            /* without borders, neighbours' anti-aliased edges would let the background through as pale
               seams (a city of tiny regions turns grey): edge them in their own colour */
            ctx.strokeStyle = ctx.fillStyle;
            ctx.lineWidth = 0.6;
            ctx.stroke();
          }
          if (dots.length) {
            ctx.beginPath();
            for (l = 0; l < dots.length; l++) {
              g = dots[l];
              ctx.rect(Math.floor(pbox[4 * g] * scale - origin.x), Math.floor(pbox[4 * g + 1] * scale - origin.y), 1, 1);
            }
            ctx.fill("nonzero"); /* overlapping squares of one colour stay filled */
          }
        }
        ctx.globalAlpha = 1;
        /* borders: every arc once (shared borders are one arc), skipping arcs shorter than a pixel */
        var minExtent = 1 / scale;
        if (borders) {
          ctx.strokeStyle = style.outline;
          ctx.lineWidth = style.weight;
          ctx.beginPath();
          var ax = geo.ax, ay = geo.ay, as = geo.arcStart;
          for (var c = 0; c < geo.nArcs; c++) {
            var s0 = as[c], s1 = as[c + 1];
            if (s1 - s0 < 2) continue;
            var cx0 = ax[s0], cy0 = ay[s0];
            var ex0 = cx0, ex1 = cx0, ey0 = cy0, ey1 = cy0;
            for (var u = s0 + 1; u < s1; u++) {
              if (ax[u] < ex0) ex0 = ax[u];
              else if (ax[u] > ex1) ex1 = ax[u];
              if (ay[u] < ey0) ey0 = ay[u];
              else if (ay[u] > ey1) ey1 = ay[u];
            }
            if (ex1 - ex0 < minExtent && ey1 - ey0 < minExtent) continue;
            if (ex1 < vx0 || ex0 > vx1 || ey1 < vy0 || ey0 > vy1) continue;
            ctx.moveTo(cx0 * scale - origin.x, cy0 * scale - origin.y);
            for (var q = s0 + 1; q < s1; q++) ctx.lineTo(ax[q] * scale - origin.x, ay[q] * scale - origin.y);
          }
          ctx.stroke();
        }
        drawFine(ctx, fineShown, scale, origin, borders);
        this._drawnAt = performance.now();
      },
    });
    /* The regions sent at a finer grid, above their neighbours (whose coarse shapes cover them): the area under
       each is cleared first, so its colour is not blended with theirs; a region narrower than FINE_MIN_PX is
       drawn as a square that wide, so every region shows however far out the map is zoomed. */
    function drawFine(ctx, shown, scale, origin, borders) {
      var fine = geo.fine, fb = fine.pbox;
      for (var t = 0; t < shown.length; t++) {
        var i = shown[t], k = geo.fineOf[i];
        var x0 = fb[4 * k] * scale - origin.x, y0 = fb[4 * k + 1] * scale - origin.y;
        var x1 = fb[4 * k + 2] * scale - origin.x, y1 = fb[4 * k + 3] * scale - origin.y;
        var f = fills[i] || "#cccccc";
        var dot = x1 - x0 < FINE_MIN_PX && y1 - y0 < FINE_MIN_PX;
        ctx.beginPath();
        if (dot) {
          var cx = (x0 + x1) / 2, cy = (y0 + y1) / 2;
          ctx.rect(cx - FINE_MIN_PX / 2, cy - FINE_MIN_PX / 2, FINE_MIN_PX, FINE_MIN_PX);
        } else {
          for (var r = fine.ring[fine.poly[k]]; r < fine.ring[fine.poly[k + 1]]; r++) {
            var a = fine.pt[r], b = fine.pt[r + 1];
            if (b <= a) continue;
            ctx.moveTo(fine.rx[a] * scale - origin.x, fine.ry[a] * scale - origin.y);
            for (var p = a + 1; p < b; p++) ctx.lineTo(fine.rx[p] * scale - origin.x, fine.ry[p] * scale - origin.y);
            ctx.closePath();
          }
        }
        ctx.globalCompositeOperation = "destination-out";
        ctx.globalAlpha = 1;
        ctx.fillStyle = "#000000";
        ctx.fill("evenodd");
        ctx.globalCompositeOperation = "source-over";
        ctx.globalAlpha = style.fillOpacity;
        ctx.fillStyle = f === NO_DATA_FILL ? hatchPattern(ctx) : f;
        ctx.fill("evenodd");
        ctx.globalAlpha = 1;
        if (borders && !dot) {
          ctx.strokeStyle = style.outline;
          ctx.lineWidth = style.weight;
          ctx.stroke();
        }
      }
    }
    function hatchPattern(ctx) {
      if (hatch) return hatch;
      var tile = document.createElement("canvas");
      tile.width = tile.height = 6;
      var t = tile.getContext("2d");
      t.fillStyle = "#ffffff";
      t.fillRect(0, 0, 6, 6);
      t.strokeStyle = "#9e9e9e";
      t.lineWidth = 1;
      t.beginPath();
      t.moveTo(0, 6);
      t.lineTo(6, 0);
      t.stroke();
      hatch = ctx.createPattern(tile, "repeat");
      return hatch;
    }
    var layer = new Layer({ padding: 0.3 });
    map.addLayer(layer);
    var container = layer._container;
    container.classList.add("ido-regions-canvas");

    function regionAt(latlng) {
      var p = map.project(latlng, 0);
      /* a region sent at a finer grid is drawn at least FINE_MIN_PX wide: it answers within that */
      return hitAt(p.x, p.y, FINE_MIN_PX / Math.pow(2, map.getZoom()));
    }
    var hovered = -1;
    var tip = L.tooltip({ sticky: true, direction: "auto", offset: [14, 0], className: "ido-tooltip", opacity: 1 });
    var tipContent = [];
    function overControl(ev) {
      /* a control (legend, search, card) floats over the canvas: the region under it is not hovered */
      var t = ev.originalEvent && ev.originalEvent.target;
      return !!(t && t.closest && t.closest(".leaflet-control"));
    }
    map.on("mousemove", function (ev) {
      var i = overControl(ev) ? -1 : regionAt(ev.latlng);
      if (i !== hovered) {
        if (hovered >= 0) {
          on.leave(hovered);
          map.closeTooltip(tip);
        }
        hovered = i;
        if (i >= 0) {
          on.enter(i, ev.latlng);
          if (tipContent[i]) {
            tip.setContent(tipContent[i]());
            tip.setLatLng(ev.latlng);
            map.openTooltip(tip);
          }
        }
      } else if (i >= 0 && map.hasLayer(tip)) {
        tip.setLatLng(ev.latlng);
      }
      map.getContainer().style.cursor = i >= 0 ? "pointer" : "";
    });
    map.on("mouseout", function () {
      if (hovered >= 0) on.leave(hovered);
      hovered = -1;
      map.closeTooltip(tip);
    });
    map.on("click", function (ev) {
      var i = regionAt(ev.latlng);
      if (i >= 0) on.click(i);
    });
    return {
      kind: "canvas",
      paths: [],
      canvas: container,
      regionAt: regionAt,
      has: function (i) {
        return geo.present(i);
      },
      setFills: function (fillOf) {
        for (var i = 0; i < n; i++) fills[i] = fillOf(i);
        layer._drawRegions();
      },
      fillAt: function (i) {
        return fills[i];
      },
      element: function () {
        return null;
      },
      closeTooltip: function (i) {
        if (i === hovered) map.closeTooltip(tip);
      },
      bindTooltip: function (i, content) {
        tipContent[i] = content;
      },
    };
  }

  function addHatchPattern() {
    if (document.getElementById("ido-nodata")) return;
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("width", "0");
    svg.setAttribute("height", "0");
    svg.setAttribute("aria-hidden", "true");
    svg.style.position = "absolute";
    var pattern = document.createElementNS(ns, "pattern");
    pattern.setAttribute("id", "ido-nodata");
    pattern.setAttribute("patternUnits", "userSpaceOnUse");
    pattern.setAttribute("width", "6");
    pattern.setAttribute("height", "6");
    pattern.setAttribute("patternTransform", "rotate(45)");
    var rect = document.createElementNS(ns, "rect");
    rect.setAttribute("width", "6");
    rect.setAttribute("height", "6");
    rect.setAttribute("fill", "#f0f0f0");
    var line = document.createElementNS(ns, "line");
    line.setAttribute("x1", "0");
    line.setAttribute("y1", "0");
    line.setAttribute("x2", "0");
    line.setAttribute("y2", "6");
    line.setAttribute("stroke", "#9e9e9e");
    line.setAttribute("stroke-width", "2");
    var defs = document.createElementNS(ns, "defs");
    pattern.appendChild(rect);
    pattern.appendChild(line);
    defs.appendChild(pattern);
    svg.appendChild(defs);
    document.body.appendChild(svg);
  }

  /* Group outlines (states, countries): the arcs of the set's own topology that border two groups or
     the outside, drawn as lines above the fill and below the highlight. */
  function drawOutlines(map, geo, outlines, style, canvas) {
    if (!outlines || !outlines.arcs) return null;
    var steps = unpack(outlines.arcs);
    var lines = [];
    var at = 0;
    steps.forEach(function (step) {
      at += step;
      if (at < geo.nArcs && geo.arcStart[at + 1] - geo.arcStart[at] > 1) lines.push(geo.arc(at));
    });
    var pane = map.createPane("idoOutlines");
    pane.style.zIndex = 420;
    pane.style.pointerEvents = "none";
    return L.polyline(lines, {
      renderer: canvas ? L.canvas({ pane: "idoOutlines", padding: 0.3 }) : L.svg({ pane: "idoOutlines", padding: 0.5 }),
      interactive: false,
      color: style.groupOutline,
      weight: style.groupWeight,
      opacity: 0.9,
      smoothFactor: 0.5,
    }).addTo(map);
  }

  /* ------------------------------------------------------------------ methods note (HTML in, plain elements out) */

  var SAFE_TAGS = {
    P: 1, UL: 1, OL: 1, LI: 1, H2: 1, H3: 1, H4: 1, STRONG: 1, EM: 1, B: 1, I: 1, CODE: 1, BR: 1,
    TABLE: 1, THEAD: 1, TBODY: 1, TR: 1, TH: 1, TD: 1, DL: 1, DT: 1, DD: 1, SPAN: 1, SMALL: 1, SUB: 1, SUP: 1,
  };

  /* Rebuild an HTML text as elements of SAFE_TAGS and text only: no attribute, no script, no link. The
     text is parsed in an inert document (DOMParser runs nothing), then copied node by node. */
  function safeHtml(text) {
    var doc = new DOMParser().parseFromString(String(text), "text/html");
    var out = document.createDocumentFragment();
    function copy(node, into) {
      node.childNodes.forEach(function (child) {
        if (child.nodeType === 3) {
          into.appendChild(document.createTextNode(child.textContent));
        } else if (child.nodeType === 1) {
          if (SAFE_TAGS[child.tagName]) {
            var made = document.createElement(child.tagName.toLowerCase());
            into.appendChild(made);
            copy(child, made);
          } else if (child.tagName !== "SCRIPT" && child.tagName !== "STYLE" && child.tagName !== "TEMPLATE") {
            copy(child, into);
          }
        }
      });
    }
    copy(doc.body, out);
    return out;
  }

  /* ------------------------------------------------------------------ the page */

  /* A large page sends a layer's ranks as offsets from the competition rank of its values
     (ideopolis.maps.interactive.rank_offsets): rank = 1 + (values greater) + offset, built on first use. */
  function lazyRanks(layer) {
    var ranks = null;
    Object.defineProperty(layer, "ranks", {
      get: function () {
        if (ranks) return ranks;
        var v = layer.values, off = layer.rankOffsets, n = v.length;
        var sorted = new Float64Array(v.filter(function (x) {
          return x !== null;
        })).sort();
        ranks = new Array(n);
        for (var i = 0; i < n; i++) {
          if (off[i] === null) {
            ranks[i] = null;
            continue;
          }
          var base = 1;
          if (v[i] !== null) {
            var lo = 0, hi = sorted.length; /* first position holding a value greater than v[i] */
            while (lo < hi) {
              var mid = (lo + hi) >> 1;
              if (sorted[mid] <= v[i]) lo = mid + 1;
              else hi = mid;
            }
            base = 1 + sorted.length - lo;
          }
          ranks[i] = base + off[i];
        }
        return ranks;
      },
    });
  }

  function inFrame() {
    try {
      return window.self !== window.top;
    } catch (e) {
      return true;
    }
  }

  function init(map, data) {
    var t0 = performance.now();
    addHatchPattern();
    var n = data.ids.length;
    var geo = decodeFlat(data.geometry, n);
    var useCanvas = data.renderer === "canvas" || (data.renderer === "auto" && n > (data.canvasAbove || 5000));
    var boxes = new Array(n);
    for (var b0 = 0; b0 < n; b0++) boxes[b0] = geo.box(b0);
    var fold = makeFold(data.fold);
    if (data.popup) {
      data.popup.values = data.popup.values.map(function (column, f) {
        return typeof column === "string" ? unpackNumbers(column, data.popup.fields[f].decimals) : column;
      });
    }
    var style = data.style;
    var layersByKey = {};
    data.layers.forEach(function (layer) {
      layersByKey[layer.key] = layer;
      if (typeof layer.values === "string") layer.values = unpackNumbers(layer.values, layer.decimals);
      if (typeof layer.rankOffsets === "string") layer.rankOffsets = unpackNumbers(layer.rankOffsets, 0);
      if (layer.rankOffsets) lazyRanks(layer);
    });
    var numeric = data.layers.filter(function (layer) {
      return layer.kind !== "categorical";
    });
    var lead = numeric.length ? numeric[0] : null;
    var embed = !!data.embed || inFrame() || /(^|[?#&])embed(=1|=true)?($|&)/.test(location.hash.slice(1) + "&" + location.search.slice(1));
    var active = layersByKey[data.active] || data.layers[0];
    var selected = -1;
    var interacted = false;
    var homed = false;
    var indexById = {};
    data.ids.forEach(function (id, i) {
      indexById[id] = i;
    });

    function classOf(layer, i) {
      var c = layer.classes.charAt(i);
      return c === "." ? -1 : parseInt(c, 36);
    }

    function fillOf(i) {
      var c = classOf(active, i);
      return c < 0 ? NO_DATA_FILL : active.colours[c];
    }

    function valueText(layer, i) {
      if (layer.kind === "categorical") {
        var c = classOf(layer, i);
        return c < 0 ? (layer.noDataLabel || "No data").toLowerCase() : layer.legend[c][0];
      }
      return fmt(layer.values[i], layer.decimals);
    }

    function rankText(layer, i, long) {
      if (!layer.ranks || layer.ranks[i] === null || layer.ranks[i] === undefined) return "";
      var text = ordinal(layer.ranks[i]) + (long ? " of " + layer.rankOf.toLocaleString("en-US") : "");
      if (layer.rankLo && layer.rankLo[i] !== null && layer.rankHi[i] !== null) {
        text += " (" + ordinal(layer.rankLo[i]) + "\u2013" + ordinal(layer.rankHi[i]) + ")";
      }
      return text;
    }

    /* ---------------- layout: bar, stage (map, card), footer */
    var container = map.getContainer();
    var app = el("div", "ido-app" + (embed ? " ido-embed" : ""));
    var bar = el("header", "ido-bar");
    var stage = el("div", "ido-stage");
    var foot = el("footer", "ido-foot");
    container.parentNode.insertBefore(app, container);
    app.appendChild(bar);
    app.appendChild(stage);
    app.appendChild(foot);
    stage.appendChild(container);
    container.classList.add("ido-map");
    ["position", "width", "height", "left", "top"].forEach(function (prop) {
      container.style[prop] = "";
    });
    container.setAttribute("aria-label", "Map: " + data.title);

    var heading = el("div", "ido-heading");
    var h1 = el("h1", "ido-title", data.title);
    heading.appendChild(h1);
    if (data.subtitle) {
      heading.appendChild(el("p", "ido-subtitle", data.subtitle));
      h1.title = data.title + " \u2014 " + data.subtitle;
    }
    bar.appendChild(heading);

    var tools = el("div", "ido-tools");
    tools.id = "ido-tools";
    var menuButton = button("ido-menu-button", "", "Search and layers");
    menuButton.appendChild(el("span", "ido-menu-icon", "\u2630"));
    menuButton.appendChild(el("span", "ido-menu-text", "Menu"));
    menuButton.setAttribute("aria-expanded", "false");
    menuButton.setAttribute("aria-controls", "ido-tools");
    menuButton.addEventListener("click", function () {
      setMenu(!bar.classList.contains("ido-menu-open"));
    });
    function setMenu(open) {
      bar.classList.toggle("ido-menu-open", open);
      menuButton.setAttribute("aria-expanded", open ? "true" : "false");
      if (open && searchInput) searchInput.focus();
    }
    bar.appendChild(tools);
    bar.appendChild(menuButton);

    /* In embed mode the bar holds the title alone; what the regions are opens the source line. */
    var sourceText = embed && data.subtitle ? data.subtitle + ". " + data.source : data.source;
    if (data.notice) sourceText += " " + data.notice; /* a simplified rendition of a very large set says so */
    var source = el("p", "ido-source", sourceText);
    source.title = sourceText;
    var aboutButton = button("ido-about-button", "About this map");
    aboutButton.setAttribute("aria-haspopup", "dialog");
    foot.appendChild(source);
    foot.appendChild(aboutButton);
    /* The attribution (Leaflet; the basemap's, online) moves to the footer: off the map, still shown. */
    if (map.attributionControl) {
      var credit = map.attributionControl.getContainer();
      credit.classList.add("ido-credit");
      foot.appendChild(credit);
    }

    map.invalidateSize(false);

    /* ---------------- regions */
    var index = createIndex(
      data,
      function (i) {
        return geo.present(i);
      },
      fold
    );

    var hlPane = map.createPane("idoHighlight");
    hlPane.style.zIndex = 450;
    hlPane.style.pointerEvents = "none";
    var highlight = L.polygon([], {
      renderer: L.svg({ pane: "idoHighlight" }),
      interactive: false,
      fill: false,
      weight: style.hoverWeight,
      color: style.hoverColour,
    }).addTo(map);
    var hovered = -1;

    function showHighlight() {
      var i = hovered >= 0 ? hovered : selected;
      highlight.setLatLngs(i >= 0 ? geo.latlngs(i) : []);
    }

    var outlineLayer = drawOutlines(map, geo, data.outlines, style, useCanvas);

    var makeRenderer = useCanvas ? createCanvasRenderer : createSvgRenderer;
    var regions = makeRenderer(map, geo, style, {
      idOf: function (i) {
        return data.ids[i];
      },
      enter: function (i) {
        hovered = i;
        showHighlight();
      },
      leave: function (i) {
        if (hovered === i) hovered = -1;
        showHighlight();
      },
      click: function (i) {
        openCard(i, { source: "click" });
      },
    });
    for (var t = 0; t < n; t++) {
      (function (i) {
        regions.bindTooltip(i, function () {
          var box = el("div", "ido-tt");
          box.appendChild(el("div", "ido-tt-name", data.names[i]));
          var line = el("div", "ido-tt-value");
          line.appendChild(el("span", "ido-tt-layer", active.title + ": "));
          line.appendChild(el("strong", "", valueText(active, i)));
          var rank = rankText(active, i, true);
          if (rank) line.appendChild(el("span", "ido-rank", "rank " + rank));
          box.appendChild(line);
          if (active !== lead && lead) {
            var other = el("div", "ido-tt-lead");
            other.textContent = lead.title + ": " + valueText(lead, i);
            box.appendChild(other);
          }
          /* facts flagged for the tooltip (why a region has no score or no rank), as text */
          (data.facts || []).forEach(function (fact) {
            if (fact.tooltip && fact.values[i]) box.appendChild(el("div", "ido-tt-fact", fact.label + ": " + fact.values[i]));
          });
          box.appendChild(el("div", "ido-tt-hint", "Click for details"));
          return box;
        });
      })(t);
    }

    /* ---------------- controls on the map: zoom (not in embed mode), legend */
    function control(position, node) {
      var Ctl = L.Control.extend({
        options: { position: position },
        onAdd: function () {
          L.DomEvent.disableClickPropagation(node);
          L.DomEvent.disableScrollPropagation(node);
          return node;
        },
      });
      return new Ctl().addTo(map);
    }

    var zoomBox = null;
    if (!embed) {
      var zoom = L.control.zoom({ position: "topleft" }).addTo(map);
      zoomBox = zoom.getContainer();
      var homeLink = el("a", "ido-home", "\u2302");
      homeLink.href = "#";
      homeLink.title = "Show the whole map";
      homeLink.setAttribute("role", "button");
      homeLink.setAttribute("aria-label", "Show the whole map");
      homeLink.addEventListener("click", function (ev) {
        ev.preventDefault();
        home();
      });
      zoomBox.appendChild(homeLink);
    }

    /* In embed mode the legend is a row (swatches side by side): it then takes a strip, not a column. */
    var legendBox = el("div", "ido-legend" + (embed && stage.offsetWidth >= 480 ? " ido-legend-row" : ""));
    legendBox.setAttribute("role", "region");
    legendBox.setAttribute("aria-label", "Legend");
    var legendToggle = button("ido-legend-toggle", "");
    legendToggle.setAttribute("aria-expanded", "true");
    var legendTitle = el("span", "ido-legend-title");
    legendToggle.appendChild(legendTitle);
    legendToggle.appendChild(el("span", "ido-chevron", ""));
    var legendBody = el("div", "ido-legend-body");
    legendBody.id = "ido-legend-body";
    legendToggle.setAttribute("aria-controls", legendBody.id);
    legendBox.appendChild(legendToggle);
    legendBox.appendChild(legendBody);
    legendToggle.addEventListener("click", function () {
      setLegend(legendBox.classList.contains("ido-collapsed"));
    });
    function setLegend(open) {
      legendBox.classList.toggle("ido-collapsed", !open);
      legendToggle.setAttribute("aria-expanded", open ? "true" : "false");
      legendToggle.title = open ? "Hide the legend" : "Show the legend";
    }
    var legendControl = control("bottomright", legendBox);

    function renderLegend(layer) {
      legendTitle.textContent = layer.title;
      legendTitle.title = layer.unit ? layer.title + " (" + layer.unit + ")" : layer.title;
      legendBody.textContent = "";
      if (layer.unit) legendBody.appendChild(el("div", "ido-legend-unit", layer.unit));
      if (layer.description) legendBody.appendChild(el("div", "ido-legend-desc", layer.description));
      var list = el("ul");
      layer.legend.forEach(function (entry, c) {
        var item = el("li");
        var swatch = el("span", "ido-swatch");
        swatch.style.background = layer.colours[c];
        item.appendChild(swatch);
        item.appendChild(el("span", "ido-legend-label", entry[0]));
        item.appendChild(el("span", "ido-legend-count", entry[1].toLocaleString("en-US")));
        item.title = entry[0] + ": " + entry[1].toLocaleString("en-US") + " regions";
        list.appendChild(item);
      });
      if (layer.noData > 0) {
        var item = el("li");
        item.appendChild(el("span", "ido-swatch ido-swatch-nodata"));
        item.appendChild(el("span", "ido-legend-label", layer.noDataLabel || "No data"));
        item.appendChild(el("span", "ido-legend-count", layer.noData.toLocaleString("en-US")));
        list.appendChild(item);
      }
      if (outlineLayer && data.outlines.label) {
        var line = el("li", "ido-legend-outline");
        var mark = el("span", "ido-swatch ido-swatch-line");
        mark.style.borderTopColor = style.groupOutline;
        line.appendChild(mark);
        var word = data.outlines.label;
        line.appendChild(el("span", "ido-legend-label", word.charAt(0).toUpperCase() + word.slice(1) + " border"));
        list.appendChild(line);
      }
      legendBody.appendChild(list);
      var foot = el("div", "ido-legend-foot");
      if (layer.scheme) foot.appendChild(el("span", "ido-legend-scheme", layer.scheme + ". "));
      var more = button("ido-link ido-legend-method", layer.method ? "Method" : "About");
      more.addEventListener("click", function () {
        openAbout(layer.key);
      });
      foot.appendChild(more);
      legendBody.appendChild(foot);
    }

    /* ---------------- layer choice and search (in the bar; in the menu below 640 px) */
    var layerSelect = el("select", "ido-layer-select");
    layerSelect.id = "ido-layer-select";
    var groups = {};
    data.layers.forEach(function (layer) {
      var parent = layerSelect;
      if (layer.group) {
        if (!groups[layer.group]) {
          groups[layer.group] = el("optgroup");
          groups[layer.group].label = layer.group;
          layerSelect.appendChild(groups[layer.group]);
        }
        parent = groups[layer.group];
      }
      var option = el("option", "", layer.title);
      option.value = layer.key;
      parent.appendChild(option);
    });
    layerSelect.addEventListener("change", function () {
      setLayer(layerSelect.value);
    });
    var layerPick = el("label", "ido-layer-pick");
    layerPick.appendChild(el("span", "ido-layer-label", "Layer"));
    layerPick.appendChild(layerSelect);

    var searchInput;
    var find;
    var searchBox = el("div", "ido-search");
    searchBox.setAttribute("role", "search");
    (function () {
      searchInput = el("input", "ido-search-input");
      searchInput.type = "search";
      searchInput.id = "ido-search-input";
      searchInput.placeholder = "Find a region";
      searchInput.autocomplete = "off";
      searchInput.spellcheck = false;
      searchInput.setAttribute("aria-label", "Find a region by name or id");
      searchInput.setAttribute("role", "combobox");
      searchInput.setAttribute("aria-autocomplete", "list");
      searchInput.setAttribute("aria-expanded", "false");
      searchInput.setAttribute("aria-controls", "ido-search-list");
      var list = el("ul", "ido-search-list");
      list.id = "ido-search-list";
      list.setAttribute("role", "listbox");
      list.setAttribute("aria-label", "Regions");
      list.hidden = true;
      var note = el("div", "ido-search-note");
      note.setAttribute("aria-live", "polite");
      searchBox.appendChild(searchInput);
      searchBox.appendChild(list);
      searchBox.appendChild(note);
      var options = [];
      var current = -1;
      var timer = null;

      function close() {
        list.hidden = true;
        searchInput.setAttribute("aria-expanded", "false");
        searchInput.removeAttribute("aria-activedescendant");
        current = -1;
      }
      function mark(k) {
        current = k;
        Array.prototype.forEach.call(list.children, function (li, j) {
          li.setAttribute("aria-selected", j === k ? "true" : "false");
        });
        if (k >= 0) searchInput.setAttribute("aria-activedescendant", list.children[k].id);
        else searchInput.removeAttribute("aria-activedescendant");
      }
      function render() {
        var q = searchInput.value;
        note.textContent = "";
        list.textContent = "";
        options = q.trim() ? index.suggest(q, 8) : [];
        if (!options.length) return close();
        options.forEach(function (opt, k) {
          var li = el("li", "ido-option" + (opt.rule === 9 ? " ido-near" : ""));
          li.id = "ido-option-" + k;
          li.setAttribute("role", "option");
          li.appendChild(el("span", "ido-option-name", data.names[opt.i]));
          var hint = opt.via ? "also known as " + opt.via : opt.rule === 9 ? "close match" : data.idLabel + " " + data.ids[opt.i];
          li.appendChild(el("span", "ido-option-hint", hint));
          li.addEventListener("mousedown", function (ev) {
            ev.preventDefault();
            pick(opt);
          });
          list.appendChild(li);
        });
        list.hidden = false;
        searchInput.setAttribute("aria-expanded", "true");
        mark(-1);
      }
      function pick(opt, query) {
        close();
        var said = null;
        if (opt.rule === 9 && query !== undefined) {
          said = "No region is called \u201c" + query + "\u201d: this is the closest name.";
        } else if (opt.via) {
          said = "Found as \u201c" + opt.via + "\u201d.";
        }
        searchInput.value = data.names[opt.i];
        setMenu(false);
        openCard(opt.i, { source: "search", note: said });
      }
      searchInput.addEventListener("input", function () {
        clearTimeout(timer);
        timer = setTimeout(render, 60);
      });
      searchInput.addEventListener("keydown", function (ev) {
        if (ev.key === "ArrowDown" && options.length) {
          ev.preventDefault();
          if (list.hidden) render();
          mark(Math.min(current + 1, options.length - 1));
        } else if (ev.key === "ArrowUp" && options.length) {
          ev.preventDefault();
          mark(Math.max(current - 1, 0));
        } else if (ev.key === "Enter") {
          ev.preventDefault();
          if (current >= 0 && !list.hidden) return pick(options[current]);
          find(searchInput.value);
        } else if (ev.key === "Escape" && !list.hidden) {
          ev.stopPropagation();
          close();
        }
      });
      searchInput.addEventListener("blur", function () {
        setTimeout(close, 150);
      });

      find = function (query) {
        clearTimeout(timer);
        close();
        note.textContent = "";
        var q = String(query || "").trim();
        if (!q) return -1;
        var hit = index.find(q);
        if (hit.i < 0) {
          note.textContent = "No region matches \u201c" + q + "\u201d.";
          return -1;
        }
        pick(hit, q);
        return hit.i;
      };
    })();

    tools.appendChild(searchBox);
    tools.appendChild(layerPick);

    /* ---------------- switching layers */
    function setLayer(key) {
      var layer = layersByKey[key];
      if (!layer) return false;
      active = layer;
      regions.setFills(fillOf);
      layerSelect.value = key;
      renderLegend(layer);
      container.setAttribute("data-active-layer", key);
      if (selected >= 0) renderCard(selected);
      else if (!interacted && homed) home(); /* another legend: find the first view again */
      return true;
    }

    /* ---------------- the region card */
    var card = el("aside", "ido-card");
    card.id = "ido-card";
    card.hidden = true;
    card.setAttribute("role", "dialog");
    card.setAttribute("aria-modal", "false");
    card.setAttribute("aria-labelledby", "ido-card-name");
    stage.appendChild(card);
    var returnFocus = null;

    function row(dl, label, value, extra) {
      dl.appendChild(el("dt", "", label));
      var dd = el("dd", "", value);
      if (extra) dd.appendChild(el("span", "ido-card-extra", extra));
      dl.appendChild(dd);
      return dd;
    }

    function renderCard(i, note) {
      card.textContent = "";
      var head = el("div", "ido-card-head");
      var name = el("h2", "ido-card-name", data.names[i]);
      name.id = "ido-card-name";
      name.tabIndex = -1;
      head.appendChild(name);
      var closer = button("ido-card-close", "\u00d7", "Close the region card");
      closer.title = "Close (Esc)";
      closer.addEventListener("click", closeCard);
      head.appendChild(closer);
      card.appendChild(head);
      if (note) card.appendChild(el("p", "ido-card-note", note));

      var lead_ = el("dl", "ido-card-lead");
      if (lead) {
        var dd = row(lead_, lead.title, valueText(lead, i), lead.unit ? " " + lead.unit : "");
        var rank = rankText(lead, i, true);
        if (rank) {
          var r = el("div", "ido-card-rank", "Rank " + rank);
          if (lead.rankLo) r.title = "In brackets: the 5\u201395% range of the rank over the uncertainty analysis";
          dd.appendChild(r);
        }
      }
      data.layers.forEach(function (layer) {
        if (layer.kind !== "categorical") return;
        var c = classOf(layer, i);
        var dd = row(lead_, layer.cardLabel || layer.title, valueText(layer, i));
        if (c >= 0) {
          var sw = el("span", "ido-swatch");
          sw.style.background = layer.colours[c];
          dd.insertBefore(sw, dd.firstChild);
        }
        if (layer.notes && layer.notes[i]) dd.appendChild(el("span", "ido-card-extra", " " + layer.notes[i]));
      });
      (data.facts || []).forEach(function (fact) {
        if (fact.values[i]) row(lead_, fact.label, fact.values[i]);
      });
      row(lead_, data.idLabel, data.ids[i]);
      card.appendChild(lead_);

      var others = numeric.filter(function (layer) {
        return layer !== lead;
      });
      if (others.length) {
        card.appendChild(el("h3", "", "Scores"));
        var table = el("table", "ido-card-table");
        var hr = el("tr");
        ["", "Value", "Rank"].forEach(function (h) {
          hr.appendChild(el("th", "", h));
        });
        table.appendChild(el("thead")).appendChild(hr);
        var body = table.appendChild(el("tbody"));
        others.forEach(function (layer) {
          var tr = el("tr", layer === active ? "ido-active" : "");
          tr.appendChild(el("th", "", layer.title));
          tr.appendChild(el("td", "ido-num", valueText(layer, i)));
          tr.appendChild(el("td", "ido-num", rankText(layer, i, false)));
          body.appendChild(tr);
        });
        card.appendChild(table);
      }

      var popup = data.popup;
      if (popup && popup.fields.length) {
        card.appendChild(el("h3", "", "Indicators"));
        var t = el("table", "ido-card-table ido-indicators");
        var tb = t.appendChild(el("tbody"));
        popup.fields.forEach(function (field, f) {
          var tr = el("tr");
          var label = el("th", "");
          label.appendChild(el("span", "ido-field", field.label));
          var meta = [field.unit, field.vintage].filter(function (x) {
            return x;
          });
          if (meta.length) label.appendChild(el("span", "ido-unit", meta.join(" \u00b7 ")));
          if (field.source) label.title = "Source: " + field.source;
          tr.appendChild(label);
          var v = popup.values[f][i];
          tr.appendChild(el("td", "ido-num", fmt(v, field.decimals) + (v !== null && field.percent ? "%" : "")));
          tb.appendChild(tr);
        });
        card.appendChild(t);
      }
      var more = button("ido-link", "How these numbers are made");
      more.addEventListener("click", function () {
        openAbout(active.key);
      });
      var p = el("p", "ido-card-foot");
      p.appendChild(more);
      card.appendChild(p);
    }

    function cardCover() {
      /* the part of the stage the open card hides, in map pixels: [left, top, right, bottom] insets */
      if (card.hidden) return [0, 0, 0, 0];
      var s = stage.getBoundingClientRect();
      var c = card.getBoundingClientRect();
      if (c.width >= s.width - 2) return [0, 0, 0, s.bottom - c.top];
      return [0, 0, s.right - c.left, 0];
    }

    function regionRect(i) {
      var b = boxes[i];
      var sw = map.latLngToContainerPoint([b[0], b[1]]);
      var ne = map.latLngToContainerPoint([b[2], b[3]]);
      return { left: sw.x, right: ne.x, top: ne.y, bottom: sw.y };
    }

    /* Keep region i in view beside the card: zoom to it when found by search, only pan after a click. */
    function keepInView(i, zoomTo) {
      var b = boxes[i];
      if (!b) return;
      var cover = cardCover();
      var pad = 24;
      var size = map.getSize();
      var tl = [pad + cover[0], pad + cover[1]];
      var br = [pad + cover[2], pad + cover[3]];
      var bounds = L.latLngBounds([b[0], b[1]], [b[2], b[3]]);
      if (zoomTo) {
        /* the region and its surroundings: it takes about a third of the free part of the map */
        map.fitBounds(bounds.pad(1), {
          paddingTopLeft: tl,
          paddingBottomRight: br,
          maxZoom: Math.min(SEARCH_MAX_ZOOM, map.getMaxZoom()),
          animate: false,
        });
        return;
      }
      var r = regionRect(i);
      var room = { left: tl[0], top: tl[1], right: size.x - br[0], bottom: size.y - br[1] };
      var dx = 0, dy = 0;
      if (r.right - r.left > room.right - room.left || r.bottom - r.top > room.bottom - room.top) {
        dx = (r.left + r.right) / 2 - (room.left + room.right) / 2;
        dy = (r.top + r.bottom) / 2 - (room.top + room.bottom) / 2;
      } else {
        if (r.right > room.right) dx = r.right - room.right;
        if (r.left < room.left) dx = r.left - room.left;
        if (r.bottom > room.bottom) dy = r.bottom - room.bottom;
        if (r.top < room.top) dy = r.top - room.top;
      }
      if (dx || dy) map.panBy([dx, dy], { animate: false });
    }

    function openCard(i, how) {
      if (i < 0 || i >= n || !geo.present(i)) return false;
      var wasOpen = !card.hidden;
      if (!wasOpen) returnFocus = document.activeElement;
      selected = i;
      showHighlight();
      renderCard(i, how && how.note);
      card.hidden = false;
      stage.classList.add("ido-card-open");
      if (hovered >= 0) regions.closeTooltip(hovered);
      keepInView(i, how && how.source === "search");
      var heading = document.getElementById("ido-card-name");
      if (heading) heading.focus({ preventScroll: true });
      container.setAttribute("data-selected", data.ids[i]);
      return true;
    }

    function closeCard() {
      if (card.hidden) return false;
      card.hidden = true;
      stage.classList.remove("ido-card-open");
      selected = -1;
      showHighlight();
      container.removeAttribute("data-selected");
      var back = returnFocus && document.contains(returnFocus) ? returnFocus : container;
      returnFocus = null;
      back.focus({ preventScroll: true });
      return true;
    }

    /* ---------------- about this map: data, method, every layer's method, the full note */
    var about = el("dialog", "ido-about");
    about.setAttribute("aria-labelledby", "ido-about-title");
    document.body.appendChild(about);
    function openAbout(key) {
      about.textContent = "";
      var head = el("div", "ido-card-head");
      var title = el("h2", "", "About this map");
      title.id = "ido-about-title";
      head.appendChild(title);
      var closer = button("ido-card-close", "\u00d7", "Close");
      closer.addEventListener("click", function () {
        about.close();
      });
      head.appendChild(closer);
      about.appendChild(head);
      about.appendChild(el("h3", "", "Data"));
      about.appendChild(el("p", "", data.source));
      if (data.notice) about.appendChild(el("p", "ido-notice", data.notice));
      if (data.methods && data.methods.short) {
        about.appendChild(el("h3", "", "Method"));
        about.appendChild(el("p", "", data.methods.short));
      }
      var focusOn = null;
      data.layers.forEach(function (layer) {
        if (!layer.method) return;
        var h = el("h3", "", layer.title);
        h.id = "ido-about-" + layer.key;
        h.tabIndex = -1;
        about.appendChild(h);
        about.appendChild(el("p", "", layer.method));
        if (layer.key === key) focusOn = h;
      });
      var shown = layersByKey[key] || active;
      if (shown && shown.scheme) {
        about.appendChild(el("h3", "", "Classes of \u201c" + shown.title + "\u201d"));
        about.appendChild(el("p", "", shown.scheme + "; the legend gives each class's bounds and regions."));
      }
      if (data.methods && data.methods.full_html) {
        var full = el("div", "ido-methods-note");
        full.appendChild(safeHtml(data.methods.full_html));
        about.appendChild(full);
      }
      about.showModal();
      if (focusOn) {
        focusOn.focus();
        focusOn.scrollIntoView({ block: "start" });
      } else {
        title.tabIndex = -1;
        title.focus();
      }
    }
    aboutButton.addEventListener("click", function () {
      openAbout(active.key);
    });

    document.addEventListener("keydown", function (ev) {
      if (ev.key !== "Escape" || about.open) return;
      if (bar.classList.contains("ido-menu-open")) {
        setMenu(false);
        menuButton.focus();
      } else if (closeCard()) {
        ev.preventDefault();
      }
    });

    /* ---------------- the first view: the main body, clear of the controls on the map */
    function overlays() {
      var rects = [];
      var m = container.getBoundingClientRect();
      [legendBox, zoomBox].forEach(function (node) {
        if (!node || !node.offsetWidth) return;
        var r = node.getBoundingClientRect();
        rects.push({ left: r.left - m.left, top: r.top - m.top, right: r.right - m.left, bottom: r.bottom - m.top });
      });
      return rects;
    }

    /* Where a view would put things, computed without moving the map (moving it redraws every region):
       the zoom and centre Leaflet's fitBounds picks for these paddings, and each region's box in map
       pixels at that view, from its box projected once at zoom 0. */
    var boxes0 = null;
    function projectedBoxes() {
      if (boxes0) return boxes0;
      boxes0 = boxes.map(function (b) {
        if (!b) return null;
        var sw = map.project([b[0], b[1]], 0);
        var ne = map.project([b[2], b[3]], 0);
        return [sw.x, ne.y, ne.x, sw.y]; /* left, top, right, bottom */
      });
      return boxes0;
    }

    function viewFor(bounds, tl, br) {
      var zoom = map.getBoundsZoom(bounds, false, L.point(tl[0] + br[0], tl[1] + br[1]));
      var offset = L.point(br[0] - tl[0], br[1] - tl[1]).divideBy(2);
      var sw = map.project(bounds.getSouthWest(), zoom);
      var ne = map.project(bounds.getNorthEast(), zoom);
      var centre = sw.add(ne).divideBy(2).add(offset);
      return { zoom: zoom, centre: centre };
    }

    function coveredRegions(rects, viewBounds, view) {
      var size = map.getSize();
      var scale = Math.pow(2, view.zoom);
      var dx = size.x / 2 - view.centre.x;
      var dy = size.y / 2 - view.centre.y;
      var p0 = projectedBoxes();
      var count = 0;
      var vs = viewBounds.getSouth(), vw = viewBounds.getWest(), vn = viewBounds.getNorth(), ve = viewBounds.getEast();
      for (var i = 0; i < n; i++) {
        var b = boxes[i];
        if (!b || b[2] < vs || b[0] > vn || b[3] < vw || b[1] > ve) continue;
        var q = p0[i];
        var left = q[0] * scale + dx, top = q[1] * scale + dy, right = q[2] * scale + dx, bottom = q[3] * scale + dy;
        for (var k = 0; k < rects.length; k++) {
          var c = rects[k];
          if (left < c.right && right > c.left && top < c.bottom && bottom > c.top) {
            count++;
            break;
          }
        }
      }
      return count;
    }

    /* For one place of the legend: the padding that keeps the most of the main body clear of the boxes
       on the map, and the zoom it allows. Each box may stay where it is, or keep the map out of its column
       or out of its row; the best keeps every region clear, then shows the map largest. */
    function bestFit(bounds) {
      var size = map.getSize();
      var rects = overlays();
      var pad = 6;
      var options = [[0, 0, 0, 0]];
      rects.forEach(function (r) {
        var next = [];
        options.forEach(function (o) {
          next.push(o);
          var col = o.slice();
          if (r.left < size.x / 2) col[0] = Math.max(col[0], r.right);
          else col[2] = Math.max(col[2], size.x - r.left);
          next.push(col);
          var rowOpt = o.slice();
          if (r.top < size.y / 2) rowOpt[1] = Math.max(rowOpt[1], r.bottom);
          else rowOpt[3] = Math.max(rowOpt[3], size.y - r.top);
          next.push(rowOpt);
        });
        options = next;
      });
      var best = null;
      options.forEach(function (o) {
        var tl = [o[0] + pad, o[1] + pad];
        var br = [o[2] + pad, o[3] + pad];
        if (tl[0] + br[0] > size.x * 0.6 || tl[1] + br[1] > size.y * 0.6) return; /* too little map left */
        var view = viewFor(bounds, tl, br);
        var covered = coveredRegions(rects, bounds, view);
        var z = view.zoom;
        if (!best || covered < best.covered || (covered === best.covered && z > best.zoom + 1e-9)) {
          best = { covered: covered, zoom: z, tl: tl, br: br };
        }
      });
      return best;
    }

    /* The first view: the whole main body, as large as it can be with no region under a box. The legend
       goes to the corner where that view is largest (bottom right unless another corner does better). */
    function home() {
      var v = data.view;
      var bounds = L.latLngBounds([[v[1], v[0]], [v[3], v[2]]]);
      var corners = stage.classList.contains("ido-card-open") ? [legendControl.getPosition()] : LEGEND_CORNERS;
      var best = null;
      corners.forEach(function (corner) {
        legendControl.setPosition(corner);
        var fit = bestFit(bounds);
        if (fit && (!best || fit.covered < best.covered || (fit.covered === best.covered && fit.zoom > best.zoom + 1e-9))) {
          best = fit;
          best.corner = corner;
        }
      });
      if (!best) best = { covered: -1, tl: [6, 6], br: [6, 6], corner: "bottomright" };
      legendControl.setPosition(best.corner);
      map.fitBounds(bounds, { paddingTopLeft: best.tl, paddingBottomRight: best.br, animate: false });
      container.setAttribute("data-legend", best.corner);
      homed = true;
      return best.covered;
    }

    ["mousedown", "touchstart", "wheel", "keydown"].forEach(function (type) {
      container.addEventListener(
        type,
        function () {
          interacted = true;
        },
        { passive: true }
      );
    });
    var resizeTimer = null;
    window.addEventListener("resize", function () {
      clearTimeout(resizeTimer);
      resizeTimer = setTimeout(function () {
        map.invalidateSize(false);
        if (!interacted && card.hidden) home();
        else if (selected >= 0) keepInView(selected, false);
      }, 100);
    });
    map.on("click", function (ev) {
      if (regions.regionAt(ev.latlng) >= 0) return; /* the canvas renderer opened that region's card */
      if (!card.hidden) closeCard();
    });

    setLayer(active.key);
    if (embed && stage.offsetHeight < 360) setLegend(false);
    else setLegend(true);
    home();

    /* the search index is built after the first paint, while the page waits for the reader */
    requestAnimationFrame(function () {
      requestAnimationFrame(index.warm);
    });
    window.ideopolis = {
      map: map,
      embed: embed,
      paths: regions.paths,
      element: regions.element,
      renderer: regions.kind,
      canvas: regions.canvas || null,
      /* the region id under a point of the map's container (pixels), or null */
      regionAt: function (x, y) {
        var i = useCanvas ? regions.regionAt(map.containerPointToLatLng([x, y])) : -1;
        return i >= 0 ? data.ids[i] : null;
      },
      /* the region's box on the page (client pixels of this frame), from its shape's extent, any renderer */
      regionRect: function (id) {
        var i = indexById[id];
        var b = i === undefined ? null : boxes[i];
        if (!b) return null;
        var sw = map.latLngToContainerPoint([b[0], b[1]]);
        var ne = map.latLngToContainerPoint([b[2], b[3]]);
        var r = container.getBoundingClientRect();
        return { id: id, left: r.left + sw.x, top: r.top + ne.y, right: r.left + ne.x, bottom: r.top + sw.y };
      },
      fillOf: function (id) {
        var i = indexById[id];
        return i === undefined ? null : fillOf(i);
      },
      setLayer: setLayer,
      find: function (query) {
        return find(query);
      },
      openCard: openCard,
      closeCard: closeCard,
      openAbout: openAbout,
      home: home,
      fold: fold,
      ratio: ratio,
      suggest: function (query, limit) {
        return index.suggest(query, limit || 8).map(function (m) {
          return data.ids[m.i];
        });
      },
      boxes: boxes,
      indexOf: function (id) {
        return id in indexById ? indexById[id] : -1;
      },
      activeLayer: function () {
        return active ? active.key : null;
      },
      selected: function () {
        return selected >= 0 ? data.ids[selected] : null;
      },
      buildMs: performance.now() - t0,
    };
    return window.ideopolis;
  }

  /* A large payload comes gzip-compressed and base-85 coded (ideopolis.maps.interactive.pack_payload: Python's
     b85encode, "." for "<"): decoded here, inflated by the browser's own DecompressionStream, then parsed as
     JSON like a small one. */
  var B85 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz!#$%&()*+-;.=>?@^_`{|}~";
  function base85(text) {
    var lookup = new Int16Array(128);
    for (var k = 0; k < B85.length; k++) lookup[B85.charCodeAt(k)] = k;
    var n = text.length, full = Math.floor(n / 5), rest = n % 5;
    var out = new Uint8Array(full * 4 + (rest ? rest - 1 : 0));
    var o = 0;
    function group(at, chars, bytes) {
      var v = 0;
      for (var c = 0; c < 5; c++) v = v * 85 + (c < chars ? lookup[text.charCodeAt(at + c)] : 84);
      for (var b = 0; b < bytes; b++) out[o++] = Math.floor(v / Math.pow(256, 3 - b)) % 256;
    }
    for (var g = 0; g < full; g++) group(5 * g, 5, 4);
    if (rest) group(5 * full, rest, rest - 1);
    return out;
  }

  function inflate(text) {
    var bytes = base85(text.trim());
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Response(stream).text();
  }

  window.ideopolisMap = function (map, elementId) {
    var node = document.getElementById(elementId);
    if (node.getAttribute("data-encoding") === "gzip-base85") {
      return inflate(node.textContent).then(function (text) {
        return init(map, JSON.parse(text));
      });
    }
    return init(map, JSON.parse(node.textContent));
  };
  window.ideopolisMap.base85 = base85; /* for tests: the decoder against Python's encoder */
})();
