// Staff console (/console): the live queue with alerts, claim and shadow, several cases side by
// side, whispers and notes, canned responses, IRC-style commands, team rooms; trainees see the
// same page with a read-only input until a monitor supervises.

import { $, el, clear, show, duration, secondsSince, errorText, saveBlob, timeNode } from './dom.js';
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
  previews: new Map(), // case id -> {text, at}: the last words seen in the case
  monitorsAvailable: null, // from queue.list: null while unknown
  current: null, // key of the pane last focused: shortcuts act on it
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

function previewOf(c) {
  const p = state.previews.get(c.id);
  if (p) return p.text;
  return typeof c.preview === 'string' ? c.preview : '';
}

/** Whether the server would let me claim this queued case now (a trainee needs a monitor on duty). */
function mayClaim() { return !trainedOnly() || state.monitorsAvailable !== 0; }

function claimHint() {
  return 'No monitor is on duty, so a trainee cannot claim yet: shadow it, and claim once a monitor is on.';
}

function renderQueue() {
  const queued = Array.from(state.cases.values()).filter((c) => c.status === 'queued')
    .sort((a, b) => String(a.created_at).localeCompare(String(b.created_at)));
  const list = $('#queue');
  list.replaceChildren(...queued.map((c) => {
    const preview = previewOf(c);
    return el('li', { class: 'case-item', dataset: { caseId: String(c.id) } },
      el('div', { class: 'case-item-main' },
        el('span', { class: 'case-item-title', text: caseLabel(c) }),
        el('span', { class: 'muted waited age', dataset: { since: c.created_at || '', prefix: 'waiting ' }, text: ageText(c.created_at, 'waiting ') }),
        c.priority ? el('span', { class: `chip chip-priority`, text: c.priority }) : null),
      preview ? el('p', { class: 'case-preview', text: preview }) : null,
      el('div', { class: 'case-item-actions' },
        mayClaim() ? el('button', { type: 'button', class: 'button-small button-primary', text: 'Claim', attrs: { 'aria-label': `Claim case ${c.id}` }, on: { click: () => claim(c.id) } }) : null,
        el('button', { type: 'button', class: 'button-small', text: 'Shadow', attrs: { 'aria-label': `Shadow case ${c.id}` }, on: { click: () => openCase(c.id, { shadow: true }) } })),
      mayClaim() ? null : el('p', { class: 'muted small' }, claimHint(), ' ',
        el('button', { type: 'button', class: 'link-button', text: 'Check again', attrs: { 'aria-label': `Check again whether a monitor is on duty (case ${c.id})` }, on: { click: () => refreshQueue() } })));
  }));
  $('#queue-count').textContent = String(queued.length);
  if (state.ctx) state.ctx.alerts.settle(new Set(queued.map((c) => String(c.id))));
  show($('#queue-empty'), queued.length === 0);
  renderTitle();
}

/** Ask the server again (queue, previews, monitors on duty) and redraw what depends on it. */
async function refreshQueue() {
  await loadQueue();
  renderLists();
  for (const p of state.panes.values()) if (p.type === 'case') p.renderHeader();
}

function unreadTotal() { let n = 0; for (const v of state.unread.values()) n += v; return n; }

/** The tab title counts what waits for me: queued requests plus unread replies in my cases. */
function renderTitle() {
  const queued = Array.from(state.cases.values()).filter((c) => c.status === 'queued').length;
  state.title.set(queued + unreadTotal());
}

function ageText(iso, prefix = '') {
  const s = secondsSince(iso);
  return s === null ? '' : `${prefix}${duration(s)}`;
}

