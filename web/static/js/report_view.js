// The pieces of a report the admin Reports tab and "My figures" both draw: a figure with its change since
// the previous period in words and colour (the words come from report_words.js), and the cycle report's
// columns. One place, so a helper reads their own figures exactly as an admin reads them.

import { el } from './dom.js';
import { changeWords, describe } from './report_words.js';

/** "2 more" / "3 min faster" in the tone's colour, the previous figure on hover; null when nothing to say. */
export function changeNode(value, previous, opts) {
  const c = changeWords(value, previous, opts);
  if (!c.text) return null;
  return el('span', { class: `change change-${c.tone}`, text: c.text, attrs: { title: c.title } });
}

/** A summary card: the figure, its name, its change. */
export function statCard(label, value, previous, opts = {}) {
  return el('div', { class: 'stat' },
    el('strong', { text: describe(value, opts.kind) }),
    el('span', { class: 'stat-label', text: label }),
    changeNode(value, previous, opts));
}

// The cycle report's columns a team lead reads first: [field, heading, kind ('neutral': a count neither
// good nor bad), less is better].
export const CYCLE_COLUMNS = [
  ['taken', 'Taken'], ['resolved', 'Resolved'], ['transferred', 'Transferred', 'neutral'], ['escalated', 'Escalated', 'neutral'],
  ['first_response_p50_seconds', 'First reply (median)', 'seconds', true],
  ['first_response_within_goal_pct', 'Within goal', 'pct'],
  ['resolution_p50_seconds', 'Resolution (median)', 'seconds', true],
  ['duty_hours', 'Hours on duty', 'hours'], ['scheduled_hours', 'Hours scheduled', 'hours'],
  ['expert_requests_made', 'Experts asked', 'neutral'], ['vouches_received', 'Vouches received'],
];

/** The options changeWords takes for a column's kind ('neutral' is a count whose change is neither good nor bad). */
export function figureOptions(kind, lower, previousName) {
  const neutral = kind === 'neutral';
  return { kind: neutral ? 'count' : kind || 'count', lower: !!lower, neutral, previousName };
}

/** One figure of the cycle report ({value, previous}) as the value in bold and its change. */
export function figureParts(fig, kind, lower, previousName) {
  const opts = figureOptions(kind, lower, previousName);
  return [el('strong', { text: describe(fig.value, opts.kind) }),
    fig.value === null || fig.value === undefined ? null : changeNode(fig.value, fig.previous, opts)];
}
