// Getting staff attention: a short tone (WebAudio, no sound files needed), a browser notification
// when permitted, a count in the tab title, and a banner that stays until someone dismisses it.

import { el, liveRegion, withTimes } from './dom.js';

let audioCtx = null;

/** Call from a user gesture (login click) so browsers allow sound later. */
export function unlockAudio() {
  try {
    const Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx) return;
    if (!audioCtx) audioCtx = new Ctx();
    if (audioCtx.state === 'suspended') audioCtx.resume();
  } catch (_) { /* no audio */ }
}

/** Play a tone pattern: 'request' (two rising notes) or 'urgent' (three sharp beeps). */
export function beep(pattern = 'request') {
  try {
    // Tests (and the curious) can see which tone played, even with no audio device.
    window.dispatchEvent(new CustomEvent('livehelp:tone', { detail: pattern }));
    if (!audioCtx) unlockAudio();
    if (!audioCtx) return;
    const notes = pattern === 'urgent' ? [[880, 0], [880, 0.22], [880, 0.44]]
      : pattern === 'reply' ? [[784, 0]] : [[660, 0], [880, 0.18]];
    const t0 = audioCtx.currentTime + 0.01;
    for (const [freq, at] of notes) {
      const osc = audioCtx.createOscillator();
      const gain = audioCtx.createGain();
      osc.type = pattern === 'urgent' ? 'square' : 'sine';
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.0001, t0 + at);
      gain.gain.exponentialRampToValueAtTime(0.2, t0 + at + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, t0 + at + 0.16);
      osc.connect(gain).connect(audioCtx.destination);
      osc.start(t0 + at);
      osc.stop(t0 + at + 0.18);
    }
  } catch (_) { /* sound is a bonus */ }
}

export function notificationsSupported() { return 'Notification' in window; }

export async function askNotificationPermission() {
  if (!notificationsSupported()) return 'unsupported';
  if (Notification.permission === 'default') {
    try { return await Notification.requestPermission(); } catch (_) { return 'denied'; }
  }
  return Notification.permission;
}

export function notify(title, body, tag) {
  if (!notificationsSupported() || Notification.permission !== 'granted') return;
  if (document.visibilityState === 'visible' && document.hasFocus()) return;
  try {
    const n = new Notification(title, { body, tag, renotify: !!tag });
    n.onclick = () => { window.focus(); n.close(); };
  } catch (_) { /* some browsers only allow notifications from a service worker */ }
}

/** Keeps "(N) Base title" in the tab title. */
export class TitleCounter {
  constructor(base) { this.base = base; this.count = 0; this.render(); }
  set(n) { this.count = Math.max(0, n); this.render(); }
  render() { document.title = this.count > 0 ? `(${this.count}) ${this.base}` : this.base; }
}

/**
 * A stack of alert banners (role="alert") floating over the page: urgent and warning ones stay until
 * dismissed or cleared by key, information goes by itself; urgent ones beep and flash.
 * @param {HTMLElement} container
 */
export class AlertStack {
  constructor(container) {
    this.container = container;
    this.announce = liveRegion('sr-alerts', 'assertive');
    // While banners show, the page keeps the room they take at the bottom of the window free
    // (--banner-room, read by the stylesheet), so no control of the page lies under a banner.
    const update = () => this.reserveRoom();
    new MutationObserver(update).observe(container, { childList: true });
    if (window.ResizeObserver) new ResizeObserver(update).observe(container);
    window.addEventListener('resize', update);
  }

  /** --banner-room: from the top of the highest banner to the bottom of the window, 0 with none showing. */
  reserveRoom() {
    const root = document.documentElement;
    const shown = this.container.childElementCount > 0;
    const room = shown ? Math.ceil(window.innerHeight - this.container.getBoundingClientRect().top + 8) : 0;
    const value = `${Math.max(0, room)}px`;
    if (root.style.getPropertyValue('--banner-room') !== value) root.style.setProperty('--banner-room', value);
  }

  has(key) { return !!this.container.querySelector(`[data-key="${CSS.escape(key)}"]`); }

  /** Take down the banner pushed with `key` (its condition cleared: the connection is back, say). */
  clear(key) {
    const box = this.container.querySelector(`[data-key="${CSS.escape(key)}"]`);
    if (box) box.remove();
  }

  /**
   * Take down the banners about waiting requests once none of their cases waits any more (a
   * "Cases waiting" or "Request still unclaimed" banner after the case was claimed). `queued`: ids queued now.
   */
  settle(queued) {
    for (const box of this.container.querySelectorAll('[data-cases]')) {
      const ids = box.dataset.cases.split(' ').filter(Boolean);
      if (!ids.some((id) => queued.has(id))) box.remove();
    }
  }

  push({ title, text, kind = 'info', actions = [], key, quiet = false, cases = null }) {
    if (key) {
      const old = this.container.querySelector(`[data-key="${CSS.escape(key)}"]`);
      if (old) old.remove();
    }
    const dismiss = el('button', { type: 'button', class: 'alert-dismiss', text: 'Dismiss', attrs: { 'aria-label': `Dismiss alert: ${title}` } });
    const data = { ...(key ? { key } : {}), ...(cases && cases.length ? { cases: cases.join(' ') } : {}) };
    const box = el('div', { class: ['alert', `alert-${kind}`], dataset: data, attrs: { role: 'alert' } },
      el('strong', { class: 'alert-title', text: title }),
      text ? el('span', { class: 'alert-text' }, ...withTimes(text)) : null,
      el('span', { class: 'alert-actions' }, ...actions.map((a) => el('button', {
        type: 'button', class: 'button-small', text: a.label,
        on: { click: () => { a.run(); if (a.dismiss !== false) box.remove(); } },
      })), dismiss),
    );
    dismiss.addEventListener('click', () => box.remove());
    this.container.prepend(box);
    if (kind === 'urgent') beep('urgent');
    else if (kind === 'warning' && !quiet) beep('request');
    else setTimeout(() => box.remove(), 20000); // information only: it goes away by itself
    return box;
  }
}

// kind -> [title, fallback text, urgency]. Urgent ones beep, flash and stay until dismissed.
export const ALERT_TEXT = {
  personal_escalation: ['Personal escalation', 'A requester may be in distress: a monitor is needed now.', 'urgent'],
  sla_breach: ['Response goal missed', 'A requester has waited longer than the response goal.', 'urgent'],
  blocker: ['Blocker: you are paged', 'A blocker was escalated and needs someone now.', 'urgent'],
  escalation: ['New escalation', 'A case was escalated to your team.', 'warning'],
  expert_mention: ['Expert needed', 'Your expert team was asked to help on a case.', 'warning'],
  transfer: ['Case transferred', 'A case was transferred to you.', 'warning'],
  supervision: ['Supervision', 'Supervision changed on a case.', 'info'],
  supervision_ended: ['Supervision ended', 'You no longer supervise this case.', 'info'],
  supervision_lost: ['Supervision lost', 'Your monitor left: the case is read-only for you again.', 'warning'],
  takeover: ['Case taken over', 'A monitor took this case over.', 'warning'],
  handback: ['Case handed back', 'The case is yours again.', 'info'],
  vouch: ['Vouch received', 'Someone vouched for you.', 'info'],
  promotion_eligible: ['Eligible for promotion', 'A trainee has enough vouches to be promoted.', 'info'],
  promoted: ['Promoted', 'You are a helper now.', 'info'],
  waiting_cases: ['Cases waiting', 'Requests are waiting for someone on duty.', 'warning'],
  unclaimed: ['Request still unclaimed', 'A request has waited a while with nobody claiming it.', 'warning'],
};
