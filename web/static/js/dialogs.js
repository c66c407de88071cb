// Modal dialogs built on <dialog> (focus is trapped and Escape closes them, so they work from the
// keyboard). formDialog() covers the small ones; escalateDialog() is the escalation form.

import { el, errorText } from './dom.js';
import { EV } from './socket.js';

let dialogCounter = 0;

/**
 * Show a modal form. Resolves the values (object of field name -> value) on submit, or null on cancel.
 * `onSubmit(values)` may throw to keep the dialog open and show the error.
 */
export function formDialog({ title, intro, fields = [], submitLabel = 'OK', onSubmit, extra }) {
  return new Promise((resolve) => {
    const id = `dlg-${++dialogCounter}`;
    const error = el('p', { class: 'error', hidden: true, attrs: { role: 'alert' } });
    const inputs = {};
    const rows = fields.map((f) => {
      const fid = `${id}-${f.name}`;
      let input;
      if (f.type === 'textarea') {
        input = el('textarea', { id: fid, name: f.name, rows: f.rows || 3, value: f.value || '', required: !!f.required, maxLength: f.maxLength || 4000 });
      } else if (f.type === 'select') {
        input = el('select', { id: fid, name: f.name, required: !!f.required },
          ...(f.options || []).map((o) => {
            const value = typeof o === 'string' ? o : o.value;
            const label = typeof o === 'string' ? o : o.label;
            return el('option', { value, text: label, selected: value === f.value });
          }));
      } else if (f.type === 'checkbox') {
        input = el('input', { id: fid, name: f.name, type: 'checkbox', checked: !!f.value });
      } else {
        input = el('input', { id: fid, name: f.name, type: f.type || 'text', value: f.value || '', required: !!f.required, autocomplete: f.autocomplete || 'off' });
      }
      inputs[f.name] = input;
      if (f.type === 'checkbox') return el('div', { class: 'check-row' }, input, el('label', { htmlFor: fid, text: f.label }));
      return el('div', { class: 'field' }, el('label', { htmlFor: fid, text: f.label }), input, f.help ? el('p', { class: 'help muted', text: f.help }) : null);
    });
    const cancel = el('button', { type: 'button', text: 'Cancel' });
    const submit = el('button', { type: 'submit', class: 'button-primary', text: submitLabel });
    const form = el('form', { method: 'dialog', novalidate: true },
      el('h2', { id: `${id}-title`, text: title, tabIndex: -1 }),
      intro ? el('p', { class: 'muted', text: intro }) : null,
      ...rows,
      extra || null,
      error,
      el('div', { class: 'dialog-buttons' }, cancel, submit));
    const dialog = el('dialog', { class: 'dialog', attrs: { 'aria-labelledby': `${id}-title` } }, form);
    document.body.append(dialog);
    let done = false;
    const finish = (value) => {
      if (done) return;
      done = true;
      dialog.close();
      dialog.remove();
      resolve(value);
    };
    cancel.addEventListener('click', () => finish(null));
    dialog.addEventListener('cancel', (e) => { e.preventDefault(); finish(null); });
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const values = {};
      for (const f of fields) {
        const input = inputs[f.name];
        values[f.name] = f.type === 'checkbox' ? input.checked : input.value.trim();
        if (f.required && !values[f.name]) {
          error.textContent = `${f.label} is required.`;
          error.hidden = false;
          input.focus();
          return;
        }
      }
      if (onSubmit) {
        submit.disabled = true;
        try {
          const result = await onSubmit(values, { inputs });
          finish(result === undefined ? values : result);
        } catch (err) {
          error.textContent = errorText(err);
          error.hidden = false;
        } finally {
          submit.disabled = false;
        }
        return;
      }
      finish(values);
    });
    dialog.showModal();
    // With no field to fill (a help or history dialog), focus the title so the dialog opens at its top
    // instead of scrolled down to its buttons.
    const first = form.querySelector('input, select, textarea');
    if (first) first.focus();
    else { form.querySelector('h2').focus(); dialog.scrollTop = 0; }
  });
}

let routesCache = null;

export async function loadRoutes(conn) {
  if (routesCache) return routesCache;
  const ack = await conn.call(EV.ESCALATION_ROUTES, {});
  routesCache = { routes: ack.routes || [], experts: ack.experts || ack.expert_teams || null };
  return routesCache;
}

