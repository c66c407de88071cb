// A room's message log, shared by every view. Kinds look different on purpose: a whisper or a note
// is something the requester never sees, and staff must be able to tell that at a glance.

import { el, clear, clock, bytes, errorText, saveBlob, exactTime, timeNode, withTimes } from './dom.js';
import { downloadFile } from './api.js';

const KIND_LABEL = {
  whisper: 'Whisper (staff only)',
  note: 'Note (staff only)',
};

const STAFF_ROLES = ['admin', 'monitor', 'helper', 'trainee'];

function roleBadge(sender) {
  const roles = (sender && sender.roles) || [];
  const top = STAFF_ROLES.find((r) => roles.includes(r));
  return top ? el('span', { class: `badge role-${top}`, text: top }) : null;
}

export class MessageLog {
  /**
   * @param {HTMLElement} container where the list goes
   * @param {{me?: object, token?: () => string, announce?: (text: string) => void, label?: string, showStaffKinds?: boolean}} opts
   */
  constructor(container, opts = {}) {
    this.opts = opts;
    this.bySeq = new Map();
    // The list keeps list semantics; the container is the log (announcements go through the
    // page's own live region, so the log itself stays quiet).
    this.list = el('ol', { class: 'messages', tabIndex: 0, attrs: { 'aria-label': opts.label || 'Messages' } });
    this.empty = el('p', { class: 'messages-empty muted', text: opts.emptyText || 'No messages yet.' });
    container.setAttribute('role', 'log');
    container.setAttribute('aria-live', 'off');
    container.setAttribute('aria-label', opts.label || 'Messages');
    clear(container).append(this.empty, this.list);
    this.container = container;
  }

  /** Add messages (history or live). `live` ones are announced to screen readers. */
  add(messages, { live = false } = {}) {
    const arr = Array.isArray(messages) ? messages : [messages];
    let added = 0;
    for (const m of arr) {
      if (!m || typeof m.seq !== 'number') continue;
      const existing = this.bySeq.get(m.seq);
      const node = this.render(m);
      if (this.opts.decorate) {
        try { this.opts.decorate(m, node); } catch (e) { console.warn('decorate failed', e); }
      }
      if (existing) {
        existing.node.replaceWith(node);
        this.bySeq.set(m.seq, { message: m, node });
        continue;
      }
      // Insert in seq order (almost always at the end).
      let before = null;
      for (const [seq, entry] of this.bySeq) {
        if (seq > m.seq && (!before || seq < before.seq)) before = { seq, node: entry.node };
      }
      const atBottom = this.isAtBottom();
      if (before) this.list.insertBefore(node, before.node);
      else this.list.append(node);
      this.bySeq.set(m.seq, { message: m, node });
      added += 1;
      if (live && this.opts.announce) this.opts.announce(this.spoken(m));
      if (atBottom || live) this.scrollToEnd();
    }
    this.empty.hidden = this.bySeq.size > 0;
    return added;
  }

  lastSeq() {
    let max = 0;
    for (const seq of this.bySeq.keys()) max = Math.max(max, seq);
    return max;
  }

  isAtBottom() {
    const c = this.list;
    return c.scrollHeight - c.scrollTop - c.clientHeight < 40;
  }

  scrollToEnd() {
    this.list.scrollTop = this.list.scrollHeight;
  }

  spoken(m) {
    const who = (m.sender && m.sender.display_name) || 'System';
    const body = this.bodyText(m);
    if (m.kind === 'system') return body;
    if (m.kind === 'whisper') return `Whisper from ${who}: ${body}`;
    if (m.kind === 'note') return `Note from ${who}: ${body}`;
    return `${who}: ${body}`;
  }

  bodyText(m) {
    if (m.purged) return 'This message was removed under the retention policy.';
    if (m.body === null || m.body === undefined) {
      return m.sensitive ? 'Private message: only the requester and assigned staff can see it.' : '';
    }
    return String(m.body);
  }

