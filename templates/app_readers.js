// Lời Kể review app: what editors add for readers. The index (OHMS-style points: a time, a title, a synopsis, the
// first words, keywords and subjects, with English _alt) and the passages closed to the public until a date, made
// from the text the editor selects. Uses app.js's helpers (window.loikeDesk); every change goes through the API
// and comes back as the interview's whole list, which is drawn again.
"use strict";

(function () {
  const desk = window.loikeDesk;
  const box = document.getElementById("index-box");
  if (!desk || !box) return;
  const $ = (id) => document.getElementById(id);
  const state = JSON.parse($("readers-data").textContent);
  const form = $("index-form");
  let passage = null;

  const fold = (text) => String(text || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "")
    .replace(/đ/g, "d").replace(/Đ/g, "D").toLowerCase();
  const dayVn = (iso) => iso.split("-").reverse().join("/");
  function item(tag, text, className) {
    const element = document.createElement(tag);
    element.textContent = text;
    if (className) element.className = className;
    return element;
  }

  // --- the index ---------------------------------------------------------------------------------------
  function drawIndex() {
    const query = fold($("index-filter").value);
    const list = $("index-points");
    list.textContent = "";
    state.index.forEach((p) => {
      const words = [p.title, p.synopsis, p.partial_transcript, ...p.keywords, ...p.subjects, p.title_alt].join(" ");
      if (query && !fold(words).includes(query)) return;
      const li = document.createElement("li");
      li.dataset.id = p.id;
      const time = item("button", desk.timecode(p.time), "time");
      time.type = "button";
      time.addEventListener("click", () => { desk.audio.currentTime = p.time; desk.audio.play().catch(() => {}); });
      const edit = item("button", "Sửa", "index-edit");
      edit.type = "button";
      edit.addEventListener("click", () => fill(p));
      const remove = item("button", "×", "index-delete");
      remove.type = "button";
      remove.title = "Xoá điểm mục lục";
      remove.addEventListener("click", async () => {
        if (!confirm("Xoá điểm mục lục này?")) return;
        answered(await desk.api(`/api/index/${p.id}/delete`, {}), "Đã xoá điểm mục lục.");
      });
      li.append(time, " ", item("strong", p.title), " ", edit, " ", remove);
      if (p.synopsis) li.append(item("p", p.synopsis));
      if (p.keywords.length) li.append(item("p", "Từ khoá: " + p.keywords.join("; "), "hint"));
      list.append(li);
    });
  }
  function fill(p) {
    for (const [name, value] of Object.entries(p)) {
      if (form.elements[name]) form.elements[name].value = Array.isArray(value) ? value.join("; ") : value ?? "";
    }
    form.elements.title.focus();
  }
  function answered(answer, message) {
    if (!answer.ok) { desk.toast(answer.body.error || "Không lưu được.", true); return false; }
    if (answer.body.index) { state.index = answer.body.index; drawIndex(); }
    if (answer.body.redactions) { state.redactions = answer.body.redactions; drawRedactions(); }
    desk.toast(message);
    return true;
  }
  $("index-now").addEventListener("click", () => { form.elements.time.value = desk.audio.currentTime.toFixed(1); });
  $("index-filter").addEventListener("input", drawIndex);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = Object.fromEntries(new FormData(form).entries());
    if (answered(await desk.api(`/api/interviews/${desk.interview}/index`, body), "Đã lưu điểm mục lục.")) form.reset();
  });
  form.addEventListener("reset", () => { form.elements.id.value = ""; });

  // --- closed passages ----------------------------------------------------------------------------------
  function drawRedactions() {
    const list = $("redactions");
    list.textContent = "";
    document.querySelectorAll("li.seg.closed").forEach((li) => li.classList.remove("closed"));
    state.redactions.forEach((r) => {
      const li = document.createElement("li");
      const time = item("button", `${desk.timecode(r.start)}–${desk.timecode(r.end)}`, "time");
      time.type = "button";
      time.addEventListener("click", () => { desk.audio.currentTime = r.start; });
      li.append(time, " «", item("span", r.words || "", "closed-words"), "» ");
      li.append(item("span", `đến ${dayVn(r.until)} · ${r.reason} · ${r.editor}`, "hint"));
      if (r.withdrawn_at) li.append(" ", item("em", `(đã bỏ hạn chế: ${r.withdrawn_by})`));
      else if (!r.closed) li.append(" ", item("em", "(đã hết hạn)"));
      else {
        const open = item("button", "Bỏ hạn chế", "redaction-withdraw");
        open.type = "button";
        open.addEventListener("click", async () => {
          if (!confirm("Bỏ hạn chế đoạn này ngay bây giờ? (Nhật ký vẫn lưu lại.)")) return;
          answered(await desk.api(`/api/redactions/${r.id}/withdraw`, {}), "Đã bỏ hạn chế.");
        });
        li.append(" ", open);
        document.querySelectorAll("li.seg").forEach((seg) => {
          if (+seg.dataset.start < r.end && +seg.dataset.end > r.start) seg.classList.add("closed");
        });
      }
      list.append(li);
    });
  }
  document.addEventListener("selectionchange", () => {
    const chosen = desk.selectedPassage();
    if (chosen && chosen.preview) { passage = chosen; $("redaction-preview").textContent = chosen.preview; }
  });
  $("redaction-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!passage) { desk.toast("Hãy bôi đen những lời cần hạn chế trước.", true); return; }
    const fields = Object.fromEntries(new FormData(event.target).entries());
    const { preview, ...body } = passage;
    if (answered(await desk.api(`/api/interviews/${desk.interview}/redactions`, { ...body, ...fields }), "Đã hạn chế đoạn này.")) {
      event.target.reset();
      $("redaction-preview").textContent = "";
      passage = null;
    }
  });

  drawIndex();
  drawRedactions();
})();
