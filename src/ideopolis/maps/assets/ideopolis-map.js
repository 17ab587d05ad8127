/*
 * ideopolis map: draws every region once from packed shared-arc geometry and restyles the same
 * shapes when the reader switches layers. Everything that comes from data is put on the page with
 * textContent or setAttribute, never as HTML.
 *
 * The payload format is written by ideopolis.maps.encode / ideopolis.maps.interactive (Python).
 */
(function () {
  "use strict";

  var DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  var LOOKUP = new Int8Array(128).fill(-1);
  for (var d = 0; d < DIGITS.length; d++) LOOKUP[DIGITS.charCodeAt(d)] = d;
  var NO_DATA_FILL = "url(#ido-nodata)";

  /* Unpack base-64 variable-length integers (five bits a digit, bit 6 = more digits follow). */
  function unpack(text) {
    var out = [];
    var value = 0;
    var shift = 0;
    for (var i = 0; i < text.length; i++) {
      var digit = LOOKUP[text.charCodeAt(i)];
      value |= (digit & 31) << shift;
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
    return v & 1 ? -((v + 1) / 2) : v / 2;
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

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function fmt(value, decimals) {
    if (value === null || value === undefined) return "no data";
    return value.toLocaleString("en-US", {
      minimumFractionDigits: decimals,
      maximumFractionDigits: decimals,
    });
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

  function control(position, build) {
    var Ctl = L.Control.extend({
      options: { position: position },
      onAdd: function () {
        var div = build();
        L.DomEvent.disableClickPropagation(div);
        L.DomEvent.disableScrollPropagation(div);
        return div;
      },
    });
    return new Ctl();
  }

  function init(map, data) {
    var t0 = performance.now();
    addHatchPattern();
    var n = data.ids.length;
    var arcs = decodeArcs(data.geometry);
    var shapes = decodeShapes(data.geometry, arcs);
    var layersByKey = {};
    data.layers.forEach(function (layer) {
      layersByKey[layer.key] = layer;
    });
    var style = data.style;
    var renderer = L.svg({ padding: 0.5 });
    var group = L.featureGroup();
    var paths = new Array(n);
    var indexById = {};
    var active = null;
    var selected = null;

    function classOf(layer, i) {
      var c = layer.classes.charAt(i);
      return c === "." ? -1 : parseInt(c, 36);
    }

    function fillOf(layer, i) {
      var c = classOf(layer, i);
      return c < 0 ? NO_DATA_FILL : layer.colours[c];
    }

    function tooltipFor(i) {
      var box = el("div", "ido-tt");
      box.appendChild(el("div", "ido-tt-name", data.names[i]));
      var table = el("table");
      data.tooltip.forEach(function (key) {
        var layer = layersByKey[key];
        var row = el("tr", layer === active ? "ido-tt-active" : "");
        row.appendChild(el("th", "", layer.title));
        var cell = el("td");
        if (layer.kind === "categorical") {
          var c = classOf(layer, i);
          cell.textContent = c < 0 ? "no data" : layer.legend[c][0];
        } else {
          cell.textContent = fmt(layer.values[i], layer.decimals);
          if (layer.ranks && layer.ranks[i] !== null) {
            var rankText = "rank " + layer.ranks[i] + " of " + layer.rankOf;
            /* an uncertainty analysis's 5-95% rank interval (CONTRACTS section 3) */
            if (layer.rankLo && layer.rankLo[i] !== null) rankText += " (" + layer.rankLo[i] + "\u2013" + layer.rankHi[i] + ")";
            cell.appendChild(el("span", "ido-rank", rankText));
          }
        }
        row.appendChild(cell);
        table.appendChild(row);
      });
      box.appendChild(table);
      return box;
    }

    function popupFor(i) {
      var box = el("div", "ido-popup");
      box.appendChild(el("div", "ido-tt-name", data.names[i]));
      box.appendChild(el("div", "ido-popup-id", data.idLabel + " " + data.ids[i]));
      var popup = data.popup;
      if (!popup || !popup.fields.length) return box;
      var table = el("table");
      var head = el("tr");
      ["Indicator", "Value", "Vintage"].forEach(function (h) {
        head.appendChild(el("th", "", h));
      });
      table.appendChild(head);
      popup.fields.forEach(function (field, f) {
        var row = el("tr");
        var label = el("td", "ido-field", field.label);
        if (field.source) label.title = field.source;
        row.appendChild(label);
        var v = popup.values[f][i];
        var value = el("td", "ido-value", fmt(v, field.decimals) + (v !== null && field.percent ? "%" : ""));
        value.appendChild(el("span", "ido-unit", field.unit));
        row.appendChild(value);
        row.appendChild(el("td", "ido-vintage", field.vintage));
        table.appendChild(row);
      });
      box.appendChild(table);
      return box;
    }

    /* The hovered or selected region is outlined by one extra, non-interactive shape in a pane above
       the regions: re-ordering the region paths themselves (bringToFront) would swallow the browser's
       mouseout and leave tooltips open. */
    var pane = map.createPane("idoHighlight");
    pane.style.zIndex = 450;
    pane.style.pointerEvents = "none";
    var outline = L.polygon([], {
      renderer: L.svg({ pane: "idoHighlight" }),
      interactive: false,
      fill: false,
      weight: style.hoverWeight,
      color: style.hoverColour,
    }).addTo(map);

    function highlight(path) {
      outline.setLatLngs(path.getLatLngs());
    }

    function unhighlight(path) {
      if (path === selected) return;
      outline.setLatLngs(selected ? selected.getLatLngs() : []);
    }

    /* Title, search, zoom (top left); layer switcher (top right); legend; source line. */
    var titleBox = el("div", "ido-title");
    titleBox.appendChild(el("h1", "", data.title));
    if (data.subtitle) titleBox.appendChild(el("p", "", data.subtitle));
    control("topleft", function () {
      return titleBox;
    }).addTo(map);

    var searchInput;
    var searchNote;
    var searchBox = el("div", "ido-search");
    control("topleft", function () {
      var box = searchBox;
      var listId = "ido-names";
      searchInput = el("input");
      searchInput.type = "search";
      searchInput.placeholder = "Find a region by name";
      searchInput.setAttribute("aria-label", "Find a region by name");
      searchInput.setAttribute("list", listId);
      var list = el("datalist");
      list.id = listId;
      var seen = {};
      data.names.forEach(function (name, k) {
        if (!shapes[k].length || seen[name]) return;
        seen[name] = true;
        var option = el("option");
        option.value = name;
        list.appendChild(option);
      });
      searchNote = el("div", "ido-search-note");
      box.appendChild(searchInput);
      box.appendChild(list);
      box.appendChild(searchNote);
      searchInput.addEventListener("change", function () {
        find(searchInput.value);
      });
      searchInput.addEventListener("keydown", function (ev) {
        if (ev.key === "Enter") find(searchInput.value);
      });
      return box;
    }).addTo(map);
    L.control.zoom({ position: "topleft" }).addTo(map);

    function find(query) {
      var q = String(query || "").trim().toLowerCase();
      searchNote.textContent = "";
      if (!q) return null;
      var best = -1;
      var rank = 4;
      for (var k = 0; k < n; k++) {
        if (!paths[k]) continue;
        var name = String(data.names[k]).toLowerCase();
        var r = name === q ? 0 : String(data.ids[k]).toLowerCase() === q ? 1 : name.indexOf(q) === 0 ? 2 : name.indexOf(q) > 0 ? 3 : 4;
        if (r < rank) {
          rank = r;
          best = k;
          if (r === 0) break;
        }
      }
      if (best < 0) {
        searchNote.textContent = "No region matches \u201c" + query + "\u201d";
        return null;
      }
      select(best);
      return best;
    }

    function select(k) {
      selected = paths[k];
      highlight(selected);
      map.fitBounds(selected.getBounds(), { maxZoom: 9, padding: [40, 40] });
      selected.openPopup();
    }

    var legendBox = el("div", "ido-legend");
    control("bottomright", function () {
      return legendBox;
    }).addTo(map);

    function renderLegend(layer) {
      legendBox.textContent = "";
      legendBox.appendChild(el("div", "ido-legend-title", layer.title));
      if (layer.unit) legendBox.appendChild(el("div", "ido-legend-unit", layer.unit));
      if (layer.description) legendBox.appendChild(el("div", "ido-legend-desc", layer.description));
      var list = el("ul");
      layer.legend.forEach(function (entry, c) {
        var item = el("li");
        var swatch = el("span", "ido-swatch");
        swatch.style.background = layer.colours[c];
        item.appendChild(swatch);
        item.appendChild(el("span", "ido-legend-label", entry[0]));
        item.appendChild(el("span", "ido-legend-count", "(" + entry[1] + ")"));
        list.appendChild(item);
      });
      if (layer.noData > 0) {
        var item = el("li");
        item.appendChild(el("span", "ido-swatch ido-swatch-nodata"));
        item.appendChild(el("span", "ido-legend-label", "No data"));
        item.appendChild(el("span", "ido-legend-count", "(" + layer.noData + ")"));
        list.appendChild(item);
      }
      legendBox.appendChild(list);
      if (layer.scheme) legendBox.appendChild(el("div", "ido-legend-scheme", layer.scheme));
    }

    var radios = {};
    var layersBox = el("form", "ido-layers");
    control("topright", function () {
      var box = layersBox;
      box.setAttribute("aria-label", "Map layer");
      box.appendChild(el("div", "ido-layers-title", "Layer"));
      var groupName = null;
      data.layers.forEach(function (layer) {
        if (layer.group !== groupName) {
          groupName = layer.group;
          box.appendChild(el("div", "ido-layers-group", groupName));
        }
        var label = el("label");
        var input = el("input");
        input.type = "radio";
        input.name = "ido-layer";
        input.value = layer.key;
        input.addEventListener("change", function () {
          if (input.checked) setLayer(layer.key);
        });
        radios[layer.key] = input;
        label.appendChild(input);
        label.appendChild(el("span", "", layer.title));
        box.appendChild(label);
      });
      return box;
    }).addTo(map);

    control("bottomleft", function () {
      var box = el("div", "ido-source");
      box.textContent = data.source;
      return box;
    }).addTo(map);

    function setLayer(key) {
      var layer = layersByKey[key];
      if (!layer) return false;
      active = layer;
      for (var k = 0; k < n; k++) {
        if (paths[k]) paths[k].setStyle({ fillColor: fillOf(layer, k) });
      }
      if (radios[key]) radios[key].checked = true;
      renderLegend(layer);
      map.getContainer().setAttribute("data-active-layer", key);
      return true;
    }

    /* Open on the main body, clear of the controls on the right, before any shape is drawn. */
    active = layersByKey[data.active];
    renderLegend(active);
    var v = data.view;
    function home() {
      var size = map.getSize();
      var right = Math.max(legendBox.offsetWidth, layersBox.offsetWidth) + 20;
      var left = titleBox.offsetWidth + 20;
      var roomy = size.x > 2 * (right + left) + 200;
      var top = searchBox.offsetTop + searchBox.offsetHeight + 10;
      map.fitBounds([[v[1], v[0]], [v[3], v[2]]], {
        animate: false,
        paddingTopLeft: [10, roomy ? Math.min(top, size.y / 4) : 10],
        paddingBottomRight: [roomy ? right : 10, 10],
      });
    }
    home();

    for (var i = 0; i < n; i++) {
      indexById[data.ids[i]] = i;
      if (!shapes[i].length) continue;
      var path = L.polygon(shapes[i], {
        renderer: renderer,
        weight: style.weight,
        color: style.outline,
        opacity: 1,
        fillOpacity: style.fillOpacity,
        fillColor: fillOf(active, i),
        smoothFactor: 0.5,
      });
      (function (idx, p) {
        p.bindTooltip(function () {
          return tooltipFor(idx);
        }, { sticky: true, direction: "auto", offset: [14, 0], className: "ido-tooltip", opacity: 1 });
        p.bindPopup(function () {
          return popupFor(idx);
        }, { maxWidth: 420, className: "ido-popup-wrap" });
        p.on("mouseover", function () {
          highlight(p);
        });
        p.on("mouseout", function () {
          unhighlight(p);
        });
      })(i, path);
      paths[i] = path;
      group.addLayer(path);
    }
    group.addTo(map);
    for (var j = 0; j < n; j++) {
      if (paths[j]) paths[j].getElement().setAttribute("data-region", data.ids[j]);
    }

    setLayer(data.active);

    window.ideopolis = {
      map: map,
      paths: paths,
      setLayer: setLayer,
      find: find,
      home: home,
      indexOf: function (id) {
        return id in indexById ? indexById[id] : -1;
      },
      activeLayer: function () {
        return active ? active.key : null;
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
