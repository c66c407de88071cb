// Monitor dashboard (/monitor): every live case with state, participants and waiting time against
// the response goal (colour as it nears the limit), supervision load; take over, whisper, re-queue.

import { $, el, show, duration, secondsSince, errorText } from './dom.js';
import { api } from './api.js';
import { EV } from './socket.js';
import { startStaffPage } from './staff.js';
import { formDialog } from './dialogs.js';
import { beep, TitleCounter } from './alerts.js';

const LIVE = ['queued', 'active', 'on_hold', 'escalated'];
// config.yaml's helpdesk.sla defaults, used while monitor.overview does not say (first_response_goal 1h,
// first_response_warning 10m).
const DEFAULT_GOAL = 3600;
const DEFAULT_WARNING = 600;

const state = {
  ctx: null, cases: new Map(), goal: DEFAULT_GOAL, warning: DEFAULT_WARNING, overview: null, loadedAt: Date.now(),
  title: new TitleCounter('livehelp monitor'), breached: new Set(),
};

const conn = () => state.ctx.conn;
const me = () => state.ctx.session.account;
const name = (p) => (p && p.display_name) || '';

async function load() {
  const err = $('#overview-error');
  err.hidden = true;
  try {
    const ack = await conn().call(EV.MONITOR_OVERVIEW, {});
    state.overview = ack;
    const sla = ack.sla || {};
    const fromServer = ack.response_goal_seconds || sla.first_response_goal_seconds || sla.goal_seconds;
    state.goalFromServer = !!fromServer;
    state.goal = fromServer || state.goal;
    state.warning = ack.response_warning_seconds || sla.first_response_warning_seconds || sla.warning_seconds || state.warning;
    state.loadedAt = Date.now();
    state.cases.clear();
    for (const c of ack.cases || []) state.cases.set(c.id, { ...c, _at: state.loadedAt });
  } catch (e) {
    // Fall back to what the contract guarantees: the queue plus the case listing.
    state.overview = null;
    try {
      const q = await conn().call(EV.QUEUE_LIST, {});
      state.cases.clear();
      for (const c of q.cases || []) state.cases.set(c.id, c);
      for (const status of ['active', 'on_hold', 'escalated']) {
        try {
          const data = await api.get(`/api/cases?status=${status}`, state.ctx.session.token);
          for (const c of data.cases || []) state.cases.set(c.id, c);
        } catch (_) { /* ignore */ }
      }
    } catch (e2) {
      err.textContent = `Could not load live cases: ${errorText(e)}`;
      err.hidden = false;
    }
  }
  render();
}

/** Seconds the requester has waited for a first response (still waiting, or how long it took). */
function waitOf(c) {
  // Answered (the first response arrives live as case.updated): how long the answer took.
  if (c.first_response_at && c.created_at) {
    return { seconds: (new Date(c.first_response_at) - new Date(c.created_at)) / 1000, still: false };
  }
  if (typeof c.waiting_seconds === 'number') {
    const extra = c._at ? (Date.now() - c._at) / 1000 : 0;
    return { seconds: c.waiting_seconds + extra, still: true };
  }
  return { seconds: secondsSince(c.created_at), still: true };
}

function waitClass(seconds, goal, warning) {
  if (seconds === null) return '';
  if (seconds >= goal) return 'wait-over';
  if (seconds >= Math.min(warning || goal * 0.75, goal * 0.75)) return 'wait-near';
  return 'wait-ok';
}

