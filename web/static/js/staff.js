// What the staff pages (console, monitor, admin) share: sign-in, the header (who, duty toggle,
// notifications, sign out, links by role), the connection and the alert stack.

import { $, el, show, errorText, liveRegion, duration } from './dom.js';
import { loadSession, saveSession, staffLogin, api } from './api.js';
import { Connection, EV } from './socket.js';
import { AlertStack, ALERT_TEXT, notify, askNotificationPermission, notificationsSupported, unlockAudio } from './alerts.js';
import { Inbox } from './inbox.js';
import { setupMyShifts } from './shifts.js';
import { setupMyFigures } from './my_figures.js';

export function hasRole(account, ...roles) {
  const mine = (account && account.roles) || [];
  return roles.some((r) => mine.includes(r));
}

export function isStaff(account) { return hasRole(account, 'trainee', 'helper', 'monitor', 'admin'); }

/**
 * Set up a staff page. The page has #login (with #login-form, #username, #password, #login-error),
 * #app, #conn-status, #whoami, #duty-toggle, #notify-toggle, #sign-out, #nav and #alerts.
 * `onReady(ctx)` is called once signed in and connected; ctx = {session, conn, alerts, announce}.
 */
export function startStaffPage({ requireRoles = null, onReady, title }) {
  const ctx = { session: loadSession('staff'), conn: null, alerts: new AlertStack($('#alerts')), announce: liveRegion('sr-live', 'polite') };

  // The header says Connected / Offline (short, so the bar keeps its size); a lost connection also gets a
  // banner that leaves by itself once the socket is back.
  const setConn = (state, detail) => {
    const node = $('#conn-status');
    node.className = `conn-status conn-${state}`;
    node.textContent = state === 'online' ? 'Connected' : 'Offline';
    node.title = state === 'online' ? '' : (detail || '');
    if (state === 'online') ctx.alerts.clear('connection');
    else if (detail !== 'Signed out' && ctx.session && !ctx.alerts.has('connection')) {
      ctx.alerts.push({ title: 'Connection lost', text: 'Reconnecting… What you send now goes out once the connection is back.', kind: 'warning', key: 'connection', quiet: true });
    }
  };

  const showLogin = (message) => {
    show($('#app'), false);
    show($('#account-bar'), false);
    show($('#login'), true);
    const err = $('#login-error');
    err.textContent = message || '';
    show(err, !!message);
    $('#username').focus();
  };

  const renderHeader = () => {
    const a = ctx.session.account;
    $('#whoami').textContent = `${a.display_name || a.username} (${(a.roles || []).join(', ') || 'no staff role'})`;
    const duty = $('#duty-toggle');
    const on = !!a.on_duty;
    duty.setAttribute('aria-pressed', on ? 'true' : 'false');
    duty.textContent = on ? 'On duty' : 'Off duty';
    duty.className = on ? 'duty duty-on' : 'duty duty-off';
    duty.title = on ? 'You receive new requests. Click to go off duty.' : 'Click to go on duty and receive new requests.';
    const nav = $('#nav');
    const links = [['/console', 'Console', isStaff(a)], ['/monitor', 'Monitor', hasRole(a, 'monitor', 'admin')], ['/admin', 'Admin', hasRole(a, 'admin')]];
    nav.replaceChildren(...links.filter(([, , ok]) => ok).map(([href, text]) => el('a', {
      href, text, attrs: { 'aria-current': location.pathname === href ? 'page' : null },
    })));
    const nt = $('#notify-toggle');
    if (!notificationsSupported()) nt.hidden = true;
    else {
      nt.hidden = Notification.permission === 'granted';
      nt.textContent = Notification.permission === 'denied' ? 'Notifications blocked' : 'Enable notifications';
      nt.disabled = Notification.permission === 'denied';
    }
  };

  const ready = async () => {
    show($('#login'), false);
    const conn = new Connection(ctx.session.token, { onStatus: setConn });
    ctx.conn = conn;
    try {
      await conn.connect();
    } catch (e) {
      saveSession('staff', null);
      ctx.session = null;
      showLogin(errorText(e));
      return;
    }
    try {
      const me = await api.get('/api/me', ctx.session.token);
      if (me && me.account) { ctx.session.account = { ...ctx.session.account, ...me.account }; saveSession('staff', ctx.session); }
    } catch (e) {
      if (e.code === 'unauthenticated') { conn.disconnect(); saveSession('staff', null); ctx.session = null; showLogin('Your session has expired. Please sign in again.'); return; }
    }
    if (requireRoles && !hasRole(ctx.session.account, ...requireRoles)) {
      show($('#account-bar'), true);
      renderHeader();
      show($('#app'), false);
      const denied = $('#denied');
      if (denied) { denied.textContent = `This page is for: ${requireRoles.join(', ')}. Your account does not have that role.`; show(denied, true); }
      return;
    }
    show($('#account-bar'), true);
    show($('#app'), true);
    renderHeader();
    // Stored alerts: the inbox (bell with the unacknowledged count) loads them and keeps them until acknowledged.
    ctx.inbox = new Inbox(ctx, $('#account-bar'));
    setupMyShifts(ctx, $('#account-bar'));
    setupMyFigures(ctx, $('#account-bar'));
    conn.on(EV.ALERT, (a) => { const fresh = ctx.inbox.add(a); if (fresh) showAlert(ctx, a); });
    await ctx.inbox.load();
    conn.on(EV.ACCOUNT_UPDATED, (data) => {
      const account = data && (data.account || data);
      if (account && account.id !== undefined && String(account.id) === String(ctx.session.account.id)) {
        ctx.setAccount(account);
        ctx.alerts.push({ title: 'Your account changed', text: `Roles: ${(account.roles || []).join(', ') || 'none'}. Reload the page to see every tool that goes with them.`, kind: 'info', actions: [{ label: 'Reload', run: () => location.reload() }] });
      }
    });
    await onReady(ctx);
  };

  ctx.refreshHeader = renderHeader;
  ctx.setAccount = (account) => { ctx.session.account = { ...ctx.session.account, ...account }; saveSession('staff', ctx.session); renderHeader(); };

  $('#login-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    unlockAudio();
    const username = $('#username').value.trim();
    const password = $('#password').value;
    if (!username || !password) { showLogin('Enter your username and password.'); return; }
    const btn = $('#login-submit');
    btn.disabled = true;
    try {
      const data = await staffLogin(username, password);
      ctx.session = { token: data.token, account: data.account };
      $('#password').value = '';
      await ready();
    } catch (err) {
      showLogin(err.code === 'unauthenticated' ? 'Wrong username or password.' : errorText(err));
    } finally {
      btn.disabled = false;
    }
  });

  $('#duty-toggle').addEventListener('click', async () => {
    unlockAudio();
    const on = !(ctx.session.account && ctx.session.account.on_duty);
    try {
      const ack = await ctx.conn.call(EV.DUTY_SET, { on_duty: on });
      ctx.setAccount(ack.account || { on_duty: on });
      ctx.announce(on ? 'You are on duty.' : 'You are off duty.');
      if (ctx.onDutyChange) ctx.onDutyChange(ctx.session.account.on_duty);
    } catch (err) {
      ctx.alerts.push({ title: 'Could not change duty', text: errorText(err), kind: 'warning' });
    }
  });

  $('#notify-toggle').addEventListener('click', async () => {
    unlockAudio();
    await askNotificationPermission();
    renderHeader();
  });

  $('#sign-out').addEventListener('click', async () => {
    try { await api.del('/api/session', ctx.session.token); } catch (_) { /* best effort */ }
    if (ctx.conn) ctx.conn.disconnect();
    saveSession('staff', null);
    ctx.session = null;
    location.reload();
  });

  document.addEventListener('click', unlockAudio, { once: true });
  document.addEventListener('keydown', unlockAudio, { once: true });
  if (title) document.title = title;

  if (ctx.session && ctx.session.token) ready();
  else showLogin();
  return ctx;
}

