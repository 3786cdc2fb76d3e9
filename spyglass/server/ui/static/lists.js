/* Spyglass tables: filter autocompletion that follows the cursor, the column chooser, and bulk
   select (add tag, delete) on the traces table. Plain JS, no build step. */
"use strict";
(function () {
  const MAX_ITEMS = 12;
  const TOKEN = /\s+|"(?:[^"\\]|\\.)*"?|'(?:[^'\\]|\\.)*'?|!=|>=|<=|!~|[=<>~()[\],]|[^\s"'=<>~!()[\],]+|!/g;
  const KEYWORDS = new Set(["and", "or", "not"]);

  /* ---- what fits at the cursor --------------------------------------------------------------- */
  function tokens(text) {
    const out = [];
    for (const m of text.matchAll(TOKEN)) if (m[0].trim()) out.push({text: m[0], start: m.index, end: m.index + m[0].length});
    return out;
  }
  function fieldOf(hints, word) {
    if (!word) return null;
    const name = word.toLowerCase(), root = name.split(".")[0];
    const spec = hints.fields[name] || (name.includes(".") && (root === "metadata" || root === "feedback") ? hints.fields[root] : null);
    return spec || null;
  }
  function quoteKey(key) { return /^[A-Za-z_][\w-]*$/.test(key) ? key : '"' + key.replace(/"/g, '\\"') + '"'; }
  function fieldItems(hints, partial) {
    const lower = partial.toLowerCase();
    if (lower.startsWith("metadata.")) return hints.metadata.map((k) => ({text: "metadata." + quoteKey(k), hint: "metadata"}));
    if (lower.startsWith("feedback.")) return hints.feedback.map((k) => ({text: "feedback." + quoteKey(k), hint: "feedback"}));
    const items = [];
    for (const name of hints.order) {
      const spec = hints.fields[name];
      if (spec.kind === "json" || spec.kind === "feedback") items.push({text: name + ".", hint: spec.kind, open: true});
      else items.push({text: name, hint: spec.kind});
    }
    items.push({text: "not", hint: "keyword"}, {text: "(", hint: "group", open: true});
    return items;
  }
  function suggestions(hints, text, caret) {
    const before = text.slice(0, caret), toks = tokens(before);
    let partial = "", from = caret;
    const last = toks[toks.length - 1];
    if (last && last.end === caret && !/^[()[\],]$/.test(last.text)) { partial = last.text; from = last.start; toks.pop(); }
    const words = toks.map((t) => t.text.toLowerCase());
    const prev = words[words.length - 1], prev2 = words[words.length - 2];
    let items;
    if (prev === "not" && fieldOf(hints, prev2)) items = [{text: "in", hint: "operator"}, {text: "contains", hint: "operator"}];
    else if (!prev || KEYWORDS.has(prev) || prev === "(") items = fieldItems(hints, partial);
    else if (fieldOf(hints, prev) && !fieldOf(hints, prev2)) items = fieldOf(hints, prev).ops.map((op) => ({text: op, hint: "operator"}));
    else if (prev === "is") items = [{text: "null", hint: ""}, {text: "not null", hint: ""}];
    else if (fieldOf(hints, prev2) || (prev === "in" || prev === "contains")) items = valueItems(hints, words, prev);
    else items = [{text: "and", hint: "keyword"}, {text: "or", hint: "keyword"}];
    const lower = partial.toLowerCase();
    const fit = items.filter((it) => it.text.toLowerCase().startsWith(lower) && it.text.toLowerCase() !== lower);
    return {from: from, to: caret, items: fit.slice(0, MAX_ITEMS)};
  }
  function valueItems(hints, words, op) {
    let i = words.length - 2;
    while (i > 0 && (words[i] === "not" || words[i] === "is")) i--;
    const spec = fieldOf(hints, words[i]) || {};
    const values = (spec.values || []).slice();
    if (!values.length && spec.example) values.push(spec.example);
    if (op === "in") return [{text: "[" + (values.slice(0, 2).join(", ") || '""') + "]", hint: "list"}];
    return values.map((v) => ({text: v, hint: spec.kind || ""}));
  }

  /* ---- the suggestion list ------------------------------------------------------------------- */
  function setupSuggest() {
    const box = document.querySelector(".filter-box input[name=filter]");
    const list = document.getElementById("filter-suggest");
    const data = document.getElementById("filter-hints");
    if (!box || !list || !data) return;
    const hints = JSON.parse(data.textContent);
    let current = {items: []}, active = -1;
    const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"})[c]);
    function close() { list.hidden = true; active = -1; box.setAttribute("aria-expanded", "false"); }
    function show() {
      current = suggestions(hints, box.value, box.selectionStart == null ? box.value.length : box.selectionStart);
      if (!current.items.length) { close(); return; }
      active = Math.min(active, current.items.length - 1);
      list.innerHTML = current.items.map((it, i) => '<li role="option" data-i="' + i + '" class="' + (i === active ? "on" : "") +
        '"><code>' + esc(it.text) + '</code><span class="muted small">' + esc(it.hint) + "</span></li>").join("");
      list.hidden = false; box.setAttribute("aria-expanded", "true");
    }
    function accept(i) {
      const it = current.items[i];
      if (!it) return;
      const tail = box.value.slice(current.to), glue = it.open || /^\s/.test(tail) ? "" : " ";
      box.value = box.value.slice(0, current.from) + it.text + glue + tail;
      const at = current.from + it.text.length + glue.length;
      box.setSelectionRange(at, at); box.focus(); active = -1; show();
    }
    box.addEventListener("input", () => { active = -1; show(); });
    box.addEventListener("click", show);
    box.addEventListener("focus", show);
    box.addEventListener("blur", () => setTimeout(close, 120));
    box.addEventListener("keydown", (ev) => {
      if (list.hidden) { if (ev.key === "ArrowDown") { show(); ev.preventDefault(); } return; }
      if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
        const n = current.items.length; active = ((active + (ev.key === "ArrowDown" ? 1 : -1)) % n + n) % n;
        show(); ev.preventDefault();
      } else if ((ev.key === "Enter" && active >= 0) || (ev.key === "Tab" && current.items.length && !ev.shiftKey)) {
        accept(active >= 0 ? active : 0); ev.preventDefault();
      } else if (ev.key === "Escape") { close(); ev.stopPropagation(); ev.preventDefault(); }
    });
    box.addEventListener("keyup", (ev) => { if (ev.key === "ArrowLeft" || ev.key === "ArrowRight" || ev.key === "Home" || ev.key === "End") show(); });
    list.addEventListener("mousedown", (ev) => { const li = ev.target.closest("li"); if (li) { ev.preventDefault(); accept(Number(li.dataset.i)); } });
  }

  /* ---- column chooser: the visible columns go into the URL as cols=a,b ------------------------ */
  function setupColumns() {
    const chooser = document.querySelector(".col-chooser");
    if (!chooser) return;
    chooser.addEventListener("change", () => {
      const form = chooser.closest("form"), boxes = Array.from(chooser.querySelectorAll("[data-col]"));
      let input = form.querySelector("input[name=cols]");
      if (!input) { input = document.createElement("input"); input.type = "hidden"; input.name = "cols"; form.appendChild(input); }
      const shown = boxes.filter((b) => b.checked).map((b) => b.dataset.col);
      if (shown.length === boxes.length) input.remove(); else input.value = shown.join(",");
      form.requestSubmit();
    });
  }

  /* ---- bulk select --------------------------------------------------------------------------- */
  function setupBulk() {
    const bar = document.getElementById("bulk"), all = document.querySelector(".pick-all");
    if (!bar || !all) return;
    const picked = () => Array.from(document.querySelectorAll(".pick-row:checked")).map((b) => b.value);
    const msg = bar.querySelector(".bulk-msg"), confirmBtn = bar.querySelector("[data-bulk=confirm]");
    function update() {
      const ids = picked(), rows = document.querySelectorAll(".pick-row");
      bar.hidden = ids.length === 0;
      bar.querySelector(".bulk-count").textContent = ids.length + " " + bar.querySelector(".bulk-count").dataset.label;
      all.checked = ids.length > 0 && ids.length === rows.length;
      all.indeterminate = ids.length > 0 && ids.length < rows.length;
      confirmBtn.hidden = true;
      document.querySelectorAll(".pick-row").forEach((b) => b.closest("tr").classList.toggle("picked", b.checked));
    }
    all.addEventListener("change", () => { document.querySelectorAll(".pick-row").forEach((b) => { b.checked = all.checked; }); update(); });
    document.addEventListener("change", (ev) => { if (ev.target.classList && ev.target.classList.contains("pick-row")) update(); });
    document.body.addEventListener("htmx:afterSwap", update);
    async function send(path, body) {
      msg.textContent = "…";
      const r = await fetch(path, {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)});
      const text = await r.text();  // read to the end before leaving the page
      if (!r.ok) { let e = {}; try { e = JSON.parse(text); } catch (_) { /* not JSON */ } msg.textContent = e.error || ("HTTP " + r.status); return; }
      location.reload();
    }
    bar.addEventListener("click", (ev) => {
      const action = ev.target.dataset && ev.target.dataset.bulk;
      if (action === "clear") { document.querySelectorAll(".pick-row").forEach((b) => { b.checked = false; }); update(); }
      else if (action === "delete") { confirmBtn.hidden = false; confirmBtn.textContent = confirmBtn.textContent.replace(/ \(\d+\)$/, "") + " (" + picked().length + ")"; confirmBtn.focus(); }
      else if (action === "confirm") send("/api/v1/traces/delete", {ids: picked()});
      else if (action === "tag") {
        const tag = bar.querySelector(".bulk-tag").value.trim();
        if (tag) send("/api/v1/traces/tags", {ids: picked(), add: [tag]}); else bar.querySelector(".bulk-tag").focus();
      }
    });
    document.addEventListener("click", (ev) => {  // the whole cell toggles its checkbox
      const cell = ev.target.closest("td.pick");
      if (!cell || ev.target.tagName === "INPUT") return;
      const box = cell.querySelector("input"); box.checked = !box.checked; update();
    });
    bar.querySelector(".bulk-tag").addEventListener("keydown", (ev) => { if (ev.key === "Enter") { ev.preventDefault(); bar.querySelector("[data-bulk=tag]").click(); } });
    update();
  }

  document.addEventListener("DOMContentLoaded", () => { setupSuggest(); setupColumns(); setupBulk(); });
  window.spyglassSuggest = suggestions;  // for tests
})();