function render() {
  const cases = Array.from(state.cases.values()).filter((c) => LIVE.includes(c.status))
    .sort((a, b) => String(a.created_at).localeCompare(String(b.created_at)));
  const goal = state.goal;
  if (state.ctx) state.ctx.alerts.settle(new Set(cases.filter((c) => c.status === 'queued').map((c) => String(c.id))));
  const body = $('#cases-body');
  let breaches = 0;
  body.replaceChildren(...cases.map((c) => {
    const w = waitOf(c);
    const cls = w.still ? waitClass(w.seconds, c.response_goal_seconds || goal, state.warning) : '';
    if (cls === 'wait-over' && w.still) {
      breaches += 1;
      if (!state.breached.has(c.id)) { state.breached.add(c.id); beep('urgent'); }
    }
    const staff = [];
    if (c.helper) staff.push(`helper ${name(c.helper)}`);
    if (c.trainee) staff.push(`trainee ${name(c.trainee)}`);
    if (c.monitor) staff.push(`monitor ${name(c.monitor)}`);
    for (const sh of c.shadows || []) staff.push(`shadowing: ${name(sh)}${(sh.roles || []).includes('trainee') ? ' (trainee)' : ''}`);
    const waitText = w.seconds === null ? '' : `${duration(w.seconds)} / ${duration(c.response_goal_seconds || goal)}${w.still ? ' (waiting)' : ' (answered)'}`;
    return el('tr', { dataset: { caseId: String(c.id) } },
      el('th', { scope: 'row' }, el('a', { href: `/console#case=${encodeURIComponent(c.id)}`, text: `#${c.id}` }), ' ', el('span', { text: c.topic || '' })),
      // data-label: the column's name, shown before each cell when a phone lays the row out as a card.
      el('td', { dataset: { label: 'State' } }, el('span', { class: `chip chip-${c.status}`, text: c.status.replace('_', ' ') }), c.priority ? el('span', { class: 'chip chip-priority', text: c.priority }) : null, c.route ? el('span', { class: 'chip', text: c.route }) : null),
      el('td', { dataset: { label: 'Requester' }, text: name(c.requester) }),
      el('td', { dataset: { label: 'Staff' }, text: staff.join(', ') || '—' }),
      el('td', { class: cls, dataset: { label: 'Waiting / goal' }, text: waitText }),
      el('td', { class: 'cell-actions' }, el('div', { class: 'row-actions' }, ...actionsFor(c))));
  }));
  show($('#cases-empty'), cases.length === 0);
  const queued = cases.filter((c) => c.status === 'queued').length;
  const supervised = cases.filter((c) => c.monitor).length;
  const stats = [
    ['Live cases', cases.length], ['Waiting in queue', queued], ['Over the response goal', breaches],
    ['Supervised', supervised], [state.goalFromServer ? 'Response goal' : 'Response goal (default)', duration(goal)],
  ];
  const cards = stats.map(([k, v]) => el('div', { class: 'stat' }, el('strong', { text: String(v) }), el('span', { text: k })));
  // Who is on duty: one card (the total, then each role), so the row always holds six cards and none
  // is left alone on a line of its own.
  if (state.overview && typeof state.overview.on_duty === 'object' && state.overview.on_duty) {
    const roles = Object.entries(state.overview.on_duty);
    const total = roles.reduce((n, [, v]) => n + Number(v || 0), 0);
    cards.push(el('div', { class: 'stat', id: 'on-duty-stat' }, el('strong', { text: String(total) }), el('span', { text: 'On duty' }),
      el('span', { class: 'stat-detail', text: roles.map(([k, v]) => `${v} ${Number(v) === 1 ? k.replace(/s$/, '') : k}`).join(', ') })));
  }
  $('#summary').replaceChildren(...cards);
  state.title.set(breaches || queued);
  renderLoad(cases);
}

function renderLoad(cases) {
  const byMonitor = new Map();
  for (const c of cases) {
    if (!c.monitor) continue;
    const key = c.monitor.id;
    const entry = byMonitor.get(key) || { monitor: c.monitor, cases: 0, trainees: new Set() };
    entry.cases += 1;
    if (c.trainee) entry.trainees.add(name(c.trainee));
    byMonitor.set(key, entry);
  }
  // Counts always come from the live cases (updated by events), so this table never contradicts the
  // "Supervised" figure; the server's list adds monitors on duty with nothing to supervise.
  const fromServer = state.overview && Array.isArray(state.overview.supervision) ? state.overview.supervision : [];
  for (const s of fromServer) {
    const id = (s.monitor && s.monitor.id) ?? s.monitor_id;
    if (id === undefined || byMonitor.has(id)) {
      if (byMonitor.has(id)) byMonitor.get(id).available = s.available;
      continue;
    }
    byMonitor.set(id, { monitor: s.monitor || { display_name: s.display_name || String(id) }, cases: 0, trainees: new Set(), available: s.available });
  }
  const rows = Array.from(byMonitor.values()).map((e) => [
    `${name(e.monitor)}${e.available === false ? ' (not available)' : ''}`, e.cases, Array.from(e.trainees).join(', ')]);
  // data-label: the column's name, shown before each value when a phone lays the row out as a card.
  $('#load-body').replaceChildren(...rows.map(([m, n, t]) => el('tr', {}, el('th', { scope: 'row', text: m }),
    el('td', { dataset: { label: 'Supervises' }, text: `${n} ${n === 1 ? 'case' : 'cases'}` }),
    el('td', { dataset: { label: 'Trainees' }, text: t || '—' }))));
  show($('#load-empty'), rows.length === 0);
}

