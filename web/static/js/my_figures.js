// "My figures": every staff member's own row of the cycle report (GET /api/reports/cycle) for a month,
// each figure with its change since the month before, in the words and colours of the admin Reports tab
// (report_words.js, report_view.js) and a chart of the counts (charts.js). The server gives a non-admin
// only their own row; this view also picks the signed-in account's row, so an admin sees theirs too.

import { el, errorText, showPanel } from './dom.js';
import { api } from './api.js';
import { periodWords, previousWords, describe } from './report_words.js';
import { statCard, figureOptions, CYCLE_COLUMNS } from './report_view.js';
import { barChart, loadCharts } from './charts.js';

// The figures in reading order; the 90th percentiles are beside their medians.
const P90 = {
  first_response_p90_seconds: ['first_response_p90_seconds', 'First reply (9 in 10 within)', 'seconds', true],
  resolution_p90_seconds: ['resolution_p90_seconds', 'Resolution (9 in 10 within)', 'seconds', true],
};
const ORDER = ['taken', 'resolved', 'first_response_p50_seconds', 'first_response_p90_seconds',
  'first_response_within_goal_pct', 'resolution_p50_seconds', 'resolution_p90_seconds', 'duty_hours',
  'scheduled_hours', 'expert_requests_made', 'vouches_received'];
export const MY_COLUMNS = ORDER.map((f) => CYCLE_COLUMNS.find(([name]) => name === f) || P90[f]);
const CHARTED = ['taken', 'resolved', 'expert_requests_made', 'vouches_received'];

/** The signed-in account's row, never anyone else's (null when the report has none for them). */
export function ownRow(report, accountId) {
  return (report.agents || []).find((a) => String(a.account.id) === String(accountId)) || null;
}

function sentence(err) {
  const text = errorText(err).replace(/'month'/g, 'the month');
  const t = text.charAt(0).toUpperCase() + text.slice(1);
  return /[.!?]$/.test(t) ? t : `${t}.`;
}

/** Add the "My figures" button to the header of every staff page. */
export function setupMyFigures(ctx, bar) {
  if (bar.querySelector('#my-figures-open')) return;
  const button = el('button', { type: 'button', id: 'my-figures-open', class: 'link-button', text: 'My figures' });
  button.addEventListener('click', () => openMyFigures(ctx));
  const before = bar.querySelector('#help-open') || bar.querySelector('#sign-out');
  bar.insertBefore(button, before);
}

/** The dialog: a month, its figures as cards with their change, a chart of the counts. */
export function openMyFigures(ctx) {
  const month = el('input', { id: 'my-figures-month', type: 'month' });
  const form = el('form', { class: 'month-form', novalidate: true },
    el('div', { class: 'field' }, el('label', { htmlFor: 'my-figures-month', text: 'Month' }), month),
    el('button', { type: 'submit', text: 'Show' }));
  const period = el('p', { id: 'my-figures-period', class: 'muted', attrs: { role: 'status' } });
  const error = el('p', { class: 'error', id: 'my-figures-error', hidden: true, attrs: { role: 'alert' } });
  const cards = el('div', { class: 'summary report-cards', id: 'my-figures-cards' });
  const chart = el('div', { id: 'my-figures-chart' });
  const close = el('button', { type: 'button', text: 'Close' });
  const dialog = el('dialog', { class: 'dialog dialog-wide', id: 'my-figures', attrs: { 'aria-labelledby': 'my-figures-title' } },
    el('h2', { id: 'my-figures-title', text: 'My figures', tabIndex: -1 }),
    el('p', { class: 'muted', text: 'Your own figures only. Each shows its change since the month before: green is better, red is worse.' }),
    form, period, error, cards, chart,
    el('div', { class: 'dialog-buttons' }, close));

  async function load() {
    const params = new URLSearchParams();
    if (month.value) params.set('month', month.value);
    try {
      const [report] = await Promise.all([api.get(`/api/reports/cycle?${params}`, ctx.session.token), loadCharts()]);
      error.hidden = true;
      if (!month.value) month.value = report.period.label;
      const now = periodWords(report.period);
      const before = previousWords(report.period, report.previous_period);
      period.textContent = `${now}, compared with ${before}`;
      const row = ownRow(report, ctx.session.account.id);
      if (!row) {
        cards.replaceChildren(el('p', { class: 'muted', text: `No figures for you in ${now}.` }));
        chart.replaceChildren();
        return;
      }
      const f = row.figures;
      cards.replaceChildren(...MY_COLUMNS.map(([name, label, kind, lower]) => {
        const fig = f[name] || {};
        const card = statCard(label, fig.value, fig.previous, figureOptions(kind, lower, before));
        card.dataset.field = name;
        if (name === 'first_response_within_goal_pct') {
          card.append(el('span', { class: 'stat-detail', text: `goal: first reply within ${describe(report.first_response_goal_seconds, 'seconds')}` }));
        }
        if (name === 'duty_hours' && f.scheduled_hours && f.scheduled_hours.value) {
          card.append(el('span', { class: 'stat-detail', text: `of ${describe(f.scheduled_hours.value, 'hours')} scheduled` }));
        }
        return card;
      }));
      const labels = CHARTED.map((name) => MY_COLUMNS.find(([n]) => n === name)[1]);
      const current = CHARTED.map((name) => f[name].value || 0);
      const previous = CHARTED.map((name) => f[name].previous || 0);
      chart.replaceChildren(barChart('chart-my-figures', {
        title: 'My cases and requests', labels, current, previous, names: [now, before],
        summary: labels.map((l, i) => `${l}: ${current[i]} (${before}: ${previous[i]})`).join('; '),
      }));
    } catch (err) {
      cards.replaceChildren();
      chart.replaceChildren();
      period.textContent = '';
      error.textContent = sentence(err);
      error.hidden = false;
    }
  }

  form.addEventListener('submit', (e) => { e.preventDefault(); load(); });
  showPanel(dialog, close, 'my-figures-open');
  return load();
}