  render(m) {
    const kind = ['chat', 'whisper', 'note', 'system'].includes(m.kind) ? m.kind : 'chat';
    const mine = this.opts.me && m.sender && m.sender.id === this.opts.me.id;
    const body = this.bodyText(m);
    const isAction = kind === 'chat' && typeof m.body === 'string' && m.body.startsWith('/me ');
    // Two sides, as in every chat app: in the staff console staff write on the right and the requester on
    // the left; elsewhere (the widget, team rooms) what I wrote is on the right.
    const fromStaff = kind === 'whisper' || kind === 'note' || STAFF_ROLES.some((r) => ((m.sender && m.sender.roles) || []).includes(r));
    const end = this.opts.sides === 'staff' ? fromStaff : mine;
    const li = el('li', {
      class: ['msg', `msg-${kind}`, mine && 'msg-mine', kind !== 'system' && (end ? 'msg-end' : 'msg-start'),
        kind !== 'system' && (fromStaff ? 'msg-from-staff' : 'msg-from-requester'), m.sensitive && 'msg-sensitive', m.purged && 'msg-purged', isAction && 'msg-action'],
      dataset: { seq: String(m.seq), kind },
    });
    if (kind === 'system' && m.meta && m.meta.event === 'escalation') return this.escalationCard(m, li);
    if (kind === 'system') {
      li.append(el('span', { class: 'msg-body' }, ...withTimes(body)), ' ', el('time', { class: 'msg-time', dateTime: m.created_at || '', attrs: { title: exactTime(m.created_at) }, text: clock(m.created_at) }));
      return li;
    }
    const who = (m.sender && m.sender.display_name) || 'livehelp';
    const head = el('div', { class: 'msg-head' },
      KIND_LABEL[kind] ? el('span', { class: `kind-tag kind-${kind}`, text: KIND_LABEL[kind] }) : null,
      el('span', { class: 'msg-sender', text: who }),
      roleBadge(m.sender),
      m.sensitive ? el('span', { class: 'badge badge-private', text: 'private', attrs: { title: 'Visible only to the requester, the assigned staff and monitors' } }) : null,
      el('time', { class: 'msg-time', dateTime: m.created_at || '', attrs: { title: exactTime(m.created_at) }, text: clock(m.created_at) }),
    );
    let bodyNode;
    if (isAction) bodyNode = el('div', { class: 'msg-body', text: `* ${who} ${m.body.slice(4)}` });
    else bodyNode = el('div', { class: 'msg-body', text: body });
    li.append(head, bodyNode);
    const att = m.attachment || (m.attachments && m.attachments[0]) || (m.meta && m.meta.attachment);
    if (att && !m.purged) li.append(this.attachmentNode({ name: typeof m.body === 'string' ? m.body : undefined, ...att }));
    return li;
  }

  /** An escalation in a team room: a card with its facts, the response target as "in 23 min". */
  escalationCard(m, li) {
    const e = m.meta;
    li.classList.add('msg-card');
    const row = (term, value) => (value ? [el('dt', { text: term }), el('dd', {}, value)] : []);
    li.append(
      el('div', { class: 'card-head' },
        el('strong', { text: `Case #${e.case_id} escalated to ${e.route}` }),
        el('time', { class: 'msg-time', dateTime: m.created_at || '', attrs: { title: exactTime(m.created_at) }, text: clock(m.created_at) })),
      el('dl', { class: 'card-facts' },
        ...row('Priority', e.priority ? el('span', { class: 'chip chip-priority', text: e.priority }) : null),
        ...row('Category', e.category),
        ...row('Requester', e.requester),
        ...row('Topic', e.topic),
        ...row('By', e.by && e.by.display_name),
        ...row('Respond', e.target_at ? timeNode(e.target_at) : 'no response target')),
      e.note ? el('p', { class: 'card-note', text: e.note }) : null);
    return li;
  }

  attachmentNode(att) {
    const label = `Download ${att.name || 'attachment'}${att.size ? ` (${bytes(att.size)})` : ''}`;
    const status = el('span', { class: 'muted', attrs: { role: 'status' } });
    const btn = el('button', {
      type: 'button',
      class: 'link-button attachment',
      text: label,
      on: {
        click: async () => {
          status.textContent = '';
          try {
            const token = this.opts.token ? this.opts.token() : null;
            const { blob, name } = await downloadFile(`/api/attachments/${encodeURIComponent(att.id)}`, token, att.name || 'attachment');
            saveBlob(blob, name);
          } catch (e) {
            status.textContent = ` ${errorText(e)}`;
          }
        },
      },
    });
    return el('div', { class: 'msg-attachment' }, btn, status);
  }
}
