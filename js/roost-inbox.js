/*! Roost inbox element: the drawing of <roost-inbox>, a bell with the unread
 * count and a panel of the person's inbox messages. roost.js defines the
 * element and loads this file, with roost-inbox.css, once one is in the page
 * (after the page's load event). Everything is in the element's shadow root;
 * message data is set as text, *_html fields come sanitized from roost.js,
 * and URLs pass roost.js's linkURL (http, https, mailto or relative).
 */
(() => {
  "use strict";
  const PAGE = 30; // messages drawn at a time; more as the person scrolls
  const STRINGS = {
    en: {
      inbox: "Inbox", all: "All", topics: "Topics",
      markAll: "Mark all read", markRead: "Mark as read", markUnread: "Mark as unread", remove: "Delete",
      close: "Close", unread: "Unread", unreads: "{n} unread", empty: "No messages yet", emptyText: "New messages show up here.",
      loading: "Loading…", offline: "Offline: the messages kept on this device.",
      error: "The inbox cannot be loaded.", fresh: ["New message: {t}", "{n} new messages"]
    },
    fr: {
      inbox: "Messages", all: "Tous", topics: "Sujets",
      markAll: "Tout marquer comme lu", markRead: "Marquer comme lu", markUnread: "Marquer comme non lu",
      remove: "Supprimer", close: "Fermer", unread: "Non lu", unreads: ["{n} non lu", "{n} non lus"], empty: "Aucun message",
      emptyText: "Les nouveaux messages s’affichent ici.", loading: "Chargement…",
      offline: "Hors ligne : les messages gardés sur cet appareil.",
      error: "Impossible de charger les messages.", fresh: ["Nouveau message : {t}", "{n} nouveaux messages"]
    },
    de: {
      inbox: "Nachrichten", all: "Alle", topics: "Themen",
      markAll: "Alle als gelesen markieren", markRead: "Als gelesen markieren", markUnread: "Als ungelesen markieren",
      remove: "Löschen", close: "Schließen", unread: "Ungelesen", unreads: "{n} ungelesen", empty: "Noch keine Nachrichten",
      emptyText: "Neue Nachrichten erscheinen hier.", loading: "Wird geladen…",
      offline: "Offline: die auf diesem Gerät gespeicherten Nachrichten.",
      error: "Die Nachrichten können nicht geladen werden.", fresh: ["Neue Nachricht: {t}", "{n} neue Nachrichten"]
    }
  };
  const ICONS = {
    bell: "M12 3a6 6 0 0 0-6 6v5l-2 3h16l-2-3V9a6 6 0 0 0-6-6Zm-2.5 16a2.5 2.5 0 0 0 5 0Z",
    close: "M6 6l12 12M18 6 6 18",
    remove: "M4 7h16M10 11v6M14 11v6M6 7l1 13h10l1-13M9 7V4h6v3",
    read: "M4 12.5 9 17.5 20 6.5",
    unread: "M12 7a5 5 0 1 0 0 10 5 5 0 0 0 0-10Z"
  };
  const NS = "http://www.w3.org/2000/svg";
  let seq = 0;

  function el(tag, className, value, part) {
    const e = document.createElement(tag);
    if (className) e.className = className;
    if (value) e.textContent = value;
    if (part) e.setAttribute("part", part);
    return e;
  }
  function icon(name) {
    const svg = document.createElementNS(NS, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("class", "i-" + name);
    const p = document.createElementNS(NS, "path");
    p.setAttribute("d", ICONS[name]);
    svg.append(p);
    return svg;
  }
  function button(className, label, iconName, part) {
    const b = el("button", className, iconName ? "" : label, part);
    b.type = "button";
    if (iconName) {
      b.append(icon(iconName));
      b.setAttribute("aria-label", label);
      b.title = label;
    }
    return b;
  }
  function text(v) {
    return typeof v === "string" ? v : typeof v === "number" ? String(v) : "";
  }
  function words(v) {
    return (v || "").split(/[\s,]+/).filter(Boolean);
  }
  function fill(s, n, t) {
    return (Array.isArray(s) ? s[n === 1 ? 0 : 1] : s).replace("{n}", n).replace("{t}", t);
  }
  function topicLabel(t) {
    t = t.replace(/[_-]+/g, " ");
    return t.charAt(0).toUpperCase() + t.slice(1);
  }
  function settle(p) {
    return Promise.resolve(p).catch((err) => console.error("roost: <roost-inbox>:", err));
  }

  /**
   * connect draws the element host and follows its person's inbox; roost.js
   * calls it once the element is in the page. env: {analytics, stylesheet,
   * nonce, linkURL, broken()}. Returns {update(), disconnect()}.
   */
  function connect(host, env) {
    const id = "roost-inbox-" + ++seq;
    const root = host.shadowRoot || host.attachShadow({ mode: "open" });
    root.textContent = "";
    const link = el("link");
    link.rel = "stylesheet";
    link.href = env.stylesheet;
    if (env.nonce) link.nonce = env.nonce;
    link.onerror = () => console.error("roost: cannot load " + link.href);

    const bell = button("bell", "", "bell", "bell");
    const badge = el("span", "badge", "", "badge");
    badge.setAttribute("aria-hidden", "true");
    bell.append(badge);
    bell.setAttribute("aria-expanded", "false");
    bell.setAttribute("aria-controls", id);
    const panel = el("div", "panel", "", "panel");
    panel.id = id;
    panel.hidden = true;
    panel.tabIndex = -1;
    panel.setAttribute("role", "dialog");
    panel.setAttribute("aria-labelledby", id + "-t");
    const head = el("div", "head", "", "header");
    const title = el("h2", "title", "", "title");
    title.id = id + "-t";
    const markAll = button("mark-all", "", "", "mark-all");
    const close = button("close", "", "close");
    head.append(title, markAll, close);
    const tabs = el("div", "tabs", "", "tabs");
    tabs.setAttribute("role", "tablist");
    const notice = el("p", "notice", "", "notice");
    const listBox = el("div", "scroll");
    listBox.id = id + "-p";
    listBox.setAttribute("role", "tabpanel");
    const list = el("ul", "list", "", "list");
    const empty = el("div", "empty", "", "empty");
    listBox.append(list, empty);
    panel.append(head, tabs, notice, listBox);
    const live = el("div", "sr");
    live.setAttribute("aria-live", "polite");
    root.append(link, bell, panel, live);

    let strings = STRINGS.en, lang = "en", view = null, rtf = null;
    let all = null; // the view's messages; null until the first answer
    let topics = [], active = "", drawn = PAGE, more = false, failure = "", known = new Set(), current = "";
    // New messages are announced: those sent since the element came (give
    // or take clocks 10 s apart), not those of the inbox as it was.
    const since = Date.now() - 10000;
    const items = new Map(); // deliveryId: {sig, li}
    let own = host.strings; // a strings object the page set before this loaded
    delete host.strings;
    Object.defineProperty(host, "strings", { configurable: true, get: () => own, set: (v) => { own = v; update(); } });

    function say(key, n, t) {
      return fill(strings[key], n, t);
    }
    function shown() {
      return (all || []).filter((m) => !active || m.topics.indexOf(active) >= 0);
    }
    function unreadIn(topic) {
      return (all || []).filter((m) => !m.opened && (!topic || m.topics.indexOf(topic) >= 0)).length;
    }

    // update reads the attributes and draws everything again.
    function update() {
      lang = (host.getAttribute("lang") || (host.closest("[lang]") || document.documentElement).lang || navigator.language || "en").toLowerCase();
      let extra = own && typeof own === "object" ? own : {};
      try {
        const attr = host.getAttribute("strings");
        if (attr) extra = Object.assign(JSON.parse(attr), extra);
      } catch (err) {
        console.error("roost: <roost-inbox>: strings is not JSON:", err.message);
      }
      strings = Object.assign({}, STRINGS.en, STRINGS[lang.split("-")[0]], extra);
      rtf = null;
      scheme();
      title.textContent = strings.inbox;
      markAll.textContent = strings.markAll;
      close.setAttribute("aria-label", strings.close);
      close.title = strings.close;
      tabs.setAttribute("aria-label", strings.topics);
      const filter = { topics: words(host.getAttribute("topics")), types: words(host.getAttribute("types")) };
      const key = JSON.stringify(filter);
      if (!view || view._key !== key) {
        if (view) view._close();
        all = null;
        view = env.analytics.inbox(filter);
        view._key = key;
        view.onUpdates(changed);
        topics = filter.topics.length > 1 ? filter.topics : [];
        if (topics.indexOf(active) < 0) active = "";
      }
      items.clear();
      draw();
    }

    // scheme sets data-dark: dark when the theme attribute says so, or
    // ("auto", or none on a page whose color-scheme allows dark) when the
    // person prefers it.
    function scheme() {
      const theme = host.getAttribute("theme");
      const meta = document.querySelector('meta[name="color-scheme"]');
      const pageDark = /dark/.test(getComputedStyle(document.documentElement).colorScheme + (meta ? meta.content : ""));
      host.toggleAttribute("data-dark", theme === "dark" || (theme !== "light" && (theme === "auto" || pageDark) && dark.matches));
    }
    const dark = matchMedia("(prefers-color-scheme: dark)");
    dark.addEventListener("change", scheme);

    // changed takes a new list from the view and announces what is new.
    function changed(messages) {
      const fresh = messages.filter((m) => !m.opened && !known.has(m.deliveryId) && m.sentAt >= since);
      known = new Set(messages.map((m) => m.deliveryId));
      all = messages;
      if (fresh.length) live.textContent = say("fresh", fresh.length, text(fresh[0].properties.title));
      draw();
    }

    function draw() {
      const n = unreadIn("");
      badge.textContent = n > 99 ? "99+" : String(n);
      badge.hidden = n === 0;
      bell.setAttribute("aria-label", !n ? strings.inbox : strings.bell ? say("bell", n) : strings.inbox + ", " + say("unreads", n));
      if (!panel.hidden) drawPanel();
    }

    function drawTabs() {
      tabs.hidden = !topics.length;
      if (!topics.length) return listBox.removeAttribute("aria-labelledby");
      tabs.textContent = "";
      ["", ...topics].forEach((topic, i) => {
        const tab = el("button", "tab", "", "tab");
        tab.type = "button";
        tab.id = id + "-tab" + i;
        tab.setAttribute("role", "tab");
        tab.setAttribute("aria-controls", listBox.id);
        const on = topic === active;
        tab.setAttribute("aria-selected", String(on));
        tab.tabIndex = on ? 0 : -1;
        if (on) listBox.setAttribute("aria-labelledby", tab.id);
        tab.append((strings.topicLabels && strings.topicLabels[topic]) || (topic ? topicLabel(topic) : strings.all));
        const u = unreadIn(topic);
        if (u) {
          const c = el("span", "count", u > 99 ? "99+" : String(u), "count");
          c.setAttribute("aria-hidden", "true");
          tab.append(c, el("span", "sr", " " + say("unreads", u)));
        }
        tab.onclick = () => select(topic, false);
        tabs.append(tab);
      });
    }

    function select(topic, focus) {
      active = topic;
      drawn = PAGE;
      drawPanel();
      if (focus) tabs.querySelector('[aria-selected="true"]').focus();
    }

    function drawPanel() {
      const focused = root.activeElement;
      const focusItem = focused && list.contains(focused) ? focused.closest("li") : null;
      const focusAt = focusItem ? [...list.children].indexOf(focusItem) : -1;
      const focusClass = focused && focused.className;
      drawTabs();
      const messages = shown();
      failure = env.broken() || failure;
      notice.textContent = failure ? strings.error : navigator.onLine === false ? strings.offline : "";
      notice.hidden = !notice.textContent;
      notice.className = "notice" + (failure ? " error" : "");
      empty.textContent = "";
      empty.hidden = messages.length > 0 || failure !== "";
      if (!all) empty.append(el("p", "empty-title", strings.loading));
      else empty.append(el("p", "empty-title", strings.empty), el("p", "empty-text", strings.emptyText));
      markAll.disabled = !messages.some((m) => !m.opened);
      const now = Date.now();
      const nodes = messages.slice(0, drawn).map((m) => item(m, now));
      // Only what changed moves: a long list is not laid out again.
      const keep = new Set(nodes);
      let at = list.firstChild;
      for (const li of nodes) {
        at = drop(at, keep);
        if (li === at) at = at.nextSibling;
        else list.insertBefore(li, at);
      }
      drop(at, keep);
      more = messages.length > drawn;
      const cur = items.get(current);
      if (nodes.length && !(cur && cur.li.parentNode === list)) setCurrent(nodes[0].dataset.id);
      if (focusItem) {
        const same = items.get(focusItem.dataset.id);
        const li = same && same.li.isConnected ? same.li : nodes[Math.min(focusAt, nodes.length - 1)];
        const target = li && (li.querySelector("." + String(focusClass).split(" ")[0]) || li.querySelector(".open"));
        if (target) focusOn(target);
        else panel.focus();
      }
    }

    // drop removes the entries from at on that keep does not have, up to
    // the first it has, which it returns.
    function drop(at, keep) {
      while (at && !keep.has(at)) {
        const n = at.nextSibling;
        at.remove();
        at = n;
      }
      return at;
    }

    // Only the current message's controls are in the Tab order: the arrow
    // keys move between messages.
    function roving(li) {
      const on = li.dataset.id === current;
      li.querySelectorAll("a,button").forEach((b) => { b.tabIndex = on ? 0 : -1; });
    }
    function setCurrent(id) {
      const was = items.get(current);
      current = id;
      if (was) roving(was.li);
      if (items.has(id)) roving(items.get(id).li);
    }
    function focusOn(target) {
      const li = target.closest("li");
      if (li) setCurrent(li.dataset.id);
      target.focus();
    }

    function timeText(d, now) {
      if (!rtf) {
        try { rtf = new Intl.RelativeTimeFormat(lang, { numeric: "auto" }); } catch (e) { rtf = new Intl.RelativeTimeFormat("en", { numeric: "auto" }); }
      }
      const s = Math.round((d.getTime() - now) / 1000);
      const a = Math.abs(s);
      if (a < 45) return strings.now || rtf.format(0, "second");
      const [n, unit] = a < 3600 ? [s / 60, "minute"] : a < 86400 ? [s / 3600, "hour"] : a < 604800 ? [s / 86400, "day"] : a < 2629800 ? [s / 604800, "week"] : a < 31557600 ? [s / 2629800, "month"] : [s / 31557600, "year"];
      return rtf.format(Math.round(n), unit);
    }

    const sigs = new WeakMap();
    function sig(m) {
      if (!sigs.has(m)) sigs.set(m, (m.opened ? "1" : "0") + JSON.stringify(m.properties));
      return sigs.get(m);
    }

    // item is the list entry of message m, drawn again only when it changed.
    function item(m, now) {
      const s = sig(m);
      const had = items.get(m.deliveryId);
      if (had && had.sig === s) {
        had.m = m;
        return had.li;
      }
      const p = m.properties || {};
      const li = el("li", "item" + (m.opened ? "" : " unread"), "", "item");
      li.dataset.id = m.deliveryId;
      const url = env.linkURL(text(p.url));
      const open = el(url ? "a" : "button", "open", "", "message");
      if (url) open.href = url;
      else open.type = "button";
      if (!m.opened) open.append(el("span", "sr", strings.unread + ": "));
      const title = el("span", "message-title", text(p.title), "message-title");
      title.dir = "auto";
      open.append(title);
      const time = el("time", "time", timeText(m.sentAt, now), "time");
      time.dateTime = m.sentAt.toISOString();
      open.append(time);
      open.onclick = (e) => act(m, open, "", url, e);
      const main = el("div", "main");
      main.append(open);
      const img = p.image && typeof p.image === "object" ? p.image : { url: p.image };
      const src = m.type === "rich" ? env.linkURL(text(img.url)) : "";
      if (src) {
        const image = el("img", "image", "", "image");
        image.alt = text(img.alt);
        image.loading = "lazy";
        image.decoding = "async";
        image.onerror = () => image.remove();
        image.src = src;
        main.append(image);
      }
      if (typeof p.body_html === "string") {
        const body = el("div", "body", "", "body");
        body.innerHTML = p.body_html; // sanitized by roost.js: formatting and safe links only
        main.append(body);
      } else if (text(p.body)) {
        main.append(el("p", "body", text(p.body), "body"));
      }
      if (main.lastChild.className === "body") main.lastChild.dir = "auto";
      // A click on the message's text or image opens it; one on a link of
      // its HTML body opens it, is recorded and followed.
      main.onclick = (e) => {
        const a = e.target.closest("a,button");
        if (!a) open.click();
        else if (a.parentNode !== main && a.closest(".body")) act(m, a, "link", a.getAttribute("href"), e);
      };
      const actions = (Array.isArray(p.actions) ? p.actions : []).filter((a) => a && (text(a.name) || text(a.label))).slice(0, 2);
      if (actions.length) {
        const bar = el("div", "actions");
        actions.forEach((a, i) => {
          const href = env.linkURL(text(a.url));
          const b = el(href ? "a" : "button", "action" + (i ? "" : " primary"), text(a.label) || text(a.name), "action");
          if (href) b.href = href;
          else b.type = "button";
          b.onclick = (e) => act(m, b, text(a.name) || text(a.label), href, e);
          bar.append(b);
        });
        main.append(bar);
      }
      const tools = el("div", "tools");
      const toggle = button("toggle", m.opened ? strings.markUnread : strings.markRead, m.opened ? "unread" : "read", "toggle");
      toggle.onclick = () => settle(m.opened ? m.markUnopened() : m.markOpened()); // an entry is drawn again when opened changes
      const del = button("delete", strings.remove, "remove", "delete");
      del.onclick = () => remove(li);
      tools.append(toggle, del);
      li.append(main, tools);
      items.set(m.deliveryId, { sig: s, li, m, time });
      roving(li);
      return li;
    }

    // act opens message m from its control b (an action called name, or the
    // message itself): marks it read, records a click on an action or a link,
    // and follows url unless the page's roost-action listener prevents it.
    function act(m, b, name, url, e) {
      m = items.get(m.deliveryId).m;
      const plain = !(e.ctrlKey || e.metaKey || e.shiftKey || e.altKey);
      if (url && plain) e.preventDefault();
      current = m.deliveryId;
      const done = Promise.all([settle(m.opened || m.markOpened()), (name || url) && settle(m.trackClick(name || "open"))]);
      const go = host.dispatchEvent(new CustomEvent("roost-action", { detail: { message: m, action: name, url }, cancelable: true }));
      if (!url || !plain || !go) return;
      Promise.race([done, new Promise((r) => setTimeout(r, 2000))]).then(() => location.assign(url));
    }

    function remove(li) {
      const entry = items.get(li.dataset.id);
      const next = li.nextElementSibling || li.previousElementSibling;
      if (root.activeElement && li.contains(root.activeElement)) {
        if (next) focusOn(next.querySelector(".open"));
        else panel.focus();
      }
      li.classList.add("leaving");
      settle(entry.m.markDeleted());
    }

    function toggle(open, focusBell) {
      if (open === !panel.hidden) return;
      panel.hidden = !open;
      bell.setAttribute("aria-expanded", String(open));
      host.toggleAttribute("data-open", open);
      if (open) {
        // Inline, the panel hangs from the bell's side with the most room.
        const r = host.getBoundingClientRect();
        panel.classList.toggle("start", r.left + r.width / 2 < innerWidth / 2);
        drawn = PAGE;
        drawPanel();
        ticking();
        const first = tabs.hidden ? list.querySelector(".open") : tabs.querySelector('[aria-selected="true"]');
        (first || panel).focus();
        if (!timer) timer = setInterval(() => { if (!panel.hidden) ticking(); }, 30000);
      } else if (focusBell) {
        bell.focus();
      }
      host.dispatchEvent(new CustomEvent(open ? "roost-open" : "roost-close"));
    }
    let timer = 0;
    function ticking() {
      const now = Date.now();
      items.forEach((x) => { if (x.li.isConnected) x.time.textContent = timeText(x.m.sentAt, now); });
    }

    bell.onclick = () => toggle(panel.hidden, false);
    close.onclick = () => toggle(false, true);
    markAll.onclick = () => settle(view._markOpened(shown().filter((m) => !m.opened).map((m) => m.deliveryId)));
    tabs.onkeydown = (e) => {
      const order = ["", ...topics];
      const i = order.indexOf(active);
      const to = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: order.length - 1 }[e.key];
      if (to === undefined) return;
      e.preventDefault();
      select(order[(to + order.length) % order.length], true);
    };
    list.onkeydown = (e) => {
      const li = e.target.closest("li");
      if (!li) return;
      const rows = [...list.children];
      const i = rows.indexOf(li);
      const to = { ArrowDown: i + 1, ArrowUp: i - 1, Home: 0, End: Infinity }[e.key];
      if (e.key === "Delete" || e.key === "Backspace") {
        e.preventDefault();
        return remove(li);
      }
      if (to === undefined) return;
      e.preventDefault();
      if (to >= rows.length && more) {
        drawn = to === Infinity ? Infinity : drawn + PAGE;
        drawPanel();
      }
      const row = list.children[Math.max(0, Math.min(to, list.children.length - 1))];
      if (row) focusOn(row.querySelector(".open"));
    };
    list.addEventListener("focusin", (e) => {
      const li = e.target.closest("li");
      if (li && li.dataset.id !== current) setCurrent(li.dataset.id);
    });
    // The panel closes when the focus leaves it for the page.
    panel.addEventListener("focusout", (e) => {
      if (e.relatedTarget && !panel.contains(e.relatedTarget) && e.relatedTarget !== bell) toggle(false, false);
    });
    panel.onkeydown = (e) => {
      if (e.key === "Escape") {
        e.stopPropagation();
        toggle(false, true);
      }
    };
    const outside = (e) => {
      if (!panel.hidden && e.composedPath().indexOf(host) < 0) toggle(false, false);
    };
    document.addEventListener("click", outside);
    // More messages are drawn as the end of the list comes near: only the
    // next ones, added at the end.
    listBox.addEventListener("scroll", () => {
      if (!more || listBox.scrollTop + 2 * listBox.clientHeight < listBox.scrollHeight) return;
      const messages = shown(), now = Date.now();
      list.append(...messages.slice(drawn, drawn + PAGE).map((m) => item(m, now)));
      drawn += PAGE;
      more = messages.length > drawn;
    }, { passive: true });
    const redraw = () => draw();
    const onError = () => {
      if (env.broken()) failure = "broken";
      draw();
    };
    const onRefused = (e) => {
      if (failure !== "refused") console.warn("roost: <roost-inbox>: " + e.error);
      failure = "refused";
      draw();
    };
    const onIdentity = () => {
      if (failure === "refused") failure = "";
    };
    window.addEventListener("online", redraw);
    window.addEventListener("offline", redraw);
    env.analytics.on("message-error", onError);
    env.analytics.on("identity-error", onRefused);
    env.analytics.on("inbox:updated", onIdentity);
    // The relative time formatter loads locale data on first use: not on the panel's first opening.
    (window.requestIdleCallback || setTimeout)(() => timeText(new Date(), Date.now()));
    update();

    return {
      update,
      disconnect() {
        if (view) view._close();
        clearInterval(timer);
        document.removeEventListener("click", outside);
        window.removeEventListener("online", redraw);
        window.removeEventListener("offline", redraw);
        dark.removeEventListener("change", scheme);
        env.analytics.off("message-error", onError);
        env.analytics.off("identity-error", onRefused);
        env.analytics.off("inbox:updated", onIdentity);
        delete host.strings;
        host.strings = own;
        view = null;
      },
      toggle
    };
  }

  window.roostInbox = { connect };
})();
