// Staff console (/console): the live queue with alerts, claim and shadow, several cases side by
// side, whispers and notes, canned responses, IRC-style commands, team rooms; trainees see the
// same page with a read-only input until a monitor supervises.

import { $, el, clear, show, duration, secondsSince, errorText, saveBlob } from './dom.js';
import { api, downloadFile } from './api.js';
import { EV } from './socket.js';
import { MessageLog } from './messages.js';
import { Outbox } from './outbox.js';
import { beep, notify, TitleCounter } from './alerts.js';
import { startStaffPage, hasRole } from './staff.js';
import { escalateDialog, formDialog, loadRoutes } from './dialogs.js';
import { parse, COMMANDS, cannedMatches } from './commands.js';

const LIVE = ['queued', 'active', 'on_hold', 'escalated'];
const CLOSED = ['resolved', 'abandoned'];
const PANES_KEY = 'livehelp.console.panes';

const state = {
  ctx: null,
  cases: new Map(), // id -> case
  rooms: new Map(), // id -> room
  panes: new Map(), // "case:ID" | "room:ID" -> Pane
  canned: [],
  unread: new Map(), // case id -> count
  title: new TitleCounter('livehelp console'),
  outbox: null,
};

const me = () => state.ctx.session.account;
const conn = () => state.ctx.conn;
const sameId = (a, b) => a !== null && a !== undefined && b !== null && b !== undefined && String(a) === String(b);

function isMine(c) {
  const id = me().id;
  return !!c && [c.helper, c.trainee, c.monitor].some((p) => p && sameId(p.id, id));
}

function trainedOnly() { return hasRole(me(), 'trainee') && !hasRole(me(), 'helper', 'monitor', 'admin'); }

function upsertCase(c) {
  if (!c || c.id === undefined) return null;
  const merged = { ...(state.cases.get(c.id) || {}), ...c };
  state.cases.set(c.id, merged);
  return merged;
}

function caseFrom(data) { return data && (data.case && typeof data.case === 'object' ? data.case : data); }

// ---- sidebar lists --------------------------------------------------------------------------

function caseLabel(c) {
  const who = (c.requester && c.requester.display_name) || 'Requester';
  return `#${c.id} ${who}${c.topic ? ` · ${c.topic}` : ''}`;
}

function statusChip(status) {
  return el('span', { class: `chip chip-${status}`, text: (status || '').replace('_', ' ') });
}

function renderQueue() {
  const queued = Array.from(state.cases.values()).filter((c) => c.status === 'queued')
    .sort((a, b) => String(a.created_at).localeCompare(String(b.created_at)));
  const list = $('#queue');
  list.replaceChildren(...queued.map((c) => {
    const waited = secondsSince(c.created_at);
    const claimLabel = trainedOnly() ? 'Claim (needs a monitor)' : 'Claim';
    return el('li', { class: 'case-item', dataset: { caseId: String(c.id) } },
      el('div', { class: 'case-item-main' },
        el('span', { class: 'case-item-title', text: caseLabel(c) }),
        el('span', { class: 'muted waited', dataset: { since: c.created_at || '' }, text: waited !== null ? `waiting ${duration(waited)}` : '' }),
        c.priority ? el('span', { class: `chip chip-priority`, text: c.priority }) : null),
      el('div', { class: 'case-item-actions' },
        el('button', { type: 'button', class: 'button-small button-primary', text: claimLabel, attrs: { 'aria-label': `${claimLabel}: case ${c.id}` }, on: { click: () => claim(c.id) } }),
        el('button', { type: 'button', class: 'button-small', text: 'Shadow', attrs: { 'aria-label': `Shadow case ${c.id}` }, on: { click: () => openCase(c.id, { shadow: true }) } })));
  }));
  $('#queue-count').textContent = String(queued.length);
  show($('#queue-empty'), queued.length === 0);
  state.title.set(queued.length);
}

function renderMine() {
  const mine = Array.from(state.cases.values()).filter((c) => isMine(c) && !CLOSED.includes(c.status));
  $('#my-cases').replaceChildren(...mine.map((c) => {
    const unread = state.unread.get(c.id) || 0;
    return el('li', { class: 'case-item', dataset: { caseId: String(c.id) } },
      el('button', { type: 'button', class: 'link-button case-open', on: { click: () => openCase(c.id) } },
        el('span', { text: caseLabel(c) }), ' ', statusChip(c.status),
        unread ? el('span', { class: 'count count-unread', text: String(unread), attrs: { 'aria-label': `${unread} unread` } }) : null));
  }));
  show($('#mine-empty'), mine.length === 0);
}

function renderLive() {
  const live = Array.from(state.cases.values()).filter((c) => ['active', 'on_hold', 'escalated'].includes(c.status) && !isMine(c));
  $('#live-cases').replaceChildren(...live.map((c) => el('li', { class: 'case-item', dataset: { caseId: String(c.id) } },
    el('div', { class: 'case-item-main' },
      el('span', { class: 'case-item-title', text: caseLabel(c) }), ' ', statusChip(c.status),
      el('span', { class: 'muted', text: c.helper ? `with ${c.helper.display_name}` : '' })),
    el('div', { class: 'case-item-actions' },
      el('button', { type: 'button', class: 'button-small', text: 'Shadow', attrs: { 'aria-label': `Shadow case ${c.id}` }, on: { click: () => openCase(c.id, { shadow: true }) } }),
      hasRole(me(), 'monitor') ? el('button', { type: 'button', class: 'button-small', text: 'Supervise', on: { click: () => caseAction('supervise', c.id) } }) : null))));
  show($('#live-empty'), live.length === 0);
}

