// Requester widget (/): ask, wait in the queue, chat, upload privately, download the transcript.
// The token and case live in localStorage so a reload (or a lost network) resumes the same case.

import { $, el, show, duration, errorText, liveRegion, saveBlob } from './dom.js';
import { api, loadSession, saveSession, guestLogin, downloadFile } from './api.js';
import { Connection, EV } from './socket.js';
import { MessageLog } from './messages.js';
import { Outbox } from './outbox.js';
import { formDialog } from './dialogs.js';

const announce = liveRegion('sr-live', 'polite');

const state = {
  session: loadSession('requester'), // {token, account, case, room_id, position, expected_wait_seconds}
  status: null,
  conn: null,
  log: null,
  outbox: null,
};

function save() { saveSession('requester', state.session); }

function setConn(stateName, detail) {
  const node = $('#conn-status');
  node.className = `conn-status conn-${stateName}`;
  // One short word, so the header never grows or wraps; the detail ("reconnecting…") on hover.
  node.textContent = stateName === 'online' ? 'Connected' : 'Offline';
  node.title = stateName === 'online' ? '' : (detail || '');
}

function showNotice(text) {
  const node = $('#composer-notice');
  node.textContent = text || '';
  show(node, !!text);
}

function showError(id, err) {
  const node = $(id);
  node.textContent = err ? errorText(err) : '';
  show(node, !!err);
}

// ---- start form -----------------------------------------------------------------------------

async function loadStatus() {
  try {
    state.status = await api.get('/api/status');
  } catch (_) {
    state.status = null;
  }
  return state.status;
}

function renderStart() {
  show($('#loading'), false);
  show($('#chat'), false);
  show($('#start'), true);
  const st = state.status;
  const offDuty = st && st.on_duty === false;
  show($('#duty-notice'), offDuty);
  $('#duty-next').textContent = offDuty && nextShiftWhen() ? `The next helper is expected ${nextShiftWhen()}.` : '';
  show($('#duty-ok'), !!(st && st.on_duty === true));
  $('#start-submit').textContent = offDuty ? 'Leave a message' : 'Ask for help';
  const topics = (st && Array.isArray(st.topics)) ? st.topics : [];
  const select = $('#topic');
  select.replaceChildren(...topics.map((t) => {
    const name = typeof t === 'string' ? t : t.name;
    const label = typeof t === 'string' ? t : (t.label || t.name);
    return el('option', { value: name, text: label });
  }));
  show($('#topic-row'), topics.length > 1);
  const last = state.session && state.session.account && state.session.account.display_name;
  if (last && !$('#name').value) $('#name').value = last;
  ($('#name').value ? $('#question') : $('#name')).focus();
}

async function onStart(ev) {
  ev.preventDefault();
  const name = $('#name').value.trim();
  const body = $('#question').value.trim();
  if (!name) { showError('#start-error', 'Please enter your name.'); $('#name').focus(); return; }
  if (!body) { showError('#start-error', 'Please type your question.'); $('#question').focus(); return; }
  showError('#start-error', null);
  const button = $('#start-submit');
  button.disabled = true;
  try {
    let token = state.session && state.session.token;
    let account = state.session && state.session.account;
    if (!token || !account || account.display_name !== name) {
      const guest = await guestLogin(name);
      token = guest.token;
      account = guest.account;
    }
    state.session = { token, account };
    save();
    if (!state.conn || state.conn.token !== token) await connect();
    const topicSelect = $('#topic');
    const topic = topicSelect.value || (state.status && state.status.default_topic) || 'general';
    const ack = await state.conn.call(EV.HELP_REQUEST, { topic, body });
    state.session.case = ack.case;
    state.session.room_id = (ack.room && ack.room.id) || (ack.case && ack.case.room_id);
    state.session.position = ack.position ?? null;
    state.session.expected_wait_seconds = ack.expected_wait_seconds ?? null;
    if (typeof ack.off_hours === 'boolean') state.session.off_hours = ack.off_hours;
    state.session.question = body;
    save();
    const email = $('#contact-email').value.trim();
    if (email && ack.case) {
      try { await state.conn.call(EV.CASE_CONTACT, { case_id: ack.case.id, email }); } catch (e) { showNotice(`Your e-mail was not saved: ${e.message || e}`); }
    }
    if (typeof state.session.position !== 'number') await refreshPosition();
    $('#question').value = '';
    await openChat();
  } catch (e) {
    showError('#start-error', e);
    if (e.code === 'unauthenticated') { state.session = null; save(); }
  } finally {
    button.disabled = false;
  }
}

