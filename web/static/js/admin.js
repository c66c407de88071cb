// Admin pages (/admin): accounts and roles, trainees eligible for promotion, a week view of
// shift coverage with gaps, canned responses, reports. Everything goes through /api/admin/...

import { $, $$, el, errorText } from './dom.js';
import { api } from './api.js';
import { startStaffPage } from './staff.js';
import { formDialog } from './dialogs.js';
import { EV } from './socket.js';
import { periodWords, previousWords } from './report_words.js';
import { changeNode, statCard, CYCLE_COLUMNS, figureParts } from './report_view.js';
import { barChart } from './charts.js';
import { localInputValue, shiftError } from './shifts.js';

const A = '/api/admin';
const state = { ctx: null, weekStart: startOfWeek(new Date()), accounts: [], knownTeams: [] };
const ROLES = ['trainee', 'helper', 'monitor', 'admin'];
const token = () => state.ctx.session.token;
const list = (s) => String(s || '').split(',').map((x) => x.trim()).filter(Boolean);
const nameOf = (a) => (a && (a.display_name || a.username)) || '';

function status(id, text, isError = false) {
  const node = $(id);
  node.textContent = text || '';
  node.className = isError ? 'error' : 'muted';
}

/** The server's own sentence ("no account named frank"); only a route the server lacks reads differently. */
function notReady(e) {
  if (e && e.status === 404 && !(e.message && e.code)) return 'This part of the server is not available yet.';
  return errorText(e);
}

/** Teams to pick from: the escalation routes' and expert teams, and every team someone already has. */
async function loadKnownTeams() {
  const teams = new Set();
  try {
    const ack = await state.ctx.conn.call(EV.ESCALATION_ROUTES, {});
    for (const r of ack.routes || []) if (r.team) teams.add(r.team);
    for (const t of ack.experts || []) teams.add(typeof t === 'string' ? t : t.team);
  } catch (_) { /* the accounts' teams only */ }
  for (const a of state.accounts) for (const t of a.teams || []) teams.add(t);
  state.knownTeams = Array.from(teams).filter(Boolean).sort();
  renderCreatePickers();
}

/** Checkboxes for roles and known teams in the create form, and a box for a team not listed yet. */
function renderCreatePickers() {
  const roles = $('#acc-roles');
  const teams = $('#acc-teams');
  if (!roles || !teams) return;
  const box = (name, value, idBase) => el('span', { class: 'pick' },
    el('input', { type: 'checkbox', id: `${idBase}-${value.replace(/[^a-z0-9-]/gi, '_')}`, name, value }),
    el('label', { htmlFor: `${idBase}-${value.replace(/[^a-z0-9-]/gi, '_')}`, text: value }));
  if (!roles.querySelector('input')) roles.append(...ROLES.map((r) => box('role', r, 'acc-role')));
  const keep = new Set($$('#acc-teams input[name=team]:checked').map((i) => i.value));
  $$('#acc-teams .pick').forEach((n) => n.remove());
  teams.querySelector('.picks').append(...state.knownTeams.map((t) => box('team', t, 'acc-team')));
  for (const i of $$('#acc-teams input[name=team]')) i.checked = keep.has(i.value);
}

const picked = (sel) => $$(`${sel}:checked`).map((i) => i.value);

// ---- tabs (arrow keys move between tabs, as the ARIA pattern asks) ---------------------------

function selectTab(tab) {
  for (const t of $$('[role=tab]')) {
    const on = t === tab;
    t.setAttribute('aria-selected', on ? 'true' : 'false');
    t.tabIndex = on ? 0 : -1;
    $(`#${t.getAttribute('aria-controls')}`).hidden = !on;
  }
  tab.focus();
  const loaders = {
    'tab-accounts': loadAccounts, 'tab-promotion': loadPromotion, 'tab-coverage': loadCoverage,
    'tab-canned': loadCanned, 'tab-reports': loadReports, 'tab-audit': loadAudit, 'tab-deliveries': loadDeliveries,
  };
  loaders[tab.id]?.();
  history.replaceState(null, '', `#${tab.id.slice(4)}`);
}

function bindTabs() {
  const tabs = $$('[role=tab]');
  tabs.forEach((t, i) => {
    t.addEventListener('click', () => selectTab(t));
    t.addEventListener('keydown', (e) => {
      let j = null;
      if (e.key === 'ArrowRight') j = (i + 1) % tabs.length;
      if (e.key === 'ArrowLeft') j = (i - 1 + tabs.length) % tabs.length;
      if (e.key === 'Home') j = 0;
      if (e.key === 'End') j = tabs.length - 1;
      if (j !== null) { e.preventDefault(); selectTab(tabs[j]); }
    });
  });
}