function renderLists() { renderQueue(); renderMine(); renderLive(); }

function renderRooms() {
  const rooms = Array.from(state.rooms.values()).filter((r) => !r.kind || r.kind === 'team')
    .sort((a, b) => String(a.name).localeCompare(String(b.name)));
  $('#rooms').replaceChildren(...rooms.map((r) => {
    const joined = r.joined === true || (r.joined !== false && r.membership !== null && r.membership !== undefined);
    return el('li', { class: 'room-item', dataset: { roomId: String(r.id) } },
      el('button', { type: 'button', class: 'link-button', text: r.name || `room ${r.id}`, on: { click: () => joinRoom(r, { open: true }) } }),
      r.topic ? el('span', { class: 'muted', text: ` ${r.topic}` }) : null,
      !joined ? el('span', { class: 'muted', text: ' (not joined)' }) : null);
  }));
}

// ---- loading ---------------------------------------------------------------------------------

async function loadQueue() {
  try {
    const ack = await conn().call(EV.QUEUE_LIST, {});
    for (const c of state.cases.values()) if (c.status === 'queued') state.cases.delete(c.id);
    for (const c of ack.cases || []) upsertCase(c);
  } catch (e) {
    if (e.code !== 'forbidden') console.warn('queue.list failed', e);
  }
}

async function loadCases() {
  const token = state.ctx.session.token;
  await Promise.all(['active', 'on_hold', 'escalated'].map(async (status) => {
    try {
      const data = await api.get(`/api/cases?status=${status}`, token);
      for (const c of data.cases || []) upsertCase(c);
    } catch (_) { /* not every role may list cases */ }
  }));
}

async function loadRooms() {
  try {
    const ack = await conn().call(EV.ROOM_LIST, {});
    state.rooms.clear();
    for (const r of ack.rooms || []) state.rooms.set(r.id, r);
  } catch (e) {
    console.warn('room.list failed', e);
  }
  renderRooms();
}

async function loadCanned() {
  try {
    const ack = await conn().call(EV.CANNED_LIST, {});
    state.canned = ack.canned || [];
  } catch (_) {
    state.canned = [];
  }
}

// ---- actions ---------------------------------------------------------------------------------

async function claim(caseId) {
  try {
    const ack = await conn().call(EV.CASE_CLAIM, { case_id: caseId });
    const c = upsertCase(ack.case);
    renderLists();
    await openCase(c.id, { fresh: true });
    state.ctx.announce(`You claimed case ${c.id}.`);
  } catch (e) {
    const pane = state.panes.get(`case:${caseId}`);
    if (pane) pane.error(e);
    else state.ctx.alerts.push({ title: `Could not claim case #${caseId}`, text: errorText(e), kind: 'warning', key: `claim-${caseId}` });
  }
}

async function caseAction(action, caseId, extra = {}) {
  const events = {
    hold: EV.CASE_HOLD, resume: EV.CASE_RESUME, supervise: EV.CASE_SUPERVISE, resolve: EV.CASE_RESOLVE,
    takeover: EV.CASE_TAKEOVER, handback: EV.CASE_HANDBACK,
  };
  const pane = state.panes.get(`case:${caseId}`);
  try {
    const ack = await conn().call(events[action], { case_id: caseId, ...extra });
    const c = upsertCase(ack.case);
    if (pane && c) pane.setCase(c);
    if ((action === 'supervise' || action === 'takeover') && !pane) await openCase(caseId);
    if (action === 'takeover' && pane) await pane.load({ shadow: false });
    renderLists();
    return c;
  } catch (e) {
    if (pane) pane.error(e);
    else state.ctx.alerts.push({ title: `Could not ${action} case #${caseId}`, text: errorText(e), kind: 'warning' });
    return null;
  }
}

async function resolveCase(caseId, summary) {
  if (summary === undefined) {
    const values = await formDialog({
      title: `Resolve case #${caseId}`,
      fields: [{ name: 'summary', label: 'Summary (optional, staff only)', type: 'textarea' }],
      submitLabel: 'Resolve',
    });
    if (!values) return;
    summary = values.summary;
  }
  await caseAction('resolve', caseId, summary ? { summary } : {});
}

async function vouch(c, note) {
  const trainee = c.trainee || (c.shadowers || []).find((s) => s && s.roles && s.roles.includes('trainee'));
  if (!trainee) throw new Error('No trainee on this case to vouch for.');
  if (note === undefined) {
    const values = await formDialog({
      title: `Vouch for ${trainee.display_name}`,
      intro: 'Say what they handled well on this case. Vouches count towards promotion to helper.',
      fields: [{ name: 'note', label: 'Note', type: 'textarea' }],
      submitLabel: 'Vouch',
      onSubmit: async (v) => { await conn().call(EV.CASE_VOUCH, { case_id: c.id, trainee_id: trainee.id, note: v.note }); },
    });
    if (values) state.ctx.announce(`You vouched for ${trainee.display_name}.`);
    return;
  }
  await conn().call(EV.CASE_VOUCH, { case_id: c.id, trainee_id: trainee.id, note });
}

async function loadRoutesList() {
  try {
    const data = await loadRoutes(conn());
    state.routes = data.routes;
  } catch (_) { state.routes = null; }
}

let queuesCache = null;