// ---- connection -----------------------------------------------------------------------------

async function connect() {
  if (state.conn) state.conn.disconnect();
  const conn = new Connection(state.session.token, { onStatus: setConn });
  state.conn = conn;
  conn.on(EV.MESSAGE, (m) => {
    if (state.outbox) state.outbox.seen(m);
    if (state.log && state.session && m.room_id === state.session.room_id) {
      state.log.add(m, { live: true });
      if (m.sender && state.session.account && m.sender.id !== state.session.account.id) { showTyping('', false); tellHost('reply'); }
      if (m.sender && state.session.account && m.sender.id !== state.session.account.id && document.hidden) {
        document.title = 'New message · Live help';
      }
    }
  });
  conn.on(EV.TYPING, (t) => {
    if (!t || !state.session || t.room_id !== state.session.room_id || !t.account) return;
    if (state.session.account && t.account.id === state.session.account.id) return;
    showTyping(t.account.display_name, !!t.typing);
  });
  conn.on(EV.MESSAGE_UPDATED, (m) => {
    if (state.log && m && state.session && m.room_id === state.session.room_id) state.log.add(m);
  });
  conn.on(EV.NOTICE, (n) => {
    if (n && n.message) { showNotice(n.message); announce(n.message); }
  });
  conn.on(EV.CASE_UPDATED, (data) => {
    const c = data && (data.case || data);
    if (c && state.session && state.session.case && c.id === state.session.case.id) {
      const before = state.session.case;
      state.session.case = { ...before, ...c };
      if (c.status !== 'queued') { state.session.position = null; }
      save();
      renderCaseStatus(before);
      if (c.status === 'queued' && before.status !== 'queued') refreshPosition();
    }
  });
  conn.on(EV.QUEUE_POSITION, (p) => {
    if (p && state.session && state.session.case && p.case_id === state.session.case.id) {
      state.session.position = p.position;
      state.session.expected_wait_seconds = p.expected_wait_seconds;
      save();
      renderCaseStatus();
    }
  });
  conn.onReconnect(async () => {
    await refreshCase();
  });
  await conn.connect();
}

async function refreshPosition() {
  const c = state.session && state.session.case;
  if (!c || c.status !== 'queued' || !state.conn) return;
  try {
    const p = await state.conn.call(EV.QUEUE_POSITION, { case_id: c.id });
    state.session.position = p.position ?? null;
    state.session.expected_wait_seconds = p.expected_wait_seconds ?? null;
    save();
    renderCaseStatus();
  } catch (_) { /* older servers: the position arrives as an event, or not at all */ }
}

async function refreshCase() {
  const c = state.session && state.session.case;
  if (!c) return;
  try {
    const ack = await state.conn.call(EV.CASE_GET, { case_id: c.id });
    if (ack.case) {
      const before = state.session.case;
      state.session.case = { ...before, ...ack.case };
      save();
      renderCaseStatus(before);
      await refreshPosition();
      return;
    }
  } catch (_) { /* fall back to REST */ }
  try {
    const data = await api.get(`/api/cases/${encodeURIComponent(c.id)}`, state.session.token);
    if (data && data.case) {
      state.session.case = { ...c, ...data.case };
      if (typeof data.position === 'number') state.session.position = data.position;
      if (data.expected_wait_seconds !== undefined) state.session.expected_wait_seconds = data.expected_wait_seconds;
      save();
      renderCaseStatus();
      await refreshPosition();
    }
  } catch (_) { /* requesters may not be allowed this route; case.updated keeps us current */ }
}

// ---- chat -----------------------------------------------------------------------------------

async function openChat() {
  show($('#loading'), false);
  show($('#start'), false);
  show($('#chat'), true);
  document.title = 'Live help';
  const roomId = state.session.room_id;
  state.log = new MessageLog($('#log'), {
    me: state.session.account,
    token: () => state.session && state.session.token,
    announce,
    label: 'Chat messages',
    emptyText: 'Your question has been sent.',
    decorate: decorateMessage,
  });
  state.outbox = new Outbox(state.conn, (m) => state.log.add(m));
  try {
    state.log.add(await state.conn.history(roomId));
    state.log.scrollToEnd();
  } catch (e) {
    state.conn.track(roomId, 0);
    showError('#composer-error', e);
  }
  renderCaseStatus();
  await refreshCase();
  $('#body').focus();
}