// ---- accounts --------------------------------------------------------------------------------

async function loadAccounts() {
  try {
    const data = await api.get(`${A}/accounts`, token());
    state.accounts = data.accounts || [];
    status('#accounts-status', `${state.accounts.length} accounts.`);
  } catch (e) {
    state.accounts = [];
    status('#accounts-status', notReady(e), true);
  }
  if (!state.knownTeams.length) loadKnownTeams();
  $('#accounts-body').replaceChildren(...state.accounts.map((a) => el('tr', {},
    el('td', { text: a.username }),
    el('td', { text: a.display_name || '' }),
    el('td', { text: (a.roles || []).join(', ') }),
    el('td', { text: (a.teams || []).join(', ') }),
    el('td', { text: a.on_duty ? 'yes' : 'no' }),
    el('td', {}, el('div', { class: 'row-actions' },
      el('button', { type: 'button', class: 'button-small', text: 'Edit roles…', attrs: { 'aria-label': `Edit roles of ${a.username}` }, on: { click: () => editAccount(a) } }))))));
}

async function editAccount(a) {
  const values = await formDialog({
    title: `Roles and teams of ${a.username}`,
    fields: [
      { name: 'display_name', label: 'Display name', value: a.display_name || '' },
      ...ROLES.map((r) => ({ name: `role:${r}`, label: r, type: 'checkbox', value: (a.roles || []).includes(r) })),
      ...Array.from(new Set([...state.knownTeams, ...(a.teams || [])])).sort()
        .map((t) => ({ name: `team:${t}`, label: t, type: 'checkbox', value: (a.teams || []).includes(t) })),
      { name: 'other_teams', label: 'Other teams (comma separated, optional)' },
    ],
    submitLabel: 'Save',
    onSubmit: async (v) => {
      const roles = ROLES.filter((r) => v[`role:${r}`]);
      const teams = [...Object.keys(v).filter((k) => k.startsWith('team:') && v[k]).map((k) => k.slice(5)), ...list(v.other_teams)];
      return api.patch(`${A}/accounts/${encodeURIComponent(a.id)}`, { display_name: v.display_name, roles, teams }, token());
    },
  });
  if (values) await loadAccounts();
}

async function onCreateAccount(e) {
  e.preventDefault();
  const body = {
    username: $('#acc-username').value.trim(),
    display_name: $('#acc-display').value.trim() || undefined,
    password: $('#acc-password').value,
    roles: picked('#acc-roles input[name=role]'),
    teams: [...picked('#acc-teams input[name=team]'), ...list($('#acc-team-other').value)],
  };
  if (!body.username || !body.password) { status('#accounts-status', 'Username and password are required.', true); return; }
  try {
    await api.post(`${A}/accounts`, body, token());
    e.target.reset();
    await loadAccounts();
    await loadKnownTeams();
    status('#accounts-status', `Created ${body.username}.`);
  } catch (err) {
    status('#accounts-status', notReady(err), true);
  }
}

// ---- promotion -------------------------------------------------------------------------------

async function loadPromotion() {
  let rows = [];
  try {
    const data = await api.get(`${A}/trainees`, token());
    rows = data.trainees || data.eligible || [];
    status('#promotion-status', rows.length ? '' : 'No trainees yet.');
  } catch (e) {
    status('#promotion-status', notReady(e), true);
  }
  $('#promotion-body').replaceChildren(...rows.map((t) => {
    const acct = t.account || t;
    const vouches = Array.isArray(t.vouches) ? t.vouches.length : (t.vouches ?? t.vouch_count ?? 0);
    const needed = t.required ?? t.vouches_required ?? null;
    const eligible = t.eligible ?? (needed !== null ? vouches >= needed : false);
    let vouchText = needed !== null ? `${vouches} of ${needed}` : String(vouches);
    if (t.distinct_vouchers !== undefined && t.required_vouchers !== undefined) {
      vouchText += `, from ${t.distinct_vouchers} of ${t.required_vouchers} different people`;
    }
    const counts = Object.entries(t.record || {}).filter(([, v]) => typeof v === 'number')
      .map(([k, v]) => `${k.replace(/_/g, ' ')}: ${v}`).join(', ');
    return el('tr', {},
      el('td', {}, el('span', { text: nameOf(acct) }), counts ? el('div', { class: 'muted', text: counts }) : null),
      el('td', { text: vouchText }),
      el('td', { text: eligible ? 'yes' : 'not yet' }),
      el('td', {}, el('button', {
        type: 'button', class: 'button-small button-primary', text: 'Promote to helper', disabled: !eligible,
        attrs: { 'aria-label': `Promote ${nameOf(acct)} to helper` },
        on: { click: async () => {
          try {
            await api.post(`${A}/accounts/${encodeURIComponent(acct.id)}/promote`, { to: 'helper' }, token());
            await loadPromotion();
            // After the reload, which clears the status line: the trainee has left the list.
            status('#promotion-status', `${nameOf(acct)} is now a helper.`);
          } catch (e) { status('#promotion-status', notReady(e), true); }
        } },
      })));
  }));
}