async function transfer(c) {
  if (!queuesCache) {
    try {
      const st = await api.get('/api/status');
      queuesCache = (st.queues || []).map((q) => q.name);
    } catch (_) { queuesCache = []; }
  }
  const options = queuesCache.length ? queuesCache : [c.queue || c.topic || 'general'];
  const values = await formDialog({
    title: `Transfer case #${c.id}`,
    intro: 'The case goes back to a queue with its history; whoever claims it next takes over. The note stays with staff.',
    fields: [
      { name: 'queue', label: 'Queue', type: 'select', options, value: c.queue || options[0] },
      { name: 'note', label: 'Note for the next person', type: 'textarea', required: true },
    ],
    submitLabel: 'Transfer',
    onSubmit: async (v) => {
      const ack = await conn().call(EV.CASE_TRANSFER, { case_id: c.id, queue: v.queue, note: v.note });
      const updated = upsertCase(ack.case);
      const pane = state.panes.get(`case:${c.id}`);
      if (pane && updated) pane.setCase(updated);
      renderLists();
    },
  });
  if (values) state.ctx.announce(`Case ${c.id} transferred to ${values.queue}.`);
}

async function loadRecord() {
  const box = $('#my-record');
  if (!box || !trainedOnly()) return;
  try {
    const r = await api.get('/api/me/record', state.ctx.session.token);
    const parts = [];
    if (r.required !== undefined) parts.push(`Vouches: ${r.vouches} of ${r.required}`);
    if (r.required_vouchers !== undefined) parts.push(`from ${r.distinct_vouchers} of ${r.required_vouchers} different people`);
    const counts = Object.entries(r.record || {}).filter(([, v]) => typeof v === 'number' && v >= 0)
      .map(([k, v]) => `${k.replace(/_/g, ' ')}: ${v}`);
    box.replaceChildren(
      el('p', { text: parts.join(', ') || 'No vouches yet.' }),
      counts.length ? el('p', { class: 'muted', text: counts.join(' · ') }) : null,
      el('p', { class: r.eligible ? 'notice' : 'muted', text: r.eligible ? 'You are eligible for promotion to helper: an admin can promote you.' : 'Helpers and monitors vouch for you after supervised cases.' }));
    $('#record-section').hidden = false;
  } catch (_) { /* no record route: leave the section hidden */ }
}

async function flag(c, note) {
  if (note === undefined) {
    const values = await formDialog({
      title: `Flag case #${c.id} for a monitor`,
      intro: 'A personal escalation alerts the monitors (and admins) right away. The requester is not told.',
      fields: [{ name: 'note', label: 'Why is a monitor needed?', type: 'textarea', required: true }],
      submitLabel: 'Send alert',
      onSubmit: async (v) => { await conn().call(EV.CASE_FLAG, { case_id: c.id, kind: 'personal_escalation', note: v.note }); },
    });
    if (values) state.ctx.announce('Personal escalation raised: the case note names who was alerted.');
    return;
  }
  await conn().call(EV.CASE_FLAG, { case_id: c.id, kind: 'personal_escalation', note });
}

async function joinRoom(roomOrName, { open = true } = {}) {
  let room = typeof roomOrName === 'object' ? roomOrName : null;
  if (!room) {
    const name = roomOrName.startsWith('#') ? roomOrName : `#${roomOrName}`;
    await loadRooms();
    room = Array.from(state.rooms.values()).find((r) => r.name === name || r.name === name.slice(1));
    if (!room) {
      const ack = await conn().call(EV.ROOM_CREATE, { name });
      room = ack.room;
    }
  }
  try {
    const ack = await conn().call(EV.ROOM_JOIN, { room_id: room.id });
    room = { ...room, ...(ack.room || {}), joined: true };
  } catch (e) {
    if (e.code !== 'conflict') throw e;
  }
  state.rooms.set(room.id, room);
  renderRooms();
  if (open) await openRoom(room);
  return room;
}

// ---- panes -----------------------------------------------------------------------------------

function savePanes() {
  const list = Array.from(state.panes.values()).map((p) => (p.type === 'case' ? { type: 'case', id: p.caseObj.id, shadow: p.shadowing } : { type: 'room', id: p.room.id }));
  try { localStorage.setItem(PANES_KEY, JSON.stringify(list)); } catch (_) { /* ignore */ }
}

function layoutPanes() {
  show($('#panes-empty'), state.panes.size === 0);
  $('#panes').dataset.count = String(Math.min(state.panes.size, 4));
}

async function fetchCase(caseId) {
  try {
    const data = await api.get(`/api/cases/${encodeURIComponent(caseId)}`, state.ctx.session.token);
    return upsertCase(data.case || data);
  } catch (_) {
    return state.cases.get(caseId) || state.cases.get(Number(caseId)) || null;
  }
}

async function openCase(caseId, { shadow = false, fresh = false } = {}) {
  const key = `case:${caseId}`;
  let pane = state.panes.get(key);
  if (pane && !fresh) { pane.focus(); return pane; }
  let c = state.cases.get(caseId) || state.cases.get(Number(caseId));
  if (!c || fresh) c = await fetchCase(caseId) || c;
  if (!c) {
    state.ctx.alerts.push({ title: `Case #${caseId} not found`, kind: 'warning' });
    return null;
  }
  if (!pane) {
    pane = new Pane({ type: 'case', caseObj: c });
    state.panes.set(key, pane);
    $('#panes').append(pane.root);
    layoutPanes();
  }
  state.unread.delete(c.id);
  renderMine();
  await pane.load({ shadow: shadow || !isMine(c) });
  savePanes();
  pane.focus();
  return pane;
}