function actionsFor(c) {
  const btn = (label, fn, cls = '') => el('button', {
    type: 'button', class: `button-small ${cls}`, text: label, attrs: { 'aria-label': `${label}: case ${c.id}` },
    on: { click: async () => { try { await fn(); } catch (e) { state.ctx.alerts.push({ title: `${label} failed on case #${c.id}`, text: errorText(e), kind: 'warning' }); } } },
  });
  const out = [];
  const mine = c.monitor && String(c.monitor.id) === String(me().id);
  if (!mine) out.push(btn('Supervise', () => call(EV.CASE_SUPERVISE, { case_id: c.id })));
  if (c.status !== 'queued') out.push(btn('Take over', () => takeOver(c), 'button-primary'));
  else out.push(btn('Claim', () => call(EV.CASE_CLAIM, { case_id: c.id }), 'button-primary'));
  if (c.status !== 'queued') out.push(btn('Whisper…', () => whisper(c)));
  if (c.status !== 'queued') out.push(btn('Re-queue…', () => requeue(c)));
  out.push(el('a', { class: 'button-small', href: `/console#case=${encodeURIComponent(c.id)}`, text: 'Open' }));
  return out;
}

async function call(event, payload) {
  const ack = await conn().call(event, payload);
  if (ack.case) state.cases.set(ack.case.id, { ...(state.cases.get(ack.case.id) || {}), ...ack.case });
  render();
  return ack;
}

async function takeOver(c) {
  const values = await formDialog({
    title: `Take over case #${c.id}`,
    intro: `The case moves to you${c.helper ? ` from ${name(c.helper)}` : ''}; the log goes with it.`,
    fields: [{ name: 'note', label: 'Note for the staff (optional)', type: 'textarea' }],
    submitLabel: 'Take over',
    onSubmit: async (v) => {
      await call(EV.CASE_TAKEOVER, { case_id: c.id });
      if (v.note) {
        const clientId = globalThis.crypto && crypto.randomUUID ? crypto.randomUUID() : `t-${Date.now()}`;
        await conn().call(EV.MESSAGE_SEND, { room_id: c.room_id, body: v.note, kind: 'note', client_id: clientId });
      }
    },
  });
  if (values) state.ctx.announce(`You took over case ${c.id}.`);
}

async function whisper(c) {
  await formDialog({
    title: `Whisper in case #${c.id}`,
    intro: 'Staff in the case see it; the requester never does.',
    fields: [{ name: 'body', label: 'Whisper', type: 'textarea', required: true }],
    submitLabel: 'Whisper',
    onSubmit: async (v) => {
      try { await conn().call(EV.CASE_SHADOW, { case_id: c.id }); } catch (_) { /* monitors may already be in the room */ }
      const clientId = globalThis.crypto && crypto.randomUUID ? crypto.randomUUID() : `w-${Date.now()}`;
      await conn().call(EV.MESSAGE_SEND, { room_id: c.room_id, body: v.body, kind: 'whisper', client_id: clientId });
      state.ctx.announce('Whisper sent.');
    },
  });
}

async function requeue(c) {
  await formDialog({
    title: `Re-queue case #${c.id}`,
    intro: 'The case goes back to the queue with its history; the next helper to claim it takes it.',
    fields: [
      { name: 'queue', label: 'Queue', value: c.queue || c.topic || 'general', required: true },
      { name: 'note', label: 'Note (staff only)', type: 'textarea' },
    ],
    submitLabel: 'Re-queue',
    onSubmit: async (v) => call(EV.CASE_TRANSFER, { case_id: c.id, queue: v.queue, note: v.note || 'Re-queued by a monitor' }),
  });
}

async function onReady(ctx) {
  state.ctx = ctx;
  ctx.openCase = (id) => { location.href = `/console#case=${encodeURIComponent(id)}`; };
  const c = conn();
  const onCase = (data) => {
    const k = data && (data.case || data);
    if (!k || k.id === undefined) return;
    const fresh = typeof k.waiting_seconds === 'number' ? { _at: Date.now() } : {};
    state.cases.set(k.id, { ...(state.cases.get(k.id) || {}), ...k, ...fresh });
    render();
    refreshSoon();
  };
  c.on(EV.CASE_UPDATED, onCase);
  c.on(EV.MONITOR_CASE, onCase);
  c.on(EV.QUEUE_ALERT, (data) => {
    const k = data && (data.case || data);
    if (!k || k.id === undefined) return;
    if (!state.cases.has(k.id)) beep('request');
    state.cases.set(k.id, { status: 'queued', ...(state.cases.get(k.id) || {}), ...k });
    render();
    refreshSoon();
  });
  c.onReconnect(load);
  ctx.onDutyChange = load;
  await load();
  setInterval(render, 5000); // waits tick; the data itself comes from events
}

let refreshTimer = null;

/** After a burst of events, one overview call brings the figures only the server knows (who is on duty,
 * waits measured on its clock) in line; no fixed-interval polling. */
function refreshSoon() {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(load, 1500);
}

startStaffPage({ onReady, requireRoles: ['monitor', 'admin'], title: 'livehelp monitor' });
