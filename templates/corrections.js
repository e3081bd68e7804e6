// Lời Kể review app, corrections where the errors are: speeds and the loop, jumps to the next uncertain word,
// unverified line or flagged line, a pass that plays only the uncertain stretches, Ctrl+A within a line, the quote
// preview following edits, suggestions accepted by one key, and find and replace. Built on what app.js hands over
// in window.loike.
"use strict";

(function () {
  const L = window.loike;
  if (!L) return;
  const $ = (id) => document.getElementById(id);
  const audio = L.audio;
  const list = $("segments");
  const RATES = [0.5, 0.75, 1, 1.25, 1.5, 2];
  const PAD = 0.5;  // seconds played either side of an uncertain word
  let looping = false;
  let loopRow = null;  // the line the loop holds: the current one when it was turned on, then each one chosen
  let pass = null;  // the uncertain stretches still to play, [[start, end], ...]
  let lastMark = null;

  // --- the marks: fetched once the page is in use (reading 40,000 words costs more than the page) --------
  function percent(value) { return `${Math.floor(value * 100)}%`; }
  function markLine(li, spans) {
    const box = L.textOf(li);
    if (box === document.activeElement) return;  // being edited: its words may no longer spell it
    const text = box.textContent;
    const pieces = [];
    let position = 0;
    spans.forEach(([start, end, score, t0, t1]) => {
      if (start < position || end > text.length) return;
      pieces.push(document.createTextNode(text.slice(position, start)));
      const span = document.createElement("span");
      span.className = "low-confidence";
      span.title = `Độ tin cậy thấp: ${percent(score)}`;
      span.dataset.start = t0.toFixed(2);
      span.dataset.end = t1.toFixed(2);
      span.textContent = text.slice(start, end);
      pieces.push(span);
      position = end;
    });
    pieces.push(document.createTextNode(text.slice(position)));
    box.replaceChildren(...pieces);
  }
  async function loadMarks() {
    const answer = await L.api(`/api/interviews/${encodeURIComponent(L.data.code)}/marks`);
    if (!answer.ok) return;
    Object.entries(answer.body.marks).forEach(([id, spans]) => {
      const li = $(`s${id}`);
      if (li) markLine(li, spans);
    });
    performance.mark("loike-marks");  // the benchmark's "marks in place"
  }

  // --- speeds and the loop ----------------------------------------------------------------------------
  function setRate(rate) { audio.playbackRate = rate; }
  function stepRate(delta) {
    const i = RATES.indexOf(audio.playbackRate);
    const next = RATES[Math.min(RATES.length - 1, Math.max(0, (i < 0 ? 2 : i) + delta))];
    setRate(next);
  }
  audio.addEventListener("ratechange", () => {
    const rate = audio.playbackRate;
    if (RATES.includes(rate)) $("rate").value = String(rate);
  });
  $("rate").addEventListener("change", () => setRate(+$("rate").value));
  function toggleLoop() {
    looping = !looping;
    loopRow = looping ? L.current() : null;
    $("loop").setAttribute("aria-pressed", String(looping));
    L.toast(looping ? "Lặp đoạn đang chọn." : "Thôi lặp đoạn.");
  }
  $("loop").addEventListener("click", toggleLoop);
  // The line playing runs on into the next one, which app.js then makes current: the loop holds its own line,
  // and moves only to a line the editor chooses (a click, or a key that goes to another line).
  const chosen = () => { if (looping && L.current()) loopRow = L.current(); };
  list.addEventListener("click", chosen);
  document.addEventListener("keyup", (event) => {
    if (event.altKey || !(event.target.closest && event.target.closest(".text"))) chosen();
  });

  // --- jumps ---------------------------------------------------------------------------------------------
  function rowIndex(li) { return L.rows().indexOf(li); }
  function goTo(li, time) {
    L.select(li, { scroll: true });
    li.scrollIntoView({ block: "center" });
    L.seek(time !== undefined ? time : +li.dataset.start);
  }
  function nextRow(test) {
    const rows = L.rows();
    const from = L.current() ? rowIndex(L.current()) : -1;
    for (let k = 1; k <= rows.length; k++) {
      const li = rows[(from + k) % rows.length];
      if (test(li)) return li;
    }
    return null;
  }
  function nextUncertain() {
    const marks = Array.from(list.querySelectorAll(".low-confidence"));
    if (!marks.length) { L.toast("Không còn từ nào chưa chắc.", false); return; }
    const current = L.current();
    let next = null;
    if (lastMark && current && current.contains(lastMark)) next = marks[marks.indexOf(lastMark) + 1];
    else if (current) next = marks.find((m) => rowIndex(m.closest("li.seg")) >= rowIndex(current));
    next = next || marks[0];
    if (lastMark) lastMark.classList.remove("jumped");
    lastMark = next;
    next.classList.add("jumped");
    goTo(next.closest("li.seg"), Math.max(0, +next.dataset.start - PAD));
    placeCaret(next);
  }
  function placeCaret(mark) {  // the caret at the end of the word, ready to correct it
    const text = mark.closest(".text");
    text.focus();
    const range = document.createRange();
    range.selectNodeContents(mark);
    range.collapse(false);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }
  function nextUnverified() {
    const li = nextRow((row) => row.querySelector(".status").dataset.status !== "verified");
    if (li) goTo(li); else L.toast("Mọi đoạn đều đã duyệt.");
  }
  function nextFlagged() {
    const li = nextRow((row) => row.classList.contains("flagged"));
    if (li) goTo(li); else L.toast("Không có đoạn nào bị gắn cờ.");
  }
  $("next-uncertain").addEventListener("click", nextUncertain);
  $("next-unverified").addEventListener("click", nextUnverified);
  $("next-flagged").addEventListener("click", nextFlagged);

  // --- the pass over the uncertain stretches -------------------------------------------------------------
  function stretches(from) {
    const found = [];
    list.querySelectorAll(".low-confidence").forEach((mark) => {
      const start = Math.max(0, +mark.dataset.start - PAD), end = +mark.dataset.end + PAD;
      if (end < from) return;
      const last = found[found.length - 1];
      if (last && start <= last[1]) last[1] = Math.max(last[1], end); else found.push([start, end]);
    });
    return found.sort((a, b) => a[0] - b[0]);
  }
  function togglePass() {
    if (pass) { stopPass(); return; }
    pass = stretches(audio.currentTime);
    if (!pass.length) { pass = null; L.toast("Không có chỗ nào chưa chắc ở phía sau.", false); return; }
    $("pass").setAttribute("aria-pressed", "true");
    L.seek(pass[0][0]);
    audio.play().catch(() => L.toast("Không phát được âm thanh.", true));
  }
  function stopPass() {
    pass = null;
    $("pass").setAttribute("aria-pressed", "false");
  }
  $("pass").addEventListener("click", togglePass);
  audio.addEventListener("timeupdate", () => {
    const now = audio.currentTime;
    if (pass) {
      while (pass.length && now >= pass[0][1]) pass.shift();
      if (!pass.length) { audio.pause(); stopPass(); L.toast("Đã nghe hết những chỗ chưa chắc."); }
      else if (now < pass[0][0] - 0.3) L.seek(pass[0][0]);
    } else if (looping && loopRow && loopRow.isConnected) {
      if (now >= +loopRow.dataset.end || now < +loopRow.dataset.start - 0.5) L.seek(+loopRow.dataset.start);
    }
  });

  // --- Ctrl+A within a line, and the quote preview following edits ---------------------------------------
  function selectLine(text) {
    window.loikeWholeLine = true;
    const range = document.createRange();
    range.selectNodeContents(text);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }
  document.addEventListener("mousedown", () => (window.loikeWholeLine = false));
  list.addEventListener("input", (event) => {
    const li = event.target.closest("li.seg");
    const quote = L.lastQuote();
    if (!li || !quote) return;
    const rows = L.rows();
    const first = rows.findIndex((r) => +r.dataset.id === quote.first);
    const last = rows.findIndex((r) => +r.dataset.id === quote.last);
    const here = rows.indexOf(li);
    if (first < 0 || last < 0 || here < first || here > last) return;
    const length = L.textOf(li).textContent.length;
    if (here === last) quote.end_offset = Math.max(0, quote.end_offset + length - (quote.lastLength || length));
    quote.lastLength = length;
    const texts = rows.slice(first, last + 1).map((r) => L.textOf(r).textContent);
    if (texts.length === 1) texts[0] = texts[0].slice(quote.start_offset, quote.end_offset);
    else { texts[0] = texts[0].slice(quote.start_offset); texts[texts.length - 1] = texts[texts.length - 1].slice(0, quote.end_offset); }
    quote.preview = texts.join(" ").replace(/\s+/g, " ").trim();
    $("quote-preview").textContent = quote.preview;
    L.setLastQuote(quote);
  });
  document.addEventListener("selectionchange", () => {
    const quote = L.lastQuote();
    if (quote && quote.lastLength === undefined) {
      const last = L.rows().find((r) => +r.dataset.id === quote.last);
      if (last) quote.lastLength = L.textOf(last).textContent.length;
    }
  });
  // The quote is cut from the saved text: an edit still in the box is saved first.
  $("quote-save").addEventListener("click", async (event) => {
    const li = L.current();
    if (event.isTrusted && li && L.textOf(li).textContent !== li.dataset.saved && li.dataset.saved !== undefined) {
      event.stopImmediatePropagation();
      if (await L.saveText(li)) $("quote-save").click();
    }
  }, true);

  // --- suggestions ---------------------------------------------------------------------------------------
  let suggestions = [];
  async function loadSuggestions() {
    const answer = await L.api(`/api/interviews/${encodeURIComponent(L.data.code)}/suggestions`);
    if (!answer.ok) return;
    suggestions = answer.body.suggestions;
    list.querySelectorAll(".suggestion-mark").forEach((el) => el.remove());
    const counts = {};
    suggestions.forEach((s) => (counts[s.segment_id] = (counts[s.segment_id] || 0) + 1));
    Object.entries(counts).forEach(([id, n]) => {
      const li = $(`s${id}`);
      if (!li) return;
      const mark = document.createElement("span");
      mark.className = "suggestion-mark";
      mark.textContent = `${n} gợi ý`; // plain text: a stock Debian or Windows machine has no emoji font
      mark.title = suggestions.filter((s) => String(s.segment_id) === id).map((s) => (s.found ? `«${s.found}» → ` : "") + `«${s.suggestion}»`).join("\n");
      li.querySelector(".marks").append(mark);
    });
    showSuggestions();
  }
  // Built again only when the line or its suggestions change: a box rebuilt under the pointer loses the click.
  let shownFor = null;
  function showSuggestions() {
    const li = L.current();
    const mine = li ? suggestions.filter((s) => String(s.segment_id) === li.dataset.id) : [];
    const signature = JSON.stringify([li && li.dataset.id, mine]);
    if (signature === shownFor) return;
    shownFor = signature;
    $("suggestion-box").hidden = !mine.length;
    const box = $("suggestion-list");
    box.replaceChildren();
    mine.forEach((s, i) => {
      const item = document.createElement("li");
      item.className = "suggestion";
      item.append(s.found ? `«${s.found}» → ` : "Máy nghe lại, chưa chắc: "); // a gap's draft replaces nothing
      const right = document.createElement("strong");
      right.textContent = s.suggestion;
      item.append(right, s.found ? ` (${s.source}) ` : " ");
      const take = document.createElement("button");
      take.type = "button";
      take.className = "suggestion-accept";
      take.textContent = i === 0 ? "Nhận (Alt+A)" : "Nhận";
      take.addEventListener("click", () => accept(li, s));
      const drop = document.createElement("button");
      drop.type = "button";
      drop.className = "suggestion-decline";
      drop.textContent = "Bỏ qua";
      drop.addEventListener("click", () => decline(li, s));
      item.append(take, " ", drop);
      box.append(item);
    });
  }
  async function accept(li, s) {
    if (!(await L.saveText(li))) return;
    const answer = await L.api(`/api/segments/${s.segment_id}/accept`, {
      version: +li.dataset.version, offset: s.offset, found: s.found, suggestion: s.suggestion,
    });
    if (!answer.ok) { L.toast(answer.body.error || "Không nhận được gợi ý.", true); return; }
    L.apply(li, answer.body);
    L.toast("Đã nhận gợi ý.");
    await loadSuggestions();
  }
  // The library turns a suggestion down on every line with the same words: say on how many lines it went.
  async function decline(li, s) {
    const answer = await L.api(`/api/segments/${s.segment_id}/decline`, { found: s.found, suggestion: s.suggestion });
    if (!answer.ok) { L.toast(answer.body.error || "Không bỏ qua được.", true); return; }
    const before = suggestions;
    await loadSuggestions();
    const kept = new Set(suggestions.map((t) => `${t.segment_id}/${t.offset}/${t.suggestion}`));
    const lines = new Set(before.filter((t) => !kept.has(`${t.segment_id}/${t.offset}/${t.suggestion}`)).map((t) => t.segment_id)).size;
    const said = lines > 1 ? `Đã bỏ qua gợi ý này ở cả ${lines} dòng.` : "Đã bỏ qua gợi ý này.";
    L.toast(said, false, { label: "Hoàn tác", run: () => offerAgain(s) });
  }
  // A suggestion turned down by mistake is offered again on every line it went from.
  async function offerAgain(s) {
    const answer = await L.api(`/api/segments/${s.segment_id}/offer-again`, { found: s.found, suggestion: s.suggestion });
    if (!answer.ok) { L.toast(answer.body.error || "Không đưa gợi ý trở lại được.", true); return; }
    await loadSuggestions();
    L.toast("Đã đưa gợi ý trở lại.");
  }
  function acceptFirst() {
    const li = L.current();
    const mine = li ? suggestions.filter((s) => String(s.segment_id) === li.dataset.id) : [];
    if (mine.length) accept(li, mine[0]); else L.toast("Đoạn này không có gợi ý nào.");
  }
  list.addEventListener("focusin", () => setTimeout(showSuggestions));
  list.addEventListener("click", () => setTimeout(showSuggestions));
  audio.addEventListener("timeupdate", () => {
    const li = L.current();
    if (li && li.dataset.id !== showSuggestions.shown) { showSuggestions.shown = li.dataset.id; showSuggestions(); }
  });

  // --- find and replace ----------------------------------------------------------------------------------
  let preview = null;
  function replaceRequest() {
    return {
      find: $("replace-find").value,
      replacement: $("replace-with").value,
      exact: $("replace-exact").checked,
      interview: $("replace-everywhere").checked ? null : String(L.data.interview),
    };
  }
  async function findHits() {
    const request = replaceRequest();
    const query = new URLSearchParams({ find: request.find, replacement: request.replacement, exact: request.exact ? "1" : "" });
    if (request.interview) query.set("interview", request.interview);
    const answer = await L.api(`/api/replace/preview?${query}`);
    if (!answer.ok) { L.toast(answer.body.error, true); return; }
    preview = { request, hits: answer.body.hits };
    showHits();
  }
  function showHits() {
    const box = $("replace-hits");
    box.replaceChildren();
    $("replace-all").disabled = !preview.hits.length;
    $("replace-summary").textContent = preview.hits.length ? `${preview.hits.length} chỗ khớp.` : "Không tìm thấy chỗ nào.";
    preview.hits.forEach((hit) => {
      const item = document.createElement("li");
      item.className = "hit";
      const play = document.createElement("button");
      play.type = "button";
      play.className = "hit-play";
      play.textContent = "▶";
      play.title = "Nghe dòng này";
      play.addEventListener("click", () => playHit(hit));
      const where = document.createElement("span");
      where.className = "hit-where";
      where.textContent = ` ${hit.code} · dòng ${hit.line} · ${L.timecode(hit.start)} `;
      const found = document.createElement("mark");
      found.textContent = hit.found;
      const take = document.createElement("button");
      take.type = "button";
      take.className = "hit-apply";
      take.textContent = "Thay";
      take.addEventListener("click", () => applyHits([hit]));
      item.append(play, where, `…${hit.before}`, found, `${hit.after}… `, take);
      box.append(item);
    });
  }
  function playHit(hit) {
    if (hit.interview_id === L.data.interview) {
      const li = $(`s${hit.segment_id}`);
      if (li) goTo(li, hit.start);
      audio.play().catch(() => {});
    } else {
      window.open(`/interviews/${encodeURIComponent(hit.code)}#s${hit.segment_id}`, "_blank");
    }
  }
  async function applyHits(hits) {
    const body = { ...preview.request };
    if (hits) body.chosen = hits.map((h) => [h.segment_id, h.offset, h.version]);
    const answer = await L.api("/api/replace/apply", body);
    if (!answer.ok) { L.toast(answer.body.error || "Không thay được.", true); return; }
    showChanged(answer.body.segments);
    const result = answer.body;
    let message = `Đã thay ${result.hits} chỗ trong ${result.lines} dòng.`;
    if (result.skipped.length) message += ` ${result.skipped.length} chỗ nằm trong dòng vừa được người khác lưu nên chưa thay.`;
    L.toast(message, result.skipped.length > 0);
    if (result.batch) addBatch(result.batch, message);
    await findHits();
  }
  function showChanged(segments) {
    segments.forEach((seg) => {
      const li = $(`s${seg.id}`);
      if (li) L.apply(li, seg);
    });
  }
  function addBatch(batch, message) {
    const item = document.createElement("li");
    item.dataset.batch = batch;
    item.append(`${message} `);
    const undo = document.createElement("button");
    undo.type = "button";
    undo.className = "batch-undo";
    undo.textContent = "Hoàn tác";
    undo.addEventListener("click", async () => {
      const answer = await L.api(`/api/replace/${batch}/undo`, {});
      if (!answer.ok) { L.toast(answer.body.error || "Không hoàn tác được.", true); return; }
      showChanged(answer.body.segments);
      let said = `Đã hoàn tác: ${answer.body.lines} dòng trở lại như trước.`;
      if (answer.body.kept.length) said += ` ${answer.body.kept.length} dòng đã được sửa tiếp nên giữ nguyên.`;
      L.toast(said);
      item.remove();
    });
    item.append(undo);
    $("replace-batches").prepend(item);
  }
  $("replace-preview").addEventListener("click", findHits);
  $("replace-find").addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); findHits(); } });
  $("replace-all").addEventListener("click", () => preview && applyHits(null));

  // --- keys ----------------------------------------------------------------------------------------------
  document.addEventListener("keydown", (event) => {
    const key = event.key;
    const inText = event.target.classList && event.target.classList.contains("text");
    if (!(event.ctrlKey && (key === "a" || key === "A"))) window.loikeWholeLine = false;
    let handled = true;
    if (inText && event.ctrlKey && (key === "a" || key === "A")) selectLine(event.target);
    else if (event.altKey && (key === "u" || key === "U")) nextUncertain();
    else if (event.altKey && (key === "n" || key === "N")) nextUnverified();
    else if (event.altKey && (key === "m" || key === "M")) nextFlagged();
    else if (event.altKey && (key === "p" || key === "P")) togglePass();
    else if (event.altKey && (key === "l" || key === "L")) toggleLoop();
    else if (event.altKey && key === ",") stepRate(-1);
    else if (event.altKey && key === ".") stepRate(1);
    else if (event.altKey && (key === "a" || key === "A")) acceptFirst();
    else if (event.altKey && (key === "f" || key === "F")) { $("replace-box").open = true; $("replace-find").focus(); }
    else handled = false;
    if (handled) event.preventDefault();
  });

  loadMarks().then(loadSuggestions);
})();
