/* Trace view: span tree and waterfall in one virtual list. Rows come from payload-free span
   skeletons; only the rows in view are in the DOM; a span's payload loads when it is opened.
   Big traces come lazily (doc.lazy): the first levels, then a span's children when it is
   expanded (/traces/{id}/children), and search runs on the server (/traces/{id}/search). */
"use strict";
(function () {
  const ROW_H = 26, OVERSCAN = 20, OPEN_ALL_UNDER = 2000, LIVE_MS = 2000, SEARCH_MS = 250;

  function fmtDur(us) {
    if (us == null) return "…";
    if (us === 0) return "0";
    if (us < 1000) return us + " µs";
    if (us < 1e6) return Math.round(us / 1000) + " ms";
    return (us / 1e6).toFixed(2) + " s";
  }
  const num = new Intl.NumberFormat(document.documentElement.lang || "en");
  function esc(s) { return String(s == null ? "" : s).replace(/[&<>"]/g, (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"})[c]); }

  class SpyglassTree {
    constructor(el) {
      this.el = el; this.spacer = el.querySelector(".tree-spacer");
      this.traceId = el.dataset.trace; this.selected = el.dataset.selected || null;
      this.nodes = new Map(); this.query = "";
      el.addEventListener("scroll", () => this.schedule());
      el.addEventListener("click", (ev) => this.onClick(ev));
      // A span's detail that arrives after the user moved on (or pressed Esc) must not replace the pane.
      document.body.addEventListener("htmx:beforeSwap", (ev) => {
        const path = (ev.detail.requestConfig && ev.detail.requestConfig.path) || "";
        const match = path.match(/^\/spans\/([^/]+)\/detail/);
        if (match && ev.detail.target.id === "detail" && decodeURIComponent(match[1]) !== this.selected) ev.detail.shouldSwap = false;
      });
      window.addEventListener("resize", () => this.schedule());
      document.querySelectorAll("[data-tree]").forEach((b) => b.addEventListener("click", () => this.openAll(b.dataset.tree === "expand")));
      const search = document.getElementById("span-search");
      if (search) search.addEventListener("input", () => {
        this.query = search.value.trim().toLowerCase();
        if (!this.lazy) { this.rebuild(); return; }
        clearTimeout(this.searchTimer);
        this.searchTimer = setTimeout(() => this.searchServer(this.query), SEARCH_MS);
      });
      const inline = document.getElementById("skeleton");
      if (inline) this.load(JSON.parse(inline.textContent));
      else { this.spacer.textContent = el.dataset.loading; this.fetch(null); }
    }

    fetch(since) {
      const url = "/traces/" + encodeURIComponent(this.traceId) + "/skeleton" + (since ? "?since=" + since : "");
      return window.fetch(url).then((r) => r.json()).then((doc) => this.load(doc));
    }

    nodesOf(doc, into) {
      const f = {}; doc.fields.forEach((name, i) => { f[name] = i; });
      const out = [];
      for (const r of doc.rows) {
        const old = into.get(r[f.id]);
        const node = Object.assign(old || {children: [], open: !this.lazy}, {
          id: r[f.id], parent: r[f.parent], name: r[f.name], type: r[f.type], s: r[f.start_us], e: r[f.end_us],
          model: r[f.model], tokens: r[f.tokens], cost: r[f.cost], err: r[f.error]});
        if (f.kids != null) Object.assign(node, {kids: r[f.kids], errBelow: r[f.err_below], depth: r[f.depth]});
        into.set(node.id, node); out.push(node);
      }
      return out;
    }

    load(doc) {
      const fresh = this.nodes.size === 0;
      if (fresh && doc.lazy) { this.lazy = true; this.total = doc.total; this.t0 = doc.t0 || 0; this.span = Math.max(1, (doc.t1 || 0) - this.t0); }
      if (this.lazy && !doc.lazy) { this.mergeLive(doc); this.live(doc); return; }
      this.nodesOf(doc, this.nodes);
      for (const id of doc.expanded || []) { const n = this.nodes.get(id); if (n) Object.assign(n, {loaded: true, open: true}); }
      this.link(fresh);
      this.rebuild();
      if (fresh) this.firstPaint();
      this.live(doc);
    }

    link(fresh) {
      if (this.lazy) { this.linkLazy(); return; }
      this.roots = [];
      for (const n of this.nodes.values()) { n.children = []; n.errBelow = false; }
      for (const n of this.nodes.values()) {
        const p = n.parent && this.nodes.get(n.parent);
        (p ? p.children : this.roots).push(n);
      }
      let t0 = Infinity, t1 = -Infinity;
      const big = this.nodes.size > OPEN_ALL_UNDER;
      const walk = (n, depth) => {  // iterative would be safer for 100k-deep chains; depth is bounded in practice
        n.depth = depth;
        if (fresh && big) n.open = depth < 2;
        if (n.s != null) { t0 = Math.min(t0, n.s); t1 = Math.max(t1, n.e != null ? n.e : n.s); }
        n.children.sort((a, b) => (a.s || 0) - (b.s || 0));
        for (const c of n.children) { walk(c, depth + 1); if (c.err || c.errBelow) n.errBelow = true; }
      };
      this.roots.forEach((r) => walk(r, 0));
      this.t0 = isFinite(t0) ? t0 : 0; this.span = Math.max(1, t1 - this.t0);
      this.drawAxis();
    }

    linkLazy() {
      this.roots = [];
      for (const n of this.nodes.values()) n.children = [];
      for (const n of this.nodes.values()) {
        const p = n.parent && this.nodes.get(n.parent);
        (p ? p.children : this.roots).push(n);
      }
      const byStart = (a, b) => (a.s || 0) - (b.s || 0);
      this.roots.sort(byStart);
      for (const n of this.nodes.values()) n.children.sort(byStart);
      this.drawAxis();
    }

    mergeLive(doc) {  // a running big trace: update what is loaded, add spans under loaded parents
      const f = {}; doc.fields.forEach((name, i) => { f[name] = i; });
      const rows = doc.rows.filter((r) => {
        if (this.nodes.has(r[f.id])) return true;
        this.seenLive = this.seenLive || new Set();
        if (this.seenLive.has(r[f.id])) return false;  // counted already, its parent is not loaded
        this.seenLive.add(r[f.id]); this.total += 1;
        const parent = this.nodes.get(r[f.parent]);
        if (parent) parent.kids = (parent.kids || 0) + 1;
        return !r[f.parent] || (parent && parent.loaded);
      });
      for (const n of this.nodesOf({fields: doc.fields, rows: rows}, this.nodes)) {
        if (n.depth == null) { const p = this.nodes.get(n.parent); Object.assign(n, {depth: p ? p.depth + 1 : 0, kids: 0}); }
      }
      this.linkLazy(); this.rebuild();
    }

    expand(n, more) {  // fetch (the next chunk of) a node's children
      if (n.fetching) return;
      n.fetching = true; this.draw();
      const url = "/traces/" + encodeURIComponent(this.traceId) + "/children?parent=" + encodeURIComponent(n.id) + (more ? "&offset=" + n.children.length : "");
      return window.fetch(url).then((r) => r.json()).then((doc) => {
        this.nodesOf(doc, this.nodes);
        Object.assign(n, {loaded: true, open: true, fetching: false, kids: doc.kids});
        this.linkLazy(); this.rebuild();
      }).catch(() => { n.fetching = false; this.draw(); });
    }

    searchServer(q) {
      if (!q) { this.found = null; this.rebuild(); return; }
      const url = "/traces/" + encodeURIComponent(this.traceId) + "/search?q=" + encodeURIComponent(q);
      window.fetch(url).then((r) => r.json()).then((doc) => {
        if (doc.q.trim().toLowerCase() !== this.query) return;  // a newer search is on its way
        const found = new Map(); this.nodesOf(doc, found);
        this.found = Array.from(found.values());
        this.rebuild();
      });
    }

    rebuild() {
      const out = [];
      if (this.lazy && this.query) {
        out.push(...(this.found || []));
      } else if (this.query) {
        const keep = new Set();
        for (const n of this.nodes.values()) {
          if ((n.name || "").toLowerCase().includes(this.query) || (n.model || "").toLowerCase().includes(this.query)) {
            for (let m = n; m && !keep.has(m.id); m = this.nodes.get(m.parent)) keep.add(m.id);
          }
        }
        const walk = (n) => { if (!keep.has(n.id)) return; out.push(n); n.children.forEach(walk); };
        this.roots.forEach(walk);
      } else {
        const stack = this.roots.slice().reverse();
        while (stack.length) {
          const n = stack.pop(); out.push(n);
          if (!n.open) continue;
          if (this.lazy && n.kids > n.children.length) stack.push({more: n, id: "more:" + n.id, depth: n.depth + 1});
          for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]);
        }
      }
      this.visible = out;
      this.spacer.textContent = "";
      this.spacer.style.height = out.length * ROW_H + "px";
      this.draw();
    }

    schedule() { if (!this.pending) { this.pending = true; requestAnimationFrame(() => { this.pending = false; this.draw(); }); } }

    draw() {
      const top = this.el.scrollTop, height = this.el.clientHeight || 600;
      const first = Math.max(0, Math.floor(top / ROW_H) - OVERSCAN);
      const last = Math.min(this.visible.length, Math.ceil((top + height) / ROW_H) + OVERSCAN);
      const html = [];
      for (let i = first; i < last; i++) html.push(this.row(this.visible[i], i));
      this.spacer.innerHTML = html.join("");
    }

    row(n, i) {
      if (n.more) {
        const p = n.more, label = p.fetching ? "…" : "… " + num.format(p.kids - p.children.length) + " more";
        return '<div class="row more-row" style="top:' + i * ROW_H + 'px"><div class="cell-name" style="padding-left:' + (n.depth * 14 + 22) + 'px">' +
          '<button type="button" class="ghost small" data-more="' + esc(p.id) + '">' + label + "</button></div></div>";
      }
      const left = n.s == null ? 0 : ((n.s - this.t0) / this.span) * 100;
      const dur = n.s != null && n.e != null ? n.e - n.s : null;
      const width = dur == null ? 100 - left : Math.max(0.2, (dur / this.span) * 100);
      const lazyKids = this.lazy && n.kids > 0 && !n.loaded && !this.query;
      const caret = n.children.length || lazyKids ? '<button type="button" class="caret" data-toggle="' + esc(n.id) + '"' +
        (lazyKids ? " data-lazy" : "") + (n.fetching ? " data-loading" : "") + (this.lazy && n.kids ? ' title="' + num.format(n.kids) + '"' : "") + ">" +
        (n.fetching ? "…" : n.open || this.query ? "▾" : "▸") + "</button>" : '<span class="caret"></span>';
      const meta = [fmtDur(dur)];
      if (n.tokens) meta.push(num.format(n.tokens) + " tok");
      if (n.cost != null) meta.push("$" + n.cost.toFixed(4));
      const cls = "row" + (n.err ? " err" : "") + (n.errBelow ? " err-below" : "") + (n.id === this.selected ? " sel" : "") + (n.e == null ? " running" : "");
      return '<div class="' + cls + '" data-id="' + esc(n.id) + '" style="top:' + i * ROW_H + 'px">' +
        '<div class="cell-name" style="padding-left:' + (n.depth * 14 + 4) + 'px">' + caret +
        '<span class="type t-' + esc(n.type) + '">' + esc(n.type) + '</span><span class="nm">' + esc(n.name || n.id) + "</span>" +
        '<span class="meta">' + meta.join(" · ") + "</span></div>" +
        '<div class="cell-bar"><span class="bar t-' + esc(n.type) + '" style="left:' + left + "%;width:" + width + '%"></span></div></div>';
    }

    drawAxis() {
      const axis = document.getElementById("axis");
      if (!axis) return;
      axis.innerHTML = [0, 0.25, 0.5, 0.75, 1].map((f) => '<span style="left:' + f * 100 + '%">' + fmtDur(Math.round(f * this.span)) + "</span>").join("");
    }

    onClick(ev) {
      const toggle = ev.target.closest("[data-toggle]");
      if (toggle) {
        const n = this.nodes.get(toggle.dataset.toggle);
        if (this.lazy && !n.loaded && n.kids) { this.expand(n, false); return; }
        n.open = !n.open; this.rebuild(); return;
      }
      const more = ev.target.closest("[data-more]");
      if (more) { this.expand(this.nodes.get(more.dataset.more), true); return; }
      const row = ev.target.closest(".row");
      if (row) this.select(row.dataset.id);
    }

    select(id) {
      this.selected = id;
      const url = new URL(location.href); url.searchParams.set("span", id);
      history.replaceState(null, "", url);
      htmx.ajax("GET", "/spans/" + encodeURIComponent(id) + "/detail", {target: "#detail", swap: "innerHTML"});
      this.draw();
    }

    step(delta) {
      if (!this.visible.length) return;
      let i = this.visible.findIndex((n) => n.id === this.selected);
      do { i = Math.max(0, Math.min(this.visible.length - 1, i + delta)); } while (this.visible[i].more && i > 0 && i < this.visible.length - 1);
      if (this.visible[i].more) return;
      const top = i * ROW_H;
      if (top < this.el.scrollTop) this.el.scrollTop = top;
      else if (top + ROW_H > this.el.scrollTop + this.el.clientHeight) this.el.scrollTop = top + ROW_H - this.el.clientHeight;
      this.select(this.visible[i].id);
    }

    close() {
      this.selected = null;
      const url = new URL(location.href); url.searchParams.delete("span");
      history.replaceState(null, "", url);
      const pane = document.getElementById("detail");
      if (pane) pane.innerHTML = '<p class="muted hint">' + esc(pane.dataset.hint || "") + "</p>";
      this.draw();
    }

    openAll(open) { for (const n of this.nodes.values()) n.open = open && (!this.lazy || !!n.loaded); this.rebuild(); }

    firstPaint() {
      if (this.selected) {  // a permalink to a span: open its ancestors and scroll to it
        for (let m = this.nodes.get(this.nodes.get(this.selected) ? this.nodes.get(this.selected).parent : null); m; m = this.nodes.get(m.parent)) m.open = true;
        this.rebuild();
        const i = this.visible.findIndex((n) => n.id === this.selected);
        if (i >= 0) this.el.scrollTop = Math.max(0, i * ROW_H - this.el.clientHeight / 2);
      }
      performance.mark("spyglass:tree-ready");
      document.body.dataset.treeReady = String(this.lazy ? this.total : this.nodes.size);
    }

    live(doc) {
      if (!doc.running) {
        if (this.el.dataset.live === "true") { this.el.dataset.live = "false"; const b = document.getElementById("live-badge"); if (b) b.remove(); }
        return;
      }
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.fetch(doc.now - 5e6).catch(() => this.live(doc)), LIVE_MS);
    }
  }
  window.SpyglassTree = SpyglassTree;
})();
