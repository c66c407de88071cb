// The alert inbox of the staff pages: a bell with the number of unacknowledged alerts, a list of them
// with an Acknowledge button each, and my off-line delivery preference (which kinds are e-mailed to me
// while I am not connected, and where). Alerts are stored on the server (alert.list / alert.ack), so
// the inbox is filled from the server on load and kept until acknowledged.

import { el, errorText, timeNode, withTimes } from './dom.js';
import { api } from './api.js';
import { EV } from './socket.js';
import { ALERT_TEXT } from './alerts.js';

const KINDS = ['personal_escalation', 'sla_breach', 'blocker', 'escalation', 'expert_mention', 'transfer',
  'supervision_lost', 'waiting_cases', 'unclaimed', 'promotion_eligible'];

export class Inbox {
  constructor(ctx, host) {
    this.ctx = ctx;
    this.items = new Map();  // id -> alert (unacknowledged only)
    this.count = el('span', { class: 'inbox-count', text: '0', attrs: { 'aria-hidden': 'true' } });
    this.bell = el('button', { type: 'button', class: 'inbox-bell', attrs: { 'aria-expanded': 'false', 'aria-controls': 'inbox-panel', 'aria-label': 'Alerts: 0 unacknowledged' }, on: { click: () => this.toggle() } },
      el('span', { class: 'inbox-icon', text: 'Alerts', attrs: { 'aria-hidden': 'true' } }), this.count);
    this.list = el('ul', { class: 'inbox-list' });
    this.empty = el('p', { class: 'muted', text: 'No unacknowledged alerts.' });
    this.status = el('p', { class: 'muted inbox-status', attrs: { role: 'status' } });
    this.prefs = el('form', { class: 'inbox-prefs', on: { submit: (e) => this.savePrefs(e) } });
    this.panel = el('section', { id: 'inbox-panel', class: 'inbox-panel', hidden: true, attrs: { 'aria-label': 'Alert inbox' } },
      el('h2', { text: 'Alerts' }), this.empty, this.list, this.status,
      el('details', {}, el('summary', { text: 'Alerts while I am away' }), this.prefs));
    const existing = document.getElementById('inbox-panel');
    if (existing) existing.remove();
    host.prepend(this.bell);
    host.after(this.panel);
  }

  toggle(open = this.panel.hidden) {
    this.panel.hidden = !open;
    this.bell.setAttribute('aria-expanded', open ? 'true' : 'false');
    if (open) this.render();  // the page's openCase may have been set after the first render
    if (open && !this.prefsLoaded) this.loadPrefs();
  }

  async load() {
    try {
      const ack = await this.ctx.conn.call(EV.ALERT_LIST, { unacknowledged: true });
      for (const a of ack.alerts || []) this.items.set(a.id, a);
      this.render();
    } catch (e) {
      this.status.textContent = `Alerts could not be loaded: ${errorText(e)}`;
    }
  }

  /** A live or replayed alert; returns true when it is new to this page (to show a banner once). */
  add(a) {
    if (!a || a.id === undefined || a.acknowledged_at) return !a || a.id === undefined;
    const fresh = !this.items.has(a.id);
    this.items.set(a.id, a);
    this.render();
    return fresh;
  }

  async ack(id) {
    try {
      await this.ctx.conn.call(EV.ALERT_ACK, { id });
      this.items.delete(id);
      this.render();
      this.ctx.announce('Alert acknowledged.');
    } catch (e) {
      this.status.textContent = `Could not acknowledge: ${errorText(e)}`;
    }
  }

  render() {
    const n = this.items.size;
    this.count.textContent = String(n);
    this.count.hidden = n === 0;
    this.bell.classList.toggle('inbox-has', n > 0);
    this.bell.setAttribute('aria-label', `Alerts: ${n} unacknowledged`);
    this.empty.hidden = n > 0;
    const sorted = [...this.items.values()].sort((a, b) => String(b.created_at).localeCompare(String(a.created_at)));
    this.list.replaceChildren(...sorted.map((a) => {
      const [title] = ALERT_TEXT[a.kind] || [a.kind];
      const hasCase = a.case_id !== undefined && a.case_id !== null;
      return el('li', { class: ['inbox-item', `severity-${a.severity || 'normal'}`], dataset: { alertId: String(a.id) } },
        el('strong', { text: title }),
        el('span', { class: 'inbox-text' }, ...withTimes(`${hasCase ? `Case #${a.case_id}: ` : ''}${a.message || a.note || ''}`)),
        a.created_at ? el('span', { class: 'muted' }, timeNode(a.created_at)) : null,
        hasCase && this.ctx.openCase ? el('button', { type: 'button', class: 'link-button', text: 'Open', on: { click: () => this.ctx.openCase(a.case_id) } }) : null,
        el('button', { type: 'button', class: 'inbox-ack', text: 'Acknowledge', on: { click: () => this.ack(a.id) } }));
    }));
  }

  async loadPrefs() {
    try {
      const { preferences } = await api.get('/api/me/alert-preferences', this.ctx.session.token);
      this.prefsLoaded = true;
      const email = el('input', { type: 'email', name: 'email', id: 'inbox-email', value: preferences.email || '' });
      const boxes = KINDS.map((k) => el('label', { class: 'inbox-kind' },
        el('input', { type: 'checkbox', name: 'kind', value: k, checked: (preferences.kinds || []).includes(k) }),
        ` ${(ALERT_TEXT[k] || [k])[0]}`));
      this.prefs.replaceChildren(
        el('label', { for: 'inbox-email', text: 'E-mail me at' }), email,
        el('fieldset', {}, el('legend', { text: 'Kinds e-mailed while I am not connected' }), ...boxes),
        el('button', { type: 'submit', text: 'Save' }));
    } catch (e) {
      this.prefs.replaceChildren(el('p', { class: 'error', text: errorText(e) }));
    }
  }

  async savePrefs(e) {
    e.preventDefault();
    const form = new FormData(this.prefs);
    try {
      await api.put('/api/me/alert-preferences', { email: String(form.get('email') || ''), kinds: form.getAll('kind').map(String) }, this.ctx.session.token);
      this.status.textContent = 'Saved.';
    } catch (err) {
      this.status.textContent = `Not saved: ${errorText(err)}`;
    }
  }
}