// ---- coverage --------------------------------------------------------------------------------

function startOfWeek(d) {
  const x = new Date(d);
  x.setHours(0, 0, 0, 0);
  const day = (x.getDay() + 6) % 7; // Monday = 0
  x.setDate(x.getDate() - day);
  return x;
}

/** Turn a shift ({starts_at, ends_at} or weekly {weekday, start, end}) into [start, end) Dates this week. */
function shiftIntervals(s, weekStart) {
  if (s.starts_at && s.ends_at) return [[new Date(s.starts_at), new Date(s.ends_at)]];
  if (s.weekday !== undefined && s.start && s.end) {
    const day = new Date(weekStart);
    day.setDate(day.getDate() + Number(s.weekday));
    const [sh, sm] = s.start.split(':').map(Number);
    const [eh, em] = s.end.split(':').map(Number);
    const a = new Date(day); a.setHours(sh, sm || 0, 0, 0);
    const b = new Date(day); b.setHours(eh, em || 0, 0, 0);
    if (b <= a) b.setDate(b.getDate() + 1);
    return [[a, b]];
  }
  return [];
}

async function loadCoverage() {
  const from = state.weekStart;
  const to = new Date(from); to.setDate(to.getDate() + 7);
  loadShiftPicker();
  $('#week-label').textContent = `Week of ${from.toLocaleDateString()}`;
  let shifts = [];
  let gapsFromServer = null;
  try {
    const data = await api.get(`${A}/shifts?from=${encodeURIComponent(from.toISOString())}&to=${encodeURIComponent(to.toISOString())}`, token());
    shifts = data.shifts || [];
    gapsFromServer = data.gaps || null;
    status('#coverage-status', shifts.length ? '' : 'No shifts this week: every hour is a gap.');
  } catch (e) {
    status('#coverage-status', notReady(e), true);
  }
  const intervals = shifts.flatMap((s) => shiftIntervals(s, from).map(([a, b]) => ({ a, b, who: nameOf(s.account) || s.username || '' })));
  const grid = $('#week');
  const days = [];
  for (let i = 0; i < 7; i += 1) {
    const d = new Date(from); d.setDate(d.getDate() + i);
    days.push(d);
  }
  const head = el('thead', {}, el('tr', {}, el('th', { scope: 'col', text: 'Hour' }),
    ...days.map((d) => el('th', { scope: 'col', text: d.toLocaleDateString([], { weekday: 'short', day: 'numeric' }) }))));
  const rows = [];
  let gapHours = 0;
  for (let h = 0; h < 24; h += 1) {
    const cells = [el('th', { scope: 'row', class: 'hour', text: `${String(h).padStart(2, '0')}:00` })];
    for (const d of days) {
      const a = new Date(d); a.setHours(h, 0, 0, 0);
      const b = new Date(a); b.setHours(h + 1);
      const who = intervals.filter((iv) => iv.a < b && iv.b > a).map((iv) => iv.who);
      let gap = who.length === 0;
      if (gapsFromServer) gap = gapsFromServer.some((g) => new Date(g.starts_at) < b && new Date(g.ends_at) > a);
      if (gap) gapHours += 1;
      const label = gap ? 'gap: nobody scheduled' : `covered by ${who.join(', ')}`;
      cells.push(el('td', { class: gap ? 'gap' : 'covered', title: label },
        el('span', { class: 'sr-only', text: label }),
        gap ? null : el('span', { attrs: { 'aria-hidden': 'true' }, text: String(who.length) })));
    }
    rows.push(el('tr', {}, ...cells));
  }
  grid.replaceChildren(el('caption', { class: 'sr-only', text: `Scheduled staff per hour, week of ${from.toLocaleDateString()}` }), head, el('tbody', {}, ...rows));
  if (!$('#coverage-status').textContent) status('#coverage-status', `${gapHours} of 168 hours have nobody scheduled.`);
  $('#shifts-body').replaceChildren(...shifts.map((s) => {
    const [[a, b] = []] = shiftIntervals(s, from);
    const who = nameOf(s.account) || s.username || '';
    const when = a ? a.toLocaleString([], { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' }) : '';
    return el('tr', {},
      el('td', { text: who }),
      el('td', { text: a ? a.toLocaleString() : '' }),
      el('td', { text: `${b ? b.toLocaleString() : ''}${s.weekly ? ' (weekly)' : ''}` }),
      el('td', {}, s.id !== undefined ? el('span', { class: 'row-actions' },
        el('button', { type: 'button', class: 'button-small', text: 'Change…', attrs: { 'aria-label': `Change ${who}'s shift ${when}` }, on: { click: () => changeShift(s) } }),
        el('button', { type: 'button', class: 'button-small', text: 'Remove…', attrs: { 'aria-label': `Remove ${who}'s shift ${when}` }, on: { click: () => removeShift(s, who, when) } })) : null));
  }));
}

/** Admins change anyone's shift (PATCH /api/shifts/{id}); a weekly one is changed from its first week. */
async function changeShift(s) {
  const first = new Date(s.first_starts_at || s.starts_at);
  const end = new Date(first.getTime() + (new Date(s.ends_at) - new Date(s.starts_at)));
  await formDialog({
    title: `Change ${nameOf(s.account) || s.username}'s shift`,
    intro: s.weekly ? 'A weekly shift: the times of its first week; every week follows.' : null,
    fields: [
      { name: 'starts', label: 'Starts', type: 'datetime-local', value: localInputValue(first.toISOString()), required: true },
      { name: 'ends', label: 'Ends', type: 'datetime-local', value: localInputValue(end.toISOString()), required: true },
      { name: 'weekly', label: 'Every week', type: 'checkbox', value: !!s.weekly },
      { name: 'note', label: 'Note (optional)', value: s.note || '' },
    ],
    submitLabel: 'Save change',
    onSubmit: async (v) => {
      try {
        await api.patch(`/api/shifts/${encodeURIComponent(s.id)}`, {
          starts_at: new Date(v.starts).toISOString(), ends_at: new Date(v.ends).toISOString(), weekly: v.weekly, note: v.note || null,
        }, token());
      } catch (err) {
        throw new Error(shiftError(err));
      }
    },
  }).then((done) => (done ? loadCoverage() : null));
}

async function removeShift(s, who, when) {
  const ok = await formDialog({
    title: `Remove ${who}'s shift?`,
    intro: `${when}${s.weekly ? ', every week' : ''}. ${who} is no longer scheduled then.`,
    submitLabel: 'Remove',
  });
  if (!ok) return;
  try { await api.del(`${A}/shifts/${encodeURIComponent(s.id)}`, token()); await loadCoverage(); } catch (e) { status('#coverage-status', notReady(e), true); }
}

// Shifts are for helpers, trainees and monitors (the server refuses anyone else): the form picks from them.
const SHIFT_ROLES = ['helper', 'trainee', 'monitor'];

/** Fill the "Staff member" picker from the accounts, keeping the choice made. */
async function loadShiftPicker() {
  try {
    const data = await api.get(`${A}/accounts`, token());
    state.accounts = data.accounts || [];
  } catch (_) { /* keep the list there is; adding says what went wrong */ }
  const select = $('#shift-account');
  const keep = select.value;
  const staff = state.accounts.filter((a) => (a.roles || []).some((r) => SHIFT_ROLES.includes(r)))
    .sort((a, b) => nameOf(a).localeCompare(nameOf(b)));
  select.replaceChildren(el('option', { value: '', text: staff.length ? 'Choose who works it…' : 'No helpers, trainees or monitors yet' }),
    ...staff.map((a) => el('option', { value: String(a.id), dataset: { name: nameOf(a) }, text: `${nameOf(a)} (${a.username}) · ${(a.roles || []).filter((r) => SHIFT_ROLES.includes(r)).join(', ')}` })));
  select.value = staff.some((a) => String(a.id) === keep) ? keep : '';
}

async function onAddShift(e) {
  e.preventDefault();
  const select = $('#shift-account');
  const start = $('#shift-start').value;
  const end = $('#shift-end').value;
  if (!select.value) { status('#coverage-status', 'Choose who works this shift.', true); select.focus(); return; }
  if (!start || !end) { status('#coverage-status', 'Give the start and the end.', true); return; }
  const who = select.selectedOptions[0].dataset.name || 'That person';
  try {
    await api.post(`${A}/shifts`, { account_id: Number(select.value), starts_at: new Date(start).toISOString(), ends_at: new Date(end).toISOString(), weekly: $('#shift-weekly').checked }, token());
    e.target.reset();
    await loadCoverage();
  } catch (err) {
    // The list was older than the accounts (one removed or changed meanwhile): say so and refresh it.
    const text = err.code === 'not_found' ? `${who} is no longer a staff account; the list has been refreshed.` : shiftError(err);
    await loadShiftPicker();
    status('#coverage-status', text, true);
  }
}

// ---- canned responses ------------------------------------------------------------------------

async function loadCanned() {
  let rows = [];
  try {
    const data = await api.get(`${A}/canned`, token());
    rows = data.canned || [];
    status('#canned-status', rows.length ? '' : 'No canned responses yet.');
  } catch (e) {
    status('#canned-status', notReady(e), true);
  }
  $('#canned-body').replaceChildren(...rows.map((c) => el('tr', {},
    el('td', {}, el('kbd', { text: c.shortcut })),
    el('td', { text: c.text }),
    el('td', {}, el('div', { class: 'row-actions' },
      el('button', { type: 'button', class: 'button-small', text: 'Edit…', attrs: { 'aria-label': `Edit canned response ${c.shortcut}` }, on: { click: () => editCanned(c) } }),
      el('button', { type: 'button', class: 'button-small button-warn', text: 'Delete…', attrs: { 'aria-label': `Delete canned response ${c.shortcut}` }, on: { click: () => deleteCanned(c) } }))))));
}

async function editCanned(c) {
  const values = await formDialog({
    title: `Edit ;${c.shortcut}`,
    intro: 'Placeholders such as {requester_name} are filled in for each case.',
    fields: [
      { name: 'shortcut', label: 'Shortcut', value: c.shortcut, required: true },
      { name: 'text', label: 'Text', type: 'textarea', value: c.text, required: true, rows: 4 },
    ],
    submitLabel: 'Save',
    onSubmit: async (v) => api.put(`${A}/canned/${encodeURIComponent(c.id ?? c.shortcut)}`, { shortcut: v.shortcut, text: v.text }, token()),
  });
  if (values) { await loadCanned(); status('#canned-status', `Saved ;${values.shortcut}.`); }
}

async function deleteCanned(c) {
  const sure = await formDialog({
    title: `Delete ;${c.shortcut}?`,
    intro: `"${c.text}" will no longer be offered to anyone. This cannot be undone.`,
    submitLabel: 'Delete',
    onSubmit: async () => api.del(`${A}/canned/${encodeURIComponent(c.id ?? c.shortcut)}`, token()),
  });
  if (sure) { await loadCanned(); status('#canned-status', `Deleted ;${c.shortcut}.`); }
}

async function onSaveCanned(e) {
  e.preventDefault();
  const shortcut = $('#canned-shortcut').value.trim();
  const text = $('#canned-text').value.trim();
  if (!shortcut || !text) { status('#canned-status', 'Shortcut and text are required.', true); return; }
  try {
    await api.post(`${A}/canned`, { shortcut, text }, token());
    e.target.reset();
    await loadCanned();
  } catch (err) {
    status('#canned-status', notReady(err), true);
  }
}

// ---- reports ---------------------------------------------------------------------------------

function renderValue(v) {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string' && /^\d{4}-\d\d-\d\dT[\d:.]+Z$/.test(v)) return new Date(v).toLocaleString();
  if (Array.isArray(v)) return v.map((x) => (typeof x === 'object' ? JSON.stringify(x) : String(x))).join(', ');
  if (typeof v === 'object') return Object.entries(v).map(([k, x]) => `${k}: ${typeof x === 'object' ? JSON.stringify(x) : x}`).join('; ');
  return String(v);
}

function tableOf(rows) {
  const cols = Array.from(new Set(rows.flatMap((r) => Object.keys(r))));
  return el('table', { class: 'data' },
    el('thead', {}, el('tr', {}, ...cols.map((c) => el('th', { scope: 'col', text: c.replace(/_/g, ' ') })))),
    el('tbody', {}, ...rows.map((r) => el('tr', {}, ...cols.map((c) => el('td', { text: renderValue(r[c]) }))))));
}

// The Reports tab reads as a page: the period in words, each figure with its change since the previous
// period in words and colour (report_words.js), bar charts of this period against the last (charts.js),
// and the tables with every figure below each chart.

function monthPeriod(month, from, to) {
  return { label: month, from: from || `${month}-01T00:00:00Z`, to: to || `${month}-28T00:00:00Z` };
}

/** From and To dates both given: the people and teams report covers those days (escalations stay monthly). */
function reportRange() {
  const from = $('#report-from').value;
  const to = $('#report-to').value;
  return from && to ? { from, to } : null;
}

async function loadReports(e) {
  if (e) e.preventDefault();
  const params = new URLSearchParams();
  if ($('#report-month').value) params.set('month', $('#report-month').value);
  const box = $('#reports');
  loadCycle();
  if (reportRange()) {
    // The escalation counts are kept by month: say so rather than show a month the dates do not match.
    box.replaceChildren(el('p', { class: 'muted', id: 'escalations-monthly', text: 'Escalation counts are kept by month: clear the dates and choose a month to see them.' }));
    status('#reports-status', '');
    return;
  }
  try {
    const data = await api.get(`${A}/reports/escalations${params.toString() ? `?${params}` : ''}`, token());
    if (data.month && !$('#report-month').value) $('#report-month').value = data.month;
    status('#reports-status', '');
    const now = periodWords(monthPeriod(data.month, data.from, data.to));
    const before = periodWords(monthPeriod(data.previous_month));
    $('#report-period').textContent = `${now}, compared with ${before}`;
    const opts = { previousName: before };
    const routes = data.routes || [];
    const experts = data.experts || [];
    const expertsNow = experts.reduce((n, x) => n + (x.requests || 0), 0);
    const expertsBefore = experts.reduce((n, x) => n + (x.previous || 0), 0);
    const declinedNow = routes.reduce((n, r) => n + (r.declined || 0), 0);
    const declinedBefore = routes.reduce((n, r) => n + (r.previous_declined || 0), 0);
    const pe = data.personal_escalations || {};
    const totals = data.totals || {};
    const cards = el('div', { class: 'summary report-cards' },
      statCard('Escalations', totals.escalations ?? 0, totals.previous, { ...opts, lower: true }),
      statCard('Personal escalations', pe.count ?? 0, pe.previous, { ...opts, lower: true }),
      statCard('Expert requests', expertsNow, expertsBefore, { ...opts, neutral: true }),
      statCard('Declined by a team', declinedNow, declinedBefore, { ...opts, lower: true }));
    const shown = routes.filter((r) => r.escalations || r.previous || r.declined || r.previous_declined);
    const routeChart = barChart('chart-routes', {
      title: 'Escalations by route', labels: shown.map((r) => r.route), names: [now, before],
      current: shown.map((r) => r.escalations || 0), previous: shown.map((r) => r.previous || 0),
      summary: shown.map((r) => `${r.route}: ${r.escalations || 0} (${before}: ${r.previous || 0})`).join('; ') || 'No escalations.',
    });
    const routeTable = el('table', { class: 'data', id: 'routes-table' },
      el('thead', {}, el('tr', {}, ...['Route', 'Team', 'Escalations', 'Reply target met', 'Missed', 'Resolved', 'Declined']
        .map((h) => el('th', { scope: 'col', text: h })))),
      el('tbody', {}, ...routes.map((r) => el('tr', {},
        el('th', { scope: 'row', text: r.route }),
        el('td', { text: r.team || '—' }),
        el('td', { class: 'figure' }, el('strong', { text: String(r.escalations || 0) }), changeNode(r.escalations || 0, r.previous, { ...opts, lower: true })),
        el('td', { text: String(r.target_met || 0) }),
        el('td', { text: String(r.target_missed || 0) }),
        el('td', { text: String(r.resolved || 0) }),
        el('td', { text: String(r.declined || 0) })))));
    const charts = el('div', { class: 'charts-row' },
      shown.length ? routeChart : el('p', { class: 'muted', text: `No escalations in ${now} or ${before}.` }));
    const parts = [cards, charts, el('div', { class: 'table-scroll' }, routeTable)];
    if (experts.length) {
      const expertChart = barChart('chart-experts', {
        title: 'Expert requests by team', labels: experts.map((x) => x.team), names: [now, before],
        current: experts.map((x) => x.requests || 0), previous: experts.map((x) => x.previous || 0),
        summary: experts.map((x) => `${x.team}: ${x.requests || 0} (${before}: ${x.previous || 0})`).join('; '),
      });
      if (expertsNow || expertsBefore) charts.append(expertChart);
      parts.push(el('h3', { text: 'Expert teams' }),
        expertsNow || expertsBefore ? null : el('p', { class: 'muted', text: `No expert was asked in ${now} or ${before}.` }),
        el('div', { class: 'table-scroll' }, el('table', { class: 'data', id: 'experts-table' },
          el('thead', {}, el('tr', {}, ...['Team', 'Asked', 'Answered'].map((h) => el('th', { scope: 'col', text: h })))),
          el('tbody', {}, ...experts.map((x) => el('tr', {},
            el('th', { scope: 'row', text: x.team }),
            el('td', { class: 'figure' }, el('strong', { text: String(x.requests || 0) }), changeNode(x.requests || 0, x.previous, { ...opts, neutral: true })),
            el('td', { text: String(x.responded || 0) })))))));
    }
    box.replaceChildren(...parts.filter(Boolean));
  } catch (err) {
    box.replaceChildren();
    status('#reports-status', notReady(err), true);
  }
}

// ---- cycle report (GET /api/reports/cycle) -----------------------------------------------------

function cycleCell(fig, kind, lower, previousName) {
  return el('td', { class: 'figure' }, ...figureParts(fig, kind, lower, previousName));
}

function cycleRow(label, figures, previousName) {
  return el('tr', {}, el('th', { scope: 'row', text: label }),
    ...CYCLE_COLUMNS.map(([name, , kind, lower]) => cycleCell(figures[name] || {}, kind || 'count', !!lower, previousName)));
}

function cycleQuery() {
  const params = new URLSearchParams();
  const range = reportRange();
  if (range) { params.set('from', range.from); params.set('to', range.to); } else if ($('#report-month').value) params.set('month', $('#report-month').value);
  return params;
}

async function loadCycle() {
  const box = $('#cycle');
  try {
    const data = await api.get(`/api/reports/cycle?${cycleQuery()}`, token());
    const now = periodWords(data.period);
    const before = previousWords(data.period, data.previous_period);
    const name = (a) => a.account.display_name || a.account.username;
    const rows = [
      ...data.agents.map((a) => cycleRow(name(a), a.figures, before)),
      ...(data.teams || []).map((t) => cycleRow(`Team ${t.team}`, t.figures, before)),
      ...(data.totals ? [cycleRow('Everyone', data.totals.figures, before)] : []),
    ];
    status('#cycle-status', `${now}: each figure with its change since ${before}; green is better, red is worse.`);
    if (reportRange()) $('#report-period').textContent = `${now}, compared with ${before}`;
    const active = data.agents.filter((a) => a.figures.taken.value || a.figures.taken.previous || a.figures.resolved.value);
    const chart = active.length ? barChart('chart-cycle', {
      title: 'Cases taken per person', labels: active.map(name), names: [now, before],
      current: active.map((a) => a.figures.taken.value || 0), previous: active.map((a) => a.figures.taken.previous || 0),
      summary: active.map((a) => `${name(a)}: ${a.figures.taken.value || 0} (${before}: ${a.figures.taken.previous || 0})`).join('; '),
    }) : null;
    $('#cycle-chart').replaceChildren(...(chart ? [chart] : []));
    box.replaceChildren(rows.length ? el('table', { class: 'data', id: 'cycle-table' },
      el('thead', {}, el('tr', {}, el('th', { scope: 'col', text: 'Who' }),
        ...CYCLE_COLUMNS.map(([, label]) => el('th', { scope: 'col', text: label })))),
      el('tbody', {}, ...rows)) : el('p', { class: 'muted', text: 'Nobody worked a case in this period.' }));
  } catch (err) {
    box.replaceChildren();
    $('#cycle-chart').replaceChildren();
    if (reportRange()) $('#report-period').textContent = '';
    const text = errorText(err).replace(/'to'/g, 'To').replace(/'from'/g, 'From');
    status('#cycle-status', `${text.charAt(0).toUpperCase()}${text.slice(1)}${/[.!?]$/.test(text) ? '' : '.'}`, true);
  }
}

async function downloadCycleCsv() {
  const params = cycleQuery();
  params.set('format', 'csv');
  const resp = await fetch(`/api/reports/cycle?${params}`, { headers: { Authorization: `Bearer ${token()}` } });
  if (!resp.ok) {
    status('#cycle-status', 'The CSV could not be made; try again.', true);
    return;
  }
  const url = URL.createObjectURL(await resp.blob());
  const a = el('a', { href: url, download: `livehelp-cycle-${reportRange() ? `${reportRange().from}_to_${reportRange().to}` : $('#report-month').value || 'this-month'}.csv` });
  document.body.append(a);
  a.click();
  a.remove();
  URL.revokeObjectURL(url);
}

// ---- audit and erasure ------------------------------------------------------------------------

async function loadAuditInto(path, key, boxId, statusId) {
  try {
    const data = await api.get(path, token());
    const rows = (data[key] || []).map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v && typeof v === 'object' && !Array.isArray(v) && v.display_name ? v.display_name : v])));
    $(boxId).replaceChildren(rows.length ? tableOf(rows) : el('p', { class: 'muted', text: 'Nothing recorded yet.' }));
    status(statusId, '');
  } catch (e) {
    $(boxId).replaceChildren();
    status(statusId, notReady(e), true);
  }
}

