/* Spyglass UI: preferences, times, JSON viewer, keyboard, and the trace tree + waterfall.
   Plain JS, no build step. The tree draws only the rows in view, so 100k spans stay usable. */
"use strict";
(function () {
  const lang = document.documentElement.lang || "en";
  const store = window.localStorage;

  /* ---- preferences ---------------------------------------------------------------------- */
  function setupPrefs() {
    const theme = document.getElementById("theme-toggle");
    if (theme) theme.addEventListener("click", () => {
      const next = document.documentElement.dataset.theme === "dark" ? "light" : "dark";
      document.documentElement.dataset.theme = next;
      store.setItem("spyglass-theme", next);
    });
    const select = document.getElementById("lang-select");
    if (select) select.addEventListener("change", () => {
      location.href = "/ui/lang/" + select.value + "?next=" + encodeURIComponent(location.pathname + location.search);
    });
    const mode = document.getElementById("time-mode");
    if (mode) {
      const label = () => { mode.textContent = timeMode() === "relative" ? mode.dataset.rel : mode.dataset.abs; };
      mode.dataset.rel = mode.textContent; mode.dataset.abs = lang.startsWith("zh") ? "绝对" : "absolute";
      label();
      mode.addEventListener("click", () => {
        store.setItem("spyglass-times", timeMode() === "relative" ? "absolute" : "relative");
        label(); formatTimes(document);
      });
    }
  }
  const timeMode = () => store.getItem("spyglass-times") || "relative";

  /* ---- times and numbers in the page's locale ---------------------------------------------- */
  const absolute = new Intl.DateTimeFormat(lang, {dateStyle: "medium", timeStyle: "medium"});
  const relative = new Intl.RelativeTimeFormat(lang, {numeric: "auto"});
  const UNITS = [["year", 31536e6], ["month", 2592e6], ["week", 6048e5], ["day", 864e5], ["hour", 36e5],
                 ["minute", 6e4], ["second", 1e3]];
  function rel(ms) {
    for (const [unit, size] of UNITS) {
      if (Math.abs(ms) >= size || unit === "second") return relative.format(Math.round(ms / size), unit);
    }
  }
  function formatTimes(root) {
    const now = Date.now(), mode = timeMode();
    root.querySelectorAll("time[datetime]").forEach((el) => {
      const at = new Date(el.getAttribute("datetime"));
      if (isNaN(at)) return;
      el.title = absolute.format(at);
      el.textContent = mode === "relative" ? rel(at - now) : absolute.format(at);
    });
  }

  /* ---- JSON viewer with copy ------------------------------------------------------------ */
  const MAX_CHILDREN = 500, MAX_STRING = 2000;
  function esc(s) { return String(s).replace(/[&<>"]/g, (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"})[c]); }
  function jsonNode(value, depth) {
    if (value === null) return '<span class="j-null">null</span>';
    if (typeof value === "string") {
      const long = value.length > MAX_STRING;
      const text = esc(long ? value.slice(0, MAX_STRING) + "…" : value);
      return '<span class="j-str"' + (long ? ' data-full="1"' : "") + '>"' + text + '"</span>';
    }
    if (typeof value !== "object") return '<span class="j-' + typeof value + '">' + esc(value) + "</span>";
    const isArray = Array.isArray(value), keys = isArray ? value.map((_, i) => i) : Object.keys(value);
    if (!keys.length) return isArray ? "[]" : "{}";
    const items = keys.slice(0, MAX_CHILDREN).map((k) =>
      '<div class="j-row">' + (isArray ? "" : '<span class="j-key">' + esc(k) + "</span>: ") + jsonNode(value[k], depth + 1) + "</div>");
    if (keys.length > MAX_CHILDREN) items.push('<div class="muted">… ' + (keys.length - MAX_CHILDREN) + " more</div>");
    const summary = isArray ? "[" + keys.length + "]" : "{" + keys.length + "}";
    return "<details" + (depth < 2 ? " open" : "") + "><summary>" + summary + "</summary>" + items.join("") + "</details>";
  }
  function renderJson(root) {
    root.querySelectorAll(".json[data-json]").forEach((el) => {
      let value;
      try { value = JSON.parse(el.dataset.json); } catch (e) { value = el.dataset.json; }
      el.innerHTML = '<button type="button" class="ghost copy">' + esc(copyLabel()) + "</button>" + jsonNode(value, 0);
      el.querySelector(".copy").addEventListener("click", (ev) => copy(JSON.stringify(value, null, 2), ev.target));
      el.removeAttribute("data-json");
    });
  }
  const copyLabel = () => document.body.dataset.copy || "Copy";
  function copy(text, button) {
    const done = () => { button.textContent = document.body.dataset.copied || "Copied"; setTimeout(() => { button.textContent = copyLabel(); }, 1200); };
    if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(text).then(done, done);
    else {
      const area = document.createElement("textarea");
      area.value = text; document.body.appendChild(area); area.select();
      try { document.execCommand("copy"); } finally { area.remove(); }
      done();
    }
  }

  /* ---- keyboard: j/k move in lists, Enter opens, Esc closes panes ------------------------ */
  let cursor = -1;
  function rowsOf() { return Array.from(document.querySelectorAll(".nav-rows [data-href]")); }
  function moveRow(step) {
    const rows = rowsOf();
    if (!rows.length) return;
    cursor = Math.max(0, Math.min(rows.length - 1, cursor + step));
    rows.forEach((r, i) => r.classList.toggle("kbd", i === cursor));
    rows[cursor].scrollIntoView({block: "nearest"});
  }
  function onKey(ev) {
    const tag = (ev.target.tagName || "").toLowerCase();
    if (ev.key === "Escape") {
      if (["input", "textarea", "select"].includes(tag)) { ev.target.blur(); return; }
      document.querySelectorAll("details.add[open], details.edit[open]").forEach((d) => d.removeAttribute("open"));
      if (window.spyglassTree) window.spyglassTree.close();
      return;
    }
    if (["input", "textarea", "select"].includes(tag) || ev.metaKey || ev.ctrlKey || ev.altKey) return;
    if (window.spyglassTree && (ev.key === "j" || ev.key === "k")) { window.spyglassTree.step(ev.key === "j" ? 1 : -1); return; }
    if (ev.key === "j") moveRow(1);
    else if (ev.key === "k") moveRow(-1);
    else if (ev.key === "Enter" && cursor >= 0 && rowsOf()[cursor]) location.href = rowsOf()[cursor].dataset.href;
    else if (ev.key === "/") { const box = document.querySelector("input[type=search]"); if (box) { ev.preventDefault(); box.focus(); } }
  }
  function onRowClick(ev) {
    const row = ev.target.closest(".nav-rows [data-href]");
    if (!row || ev.target.closest("a, button, input, select, summary, form, label, td.pick")) return;
    location.href = row.dataset.href;
  }

  function enhance(root) { formatTimes(root); renderJson(root); }
  document.addEventListener("DOMContentLoaded", () => {
    setupPrefs();
    enhance(document);
    document.addEventListener("keydown", onKey);
    document.addEventListener("click", onRowClick);
    document.addEventListener("click", (ev) => { if (ev.target.closest("[data-close]") && window.spyglassTree) window.spyglassTree.close(); });
    document.body.addEventListener("htmx:load", (ev) => enhance(ev.detail.elt));
    const tree = document.getElementById("tree");
    if (tree && window.SpyglassTree) window.spyglassTree = new window.SpyglassTree(tree);
  });
  window.spyglassEnhance = enhance;
})();