/**
 * The escalate dialog: route, priority, note, the route's checklist, and the experts choice.
 * Resolves the updated case (or null when cancelled).
 */
export async function escalateDialog(conn, caseObj, prefill = {}) {
  let data;
  try {
    data = await loadRoutes(conn);
  } catch (e) {
    data = { routes: [], experts: null, error: e };
  }
  const { routes } = data;
  const experts = new Set(data.experts || []);
  for (const r of routes) if (r.team && /^experts?[:.]/.test(r.team)) experts.add(r.team);

  return new Promise((resolve) => {
    const id = `esc-${++dialogCounter}`;
    const error = el('p', { class: 'error', hidden: !data.error, text: data.error ? `Routes could not be loaded: ${errorText(data.error)}` : '', attrs: { role: 'alert' } });
    const routeSelect = el('select', { id: `${id}-route`, name: 'route' },
      el('option', { value: '', text: routes.length ? 'Choose a route…' : 'No routes configured' }),
      ...routes.map((r) => el('option', { value: r.name, text: r.team ? `${r.name} → ${r.team}` : r.name, selected: r.name === prefill.route })));
    const prioritySelect = el('select', { id: `${id}-priority`, name: 'priority' });
    const note = el('textarea', { id: `${id}-note`, name: 'note', rows: 3, value: prefill.note || '', maxLength: 4000 });
    const routeInfo = el('p', { class: 'help muted', attrs: { 'aria-live': 'polite' } });
    const categorySelect = el('select', { id: `${id}-category`, name: 'category' });
    const categoryRow = el('div', { class: 'field', hidden: true }, el('label', { htmlFor: `${id}-category`, text: 'Category' }), categorySelect);
    const checklistBox = el('fieldset', { class: 'checklist', hidden: true },
      el('legend', { text: 'This route asks you to confirm:' }));
    const checklistItems = el('div');
    checklistBox.append(checklistItems);
    const expertSelect = el('select', { id: `${id}-expert`, name: 'expert' },
      el('option', { value: '', text: 'No expert team' }),
      ...Array.from(experts).map((t) => el('option', { value: t, text: t })));
    const expertOther = el('input', { id: `${id}-expert-other`, name: 'expert_other', placeholder: 'or type a team, e.g. experts:frontend', autocomplete: 'off' });

    const currentRoute = () => routes.find((x) => x.name === routeSelect.value);
    // The checklist can depend on the priority (e.g. a blocker asks more than a low one).
    const renderChecklist = () => {
      const r = currentRoute();
      const detail = r && (r.priority_details || []).find((d) => d.name === prioritySelect.value);
      const items = detail && Array.isArray(detail.checklist) && (detail.checklist.length || !(r.checklist || []).length)
        ? detail.checklist : ((r && r.checklist) || []);
      const checked = new Set(Array.from(checklistItems.querySelectorAll('input:checked')).map((b) => b.value));
      checklistItems.replaceChildren(...items.map((text, i) => el('div', { class: 'check-row' },
        el('input', { type: 'checkbox', id: `${id}-check-${i}`, value: text, checked: checked.has(text) }),
        el('label', { htmlFor: `${id}-check-${i}`, text }))));
      checklistBox.hidden = items.length === 0;
      const info = [];
      if (r && r.description) info.push(/[.!?]$/.test(r.description) ? r.description : `${r.description}.`);
      if (detail && detail.target_seconds) info.push(`Response target: ${Math.round(detail.target_seconds / 3600 * 10) / 10} h.`);
      if (detail && detail.pages_on_call) info.push('This priority pages the on-call staff at once.');
      if (r && r.confirm_first) info.push('The requester is asked to agree to the hand-off first.');
      if (r && r.holding_reply) info.push(`The requester will read: “${r.holding_reply}”`);
      routeInfo.textContent = info.join(' ');
    };
    const renderRoute = () => {
      const r = currentRoute();
      const priorities = (r && r.priorities && r.priorities.length) ? r.priorities : ['normal'];
      prioritySelect.replaceChildren(...priorities.map((p, i) => el('option', {
        value: p, text: i === 0 && priorities.length > 1 ? `${p} (highest)` : p, selected: p === prefill.priority,
      })));
      if (!prefill.priority || !priorities.includes(prefill.priority)) {
        const normal = priorities.indexOf('normal');
        prioritySelect.selectedIndex = normal >= 0 ? normal : priorities.length - 1;
      }
      const cats = (r && r.categories) || [];
      categorySelect.replaceChildren(el('option', { value: '', text: 'Choose a category…' }), ...cats.map((c) => el('option', { value: c, text: c })));
      categoryRow.hidden = cats.length === 0;
      renderChecklist();
    };
    routeSelect.addEventListener('change', renderRoute);
    prioritySelect.addEventListener('change', renderChecklist);
    renderRoute();

    const cancel = el('button', { type: 'button', text: 'Cancel' });
    const submit = el('button', { type: 'submit', class: 'button-primary', text: 'Escalate' });
    const form = el('form', { novalidate: true },
      el('h2', { id: `${id}-title`, text: `Escalate case #${caseObj.id}` }),
      el('p', { class: 'muted', text: 'The requester gets a holding reply; the note and checklist stay with staff.' }),
      el('div', { class: 'field' }, el('label', { htmlFor: `${id}-route`, text: 'Route' }), routeSelect),
      routeInfo,
      el('div', { class: 'field' }, el('label', { htmlFor: `${id}-priority`, text: 'Priority' }), prioritySelect),
      categoryRow,
      el('div', { class: 'field' }, el('label', { htmlFor: `${id}-note`, text: 'Note for the team (staff only)' }), note),
      checklistBox,
      el('fieldset', { class: 'experts' },
        el('legend', { text: 'Experts' }),
        el('p', { class: 'help muted', text: 'Ask an expert team to join this case (with or without escalating it).' }),
        el('label', { htmlFor: `${id}-expert`, text: 'Expert team' }), expertSelect,
        el('label', { htmlFor: `${id}-expert-other`, class: 'sr-only', text: 'Other expert team' }), expertOther),
      error,
      el('div', { class: 'dialog-buttons' }, cancel, submit));
    const dialog = el('dialog', { class: 'dialog dialog-escalate', attrs: { 'aria-labelledby': `${id}-title` } }, form);
    document.body.append(dialog);
    let done = false;
    const finish = (value) => {
      if (done) return;
      done = true;
      dialog.close();
      dialog.remove();
      resolve(value);
    };
    cancel.addEventListener('click', () => finish(null));
    dialog.addEventListener('cancel', (e) => { e.preventDefault(); finish(null); });
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      error.hidden = true;
      const route = routeSelect.value;
      const expert = expertOther.value.trim() || expertSelect.value;
      if (!route && !expert) {
        error.textContent = 'Choose a route, or an expert team.';
        error.hidden = false;
        routeSelect.focus();
        return;
      }
      const boxes = Array.from(checklistItems.querySelectorAll('input[type=checkbox]'));
      const confirmed = boxes.filter((b) => b.checked).map((b) => b.value);
      if (route && confirmed.length < boxes.length) {
        error.textContent = 'Please confirm every checklist item before escalating.';
        error.hidden = false;
        boxes.find((b) => !b.checked).focus();
        return;
      }
      if (route && !categoryRow.hidden && !categorySelect.value) {
        error.textContent = 'Choose a category for this route.';
        error.hidden = false;
        categorySelect.focus();
        return;
      }
      if (route && !note.value.trim()) {
        error.textContent = 'Please write a note for the team.';
        error.hidden = false;
        note.focus();
        return;
      }
      submit.disabled = true;
      try {
        let result = caseObj;
        if (route) {
          const payload = { case_id: caseObj.id, route, note: note.value.trim(), priority: prioritySelect.value };
          if (boxes.length) payload.checklist = confirmed;
          if (!categoryRow.hidden) payload.category = categorySelect.value;
          const ack = await conn.call(EV.CASE_ESCALATE, payload);
          result = ack.case || result;
        }
        if (expert) {
          const ack = await conn.call(EV.CASE_INVOLVE_EXPERT, { case_id: caseObj.id, team: expert });
          result = ack.case || result;
        }
        finish(result);
      } catch (err) {
        error.textContent = errorText(err);
        error.hidden = false;
      } finally {
        submit.disabled = false;
      }
    });
    dialog.showModal();
    routeSelect.focus();
  });
}