function conversationItem(c, { actions = [] } = {}) {
  const unread = state.unread.get(c.id) || 0;
  const preview = previewOf(c);
  const open = state.panes.has(`case:${c.id}`);
  return el('li', { class: ['case-item', 'conversation', unread && 'has-unread', open && 'is-open'], dataset: { caseId: String(c.id) } },
    el('button', { type: 'button', class: 'case-open', attrs: { 'aria-current': open ? 'true' : null }, on: { click: () => openCase(c.id) } },
      el('span', { class: 'case-open-top' },
        el('span', { class: 'case-item-title', text: caseLabel(c) }),
        unread ? el('span', { class: 'count count-unread', text: String(unread), attrs: { 'aria-label': `${unread} unread` } }) : null),
      el('span', { class: 'case-open-meta' }, statusChip(c.status),
        c.helper && !isMine(c) ? el('span', { class: 'muted', text: `with ${c.helper.display_name}` }) : null,
        el('span', { class: 'muted age', dataset: { since: c.created_at || '', suffix: ' ago' }, attrs: { title: c.created_at ? `opened ${new Date(c.created_at).toLocaleString()}` : '' }, text: `${ageText(c.created_at)} ago` })),
      preview ? el('span', { class: 'case-preview', text: preview }) : null),
    actions.length ? el('div', { class: 'case-item-actions' }, ...actions) : null);
}

function myCases() {
  return Array.from(state.cases.values()).filter((c) => isMine(c) && !CLOSED.includes(c.status))
    .sort((a, b) => String(a.created_at).localeCompare(String(b.created_at)));
}

function renderMine() {
  const mine = myCases();
  $('#my-cases').replaceChildren(...mine.map((c) => conversationItem(c)));
  show($('#mine-empty'), mine.length === 0);
  renderTitle();
}