async function openRoom(room) {
  const key = `room:${room.id}`;
  let pane = state.panes.get(key);
  if (pane) { pane.focus(); return pane; }
  pane = new Pane({ type: 'room', room });
  state.panes.set(key, pane);
  $('#panes').append(pane.root);
  layoutPanes();
  await pane.load({});
  savePanes();
  pane.focus();
  return pane;
}

function paneForRoom(roomId) {
  for (const p of state.panes.values()) if (sameId(p.roomId, roomId)) return p;
  return null;
}

class Pane {
  constructor({ type, caseObj, room }) {
    this.type = type;
    this.caseObj = caseObj || null;
    this.room = room || null;
    this.roomId = type === 'case' ? caseObj.room_id : room.id;
    this.shadowing = false;
    const idBase = `pane-${type}-${type === 'case' ? caseObj.id : room.id}`;
    this.titleNode = el('h2', { id: `${idBase}-title`, class: 'pane-title' });
    this.statusNode = el('span', { class: 'pane-status' });
    this.people = el('p', { class: 'pane-people muted' });
    this.toolbar = el('div', { class: 'pane-toolbar', attrs: { role: 'toolbar', 'aria-label': 'Case actions' } });
    this.errorNode = el('p', { class: 'error', hidden: true, attrs: { role: 'alert' } });
    this.notice = el('p', { class: 'readonly-notice', hidden: true, attrs: { role: 'status', id: `${idBase}-notice` } });
    this.logBox = el('div', { class: 'log-container' });
    this.log = new MessageLog(this.logBox, {
      me: me(),
      token: () => state.ctx.session.token,
      announce: (t) => state.ctx.announce(`${this.shortTitle()}: ${t}`),
      label: type === 'case' ? `Messages in case ${caseObj.id}` : `Messages in ${room.name}`,
      decorate: (m, li) => {
        if (this.type === 'case' && m.kind === 'chat' && !m.sensitive && !m.purged && m.id !== undefined && !trainedOnly()) {
          const mark = el('button', {
            type: 'button', class: 'link-button msg-mark', text: 'Mark sensitive',
            attrs: { title: 'Hide this message from everyone but the requester, assigned staff and monitors; it is purged with the case' },
            on: { click: async () => {
              try {
                const ack = await conn().call(EV.MESSAGE_MARK_SENSITIVE, { message_id: m.id });
                if (ack.message) this.log.add(ack.message);
                else mark.remove();
              } catch (e) { this.error(e); }
            } },
          });
          li.querySelector('.msg-head')?.append(mark);
        }
        const caseId = m.meta && (m.meta.case_id ?? (m.meta.case && m.meta.case.id));
        if (caseId === undefined || caseId === null || (this.type === 'case' && sameId(caseId, this.caseObj.id))) return;
        li.append(el('div', { class: 'msg-card-actions' },
          el('button', { type: 'button', class: 'button-small', text: `Open case #${caseId}`, on: { click: () => openCase(caseId) } })));
      },
    });
    this.kind = el('select', { class: 'kind-select', attrs: { 'aria-label': 'Message kind' } },
      el('option', { value: 'chat', text: 'Chat' }),
      el('option', { value: 'whisper', text: 'Whisper (staff)' }),
      el('option', { value: 'note', text: 'Note (staff)' }));
    this.kind.hidden = type !== 'case';
    this.input = el('textarea', {
      rows: 2,
      class: 'composer-input',
      placeholder: type === 'case' ? 'Message… (/help, ;canned)' : `Message ${room.name}… (/help)`,
      attrs: { 'aria-label': type === 'case' ? `Message in case ${caseObj.id}` : `Message in ${room.name}`, 'aria-describedby': `${idBase}-notice`, 'aria-autocomplete': 'list' },
      maxLength: 4000,
    });
    this.suggestions = el('ul', { class: 'suggestions', hidden: true, attrs: { role: 'listbox', 'aria-label': 'Canned responses' } });
    this.sendBtn = el('button', { type: 'submit', class: 'button-primary', text: 'Send' });
    this.composer = el('form', { class: 'composer', novalidate: true }, this.kind, el('div', { class: 'composer-field' }, this.input, this.suggestions), this.sendBtn);
    const closeBtn = el('button', { type: 'button', class: 'pane-close', text: '×', attrs: { 'aria-label': 'Close this pane', title: 'Close' }, on: { click: () => this.close() } });
    this.root = el('section', {
      class: ['pane', `pane-${type}`],
      dataset: type === 'case' ? { caseId: String(caseObj.id) } : { roomId: String(room.id) },
      attrs: { 'aria-labelledby': `${idBase}-title` },
    },
      el('header', { class: 'pane-header' }, this.titleNode, this.statusNode, closeBtn),
      this.people, this.toolbar, this.errorNode, this.logBox, this.notice, this.composer);
    this.bindComposer();
    this.renderHeader();
  }

  shortTitle() { return this.type === 'case' ? `Case ${this.caseObj.id}` : this.room.name; }

  focus() {
    this.root.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
    if (!this.input.disabled) this.input.focus();
    else this.toolbar.querySelector('button')?.focus();
  }

  error(e) {
    this.errorNode.textContent = e ? errorText(e) : '';
    this.errorNode.className = 'error';
    this.errorNode.hidden = !e;
  }

  info(text) {
    this.errorNode.textContent = text;
    this.errorNode.className = 'notice';
    this.errorNode.hidden = !text;
  }

  close() {
    if (this.type === 'case' && this.shadowing && !isMine(this.caseObj)) {
      conn().call(EV.CASE_UNSHADOW, { case_id: this.caseObj.id }).catch(() => { /* already gone */ });
    }
    state.panes.delete(this.type === 'case' ? `case:${this.caseObj.id}` : `room:${this.room.id}`);
    this.root.remove();
    layoutPanes();
    savePanes();
  }

