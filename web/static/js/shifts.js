// "My shifts": every helper, trainee and monitor sees and edits their own shifts from the header of any
// staff page (GET/POST /api/me/shifts, PATCH/DELETE /api/shifts/{id}). The server decides who may change
// what; this view only offers a person their own rows and says the server's refusals as sentences.

import { el, errorText, showPanel, relTime } from './dom.js';
import { api } from './api.js';

const SHIFT_ROLES = ['helper', 'trainee', 'monitor'];

export function worksShifts(account) {
  return ((account && account.roles) || []).some((r) => SHIFT_ROLES.includes(r));
}

/** A server sentence made readable: field names in words, a capital and a full stop. */
export function shiftError(err) {
  let text = errorText(err)
    .replace(/'ends_at'/g, 'the end').replace(/'starts_at'/g, 'the start')
    .replace(/'until'/g, 'the last week').replace(/'note'/g, 'the note');
  text = text.charAt(0).toUpperCase() + text.slice(1);
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

/** "2026-12-07T09:00" in the viewer's zone, for <input type="datetime-local">. */
export function localInputValue(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

const DAY_TIME = { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' };
const TIME = { hour: '2-digit', minute: '2-digit' };

/** How a stored shift reads: "Mon 7 Dec, 09:00 – 17:00", or "Every Monday, 09:00 – 17:00, from 7 Dec". */
export function describeShift(s) {
  const a = new Date(s.first_starts_at || s.starts_at);
  const b = new Date(s.ends_at);
  if (!s.weekly) return new Intl.DateTimeFormat(undefined, DAY_TIME).formatRange(a, b);
  const weekday = new Intl.DateTimeFormat(undefined, { weekday: 'long' }).format(a);
  const times = new Intl.DateTimeFormat(undefined, TIME).formatRange(a, b);
  const day = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short' });
  const until = s.until ? `, until ${day.format(new Date(s.until))}` : '';
  return `Every ${weekday}, ${times}, from ${day.format(a)}${until}`;
}

/** "On shift now, until 17:00" or "Next shift: Tue 8 Dec, 09:00 – 17:00 (in 2 days)", from the occurrences. */
export function nextShiftWords(occurrences, now = new Date()) {
  const upcoming = occurrences.filter((o) => new Date(o.ends_at) > now)
    .sort((a, b) => new Date(a.starts_at) - new Date(b.starts_at));
  if (!upcoming.length) return 'No shift in the next two weeks.';
  const o = upcoming[0];
  const a = new Date(o.starts_at);
  const b = new Date(o.ends_at);
  if (a <= now) return `On shift now, until ${new Intl.DateTimeFormat(undefined, TIME).format(b)}.`;
  return `Next shift: ${new Intl.DateTimeFormat(undefined, DAY_TIME).formatRange(a, b)} (${relTime(o.starts_at, now.getTime())}).`;
}

/** Add the "My shifts" button to the header; clicking it opens the dialog. */
export function setupMyShifts(ctx, bar) {
  if (!worksShifts(ctx.session.account) || bar.querySelector('#my-shifts-open')) return;
  const button = el('button', { type: 'button', id: 'my-shifts-open', class: 'link-button', text: 'My shifts' });
  button.addEventListener('click', () => openMyShifts(ctx));
  const before = bar.querySelector('#help-open') || bar.querySelector('#sign-out');
  bar.insertBefore(button, before);
}

/** The dialog: my shifts as a list (edit, remove with a confirmation) and a form to add or change one. */
export function openMyShifts(ctx) {
  const token = () => ctx.session.token;
  const list = el('ul', { class: 'shift-list', id: 'my-shifts-list' });
  const empty = el('p', { class: 'muted', id: 'my-shifts-empty', text: 'No shifts planned yet. Add your first one below.', hidden: true });
  const status = el('p', { class: 'muted', id: 'my-shifts-status', attrs: { role: 'status' } });
  const next = el('p', { class: 'next-shift', id: 'my-next-shift' });
  const error = el('p', { class: 'error', id: 'my-shifts-error', hidden: true, attrs: { role: 'alert' } });
  const start = el('input', { id: 'my-shift-start', type: 'datetime-local', required: true });
  const end = el('input', { id: 'my-shift-end', type: 'datetime-local', required: true });
  const weekly = el('input', { id: 'my-shift-weekly', type: 'checkbox' });
  const note = el('input', { id: 'my-shift-note', maxLength: 200, autocomplete: 'off' });
  const formTitle = el('h3', { id: 'my-shift-form-title', text: 'Add a shift' });
  const submit = el('button', { type: 'submit', class: 'button-primary', text: 'Add shift' });
  const cancelEdit = el('button', { type: 'button', text: 'Cancel change', hidden: true });
  const form = el('form', { class: 'shift-form', novalidate: true, attrs: { 'aria-labelledby': 'my-shift-form-title' } },
    formTitle,
    el('div', { class: 'field' }, el('label', { htmlFor: 'my-shift-start', text: 'Starts' }), start),
    el('div', { class: 'field' }, el('label', { htmlFor: 'my-shift-end', text: 'Ends' }), end),
    el('div', { class: 'check-row' }, weekly, el('label', { htmlFor: 'my-shift-weekly', text: 'Every week' })),
    el('div', { class: 'field' }, el('label', { htmlFor: 'my-shift-note', text: 'Note (optional)' }), note),
    error,
    el('div', { class: 'dialog-buttons' }, cancelEdit, submit));
  const close = el('button', { type: 'button', text: 'Close' });
  const dialog = el('dialog', { class: 'dialog dialog-wide', id: 'my-shifts', attrs: { 'aria-labelledby': 'my-shifts-title' } },
    el('h2', { id: 'my-shifts-title', text: 'My shifts', tabIndex: -1 }),
    el('p', { class: 'muted', text: 'Times are in your time zone. While a shift runs you are on duty and receive requests.' }),
    next, status, list, empty, form,
    el('div', { class: 'dialog-buttons' }, close));
  let editing = null;

  const say = (text) => { error.textContent = text; error.hidden = !text; };
  const resetForm = () => {
    editing = null;
    form.reset();
    formTitle.textContent = 'Add a shift';
    submit.textContent = 'Add shift';
    cancelEdit.hidden = true;
    say('');
  };

  const row = (s) => {
    const label = describeShift(s);
    const text = el('span', { class: 'shift-when', text: label });
    const noteText = s.note ? el('span', { class: 'shift-note muted', text: s.note }) : null;
    const edit = el('button', { type: 'button', class: 'button-small', text: 'Change', attrs: { 'aria-label': `Change shift: ${label}` } });
    const remove = el('button', { type: 'button', class: 'button-small', text: 'Remove', attrs: { 'aria-label': `Remove shift: ${label}` } });
    const actions = el('span', { class: 'row-actions' }, edit, remove);
    const li = el('li', { class: 'shift-row', dataset: { id: String(s.id) } }, el('span', { class: 'shift-text' }, text, noteText), actions);
    edit.addEventListener('click', () => {
      editing = s;
      start.value = localInputValue(s.starts_at); // the stored row: a weekly shift's first week
      end.value = localInputValue(s.ends_at);
      weekly.checked = !!s.weekly;
      note.value = s.note || '';
      formTitle.textContent = 'Change this shift';
      submit.textContent = 'Save change';
      cancelEdit.hidden = false;
      say('');
      start.focus();
    });
    remove.addEventListener('click', () => {
      // Confirm in place: the row asks, Remove again does it, Keep puts the row back.
      const yes = el('button', { type: 'button', class: 'button-small button-warn', text: 'Yes, remove' });
      const keep = el('button', { type: 'button', class: 'button-small', text: 'Keep' });
      actions.replaceChildren(el('span', { class: 'confirm-text', text: 'Remove this shift?' }), yes, keep);
      keep.addEventListener('click', () => { actions.replaceChildren(edit, remove); remove.focus(); });
      yes.addEventListener('click', async () => {
        try {
          await api.del(`/api/shifts/${encodeURIComponent(s.id)}`, token());
          status.textContent = `Removed: ${label}.`;
          if (editing && editing.id === s.id) resetForm();
          await load();
        } catch (err) {
          say(shiftError(err));
        }
      });
      yes.focus();
    });
    return li;
  };

  async function load() {
    try {
      const from = new Date();
      const to = new Date(from.getTime() + 14 * 86400000);
      const data = await api.get(`/api/me/shifts?from=${encodeURIComponent(from.toISOString())}&to=${encodeURIComponent(to.toISOString())}`, token());
      const shifts = data.shifts || [];
      list.replaceChildren(...shifts.map(row));
      empty.hidden = shifts.length > 0;
      next.textContent = nextShiftWords(data.occurrences || [], from);
    } catch (err) {
      list.replaceChildren();
      say(shiftError(err));
    }
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!start.value || !end.value) { say('Give the start and the end.'); (start.value ? end : start).focus(); return; }
    const body = {
      starts_at: new Date(start.value).toISOString(), ends_at: new Date(end.value).toISOString(),
      weekly: weekly.checked, note: note.value.trim() || null,
    };
    submit.disabled = true;
    try {
      if (editing) {
        await api.patch(`/api/shifts/${encodeURIComponent(editing.id)}`, body, token());
        status.textContent = 'Shift changed.';
      } else {
        await api.post('/api/me/shifts', body, token());
        status.textContent = 'Shift added.';
      }
      resetForm();
      await load();
    } catch (err) {
      say(shiftError(err));
    } finally {
      submit.disabled = false;
    }
  });
  cancelEdit.addEventListener('click', resetForm);
  showPanel(dialog, close, 'my-shifts-open');
  return load();
}
