// Reports in words: the period a report covers ("November 2026", "1 – 15 Nov 2026") and each figure's
// change against the previous period ("2 more", "3 min faster", "no change"), in the viewer's locale.
// Pure functions (no DOM), unit-tested under node in tests/web/units.test.mjs.

const UTC = 'UTC'; // report periods are whole UTC days and months on the server

/**
 * The period in words. `label` is the server's ("2026-11" for a month, "2026-11-01..2026-11-15" for dates);
 * `from`/`to` are its UTC instants, `to` exclusive.
 */
export function periodWords({ label, from, to }, locale = undefined) {
  const start = new Date(from);
  if (/^\d{4}-\d\d$/.test(label || '')) {
    return new Intl.DateTimeFormat(locale, { month: 'long', year: 'numeric', timeZone: UTC }).format(start);
  }
  const last = new Date(new Date(to).getTime() - 86400000); // `to` is the day after the last one
  const fmt = new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'short', year: 'numeric', timeZone: UTC });
  return last.getTime() <= start.getTime() ? fmt.format(start) : fmt.formatRange(start, last);
}

/** The previous period of a report, named the same way ("October 2026"). */
export function previousWords(period, previous, locale = undefined) {
  const monthly = /^\d{4}-\d\d$/.test(period.label || '');
  const prevLabel = monthly ? previous.from.slice(0, 7) : `${previous.from}..${previous.to}`;
  return periodWords({ label: prevLabel, from: previous.from, to: previous.to }, locale);
}

function plural(n, one, many) { return `${n} ${n === 1 ? one : many}`; }

function span(seconds) {
  const s = Math.abs(seconds);
  if (s >= 3600) return `${(s / 3600).toFixed(1).replace(/\.0$/, '')} h`;
  if (s >= 60) return `${Math.round(s / 60)} min`;
  return `${Math.round(s)} s`;
}

/**
 * A figure's change in short words and its tone.
 * kind: 'count' (default), 'seconds' (less is better: faster/slower), 'pct' (points), 'hours'.
 * `neutral` figures (transfers, experts asked) are neither good nor bad when they move.
 * Returns {text, tone, title} with tone 'better' | 'worse' | 'neutral' | 'same' | 'new'.
 */
export function changeWords(value, previous, { kind = 'count', lower = false, neutral = false, previousName = 'before' } = {}) {
  if (value === null || value === undefined) return { text: '', tone: 'same', title: '' };
  if (previous === null || previous === undefined) {
    return { text: 'new', tone: 'new', title: `Nothing to compare with in ${previousName}` };
  }
  if (Number(value) === 0 && Number(previous) === 0) return { text: '', tone: 'same', title: '' }; // nothing to say
  const diff = Number(value) - Number(previous);
  const rounded = kind === 'hours' ? Math.round(diff * 10) / 10 : kind === 'pct' ? Math.round(diff) : diff;
  const title = `${previousName}: ${describe(previous, kind)}`;
  if (rounded === 0 || (kind === 'seconds' && Math.abs(diff) < 1)) return { text: 'no change', tone: 'same', title };
  const up = diff > 0;
  const better = lower ? !up : up;
  let text;
  if (kind === 'seconds') text = `${span(diff)} ${up ? 'slower' : 'faster'}`;
  else if (kind === 'pct') text = `${plural(Math.abs(rounded), 'point', 'points')} ${up ? 'up' : 'down'}`;
  else if (kind === 'hours') text = `${Math.abs(rounded).toFixed(1).replace(/\.0$/, '')} h ${up ? 'more' : 'less'}`;
  else text = `${Math.abs(diff)} ${up ? 'more' : 'fewer'}`;
  return { text, tone: neutral ? 'neutral' : better ? 'better' : 'worse', title };
}

/** A figure as it reads on its own: "12", "3 min", "85 %", "7.5 h". */
export function describe(v, kind = 'count') {
  if (v === null || v === undefined) return '—';
  if (kind === 'seconds') return span(v);
  if (kind === 'pct') return `${Math.round(v)} %`;
  if (kind === 'hours') return `${Number(v).toFixed(1).replace(/\.0$/, '')} h`;
  return String(v);
}
