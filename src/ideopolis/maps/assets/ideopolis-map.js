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
 *   - geometry:  unpack, decodeArcs, decodeShapes (the packed format);
 *   - text:      fold (the region lookup's folding rules, ideopolis.regions.lookup), ratio (difflib's),
 *                number formats;
 *   - search:    createIndex (what a query finds) and searchBox (the combobox);
 *   - renderer:  createSvgRenderer draws the regions; the rest of the page only calls its methods
 *                (setFills, has, element), so a canvas or WebGL renderer can take its place;
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

  /* Arcs as arrays of [lat, lng]: one running stream of grid steps, each arc prefixed by its length. */
  function decodeArcs(geometry) {
    var sx = geometry.scale[0], sy = geometry.scale[1];
    var tx = geometry.translate[0], ty = geometry.translate[1];
    var stream = unpack(geometry.arcs);
    var arcs = [];
    var x = 0, y = 0, pos = 0;
    while (pos < stream.length) {
      var count = stream[pos++];
      var arc = new Array(count);
      for (var j = 0; j < count; j++) {
        x += unzigzag(stream[pos++]);
        y += unzigzag(stream[pos++]);
        arc[j] = [y * sy + ty, x * sx + tx];
      }
      arcs.push(arc);
    }
    return arcs;
  }

  /* For each region: polygons -> rings -> [lat, lng] points (an empty list: no shape). */
  function decodeShapes(geometry, arcs) {
    var stream = unpack(geometry.shapes);
    var regions = [];
    var pos = 0, prev = 0;
    while (pos < stream.length) {
      var nPoly = stream[pos++];
      var polygons = [];
      for (var p = 0; p < nPoly; p++) {
        var nRings = stream[pos++];
        var rings = [];
        for (var r = 0; r < nRings; r++) {
          var nArcs = stream[pos++];
          var ring = [];
          for (var a = 0; a < nArcs; a++) {
            var code = prev + unzigzag(stream[pos++]);
            prev = code;
            var arc = arcs[code >> 1];
            var reversed = code & 1;
            var n = arc.length;
            for (var k = ring.length ? 1 : 0; k < n; k++) {
              ring.push(reversed ? arc[n - 1 - k] : arc[k]);
            }
          }
          rings.push(ring);
        }
        polygons.push(rings);
      }
      regions.push(polygons);
    }
    return regions;
  }

  /* Bounding boxes [south, west, north, east] of every region (null without a shape). */
  function shapeBoxes(shapes) {
    return shapes.map(function (polygons) {
      if (!polygons.length) return null;
      var s = Infinity, w = Infinity, nn = -Infinity, e = -Infinity;
      polygons.forEach(function (rings) {
        rings[0].forEach(function (pt) {
          if (pt[0] < s) s = pt[0];
          if (pt[0] > nn) nn = pt[0];
          if (pt[1] < w) w = pt[1];
          if (pt[1] > e) e = pt[1];
        });
      });
      return [s, w, nn, e];
    });
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

  /* What a query finds, by the rules of ideopolis.regions.lookup.find_region: the id; the whole name;
     the name's start; a whole word run of the name; any part of the name; then other names (aliases);
     then, for a near miss, names within a ratio of 0.75 (whole, or the name's start, spaces ignored). */
  function createIndex(data, present, fold) {
    var n = data.ids.length;
    var folded = data.names.map(fold);
    var squashed = folded.map(function (s) {
      return s.replace(/ /g, "");
    });
    var aliases = (data.aliases || []).map(function (pair) {
      return { folded: fold(pair[0]), text: pair[0], i: pair[1] };
    });

    function matches(query, limit) {
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
      var q = fold(query);
      if (!q) return [];
      var sq = q.replace(/ /g, "");
      var scored = [];
      for (var k = 0; k < n; k++) {
        if (!present(k) || (skip && skip[k])) continue;
        var whole = ratio(q, folded[k]);
        var start = ratio(sq, squashed[k].slice(0, sq.length + 1));
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
      folded: folded,
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
  function createSvgRenderer(map, shapes, style, on) {
    var renderer = L.svg({ padding: 0.5 });
    var group = L.featureGroup();
    var paths = new Array(shapes.length);
    shapes.forEach(function (polygons, i) {
      if (!polygons.length) return;
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
    });
    group.addTo(map);
    paths.forEach(function (path, i) {
      if (path) path.getElement().setAttribute("data-region", on.idOf(i));
    });
    return {
      paths: paths,
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
  function drawOutlines(map, arcs, outlines, style) {
    if (!outlines || !outlines.arcs) return null;
    var steps = unpack(outlines.arcs);
    var lines = [];
    var at = 0;
    steps.forEach(function (step) {
      at += step;
      if (arcs[at] && arcs[at].length > 1) lines.push(arcs[at]);
    });
    var pane = map.createPane("idoOutlines");
    pane.style.zIndex = 420;
    pane.style.pointerEvents = "none";
    return L.polyline(lines, {
      renderer: L.svg({ pane: "idoOutlines", padding: 0.5 }),
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
    var arcs = decodeArcs(data.geometry);
    var shapes = decodeShapes(data.geometry, arcs);
    var boxes = shapeBoxes(shapes);
    var fold = makeFold(data.fold);
    var style = data.style;
    var layersByKey = {};
    data.layers.forEach(function (layer) {
      layersByKey[layer.key] = layer;
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
        return shapes[i].length > 0;
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
      highlight.setLatLngs(i >= 0 ? shapes[i] : []);
    }

    var outlineLayer = drawOutlines(map, arcs, data.outlines, style);

    var regions = createSvgRenderer(map, shapes, style, {
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
        map.fitBounds(bounds.pad(1), { paddingTopLeft: tl, paddingBottomRight: br, maxZoom: 7, animate: false });
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
      if (i < 0 || i >= n || !shapes[i].length) return false;
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
      for (var i = 0; i < n; i++) {
        var b = boxes[i];
        if (!b || !viewBounds.intersects(L.latLngBounds([b[0], b[1]], [b[2], b[3]]))) continue;
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
    map.on("click", function () {
      if (!card.hidden) closeCard();
    });

    setLayer(active.key);
    if (embed && stage.offsetHeight < 360) setLegend(false);
    else setLegend(true);
    home();

    window.ideopolis = {
      map: map,
      embed: embed,
      paths: regions.paths,
      element: regions.element,
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

  window.ideopolisMap = function (map, elementId) {
    var node = document.getElementById(elementId);
    return init(map, JSON.parse(node.textContent));
  };
})();
