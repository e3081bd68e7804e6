/* Lời Kể published site. On an interview page: a click on a time plays from there, the line being heard is
   highlighted and kept in view, #t=SECONDS opens the page at that moment, and the citation box follows the line
   chosen. On the first page: search across every interview, tones and marks optional ("chi bo" finds "chi bộ"),
   the titles and index at once, then the words said, one interview's file after another. Plain JS, no libraries:
   the site is opened from a USB stick as often as from a web host. */
(function () {
  "use strict";
  function fold(text) {
    return String(text).normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/đ/g, "d").replace(/Đ/g, "D")
      .toLowerCase().replace(/\s+/g, " ").trim();
  }
  function clock(seconds) {
    var s = Math.max(0, Math.floor(seconds)), pad = function (n) { return String(n).padStart(2, "0"); };
    return pad(Math.floor(s / 3600)) + ":" + pad(Math.floor(s % 3600 / 60)) + ":" + pad(s % 60);
  }
  function minutes(seconds, up) {
    var s = Math.max(0, up ? Math.ceil(seconds) : Math.floor(seconds)), pad = function (n) { return String(n).padStart(2, "0"); };
    var h = Math.floor(s / 3600);
    return (h ? h + ":" : "") + pad(Math.floor(s % 3600 / 60)) + ":" + pad(s % 60);
  }

  // --- an interview page -------------------------------------------------------------------------
  var list = document.getElementById("lines");
  if (list) {
    var audio = document.getElementById("player");
    var rows = list.children, count = rows.length;
    var starts = new Float64Array(count), ends = new Float64Array(count);
    for (var k = 0; k < count; k++) {
      starts[k] = parseFloat(rows[k].getAttribute("data-s"));
      ends[k] = parseFloat(rows[k].getAttribute("data-e"));
    }
    var current = -1, cite = document.getElementById("citation");
    var at = function (t) {
      var lo = 0, hi = count - 1, found = -1;
      while (lo <= hi) { var mid = (lo + hi) >> 1; if (starts[mid] <= t + 0.01) { found = mid; lo = mid + 1; } else { hi = mid - 1; } }
      return found;
    };
    var light = function (n, scroll) {
      if (n === current) { return; }
      if (current >= 0) { rows[current].classList.remove("now"); }
      current = n;
      if (n < 0) { return; }
      rows[n].classList.add("now");
      if (scroll) { rows[n].scrollIntoView({ block: "center" }); }
    };
    var choose = function (n) {
      if (!cite || n < 0) { return; }
      cite.textContent = cite.getAttribute("data-template").replace("⟨start⟩", minutes(starts[n]))
        .replace("⟨end⟩", minutes(ends[n], true));
    };
    var play = function (seconds) {
      audio.currentTime = seconds;
      var playing = audio.play();
      if (playing && playing.catch) { playing.catch(function () {}); }
    };
    document.addEventListener("click", function (event) {
      var button = event.target.closest("button.t");
      if (!button) { return; }
      var li = button.closest("li");
      var seconds = parseFloat(li.getAttribute("data-s"));
      var n = at(seconds);
      light(n, false);
      choose(n);
      play(seconds);
    });
    audio.addEventListener("timeupdate", function () {
      var n = at(audio.currentTime);
      light(n >= 0 && audio.currentTime <= ends[n] + 0.3 ? n : current, !audio.paused);
    });
    var copy = document.getElementById("copy");
    if (copy) {
      copy.addEventListener("click", function () {
        if (navigator.clipboard) { navigator.clipboard.writeText(cite.textContent).catch(function () {}); }
        var range = document.createRange();
        range.selectNodeContents(cite);
        getSelection().removeAllRanges();
        getSelection().addRange(range);
      });
    }
    var wanted = /^#t=(\d+(?:\.\d+)?)$/.exec(location.hash);
    if (wanted) {
      var n = at(parseFloat(wanted[1]));
      light(n, true);
      choose(n);
      audio.currentTime = parseFloat(wanted[1]);
    }
    performance.mark("loike-ready");
  }

  // --- the first page: search ------------------------------------------------------------------------
  var form = document.getElementById("search");
  if (!form) { return; }
  var catalogue = window.LOIKE_CATALOGUE || [], results = document.getElementById("results");
  var status = document.getElementById("status");
  var loaded = window.LOIKE_LINES = window.LOIKE_LINES || {};

  function show(href, label, text) {
    var li = document.createElement("li"), a = document.createElement("a");
    a.href = href;
    a.textContent = label;
    li.appendChild(a);
    if (text) { li.appendChild(document.createTextNode(" — " + text)); }
    results.appendChild(li);
  }
  function load(entry) {
    return new Promise(function (resolve) {
      if (loaded[entry.code]) { resolve(); return; }
      var script = document.createElement("script");
      script.src = entry.lines;
      script.onload = function () { resolve(); };
      script.onerror = function () { resolve(); };
      document.head.appendChild(script);
    });
  }
  var searchId = 0;
  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    var query = fold(document.getElementById("q").value);
    var id = ++searchId, found = 0;
    results.textContent = "";
    if (!query) { status.textContent = ""; return; }
    catalogue.forEach(function (entry) {
      if (fold([entry.title, entry.witnesses.join(" "), entry.place].join(" ")).indexOf(query) >= 0) {
        show(entry.page, entry.title, entry.witnesses.join("; ")); found++;
      }
      entry.index.forEach(function (p) {
        if (fold([p.title, p.synopsis, p.keywords.join(" ")].join(" ")).indexOf(query) >= 0) {
          show(entry.page + "#t=" + p.t, entry.title + " · " + clock(p.t) + " · " + p.title, p.synopsis); found++;
        }
      });
    });
    for (var n = 0; n < catalogue.length; n++) {
      if (id !== searchId) { return; }
      status.textContent = "Đang tìm trong lời kể… (" + (n + 1) + "/" + catalogue.length + ")";
      var entry = catalogue[n];
      await load(entry);
      (loaded[entry.code] || []).forEach(function (line) {
        if (fold(line[2]).indexOf(query) >= 0) {
          show(entry.page + "#t=" + line[0], entry.title + " · " + clock(line[0]) + (line[1] ? " · " + line[1] : ""), line[2]);
          found++;
        }
      });
    }
    status.textContent = found ? "Tìm thấy " + found + " kết quả." : "Không tìm thấy kết quả nào.";
  });
})();