async function loadAudit() {
  await Promise.all([
    loadAuditInto(`${A}/audit?limit=100`, 'entries', '#role-audit', '#role-audit-status'),
    loadAuditInto('/api/retention/audit?limit=100', 'audit', '#retention-audit', '#retention-audit-status'),
  ]);
}

async function onErase(e) {
  e.preventDefault();
  const raw = $('#erase-who').value.trim();
  if (!raw) { status('#erase-status', 'Give an account id or a username.', true); return; }
  const confirmed = await formDialog({
    title: 'Erase this requester’s data?',
    intro: `Everything ${raw} wrote or uploaded is erased for good. This cannot be undone.`,
    fields: [{ name: 'confirm', label: 'Type ERASE to confirm', required: true }],
    submitLabel: 'Erase',
  });
  if (!confirmed) return;
  if (confirmed.confirm !== 'ERASE') { status('#erase-status', 'Not erased: the confirmation did not match.', true); return; }
  try {
    const who = /^\d+$/.test(raw) ? Number(raw) : raw;
    const result = await api.post('/api/retention/erasures', { requester: who }, token());
    status('#erase-status', `Erased: ${renderValue(result)}`);
    e.target.reset();
    await loadAudit();
  } catch (err) {
    status('#erase-status', notReady(err), true);
  }
}