/** Alerts (personal escalation, SLA breach, blocker, escalation...): a banner, a tone, a notification. */
export function showAlert(ctx, a) {
  if (!a) return;
  // Escalating to my own team: the banner would only tell me what I just did.
  const mine = ctx.session && ctx.session.account && a.by && String(a.by.id) === String(ctx.session.account.id);
  if (a.kind === 'escalation' && mine) { if (ctx.onAlert) ctx.onAlert(a); return; }
  let [title, fallback, urgency] = ALERT_TEXT[a.kind] || ['Alert', 'Something needs attention.', 'warning'];
  const hasCase = a.case_id !== undefined && a.case_id !== null;
  if (a.kind === 'sla_breach' && a.level === 'warning') {
    title = 'Waiting too long';
    urgency = 'warning';
  }
  if (a.kind === 'sla_breach' && !a.message && typeof a.waited_seconds === 'number') {
    const goal = typeof a.threshold_seconds === 'number' ? ` (${a.level === 'goal' ? 'goal' : 'warning at'} ${duration(a.threshold_seconds)})` : '';
    fallback = `A requester has waited ${duration(a.waited_seconds)} for a first answer${goal}.`;
  }
  let text = a.message || a.note || fallback;
  if (hasCase && !/#\d/.test(text)) text = `Case #${a.case_id}: ${text}`;
  if (a.by && a.by.display_name && !text.includes(a.by.display_name)) text += ` (from ${a.by.display_name})`;
  const actions = [];
  if (hasCase && ctx.openCase) actions.push({ label: `Open case #${a.case_id}`, run: () => ctx.openCase(a.case_id) });
  if (a.team_room_id && ctx.openRoom) actions.push({ label: 'Open team room', run: () => ctx.openRoom(a.team_room_id) });
  // Banners about waiting requests name their cases, so they leave once those are claimed (AlertStack.settle).
  const cases = a.kind === 'waiting_cases' ? (a.cases || []).map((c) => String(c.case_id))
    : a.kind === 'unclaimed' && hasCase ? [String(a.case_id)] : null;
  ctx.alerts.push({ title, text, kind: urgency, actions, cases, key: `alert-${a.kind}-${a.case_id ?? ''}-${a.escalation_id ?? ''}` });
  if (urgency !== 'info') notify(`livehelp: ${title}`, text, `alert-${a.kind}-${a.case_id}`);
  if (ctx.onAlert) ctx.onAlert(a);
}
