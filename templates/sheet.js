/* Lời Kể review sheet: click a segment to hear it; while the audio plays, the segment being heard is highlighted
   and kept in view. A link into the sheet (#t=SECONDS from a subject page or a citation, or #seg-IDX) scrolls to
   that segment, marks it and moves the player there; browsers block playing without a click, so the editor
   presses play. Plain JS, no libraries: the page is opened from disk, often offline. Runs on sheets of thousands
   of segments, so it reads the times once, finds segments by binary search and touches the page only when the
   current segment changes. */
(function () {
  "use strict";
  var list = document.querySelector(".segments");
  if (!list) { return; }
  var audio = document.getElementById("player");
  var rows = list.querySelectorAll(".segment");
  var count = rows.length;
  var starts = new Float64Array(count);
  var ends = new Float64Array(count);
  for (var k = 0; k < count; k++) {
    starts[k] = parseFloat(rows[k].getAttribute("data-start")) || 0;
    ends[k] = parseFloat(rows[k].getAttribute("data-end")) || starts[k];
  }

  var GAP_SLACK = 0.3;        // seconds after a segment's end it stays lit, so short pauses do not flicker
  var LINK_SLACK = 0.002;     // links carry times to the millisecond; never land on the segment before
  var USER_SCROLL_PAUSE = 4000; // ms after the editor scrolls by hand before the page scrolls by itself again
  var current = -1;
  var target = null;          // the segment a link pointed at; stays marked until another link
  var pendingSeek = null;     // a link's time, kept until the player knows the recording's length
  var queued = false;
  var userScrolledAt = 0;
  var sought = false;         // the editor moved the player's position: show where, even when paused

  /* The last segment that starts at or before t, or -1. */
  function lastStartingBy(t) {
    var lo = 0, hi = count - 1, found = -1;
    while (lo <= hi) {
      var mid = (lo + hi) >> 1;
      if (starts[mid] <= t) { found = mid; lo = mid + 1; } else { hi = mid - 1; }
    }
    return found;
  }

  /* The segment being heard at t, or -1 in a pause between segments. */
  function segmentAt(t) {
    var found = lastStartingBy(t);
    if (found >= 0 && t > ends[found] + GAP_SLACK) { return -1; }
    return found;
  }

  /* "12.5", "754", "12:34", "1:02:05" → seconds; anything else → null. */
  function parseTime(text) {
    var match = /^(?:(\d+):)?(?:(\d+):)?(\d+(?:\.\d+)?)s?$/.exec(text);
    if (!match) { return null; }
    var parts = [match[1], match[2]].filter(function (p) { return p !== undefined; });
    var seconds = parseFloat(match[3]);
    for (var p = 0; p < parts.length; p++) { seconds += parseInt(parts[p], 10) * Math.pow(60, parts.length - p); }
    return seconds;
  }

  function seek(t) {
    if (!audio) { return; }
    if (audio.readyState >= 1) { audio.currentTime = t; pendingSeek = null; } else { pendingSeek = t; }
  }

  /* Follow a link into the sheet: mark the segment, bring it into view, move the player there. */
  function followHash() {
    var hash = window.location.hash.slice(1);
    var row = null, t = null;
    if (hash.indexOf("t=") === 0) {
      t = parseTime(hash.slice(2));
      if (t === null || !count) { return; }
      row = rows[Math.max(0, lastStartingBy(t + LINK_SLACK))];
      if (t < starts[0]) { t = starts[0]; }
    } else if (/^seg-\d+$/.test(hash)) {
      row = document.getElementById(hash);
      if (!row) { return; }
      t = parseFloat(row.getAttribute("data-start")) || 0;
    } else {
      return;
    }
    if (target) { target.classList.remove("target"); }
    target = row;
    row.classList.add("target");
    userScrolledAt = 0;
    row.scrollIntoView({ block: "center" });
    seek(t);
  }

  window.addEventListener("hashchange", followHash);
  followHash();
  if (!audio) { return; }

  document.body.classList.add("has-audio");

  function keepInView(row) {
    if (Date.now() - userScrolledAt < USER_SCROLL_PAUSE) { return; }
    var box = row.getBoundingClientRect();
    var player = audio.parentNode.getBoundingClientRect();
    if (box.top < player.bottom || box.bottom > window.innerHeight) {
      // Glide to a nearby row; jump to a far one (a seek across an hour), which smooth scrolling makes slow.
      var far = Math.abs(box.top - window.innerHeight / 2) > 2 * window.innerHeight;
      row.scrollIntoView({ block: "center", behavior: far ? "auto" : "smooth" });
    }
  }

  function update() {
    queued = false;
    var i = segmentAt(audio.currentTime);
    var follow = sought || !audio.paused;
    if (i === current && !sought) { return; }
    sought = false;
    if (i !== current) {
      if (current >= 0) {
        rows[current].classList.remove("current");
        rows[current].removeAttribute("aria-current");
      }
      current = i;
      if (i < 0) { return; }
      rows[i].classList.add("current");
      rows[i].setAttribute("aria-current", "true");
    }
    if (i >= 0 && follow) { keepInView(rows[i]); }
  }

  /* timeupdate fires several times a second; at most one update per animation frame. */
  function schedule() {
    if (!queued) { queued = true; window.requestAnimationFrame(update); }
  }

  function playFrom(row) {
    userScrolledAt = 0;
    pendingSeek = null;
    audio.currentTime = parseFloat(row.getAttribute("data-start")) || 0;
    var started = audio.play();
    if (started && started.catch) { started.catch(function () { /* blocked or no file: the player shows it */ }); }
  }

  audio.addEventListener("loadedmetadata", function () {
    if (pendingSeek !== null) { seek(pendingSeek); }
  });
  audio.addEventListener("timeupdate", schedule);
  audio.addEventListener("seeked", function () { sought = true; schedule(); });
  audio.addEventListener("play", schedule);
  audio.addEventListener("error", function () {
    var message = document.querySelector(".audio-error");
    if (message) { message.hidden = false; }
  });

  list.addEventListener("click", function (event) {
    var row = event.target.closest(".segment");
    if (!row) { return; }
    // An editor selecting words to copy them should not be thrown to another place in the audio.
    var selection = window.getSelection();
    if (selection && !selection.isCollapsed && row.contains(selection.anchorNode)) { return; }
    playFrom(row);
  });
  list.addEventListener("keydown", function (event) {
    if ((event.key === "Enter" || event.key === " ") && event.target.classList.contains("segment")) {
      event.preventDefault();
      playFrom(event.target);
    }
  });
  ["wheel", "touchmove"].forEach(function (type) {
    window.addEventListener(type, function () { userScrolledAt = Date.now(); }, { passive: true });
  });
})();