function renderLive() {
  const live = Array.from(state.cases.values()).filter((c) => ['active', 'on_hold', 'escalated'].includes(c.status) && !isMine(c));
  $('#live-cases').replaceChildren(...live.map((c) => conversationItem(c, {
    actions: [
      el('button', { type: 'button', class: 'button-small', text: 'Shadow', attrs: { 'aria-label': `Shadow case ${c.id}` }, on: { click: () => openCase(c.id, { shadow: true }) } }),
      hasRole(me(), 'monitor') ? el('button', { type: 'button', class: 'button-small', text: 'Supervise', attrs: { 'aria-label': `Supervise case ${c.id}` }, on: { click: () => caseAction('supervise', c.id) } }) : null,
    ].filter(Boolean),
  })));
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
    state.monitorsAvailable = typeof ack.monitors_available === 'number' ? ack.monitors_available : null;
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
    this.errorNode = el('p', { class: 'error', hidden: true, attrs: { role: 'alert' } });
    this.notice = el('p', { class: 'readonly-notice', hidden: true, attrs: { role: 'status', id: `${idBase}-notice` } });
    this.logBox = el('div', { class: 'log-container' });
    this.log = new MessageLog(this.logBox, {
      me: me(),
      token: () => state.ctx.session.token,
      announce: (t) => state.ctx.announce(`${this.shortTitle()}: ${t}`),
      label: type === 'case' ? `Messages in case ${caseObj.id}` : `Messages in ${room.name}`,
      sides: type === 'case' ? 'staff' : 'mine',
      decorate: (m, li) => {
        // Only what the requester wrote can be marked sensitive: staff text is not theirs to hide.
        const fromRequester = this.type === 'case' && m.sender && sameId(m.sender.id, this.caseObj.requester && this.caseObj.requester.id);
        if (fromRequester && m.kind === 'chat' && !m.sensitive && !m.purged && m.id !== undefined && !trainedOnly()) {
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
    this.kind = el('select', { class: 'kind-select', attrs: { 'aria-label': 'Message kind: reply to the requester, whisper to staff, or note', title: 'Reply reaches the requester; a whisper or a note stays with staff' } },
      el('option', { value: 'chat', text: 'Reply' }),
      el('option', { value: 'whisper', text: 'Whisper' }),
      el('option', { value: 'note', text: 'Note' }));
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
    this.typing = el('p', { class: 'typing muted', attrs: { 'aria-live': 'polite' } });
    this.composer = el('form', { class: 'composer', novalidate: true }, this.kind, el('div', { class: 'composer-field' }, this.input, this.suggestions), this.sendBtn);
    const closeBtn = el('button', { type: 'button', class: 'pane-close', text: '×', attrs: { 'aria-label': 'Close this conversation', title: 'Close' }, on: { click: () => this.close() } });
    this.primary = el('span', { class: 'pane-primary' });
    this.menuId = `${idBase}-menu`;
    this.menu = el('div', { class: 'action-menu', id: this.menuId, hidden: true });
    this.menuBtn = el('button', { type: 'button', class: 'button-small menu-button', text: 'More', attrs: { 'aria-expanded': 'false', 'aria-controls': this.menuId, 'aria-label': `More actions${type === 'case' ? ` for case ${caseObj.id}` : ''}` }, on: { click: () => this.toggleMenu() } });
    this.menuWrap = el('div', { class: 'menu-wrap' }, this.menuBtn, this.menu);
    this.menuWrap.addEventListener('keydown', (e) => { if (e.key === 'Escape' && !this.menu.hidden) { e.stopPropagation(); this.toggleMenu(false); this.menuBtn.focus(); } });
    this.menuWrap.addEventListener('focusout', (e) => { if (!this.menuWrap.contains(e.relatedTarget)) this.toggleMenu(false); });
    this.detailsId = `${idBase}-details`;
    this.details = el('aside', { class: 'case-details', id: this.detailsId, attrs: { 'aria-label': type === 'case' ? `Details of case ${caseObj.id}` : `About ${room.name}` } });
    this.detailsBtn = el('button', { type: 'button', class: 'button-small details-toggle', text: 'Details', attrs: { 'aria-expanded': 'false', 'aria-controls': this.detailsId }, on: { click: () => this.toggleDetails() } });
    this.root = el('section', {
      class: ['pane', `pane-${type}`],
      dataset: type === 'case' ? { caseId: String(caseObj.id) } : { roomId: String(room.id) },
      attrs: { 'aria-labelledby': `${idBase}-title` },
    },
      el('header', { class: 'pane-header' },
        el('div', { class: 'pane-heading' }, this.titleNode, this.statusNode),
        el('div', { class: 'pane-actions', attrs: { role: 'group', 'aria-label': 'Case actions' } }, this.primary, this.menuWrap, this.detailsBtn, closeBtn)),
      this.people, this.errorNode,
      el('div', { class: 'pane-body' },
        el('div', { class: 'pane-main' }, this.logBox, this.typing, this.notice, this.composer),
        this.details));
    this.root.addEventListener('focusin', () => { state.current = this.key(); });
    this.bindComposer();
    this.renderHeader();
  }

  key() { return this.type === 'case' ? `case:${this.caseObj.id}` : `room:${this.room.id}`; }

  toggleMenu(open) {
    const want = open === undefined ? this.menu.hidden : open;
    this.menu.hidden = !want;
    this.menuBtn.setAttribute('aria-expanded', want ? 'true' : 'false');
    if (want) this.menu.querySelector('button')?.focus();
  }

  toggleDetails() {
    const open = !this.root.classList.contains('details-open');
    this.root.classList.toggle('details-open', open);
    this.detailsBtn.setAttribute('aria-expanded', open ? 'true' : 'false');
  }

  shortTitle() { return this.type === 'case' ? `Case ${this.caseObj.id}` : this.room.name; }

  focus() {
    state.current = this.key();
    this.root.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
    if (!this.input.disabled) this.input.focus();
    else (this.primary.querySelector('button') || this.menuBtn).focus();
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
      this.primary.replaceChildren();
      this.menu.replaceChildren(el('button', { type: 'button', class: 'menu-item', text: 'Leave room', on: { click: () => { this.toggleMenu(false); this.leaveRoom(); } } }));
      this.detailsBtn.hidden = true;
      this.details.hidden = true;
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
    this.people.textContent = ppl.join(' · ');
    this.people.hidden = ppl.length === 0;
    this.renderDetails();
    this.renderToolbar();
    this.renderComposerState();
  }

  /** The side panel: who, what, how long, and what happened to the case so far. */
  renderDetails() {
    const c = this.caseObj;
    const row = (term, ...value) => [el('dt', { text: term }), el('dd', {}, ...value)];
    const person = (p) => (p && p.display_name) || '—';
    const when = (iso) => el('time', { class: 'age', dateTime: iso, dataset: { since: iso, suffix: ' ago' }, attrs: { title: iso ? new Date(iso).toLocaleString() : '' }, text: ageText(iso) + ' ago' });
    const shadows = (c.shadows || c.shadowers || []).filter((x) => x && x.display_name);
    const expert = (x) => (typeof x === 'string' ? x : `${x.team || x.display_name}${x.status ? ` (${x.status})` : ''}`);
    const items = [
      ...row('Requester', person(c.requester)),
      ...row('Topic', c.topic || '—'),
      ...row('Status', (c.status || '').replace('_', ' ')),
      ...(c.created_at ? row('Opened', when(c.created_at)) : []),
      ...(c.claimed_at && c.created_at ? row('Waited', duration((new Date(c.claimed_at) - new Date(c.created_at)) / 1000)) : []),
      ...(c.first_response_at ? row('First reply', when(c.first_response_at)) : []),
      ...(c.on_hold_since ? row('On hold since', when(c.on_hold_since)) : []),
      ...row('Helper', person(c.helper)),
      ...(c.trainee ? row('Trainee', person(c.trainee)) : []),
      ...(c.monitor ? row('Monitor', person(c.monitor)) : []),
      ...(shadows.length ? row('Shadowing', shadows.map((x) => x.display_name).join(', ')) : []),
      ...(c.priority || c.route ? row('Escalation', [c.route, c.priority].filter(Boolean).join(' · ')) : []),
      ...(c.experts && c.experts.length ? row('Experts', c.experts.map(expert).join(', ')) : []),
    ];
    const notes = Array.from(this.log.bySeq.values()).map((x) => x.message).filter((m) => m.kind === 'note');
    this.details.replaceChildren(
      el('h3', { class: 'details-title', text: 'Case details' }),
      el('dl', { class: 'details-list' }, ...items),
      el('h3', { class: 'details-title', text: `Notes (${notes.length})` }),
      notes.length
        ? el('ul', { class: 'details-notes' }, ...notes.slice(-5).map((m) => el('li', {}, m.sender ? el('strong', { text: `${m.sender.display_name}: ` }) : null, m.body || '')))
        : el('p', { class: 'muted small', text: 'No notes yet. Choose "Note" in the message box to add one.' }));
  }

  /** What I may do on this case now: the same rules as the server's policy, so nothing offered fails. */
  allowed() {
    const c = this.caseObj;
    const a = me();
    const live = LIVE.includes(c.status);
    const monitor = hasRole(a, 'monitor');
    const iMonitor = !!(c.monitor && sameId(c.monitor.id, a.id));
    const iHelper = !!(c.helper && sameId(c.helper.id, a.id));
    const iTrainee = !!(c.trainee && sameId(c.trainee.id, a.id));
    // Assigned staff (a trainee only while supervised) or a monitor.
    const assigned = trainedOnly() ? (iTrainee && !!c.monitor) : (iHelper || iTrainee || iMonitor);
    const working = assigned || monitor;
    const hasTrainee = c.trainee || (c.shadowers || []).some((x) => x && x.roles && x.roles.includes('trainee'));
    return {
      claim: c.status === 'queued' && mayClaim(),
      supervise: monitor && live && !iMonitor,
      takeover: monitor && ['active', 'on_hold'].includes(c.status) && !iHelper,
      handback: monitor && iMonitor && iHelper && !c.trainee && ['active', 'on_hold'].includes(c.status),
      hold: c.status === 'active' && working,
      resume: c.status === 'on_hold' && working,
      escalate: (c.status === 'queued' && !trainedOnly()) || (['active', 'on_hold'].includes(c.status) && working),
      resolve: live && c.status !== 'queued' && (working || (c.status === 'escalated' && this.maySitIn())),
      vouch: !!hasTrainee && hasRole(a, 'helper', 'monitor') && !iTrainee,
      transfer: ['active', 'on_hold'].includes(c.status) && working && !trainedOnly(),
      flag: live,
      attach: ['active', 'on_hold', 'escalated'].includes(c.status) && working && !trainedOnly(),
      escalations: c.status !== 'queued' && !trainedOnly(),
      transcript: c.status !== 'queued',
    };
  }

  renderToolbar() {
    const c = this.caseObj;
    const may = this.allowed();
    const act = (fn) => () => { this.toggleMenu(false); this.run(fn); };
    const items = [
      may.claim && ['Claim', () => claim(c.id)],
      may.resolve && ['Resolve…', () => resolveCase(c.id)],
      may.supervise && ['Supervise', () => caseAction('supervise', c.id)],
      may.takeover && ['Take over', () => caseAction('takeover', c.id)],
      may.handback && ['Hand back to trainee', () => caseAction('handback', c.id)],
      may.hold && ['Hold', () => caseAction('hold', c.id)],
      may.resume && ['Resume', () => caseAction('resume', c.id)],
      may.escalate && ['Escalate…', () => this.escalate()],
      may.vouch && ['Vouch for trainee…', () => vouch(c)],
      may.transfer && ['Transfer…', () => transfer(c)],
      may.attach && ['Attach file…', () => this.attach()],
      may.flag && ['Flag for monitor…', () => flag(c)],
      may.escalations && ['Escalations', () => this.showEscalations()],
      may.transcript && ['Transcript', () => this.transcript()],
    ].filter(Boolean);
    // One primary action: Claim a queued case, else Resolve, else Supervise (monitors); the rest in the menu.
    const [first, ...rest] = items;
    const isPrimary = first && ['Claim', 'Resolve…', 'Supervise'].includes(first[0]);
    this.primary.replaceChildren(...(isPrimary
      ? [el('button', { type: 'button', class: 'button-small button-primary', text: first[0], on: { click: act(first[1]) } })]
      : []));
    const menuItems = isPrimary ? rest : items;
    this.menu.replaceChildren(...menuItems.map(([label, fn]) => el('button', {
      type: 'button', class: ['menu-item', label.startsWith('Flag') && 'menu-item-warn'], text: label, on: { click: act(fn) },
    })));
    this.menuWrap.hidden = menuItems.length === 0;
    if (c.status === 'queued' && trainedOnly() && !may.claim) this.info(claimHint());
  }

  /** Why chat with the requester is closed to me here (or '' when it is open). */
  readOnlyReason() {
    const c = this.caseObj;
    if (this.type !== 'case') return '';
    if (CLOSED.includes(c.status)) return 'This case is closed. The log stays here for reference.';
    if (trainedOnly()) {
      const assigned = c.trainee && sameId(c.trainee.id, me().id);
      if (assigned && !c.monitor) {
        return 'No monitor supervises this case right now: you can whisper to staff and add notes; replies to the requester open again as soon as a monitor supervises.';
      }
      if (!assigned) {
        return 'You are shadowing: whisper to the staff on this case or add a note. Replies to the requester open once you take the case under a monitor\'s supervision.';
      }
    }
    return '';
  }

  renderComposerState() {
    const c = this.caseObj;
    const reason = this.readOnlyReason();
    let info = '';
    if (!reason && trainedOnly() && c.monitor) info = `Supervised by ${c.monitor.display_name}: you can write to the requester.`;
    const closed = this.type === 'case' && CLOSED.includes(c.status);
    // A shadowing trainee (or one left without a monitor) still whispers and writes notes: only chat closes.
    const chatOpen = !reason;
    const chatOption = this.kind.querySelector('option[value=chat]');
    chatOption.disabled = !chatOpen;
    chatOption.hidden = !chatOpen;
    if (!chatOpen && this.kind.value === 'chat' && !closed) { this.kind.value = 'whisper'; this.renderKind(); }
    this.setComposer(!closed, reason || info, !chatOpen);
  }

  setComposer(enabled, noticeText, limited = false) {
    this.input.disabled = !enabled;
    this.sendBtn.disabled = !enabled;
    this.kind.disabled = !enabled;
    this.notice.textContent = noticeText || '';
    this.notice.hidden = !noticeText;
    this.notice.classList.toggle('readonly-blocked', !enabled || limited);
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
          el('div', { class: 'muted' }, `by ${who(e.escalated_by)}`, e.target_at ? [', respond ', timeNode(e.target_at)] : null, e.outcome ? ` (${e.outcome.replace('_', ' ')})` : ''),
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

  /** Someone else's typing in this room: shown for a few seconds, refreshed while they type. */
  typingFrom(accountId, on, name) {
    if (accountId === undefined || accountId === null) return;
    this.typers = this.typers || new Map();
    const key = String(accountId);
    const old = this.typers.get(key);
    if (old) clearTimeout(old.timer);
    if (on) this.typers.set(key, { name, timer: setTimeout(() => this.typingFrom(accountId, false), 6000) });
    else this.typers.delete(key);
    const names = Array.from(this.typers.values()).map((t) => t.name || 'Someone');
    this.typing.textContent = names.length === 0 ? '' : names.length === 1 ? `${names[0]} is typing…` : `${names.join(', ')} are typing…`;
  }

  /** Tell the room I am typing: at most once every 3 s, and "stopped" when I send or clear the box. */
  sendTyping(on) {
    const now = Date.now();
    const kind = this.type === 'case' ? this.kind.value : 'chat';
    if (on && this.lastTyping && now - this.lastTyping < 3000 && this.lastTypingKind === kind) return;
    if (!on && !this.lastTyping) return;
    this.lastTyping = on ? now : 0;
    this.lastTypingKind = kind;
    conn().call(EV.TYPING_SET, { room_id: this.roomId, typing: on, kind }).catch(() => { /* a hint only */ });
  }

  bindComposer() {
    this.kind.addEventListener('change', () => this.renderKind());
    this.renderKind();
    this.input.addEventListener('input', () => this.sendTyping(this.input.value.trim() !== '' && !this.input.value.startsWith('/')));
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
      await showHelp();
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
        this.sendTyping(false);
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
    refreshQueue(); // for the question's preview and whether a monitor is on
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

function caseOfRoom(roomId) {
  return Array.from(state.cases.values()).find((x) => sameId(x.room_id, roomId)) || null;
}

function fromRequester(m, c) {
  return !!(m.sender && c.requester && sameId(m.sender.id, c.requester.id));
}

function onMessage(m) {
  if (state.outbox) state.outbox.seen(m);
  const pane = paneForRoom(m.room_id);
  if (pane) {
    pane.log.add(m, { live: true });
    if (m.kind === 'note' && pane.type === 'case') pane.renderDetails();
  }
  const c = caseOfRoom(m.room_id);
  if (!c) return;
  if (['chat', 'whisper', 'note'].includes(m.kind) && typeof m.body === 'string') {
    state.previews.set(c.id, { text: m.body.slice(0, 140), at: m.created_at });
  }
  if (pane && pane.type === 'case') pane.typingFrom(m.sender && m.sender.id, false);
  // A requester's reply in a case I work (own or supervise) rings, counts, and notifies when I am away.
  if (isMine(c) && m.kind === 'chat' && fromRequester(m, c)) {
    const away = document.visibilityState === 'hidden' || !pane;
    if (away) state.unread.set(c.id, (state.unread.get(c.id) || 0) + 1);
    beep('reply');
    if (document.visibilityState === 'hidden' || !document.hasFocus()) {
      notify(`${(m.sender && m.sender.display_name) || 'Requester'} replied (case #${c.id})`, m.body || '', `msg-${c.id}`);
    }
  }
  renderMine();
  renderLive();
}

/** Back on the tab: what is open on screen counts as read. */
function onVisible() {
  if (document.visibilityState !== 'visible') return;
  for (const p of state.panes.values()) if (p.type === 'case') state.unread.delete(p.caseObj.id);
  renderMine();
}

// ---- keyboard shortcuts ------------------------------------------------------------------------

const SHORTCUTS = [
  ['Alt+J', 'next conversation (unread ones first)'],
  ['Alt+K', 'previous conversation'],
  ['Alt+R', 'reply to the requester in the current case'],
  ['Alt+W', 'whisper to staff in the current case'],
  ['Alt+N', 'add a note to the current case'],
  ['Alt+E', 'resolve the current case'],
  ['?', 'this help (outside a text box)'],
];

function currentPane() {
  const active = document.activeElement;
  for (const p of state.panes.values()) if (p.root.contains(active)) return p;
  return state.panes.get(state.current) || Array.from(state.panes.values()).pop() || null;
}

async function nextCase(step = 1) {
  const mine = myCases();
  const unread = mine.filter((c) => state.unread.get(c.id));
  if (step > 0 && unread.length) { await openCase(unread[0].id); return; }
  const list = mine.length ? mine : Array.from(state.panes.values()).filter((p) => p.type === 'case').map((p) => p.caseObj);
  if (!list.length) { state.ctx.announce('No conversations to move to.'); return; }
  const cur = currentPane();
  const at = cur && cur.type === 'case' ? list.findIndex((c) => sameId(c.id, cur.caseObj.id)) : -1;
  const next = list[(at + step + list.length) % list.length];
  await openCase(next.id);
}

function composeAs(kind) {
  const p = currentPane();
  if (!p) return;
  if (p.type === 'case') {
    const opt = p.kind.querySelector(`option[value=${kind}]`);
    if (opt && !opt.disabled) { p.kind.value = kind; p.renderKind(); } else if (kind === 'chat') { p.info(p.readOnlyReason()); }
  }
  if (!p.input.disabled) p.input.focus();
}

async function showHelp() {
  await formDialog({
    title: 'Help: shortcuts and commands',
    extra: el('div', { class: 'help-body' },
      el('h3', { text: 'Keyboard shortcuts' }),
      el('dl', { class: 'help-list' }, ...SHORTCUTS.flatMap(([k, d]) => [el('dt', {}, el('kbd', { text: k })), el('dd', { text: d })])),
      el('h3', { text: 'Commands in the message box' }),
      el('dl', { class: 'help-list' }, ...COMMANDS.flatMap(([c, d]) => [el('dt', {}, el('kbd', { text: c })), el('dd', { text: d })]),
        el('dt', {}, el('kbd', { text: ';shortcut' })), el('dd', { text: 'insert a canned response (Tab or Enter picks it)' }))),
    submitLabel: 'Close',
  });
}

function onShortcut(e) {
  if (document.querySelector('dialog[open]')) return;
  const typing = e.target instanceof HTMLElement && e.target.closest('input, textarea, select, [contenteditable]');
  if (e.key === '?' && !typing && !e.altKey && !e.ctrlKey && !e.metaKey) { e.preventDefault(); showHelp(); return; }
  if (!e.altKey || e.ctrlKey || e.metaKey) return;
  const actions = {
    KeyJ: () => nextCase(1), KeyK: () => nextCase(-1),
    KeyR: () => composeAs('chat'), KeyW: () => composeAs('whisper'), KeyN: () => composeAs('note'),
    KeyE: () => { const p = currentPane(); if (p && p.type === 'case' && p.allowed().resolve) resolveCase(p.caseObj.id); },
  };
  const fn = actions[e.code];
  if (!fn) return;
  e.preventDefault();
  fn();
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

/** Ages tick: every element with data-since shows the time since then, with its prefix and suffix. */
function tick() {
  for (const node of document.querySelectorAll('.age[data-since]')) {
    const s = secondsSince(node.dataset.since);
    if (s !== null) node.textContent = `${node.dataset.prefix || ''}${duration(s)}${node.dataset.suffix || ''}`;
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
  state.outbox = new Outbox(c, (m) => {
    const p = paneForRoom(m.room_id);
    if (!p) return;
    p.log.add(m);
    if (m.kind === 'note' && p.type === 'case' && !m.pending) p.renderDetails();
  });
  c.on(EV.QUEUE_ALERT, onQueueAlert);
  c.on(EV.CASE_UPDATED, onCaseUpdated);
  c.on(EV.MESSAGE, onMessage);
  c.on(EV.TYPING, (t) => {
    const p = t && paneForRoom(t.room_id);
    if (p && t.account && !sameId(t.account.id, me().id)) p.typingFrom(t.account.id, !!t.typing, t.account.display_name);
  }); 
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
  setInterval(tick, 5000);
  setInterval(() => { if (trainedOnly()) refreshQueue(); }, 20000);
  window.addEventListener('focus', () => { if (trainedOnly()) refreshQueue(); });
  document.addEventListener('visibilitychange', onVisible);
  document.addEventListener('keydown', onShortcut);
  $('#help-open')?.addEventListener('click', () => showHelp());
}

startStaffPage({ onReady, title: 'livehelp console' });

export { openCase, claim };