  async load({ shadow }) {
    this.error(null);
    try {
      if (this.type === 'case' && shadow && this.maySitIn()) {
        // An escalation team member (or an expert asked in) joins the case room and can chat there.
        try {
          await conn().call(EV.ROOM_JOIN, { room_id: this.roomId });
          shadow = false;
        } catch (_) { /* not for us: shadow instead */ }
      }
      if (this.type === 'case' && shadow) {
        const ack = await conn().call(EV.CASE_SHADOW, { case_id: this.caseObj.id });
        this.shadowing = true;
        if (!trainedOnly() && this.caseObj.status !== 'queued' && !isMine(this.caseObj)) {
          this.kind.value = 'whisper';
          this.renderKind();
        }
        if (ack.case) this.setCase(upsertCase(ack.case));
        this.log.add(conn().ingest(ack.messages || [], this.roomId));
      } else {
        const msgs = await conn().history(this.roomId);
        this.shadowing = false;
        this.log.add(msgs);
      }
      this.log.scrollToEnd();
    } catch (e) {
      if (this.type === 'case' && !shadow && (e.code === 'forbidden' || e.code === 'not_found')) {
        await this.load({ shadow: true });
        return;
      }
      this.error(e);
    }
    this.renderHeader();
  }

  /** Whether the caller's teams make them a participant (not a shadow) of this escalated case. */
  maySitIn() {
    const c = this.caseObj;
    const teams = me().teams || [];
    if (!teams.length) return false;
    const expertTeams = (c.experts || []).map((x) => (typeof x === 'string' ? x : x.team));
    if (expertTeams.some((t) => teams.includes(t))) return true;
    if (c.status !== 'escalated') return false;
    const route = c.route && state.routes ? state.routes.find((r) => r.name === c.route) : null;
    return route ? teams.includes(route.team) : true;
  }

  setCase(c) {
    if (!c) return;
    const before = this.caseObj;
    this.caseObj = { ...before, ...c };
    if (c.room_id) this.roomId = c.room_id;
    this.renderHeader();
    if (before && before.monitor === null && this.caseObj.monitor && trainedOnly()) {
      state.ctx.announce(`${this.caseObj.monitor.display_name} is supervising case ${c.id}. You can now write to the requester.`);
    }
  }

  renderHeader() {
    if (this.type === 'room') {
      this.titleNode.textContent = this.room.name || `Room ${this.room.id}`;
      this.statusNode.replaceChildren(el('span', { class: 'chip chip-team', text: 'team room' }));
      this.people.textContent = this.room.topic || '';
      this.toolbar.replaceChildren(el('button', { type: 'button', class: 'button-small', text: 'Leave room', on: { click: () => this.leaveRoom() } }));
      this.setComposer(true, '');
      return;
    }
    const c = this.caseObj;
    this.titleNode.textContent = caseLabel(c);
    this.statusNode.replaceChildren(...[statusChip(c.status), c.priority ? el('span', { class: 'chip chip-priority', text: c.priority }) : null,
      this.shadowing ? el('span', { class: 'chip chip-shadow', text: 'shadowing' }) : null,
      c.route ? el('span', { class: 'chip', text: `route: ${c.route}` }) : null].filter(Boolean));
    const ppl = [];
    if (c.helper) ppl.push(`Helper: ${c.helper.display_name}`);
    if (c.trainee) ppl.push(`Trainee: ${c.trainee.display_name}`);
    if (c.monitor) ppl.push(`Monitor: ${c.monitor.display_name}`);
    const shadows = (c.shadows || []).filter((x) => x && x.display_name);
    if (shadows.length) ppl.push(`Shadowing: ${shadows.map((x) => x.display_name).join(', ')}`);
    if (c.experts && c.experts.length) {
      const expert = (x) => (typeof x === 'string' ? x : `${x.team || x.display_name}${x.status ? ` (expert ${x.status})` : ''}`);
      ppl.push(`Experts: ${c.experts.map(expert).join(', ')}`);
    }
    if (c.created_at) ppl.push(`opened ${duration(secondsSince(c.created_at))} ago`);
    this.people.textContent = ppl.join(' · ');
    this.renderToolbar();
    this.renderComposerState();
  }

