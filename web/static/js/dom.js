// Small DOM helpers. Every user-supplied string goes through textContent (never innerHTML),
// so a message body like "<script>" is shown as the characters it is.

/**
 * Create an element. `props` may hold: class, text, attrs (object), on (object of listeners),
 * dataset (object), and any plain DOM property (e.g. type, value, disabled, hidden).
 * Children may be nodes, strings (added as text nodes), arrays, or null/false (skipped).
 */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null) continue;
    if (key === 'class') node.className = Array.isArray(value) ? value.filter(Boolean).join(' ') : value;
    else if (key === 'text') node.textContent = String(value);
    else if (key === 'attrs') for (const [a, v] of Object.entries(value)) { if (v !== null && v !== undefined && v !== false) node.setAttribute(a, v === true ? '' : String(v)); }
    else if (key === 'on') for (const [ev, fn] of Object.entries(value)) node.addEventListener(ev, fn);
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else node[key] = value;
  }
  append(node, children);
  return node;
}

export function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function clear(node) {
  while (node.firstChild) node.firstChild.remove();
  return node;
}

export function $(selector, root = document) { return root.querySelector(selector); }
export function $$(selector, root = document) { return Array.from(root.querySelectorAll(selector)); }

export function show(node, visible = true) { if (node) node.hidden = !visible; }

/** "14:03" in the viewer's local time, from a UTC ISO string. */
export function clock(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' }).format(d);
}

/** Human duration: 45 s, 3 min, 1 h 05 min. */
export function duration(seconds) {
  if (seconds === null || seconds === undefined || Number.isNaN(seconds)) return '';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  return `${h} h ${String(m % 60).padStart(2, '0')} min`;
}

export function secondsSince(iso, now = Date.now()) {
  if (!iso) return null;
  const t = new Date(iso).getTime();
  if (Number.isNaN(t)) return null;
  return (now - t) / 1000;
}

export function bytes(n) {
  if (n === null || n === undefined) return '';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

export function errorText(err) {
  if (!err) return 'Something went wrong.';
  if (typeof err === 'string') return err;
  if (err.message) return err.message;
  if (err.code) return err.code;
  return 'Something went wrong.';
}

/** A visually hidden live region for screen readers; returns announce(text). */
export function liveRegion(id = 'sr-live', politeness = 'polite') {
  let region = document.getElementById(id);
  if (!region) {
    region = el('div', { id, class: 'sr-only', attrs: { 'aria-live': politeness, 'aria-atomic': 'false', role: politeness === 'assertive' ? 'alert' : 'log' } });
    document.body.append(region);
  }
  return (text) => {
    const line = el('p', { text });
    region.append(line);
    while (region.childNodes.length > 5) region.firstChild.remove();
  };
}

/** Save a Blob as a file via a temporary object URL (works under a strict CSP). */
export function saveBlob(blob, filename) {
  const url = URL.createObjectURL(blob);
  const a = el('a', { href: url, download: filename, class: 'sr-only' });
  document.body.append(a);
  a.click();
  setTimeout(() => { URL.revokeObjectURL(url); a.remove(); }, 1000);
}

export function newClientId() {
  if (globalThis.crypto && crypto.randomUUID) return crypto.randomUUID();
  return `c-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}

// ---- times in the viewer's locale and zone (Intl) ----------------------------------------------

const ISO_RE = /\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d(?:\.\d+)?)?Z/g;

/** "in 23 min" / "5 min ago" in the viewer's language (Intl.RelativeTimeFormat, short style). */
export function relTime(iso, now = Date.now()) {
  const t = new Date(iso).getTime();
  if (Number.isNaN(t)) return '';
  const s = Math.round((t - now) / 1000);
  const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto', style: 'short' });
  const abs = Math.abs(s);
  if (abs < 45) return rtf.format(0, 'second');
  if (abs < 45 * 60) return rtf.format(Math.round(s / 60), 'minute');
  if (abs < 22 * 3600) return rtf.format(Math.round(s / 3600), 'hour');
  return rtf.format(Math.round(s / 86400), 'day');
}

/** The exact moment in the viewer's zone, with the zone named: for a tooltip. */
export function exactTime(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return new Intl.DateTimeFormat(undefined, {
    weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', timeZoneName: 'short',
  }).format(d);
}

let relTicker = null;

/** A <time> that says "in 23 min" (ticking), with the exact local time on hover. */
export function timeNode(iso, { prefix = '' } = {}) {
  if (!relTicker) {
    relTicker = setInterval(() => {
      for (const node of document.querySelectorAll('time[data-rel]')) node.textContent = `${node.dataset.prefix || ''}${relTime(node.dataset.rel)}`;
    }, 10000);
  }
  return el('time', { class: 'rel-time', dateTime: iso, dataset: { rel: iso, prefix }, attrs: { title: exactTime(iso) }, text: `${prefix}${relTime(iso)}` });
}

/** Text with any ISO-8601 UTC instants in it turned into readable, ticking <time> nodes. */
export function withTimes(text) {
  const s = String(text ?? '');
  const out = [];
  let last = 0;
  for (const m of s.matchAll(ISO_RE)) {
    const before = s.slice(last, m.index);
    if (/\bsince $/.test(before)) {
      // "waiting since <instant>" reads "since 14:03" (a relative "since 5 min ago" would not read), with
      // how long ago on hover.
      out.push(before);
      out.push(el('time', { class: 'rel-time', dateTime: m[0], attrs: { title: `${relTime(m[0])} (${exactTime(m[0])})` }, text: clock(m[0]) }));
    } else {
      // "respond by <instant>" reads "respond in 23 min" once the instant is relative.
      if (before) out.push(before.replace(/\bby $/, ''));
      out.push(timeNode(m[0]));
    }
    last = m.index + m[0].length;
  }
  if (last < s.length) out.push(s.slice(last));
  return out;
}

/** Show a built <dialog> as a modal panel (My shifts, My figures): Close and Escape remove it and give focus
 * back to the header button with id `openerId`; it opens at its top, its title focused. */
export function showPanel(dialog, closeButton, openerId) {
  const finish = () => { dialog.close(); dialog.remove(); const b = document.getElementById(openerId); if (b) b.focus(); };
  closeButton.addEventListener('click', finish);
  dialog.addEventListener('cancel', (e) => { e.preventDefault(); finish(); });
  document.body.append(dialog);
  dialog.showModal();
  dialog.querySelector('h2').focus();
  dialog.scrollTop = 0;
}