/** A hand-off question (routes that ask the requester first) gets Yes/No buttons until answered. */
function decorateMessage(m, li) {
  const meta = m.meta || {};
  const escId = meta.escalation_id !== undefined ? String(meta.escalation_id) : '';
  if (meta.event === 'handoff_question') {
    const status = el('span', { class: 'muted', attrs: { role: 'status' } });
    const answer = async (accept) => {
      status.textContent = '';
      try {
        await state.conn.call(EV.CASE_CONFIRM_HANDOFF, { case_id: meta.case_id ?? state.session.case.id, accept });
        box.remove();
      } catch (e) {
        status.textContent = errorText(e);
      }
    };
    const box = el('div', { class: 'handoff-buttons', dataset: { escalationId: escId } },
      el('button', { type: 'button', class: 'button-primary button-small', text: 'Yes, pass it on', on: { click: () => answer(true) } }),
      el('button', { type: 'button', class: 'button-small', text: 'No, thanks', on: { click: () => answer(false) } }),
      status);
    li.append(box);
  } else if (meta.event === 'handoff_accepted' || meta.event === 'handoff_declined') {
    for (const b of document.querySelectorAll(`.handoff-buttons[data-escalation-id="${CSS.escape(escId)}"]`)) b.remove();
  }
}

const STATUS_TEXT = {
  active: 'You are chatting with a helper.',
  on_hold: 'Your helper put this chat on hold for a moment. Please keep this page open; they will be right back.',
  escalated: 'Your question has been passed to a specialist team. Someone from that team will reply here; you can keep this page open or come back later.',
  resolved: 'This chat is closed. Thank you! You can download the transcript below.',
  abandoned: 'This request was closed before anyone answered it.',
};

function nextShiftWhen() {
  const at = state.status && state.status.next_shift_at;
  if (!at) return '';
  const d = new Date(at);
  if (Number.isNaN(d.getTime())) return '';
  return d.toLocaleString([], { weekday: 'long', hour: '2-digit', minute: '2-digit' });
}

function nextShiftText() {
  const when = nextShiftWhen();
  return when ? ` (the next helper is expected ${when})` : '';
}

function renderCaseStatus(before) {
  const c = state.session && state.session.case;
  const box = $('#case-status');
  if (!c) { box.textContent = ''; return; }
  const parts = [];
  const offDuty = typeof state.session.off_hours === 'boolean' ? state.session.off_hours : (state.status && state.status.on_duty === false);
  if (c.status === 'queued') {
    if (offDuty) parts.push(`Nobody is on duty right now. Your message is saved and will be answered here when someone is back${nextShiftText()}.`);
    else parts.push('Waiting for a helper.');
    if (typeof state.session.position === 'number') parts.push(`You are number ${state.session.position} in the queue.`);
    if (typeof state.session.expected_wait_seconds === 'number' && state.session.expected_wait_seconds > 0) {
      parts.push(`Expected wait: about ${duration(state.session.expected_wait_seconds)}.`);
    }
  } else if (c.status === 'active' && c.helper) {
    parts.push(`You are chatting with ${c.helper.display_name}.`);
  } else if (STATUS_TEXT[c.status]) {
    parts.push(STATUS_TEXT[c.status]);
  }
  box.textContent = parts.join(' ');
  box.className = `case-status status-${c.status}`;
  if (before && before.status !== c.status) {
    if (c.status === 'active' && c.helper && (!before.helper || before.helper.id !== c.helper.id)) {
      announce(`${c.helper.display_name} joined the chat.`);
    }
  }
  const closed = c.status === 'resolved' || c.status === 'abandoned';
  $('#body').disabled = closed;
  $('#send').disabled = closed;
  $('#private').disabled = closed;
  $('#upload-submit').disabled = closed;
  $('#upload-file').disabled = closed;
  show($('#transcript'), c.status !== 'queued');
  show($('#new-question'), closed);
  show($('#leave'), !closed);
}

let typingTimer = null;

/** "Alice is typing…" under the log; it goes away after 6 s without news or when her message arrives. */
function showTyping(name, on) {
  const node = $('#typing');
  if (!node) return;
  clearTimeout(typingTimer);
  node.textContent = on ? `${name || 'Your helper'} is typing…` : '';
  if (on) typingTimer = setTimeout(() => { node.textContent = ''; }, 6000);
}

let lastTypingSent = 0;

/** Tell the helper I am typing: at most every 3 s; a stop when I send or clear the box. */
function sendTyping(on) {
  if (!state.conn || !state.session || !state.session.room_id) return;
  const now = Date.now();
  if (on && now - lastTypingSent < 3000) return;
  if (!on && !lastTypingSent) return;
  lastTypingSent = on ? now : 0;
  state.conn.call(EV.TYPING_SET, { room_id: state.session.room_id, typing: on }).catch(() => { /* a hint only */ });
}