// ---- outbound deliveries ----------------------------------------------------------------------

async function loadDeliveries(e) {
  if (e) e.preventDefault();
  const filter = $('#deliveries-status-filter').value;
  try {
    const data = await api.get(`${A}/deliveries?limit=200${filter ? `&status=${filter}` : ''}`, token());
    const c = data.counts || {};
    $('#deliveries-counts').textContent = `${c.pending || 0} pending, ${c.sent || 0} sent, ${c.failed || 0} failed`;
    const rows = data.deliveries || [];
    $('#deliveries').replaceChildren(rows.length ? tableOf(rows) : el('p', { class: 'muted', text: 'Nothing sent yet.' }));
    status('#deliveries-status', '');
  } catch (err) {
    $('#deliveries').replaceChildren();
    status('#deliveries-status', notReady(err), true);
  }
}

async function onReady(ctx) {
  state.ctx = ctx;
  bindTabs();
  $('#account-form').addEventListener('submit', onCreateAccount);
  $('#shift-form').addEventListener('submit', onAddShift);
  $('#canned-form').addEventListener('submit', onSaveCanned);
  $('#report-form').addEventListener('submit', loadReports);
  $('#cycle-csv').addEventListener('click', downloadCycleCsv);
  $('#erase-form').addEventListener('submit', onErase);
  $('#deliveries-form').addEventListener('submit', loadDeliveries);
  $('#week-prev').addEventListener('click', () => { state.weekStart.setDate(state.weekStart.getDate() - 7); loadCoverage(); });
  $('#week-next').addEventListener('click', () => { state.weekStart.setDate(state.weekStart.getDate() + 7); loadCoverage(); });
  const initial = $(`#tab-${location.hash.slice(1)}`) || $('#tab-accounts');
  selectTab(initial);
}

startStaffPage({ onReady, requireRoles: ['admin'], title: 'livehelp admin' });