  renderToolbar() {
    const c = this.caseObj;
    const a = me();
    const live = LIVE.includes(c.status);
    const buttons = [];
    const btn = (label, fn, cls = '') => el('button', { type: 'button', class: `button-small ${cls}`, text: label, on: { click: () => this.run(fn) } });
    if (c.status === 'queued') {
      buttons.push(btn(trainedOnly() ? 'Claim (needs a monitor)' : 'Claim', () => claim(c.id), 'button-primary'));
    }
    const iMonitor = c.monitor && sameId(c.monitor.id, a.id);
    if (hasRole(a, 'monitor') && live && !iMonitor) buttons.push(btn('Supervise', () => caseAction('supervise', c.id)));
    if (hasRole(a, 'monitor') && ['active', 'on_hold'].includes(c.status) && !(c.helper && sameId(c.helper.id, a.id))) {
      buttons.push(btn('Take over', () => caseAction('takeover', c.id)));
    }
    if (hasRole(a, 'monitor') && iMonitor && c.helper && sameId(c.helper.id, a.id) && !c.trainee && ['active', 'on_hold'].includes(c.status)) {
      buttons.push(btn('Hand back to trainee', () => caseAction('handback', c.id)));
    }
    if (c.status === 'active') buttons.push(btn('Hold', () => caseAction('hold', c.id)));
    if (c.status === 'on_hold') buttons.push(btn('Resume', () => caseAction('resume', c.id)));
    // Trainees act on a case only while it is theirs and supervised; the server has the last word anyway.
    const mayAct = !trainedOnly() || (c.trainee && sameId(c.trainee.id, a.id) && c.monitor);
    if (['active', 'on_hold', 'queued'].includes(c.status) && mayAct) buttons.push(btn('Escalate…', () => this.escalate()));
    if (live && mayAct) buttons.push(btn('Resolve…', () => resolveCase(c.id)));
    const hasTrainee = c.trainee || (c.shadowers || []).some((s) => s && s.roles && s.roles.includes('trainee'));
    if (hasTrainee && hasRole(a, 'helper', 'monitor') && !(c.trainee && sameId(c.trainee.id, a.id))) buttons.push(btn('Vouch for trainee…', () => vouch(c)));
    if (['active', 'on_hold'].includes(c.status) && (isMine(c) || hasRole(a, 'monitor')) && !trainedOnly()) {
      buttons.push(btn('Transfer…', () => transfer(c)));
    }
    if (live) buttons.push(btn('Flag for monitor…', () => flag(c), 'button-warn'));
    if (['active', 'on_hold', 'escalated'].includes(c.status) && (isMine(c) || hasRole(a, 'monitor')) && !trainedOnly()) {
      buttons.push(btn('Attach file…', () => this.attach()));
    }
    if (c.status !== 'queued' && !trainedOnly()) buttons.push(btn('Escalations', () => this.showEscalations()));
    if (c.status !== 'queued') buttons.push(btn('Transcript', () => this.transcript()));
    this.toolbar.replaceChildren(...buttons);
  }

  /** Why this input is read-only (or '' when it is not). */
  readOnlyReason() {
    const c = this.caseObj;
    if (this.type !== 'case') return '';
    if (CLOSED.includes(c.status)) return 'This case is closed. The log stays here for reference.';
    if (trainedOnly()) {
      const assigned = c.trainee && sameId(c.trainee.id, me().id);
      if (assigned && !c.monitor) {
        return 'Read-only: no monitor supervises this case right now, and trainees can write only while one does. '
          + 'The input opens again as soon as a monitor supervises.';
      }
      if (!assigned) {
        return 'Read-only: you are shadowing. Trainees can write in a case only while a monitor supervises it. '
          + (c.status === 'queued'
            ? 'Claim it to take it under supervision: an on-duty monitor is assigned, or you are told none is available. '
            : '')
          + 'The input opens as soon as a monitor supervises you on this case.';
      }
    }
    return '';
  }

  renderComposerState() {
    const reason = this.readOnlyReason();
    let info = '';
    if (!reason && trainedOnly() && this.caseObj.monitor) info = `Supervised by ${this.caseObj.monitor.display_name}: you can write to the requester.`;
    this.setComposer(!reason, reason || info);
  }

  setComposer(enabled, noticeText) {
    this.input.disabled = !enabled;
    this.sendBtn.disabled = !enabled;
    this.kind.disabled = !enabled;
    this.notice.textContent = noticeText || '';
    this.notice.hidden = !noticeText;
    this.notice.classList.toggle('readonly-blocked', !enabled);
    this.composer.classList.toggle('composer-disabled', !enabled);
  }

  async run(fn) {
    this.error(null);
    try { await fn(); } catch (e) { this.error(e); }
  }

  async escalate(prefill = {}) {
    const c = await escalateDialog(conn(), this.caseObj, prefill);
    if (c) {
      this.setCase(upsertCase(c));
      renderLists();
      state.ctx.announce(`Case ${this.caseObj.id} escalated.`);
    }
  }

  async attach() {
    const input = el('input', { type: 'file', class: 'sr-only' });
    document.body.append(input);
    input.addEventListener('change', async () => {
      const file = input.files[0];
      input.remove();
      if (!file) return;
      const values = await formDialog({
        title: `Send ${file.name}`,
        fields: [{ name: 'sensitive', label: 'Private (only the requester, assigned staff and monitors)', type: 'checkbox', value: true }],
        submitLabel: 'Send file',
        onSubmit: async (v) => {
          const form = new FormData();
          form.append('sensitive', v.sensitive ? 'true' : 'false');
          form.append('file', file, file.name);
          const data = await api.upload(`/api/cases/${encodeURIComponent(this.caseObj.id)}/attachments`, form, state.ctx.session.token);
          if (data.message) this.log.add(data.message);
        },
      });
      if (values) state.ctx.announce(`Sent ${file.name}.`);
    }, { once: true });
    input.click();
  }

  async showEscalations() {
    const ack = await conn().call(EV.CASE_ESCALATIONS, { case_id: this.caseObj.id });
    const rows = ack.escalations || [];
    const who = (p) => (p && p.display_name) || '';
    await formDialog({
      title: `Escalations of case #${this.caseObj.id}`,
      extra: rows.length
        ? el('ul', { class: 'escalation-list' }, ...rows.map((e) => el('li', {},
          el('strong', { text: `${e.route} · ${e.priority}${e.category ? ` · ${e.category}` : ''} · ${e.status}` }),
          el('div', { class: 'muted', text: `by ${who(e.escalated_by)}${e.target_at ? `, respond by ${new Date(e.target_at).toLocaleString()}` : ''}${e.outcome ? ` (${e.outcome.replace('_', ' ')})` : ''}` }),
          e.note ? el('div', { text: e.note }) : null)))
        : el('p', { class: 'muted', text: 'This case was never escalated.' }),
      submitLabel: 'Close',
    });
  }