async function onSend(ev) {
  ev.preventDefault();
  const input = $('#body');
  const body = input.value.trim();
  if (!body) return;
  input.value = '';
  sendTyping(false);
  showError('#composer-error', null);
  try {
    const sensitive = $('#private').checked;
    await state.outbox.send({ room_id: state.session.room_id, body, sensitive }, state.log.list);
    $('#private').checked = false;
  } catch (e) {
    showError('#composer-error', e);
  }
  input.focus();
}

async function onUpload(ev) {
  ev.preventDefault();
  const file = $('#upload-file').files[0];
  const statusNode = $('#upload-status');
  if (!file) { statusNode.textContent = 'Choose a file first.'; return; }
  const form = new FormData();
  form.append('sensitive', 'true');
  form.append('file', file, file.name);
  statusNode.textContent = 'Uploading…';
  try {
    const data = await api.upload(`/api/cases/${encodeURIComponent(state.session.case.id)}/attachments`, form, state.session.token);
    const a = data.attachment || {};
    if (data.message && state.log) state.log.add(data.message);
    statusNode.textContent = `Sent privately: ${a.name || file.name}.`;
    $('#upload-file').value = '';
  } catch (e) {
    statusNode.textContent = `Upload failed: ${errorText(e)}`;
  }
}

async function onTranscript() {
  const c = state.session.case;
  try {
    const { blob, name } = await downloadFile(`/api/cases/${encodeURIComponent(c.id)}/transcript`, state.session.token, `livehelp-case-${c.id}.txt`);
    saveBlob(blob, name);
  } catch (e) {
    showError('#composer-error', e);
  }
}

function resetToStart() {
  if (state.session) {
    state.session = { token: state.session.token, account: state.session.account };
    save();
  }
  state.log = null;
  renderStart();
}

async function onLeave() {
  const c0 = state.session && state.session.case;
  const sure = await formDialog({
    title: 'Leave this chat?',
    intro: c0 && c0.status === 'queued'
      ? 'Nobody has answered yet, so your request will be withdrawn.'
      : 'You can start a new question afterwards; this chat stays with the helpdesk.',
    submitLabel: 'Leave',
  });
  if (!sure) return;
  const c = state.session && state.session.case;
  if (c && c.status === 'queued' && state.conn) {
    try { await state.conn.call(EV.CASE_ABANDON, { case_id: c.id }); } catch (_) { /* leaving anyway */ }
  }
  if (state.conn) state.conn.disconnect();
  state.conn = null;
  state.session = null;
  save();
  renderStart();
}

function bindComposerKeys() {
  $('#body').addEventListener('input', (e) => sendTyping(e.target.value.trim() !== ''));
  $('#body').addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      $('#composer').requestSubmit();
    }
  });
}

// Embedded (web/static/embed.js): the widget's own Close button hides the frame, and each reply from staff
// is counted on the launcher while the frame is closed. Only a kind and a count cross to the host page,
// never a message's text.
const embedded = window.parent !== window;

function tellHost(type) {
  if (embedded) window.parent.postMessage({ livehelp: type }, '*');
}

async function init() {
  if (embedded) {
    show($('#widget-close'), true);
    $('#widget-close').addEventListener('click', () => tellHost('close'));
  }
  $('#start-form').addEventListener('submit', onStart);
  $('#composer').addEventListener('submit', onSend);
  $('#upload-form').addEventListener('submit', onUpload);
  $('#transcript').addEventListener('click', onTranscript);
  $('#new-question').addEventListener('click', resetToStart);
  $('#leave').addEventListener('click', onLeave);
  bindComposerKeys();
  document.addEventListener('visibilitychange', () => { if (!document.hidden) document.title = 'Live help'; });
  await loadStatus();
  // A link from a reply e-mail: /?resume=TOKEN opens that conversation without asking anything again.
  const resumeToken = new URLSearchParams(location.search).get('resume');
  if (resumeToken) {
    history.replaceState(null, '', location.pathname);
    try {
      const r = await api.post('/api/resume', { token: resumeToken });
      state.session = { token: r.token, account: r.account, case: { id: r.case_id }, room_id: r.room_id };
      save();
    } catch (e) {
      showError('#start-error', e);
    }
  }
  const s = state.session;
  if (s && s.token && s.case && s.room_id) {
    try {
      await connect();
      await openChat();
      return;
    } catch (e) {
      if (e.code === 'unauthenticated') { state.session = null; save(); }
      showError('#start-error', e);
    }
  }
  renderStart();
}

init();
