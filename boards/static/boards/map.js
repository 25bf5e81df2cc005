/*
 * “Bản đồ bảng và loa” (boards/map_views.py, boards/templates/boards/admin/map.html).
 *
 * Reads its settings from the map element's data attributes (the GeoJSON address, the tile
 * address template if any, its attribution and deepest zoom), fetches the user's boards as a GeoJSON
 * FeatureCollection and draws one marker per board with Leaflet (core/static/vendor/leaflet/):
 * a screen or a loudspeaker, filled with the colour of its state. The filter's check boxes show
 * and hide markers by state and kind, and the map fits the markers shown. A popup tells the
 * board's name, unit, address, size, state and last signal, with links to its screens.
 *
 * A static file, no inline handler, no eval: the admin's Content-Security-Policy forbids them.
 * Every text from the data goes in with textContent, never as HTML.
 */
(function () {
    "use strict";

    var element = document.querySelector("[data-board-map]");
    if (!element || typeof L === "undefined") {
        return;
    }
    var status = document.querySelector("[data-map-status]");
    var form = document.querySelector("[data-map-filter]");
    var VIETNAM = { center: [16.0, 106.5], zoom: 5 }; // when no board has coordinates yet
    var SVG = "http://www.w3.org/2000/svg";
    // Marker glyphs on a 28×28 grid: a screen on its stand, a loudspeaker with its sound waves.
    var SHAPES = {
        screen: [
            ["rect", { x: 2, y: 4, width: 24, height: 15, rx: 2 }],
            ["rect", { x: 11, y: 19, width: 6, height: 4 }],
            ["rect", { x: 7, y: 23, width: 14, height: 3, rx: 1 }],
        ],
        speaker: [
            ["path", { d: "M3 10h6l9-7v22l-9-7H3z" }],
            ["path", { d: "M21 9.5a6 6 0 0 1 0 9", "stroke-width": 2.5, fill: "none", class: "tincoso-marker-wave" }],
            ["path", { d: "M23.5 6a10.5 10.5 0 0 1 0 16", "stroke-width": 2.5, fill: "none", class: "tincoso-marker-wave" }],
        ],
    };

    function say(text) {
        if (status) {
            status.textContent = text;
        }
    }

    /** The glyph of `shape` ("screen" or "speaker") as an SVG element, filled with `colour`. */
    function glyph(shape, colour) {
        var svg = document.createElementNS(SVG, "svg");
        svg.setAttribute("viewBox", "0 0 28 28");
        svg.setAttribute("width", "28");
        svg.setAttribute("height", "28");
        svg.setAttribute("aria-hidden", "true");
        svg.setAttribute("focusable", "false");
        svg.classList.add("tincoso-marker-glyph");
        if (colour) {
            svg.style.setProperty("--marker", colour);
        }
        (SHAPES[shape] || SHAPES.screen).forEach(function (part) {
            var node = document.createElementNS(SVG, part[0]);
            Object.keys(part[1]).forEach(function (name) {
                node.setAttribute(name, part[1][name]);
            });
            if (!node.getAttribute("class")) {
                node.setAttribute("class", "tincoso-marker-fill");
            }
            svg.appendChild(node);
        });
        return svg;
    }

    function line(parent, label, value) {
        if (!value) {
            return;
        }
        var row = document.createElement("div");
        var name = document.createElement("span");
        name.className = "tincoso-map-popup-label";
        name.textContent = label + ": ";
        row.appendChild(name);
        row.appendChild(document.createTextNode(value));
        parent.appendChild(row);
    }

    function link(parent, href, text) {
        var a = document.createElement("a");
        a.href = href;
        a.textContent = text;
        a.className = "button button-small button-secondary";
        parent.appendChild(a);
    }

    /** The popup of one board: a DOM element, its texts set with textContent. */
    function popup(p) {
        var box = document.createElement("div");
        box.className = "tincoso-map-popup";
        var title = document.createElement("h3");
        title.textContent = p.name;
        box.appendChild(title);
        var state = document.createElement("p");
        state.className = "tincoso-map-popup-state";
        var dot = document.createElement("span");
        dot.className = "tincoso-map-swatch";
        dot.style.setProperty("--marker", p.colour);
        state.appendChild(dot);
        state.appendChild(document.createTextNode(p.state_label + (p.offline_since ? " từ " + p.offline_since : "")));
        box.appendChild(state);
        line(box, "Loại", p.kind_label);
        line(box, "Đơn vị", p.unit);
        line(box, "Địa chỉ", p.address);
        line(box, "Kích thước", p.kind === "audio" ? "" : p.size);
        line(box, "Tín hiệu cuối", p.last_seen || "chưa có");
        if (p.channel) {
            line(box, "Kênh thời gian thực", "đang kết nối");
        }
        var links = document.createElement("p");
        links.className = "tincoso-map-popup-links";
        link(links, p.preview_url, "Xem trước");
        link(links, p.control_url, "Điều khiển");
        link(links, p.edit_url, "Sửa thông tin");
        box.appendChild(links);
        return box;
    }

    function marker(feature) {
        var p = feature.properties;
        var coordinates = feature.geometry.coordinates;
        var holder = document.createElement("div");
        holder.appendChild(glyph(p.shape, p.colour));
        var icon = L.divIcon({
            className: "tincoso-marker tincoso-marker--" + p.shape + " tincoso-marker--" + p.state,
            html: holder.innerHTML,
            iconSize: [28, 28],
            iconAnchor: [14, 14],
            popupAnchor: [0, -12],
        });
        var m = L.marker([coordinates[1], coordinates[0]], {
            icon: icon,
            title: p.name + " – " + p.kind_label + " – " + p.state_label,
            alt: p.name,
            riseOnHover: true,
        });
        m.bindPopup(function () {
            return popup(p);
        }, { maxWidth: 300, autoPanPadding: [16, 16] });
        m.on("add", function () {
            var node = m.getElement();
            if (node) {
                node.setAttribute("data-board", String(feature.id));
                node.setAttribute("data-state", p.state);
                node.setAttribute("data-kind", p.kind);
                node.setAttribute("aria-label", p.name + ", " + p.kind_label + ", " + p.state_label);
            }
        });
        return m;
    }

    var map = L.map(element, { zoomControl: false, attributionControl: false }).setView(VIETNAM.center, VIETNAM.zoom);
    L.control.zoom({ zoomInTitle: "Phóng to", zoomOutTitle: "Thu nhỏ" }).addTo(map);
    L.control.attribution({ prefix: '<a href="https://leafletjs.com">Leaflet</a>' }).addTo(map);
    L.control.scale({ imperial: false }).addTo(map);
    if (element.dataset.tileUrl) {
        // No address (the default): the markers on Leaflet's plain background, nothing fetched.
        L.tileLayer(element.dataset.tileUrl, {
            maxZoom: parseInt(element.dataset.tileMaxZoom, 10) || 19,
            attribution: element.dataset.tileAttribution || "",
        }).addTo(map);
    }
    map.on("popupopen", function (event) {
        var close = event.popup.getElement().querySelector(".leaflet-popup-close-button");
        if (close) {
            close.setAttribute("aria-label", "Đóng");
            close.setAttribute("title", "Đóng");
        }
    });

    var shown = L.featureGroup().addTo(map);
    var entries = []; // [{marker, properties}]

    function chosen(name) {
        var values = {};
        if (form) {
            form.querySelectorAll('input[name="' + name + '"]').forEach(function (box) {
                values[box.value] = box.checked;
            });
        }
        return values;
    }

    /** Show the markers the filter lets through, fit the map to them, say how many. */
    function apply(fit) {
        var states = chosen("trang_thai");
        var kinds = chosen("loai");
        var count = 0;
        entries.forEach(function (entry) {
            var p = entry.properties;
            var visible = states[p.state] !== false && kinds[p.kind] !== false;
            if (visible && !shown.hasLayer(entry.marker)) {
                shown.addLayer(entry.marker);
            } else if (!visible && shown.hasLayer(entry.marker)) {
                shown.removeLayer(entry.marker);
            }
            count += visible ? 1 : 0;
        });
        if (!entries.length) {
            say("Chưa có bảng hoặc cụm loa nào có tọa độ. Nhập vĩ độ và kinh độ của bảng để bảng hiện trên bản đồ.");
            return;
        }
        say("Đang hiện " + count + " trên " + entries.length + " bảng và cụm loa có tọa độ.");
        if (fit && count) {
            map.fitBounds(shown.getBounds(), { padding: [32, 32], maxZoom: 16 });
        }
    }

    document.querySelectorAll("[data-map-icon]").forEach(function (slot) {
        slot.appendChild(glyph(slot.getAttribute("data-map-icon"), null));
    });
    if (form) {
        form.addEventListener("change", function () {
            apply(true);
        });
        form.addEventListener("submit", function (event) {
            event.preventDefault();
        });
    }

    say("Đang tải dữ liệu bản đồ…");
    fetch(element.dataset.geojsonUrl, { credentials: "same-origin", headers: { Accept: "application/geo+json" } })
        .then(function (response) {
            if (!response.ok) {
                throw new Error("HTTP " + response.status);
            }
            return response.json();
        })
        .then(function (collection) {
            (collection.features || []).forEach(function (feature) {
                entries.push({ marker: marker(feature), properties: feature.properties });
            });
            apply(true);
            element.setAttribute("data-ready", "true");
        })
        .catch(function (error) {
            say("Không tải được dữ liệu bản đồ (" + error.message + "). Hãy tải lại trang.");
        });
})();
