// Bar charts for the admin Reports tab, drawn with Chart.js (web/node_modules/chart.js, pinned in
// web/package-lock.json, served at /vendor/chart.umd.min.js as window.Chart). Each chart is a <canvas>
// with role="img" and a label that says what it shows; the table beside it holds every figure, so the
// chart is never the only way to read them.

import { el } from './dom.js';

const charts = new Map(); // canvas id -> Chart, so a redraw replaces instead of stacking

function cssVar(name, fallback) {
  const v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return v || fallback;
}

export function chartsAvailable() { return typeof window.Chart === 'function'; }

let loading = null;

/** Load Chart.js on a page that does not carry its script tag (the console, the monitor) the first time a
 * chart is wanted; resolves either way (without it the chart says so and the figures stay readable). */
export function loadCharts() {
  if (chartsAvailable()) return Promise.resolve(true);
  if (!loading) {
    loading = new Promise((resolve) => {
      const script = el('script', { src: '/vendor/chart.umd.min.js' });
      script.addEventListener('load', () => resolve(chartsAvailable()));
      script.addEventListener('error', () => { loading = null; resolve(false); });
      document.head.append(script);
    });
  }
  return loading;
}

/**
 * A grouped bar chart of this period against the previous one.
 * labels: category names; current/previous: numbers per label; names: [currentName, previousName].
 */
export function barChart(id, { title, labels, current, previous, names, summary }) {
  const old = charts.get(id);
  if (old) { old.destroy(); charts.delete(id); }
  const canvas = el('canvas', { id, attrs: { role: 'img', 'aria-label': `${title}. ${summary}` } });
  const box = el('figure', { class: 'chart' },
    el('figcaption', { class: 'chart-title', text: title }),
    el('div', { class: 'chart-box' }, canvas));
  if (!chartsAvailable()) {
    box.append(el('p', { class: 'muted', text: 'The chart could not be drawn (Chart.js is not installed); the table below has every figure.' }));
    return box;
  }
  const fg = cssVar('--fg', '#1a1a1a');
  const line = cssVar('--line', '#c8c8c8');
  const accent = cssVar('--accent', '#0b5cad');
  const muted = cssVar('--muted', '#4f4f4f');
  window.Chart.defaults.font.size = 13;
  window.Chart.defaults.font.family = getComputedStyle(document.documentElement).fontFamily;
  // Drawn once the canvas is in the page (Chart.js sizes it to its box).
  requestAnimationFrame(() => {
    if (!canvas.isConnected) return;
    const chart = new window.Chart(canvas, {
      type: 'bar',
      data: {
        labels,
        datasets: [
          { label: names[0], data: current, backgroundColor: accent, borderRadius: 3, maxBarThickness: 56 },
          { label: names[1], data: previous, backgroundColor: line, borderColor: muted, borderWidth: 1, borderRadius: 3, maxBarThickness: 56 },
        ],
      },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        scales: {
          x: { ticks: { color: fg }, grid: { display: false } },
          y: { beginAtZero: true, ticks: { color: fg, precision: 0 }, grid: { color: line } },
        },
        plugins: { legend: { labels: { color: fg } } },
      },
    });
    charts.set(id, chart);
    canvas.dataset.drawn = 'true';
  });
  return box;
}