  async transcript() {
    const c = this.caseObj;
    const { blob, name } = await downloadFile(`/api/cases/${encodeURIComponent(c.id)}/transcript`, state.ctx.session.token, `livehelp-case-${c.id}.txt`);
    saveBlob(blob, name);
  }

  async leaveRoom() {
    try { await conn().call(EV.ROOM_LEAVE, { room_id: this.room.id }); } catch (e) { this.error(e); return; }
    const r = state.rooms.get(this.room.id);
    if (r) r.joined = false;
    renderRooms();
    this.close();
  }

  bindComposer() {
    this.kind.addEventListener('change', () => this.renderKind());
    this.renderKind();
    this.input.addEventListener('input', () => this.renderSuggestions());
    this.input.addEventListener('keydown', (e) => this.onKey(e));
    this.composer.addEventListener('submit', (e) => { e.preventDefault(); this.submit(); });
  }

  renderKind() {
    const k = this.kind.value;
    this.composer.classList.remove('composer-chat', 'composer-whisper', 'composer-note');
    this.composer.classList.add(`composer-${k}`);
    this.sendBtn.textContent = k === 'chat' ? 'Send' : k === 'whisper' ? 'Whisper' : 'Add note';
  }

  renderSuggestions() {
    const matches = cannedMatches(this.input.value, state.canned).slice(0, 8);
    this.matches = matches;
    this.selected = 0;
    this.suggestions.replaceChildren(...matches.map((c, i) => el('li', {
      class: i === 0 ? 'selected' : '',
      attrs: { role: 'option', 'aria-selected': i === 0 ? 'true' : 'false' },
      on: { mousedown: (e) => { e.preventDefault(); this.useCanned(c); } },
    }, el('strong', { text: `;${String(c.shortcut).replace(/^[;:/#!]+/, '')}` }), ' ', el('span', { text: c.text }))));
    this.suggestions.hidden = matches.length === 0;
  }

  async useCanned(c) {
    this.input.value = c.text;
    this.suggestions.hidden = true;
    this.matches = [];
    this.input.focus();
    if (this.type === 'case') {
      // The server fills in the case's placeholders ({requester}, {helper}, ...).
      try {
        const ack = await conn().call(EV.CANNED_RENDER, { shortcut: c.shortcut, case_id: this.caseObj.id });
        if (typeof ack.text === 'string' && this.input.value === c.text) this.input.value = ack.text;
      } catch (_) { /* keep the raw text */ }
    }
  }

  onKey(e) {
    const open = this.matches && this.matches.length && !this.suggestions.hidden;
    if (open && (e.key === 'ArrowDown' || e.key === 'ArrowUp')) {
      e.preventDefault();
      this.selected = (this.selected + (e.key === 'ArrowDown' ? 1 : -1) + this.matches.length) % this.matches.length;
      Array.from(this.suggestions.children).forEach((li, i) => {
        li.classList.toggle('selected', i === this.selected);
        li.setAttribute('aria-selected', i === this.selected ? 'true' : 'false');
      });
      return;
    }
    if (open && (e.key === 'Tab' || e.key === 'Enter')) {
      e.preventDefault();
      this.useCanned(this.matches[this.selected]);
      return;
    }
    if (open && e.key === 'Escape') { this.suggestions.hidden = true; return; }
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      this.submit();
    }
  }

  async submit() {
    const text = this.input.value;
    const cmd = parse(text);
    this.error(null);
    if (cmd.type === 'empty') return;
    if (cmd.type === 'error') { this.error(cmd.message); return; }
    if (cmd.type === 'help') {
      await formDialog({
        title: 'Commands',
        extra: el('dl', { class: 'help-list' }, ...COMMANDS.flatMap(([c, d]) => [el('dt', {}, el('kbd', { text: c })), el('dd', { text: d })]),
          el('dt', {}, el('kbd', { text: ';shortcut' })), el('dd', { text: 'insert a canned response (Tab or Enter picks it)' })),
        submitLabel: 'Close',
      });
      this.input.value = '';
      return;
    }
    const c = this.caseObj;
    const needCase = (name) => { if (this.type !== 'case') throw new Error(`/${name} works in a case pane.`); };
    try {
      if (cmd.type === 'send') {
        if (this.input.disabled) return;
        const kind = cmd.kind === 'chat' && this.type === 'case' && !text.startsWith('/') ? this.kind.value : cmd.kind;
        if (kind !== 'chat' && this.type !== 'case') throw new Error('Whispers and notes belong in a case pane.');
        this.input.value = '';
        await state.outbox.send({ room_id: this.roomId, body: cmd.body, kind }, this.log.list);
      } else if (cmd.type === 'join') {
        this.input.value = '';
        await joinRoom(cmd.room, { open: true });
      } else if (cmd.type === 'action') {
        this.input.value = '';
        switch (cmd.action) {
          case 'escalate': needCase('escalate'); await this.escalate({ route: cmd.route, note: cmd.note }); break;
          case 'hold': case 'resume': case 'supervise': needCase(cmd.action); await caseAction(cmd.action, c.id); break;
          case 'claim': needCase('claim'); await claim(c.id); break;
          case 'shadow': needCase('shadow'); await this.load({ shadow: true }); break;
          case 'resolve': needCase('resolve'); await resolveCase(c.id, cmd.summary || ''); break;
          case 'vouch': needCase('vouch'); await vouch(c, cmd.note || undefined); break;
          case 'flag': needCase('flag'); await flag(c, cmd.note); state.ctx.announce('Personal escalation raised: the case note names who was alerted.'); break;
          case 'leave': if (this.type === 'room') await this.leaveRoom(); else this.close(); break;
          default: throw new Error(`Unknown action ${cmd.action}`);
        }
      }
    } catch (e) {
      this.error(e);
    }
  }
}

// ---- events ----------------------------------------------------------------------------------

function onQueueAlert(data) {
  const c = caseFrom(data);
  if (!c || c.id === undefined) return;
  const known = state.cases.get(c.id);
  const merged = upsertCase({ status: 'queued', ...c });
  renderLists();
  if (!known || known.status !== 'queued') {
    beep('request');
    const who = (merged.requester && merged.requester.display_name) || 'Someone';
    notify('New help request', `${who}${merged.topic ? ` · ${merged.topic}` : ''}`, `case-${merged.id}`);
    state.ctx.announce(`New help request from ${who}${merged.topic ? ` about ${merged.topic}` : ''}.`);
    const item = $(`#queue li[data-case-id="${CSS.escape(String(merged.id))}"]`);
    if (item) { item.classList.add('flash'); setTimeout(() => item.classList.remove('flash'), 4000); }
  }
}

function onCaseUpdated(data) {
  const c = upsertCase(caseFrom(data));
  if (!c) return;
  const pane = state.panes.get(`case:${c.id}`);
  if (pane) pane.setCase(c);
  renderLists();
}

function onMessage(m) {
  if (state.outbox) state.outbox.seen(m);
  const pane = paneForRoom(m.room_id);
  if (pane) {
    pane.log.add(m, { live: true });
    return;
  }
  const c = Array.from(state.cases.values()).find((x) => sameId(x.room_id, m.room_id));
  if (c && isMine(c) && !(m.sender && sameId(m.sender.id, me().id))) {
    state.unread.set(c.id, (state.unread.get(c.id) || 0) + 1);
    renderMine();
    beep('request');
    notify(`New message in case #${c.id}`, `${(m.sender && m.sender.display_name) || ''}`, `msg-${c.id}`);
  }
}

async function restorePanes() {
  let list = [];
  try { list = JSON.parse(localStorage.getItem(PANES_KEY) || '[]'); } catch (_) { list = []; }
  for (const p of list) {
    try {
      if (p.type === 'case') await openCase(p.id, { shadow: !!p.shadow });
      else if (p.type === 'room') {
        const r = state.rooms.get(p.id) || { id: p.id, name: `room ${p.id}` };
        await openRoom(r);
      }
    } catch (e) { console.warn('could not restore pane', p, e); }
  }
}

function tick() {
  for (const node of document.querySelectorAll('#queue .waited')) {
    const s = secondsSince(node.dataset.since);
    if (s !== null) node.textContent = `waiting ${duration(s)}`;
  }
}

async function onReady(ctx) {
  state.ctx = ctx;
  ctx.openCase = (id) => openCase(id);
  ctx.openRoom = async (id) => {
    const r = state.rooms.get(id) || state.rooms.get(Number(id)) || { id, name: `room ${id}` };
    await joinRoom(r, { open: true });
  };
  const c = conn();
  state.outbox = new Outbox(c, (m) => { const p = paneForRoom(m.room_id); if (p) p.log.add(m); });
  c.on(EV.QUEUE_ALERT, onQueueAlert);
  c.on(EV.CASE_UPDATED, onCaseUpdated);
  c.on(EV.MESSAGE, onMessage);
  c.on(EV.MONITOR_CASE, onCaseUpdated);
  c.on(EV.MESSAGE_UPDATED, (m) => { const p = m && paneForRoom(m.room_id); if (p) p.log.add(m); });
  c.on(EV.NOTICE, (n) => {
    if (!n || !n.message) return;
    const p = paneForRoom(n.room_id);
    if (p) p.info(n.message);
    else ctx.alerts.push({ title: 'Notice', text: n.message, kind: 'info' });
    ctx.announce(n.message);
  });
  c.onReconnect(async () => {
    await loadQueue();
    renderLists();
    for (const p of state.panes.values()) {
      if (p.type === 'case' && p.shadowing) {
        try { await conn().call(EV.CASE_SHADOW, { case_id: p.caseObj.id }); } catch (_) { /* shown on next action */ }
      }
    }
  });
  const dutyHint = () => show($('#duty-hint'), !me().on_duty);
  ctx.onDutyChange = async () => { dutyHint(); await loadQueue(); renderLists(); };
  dutyHint();
  $('#room-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const input = $('#room-name');
    const name = input.value.trim();
    const err = $('#room-error');
    err.hidden = true;
    if (!name) return;
    try {
      await joinRoom(name, { open: true });
      input.value = '';
    } catch (ex) {
      err.textContent = errorText(ex);
      err.hidden = false;
    }
  });
  ctx.onAlert = (a) => { if (['vouch', 'promotion_eligible', 'promoted'].includes(a.kind)) loadRecord(); };
  await Promise.all([loadQueue(), loadCases(), loadRooms(), loadCanned(), loadRecord(), loadRoutesList()]);
  renderLists();
  await restorePanes();
  const hash = /^#case=(.+)$/.exec(location.hash);
  if (hash) await openCase(decodeURIComponent(hash[1]));
  setInterval(tick, 15000);
}

startStaffPage({ onReady, title: 'livehelp console' });

export { openCase, claim };
