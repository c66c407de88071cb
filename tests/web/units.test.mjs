// Unit tests for the browser client's pure modules, run with node's test runner
// (tests/web/test_js_units.py runs this file from pytest).
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { parse, cannedMatches, shortcutKey } from '../../web/static/js/commands.js';
import { SeqTracker } from '../../web/static/js/socket.js';

test('plain text is chat; // escapes a leading slash', () => {
  assert.deepEqual(parse('hello'), { type: 'send', kind: 'chat', body: 'hello' });
  assert.deepEqual(parse('//etc/hosts is fine'), { type: 'send', kind: 'chat', body: '/etc/hosts is fine' });
  assert.equal(parse('   ').type, 'empty');
});

test('IRC commands', () => {
  assert.deepEqual(parse('/me waves'), { type: 'send', kind: 'chat', body: '/me waves' });
  assert.deepEqual(parse('/whisper check the logs'), { type: 'send', kind: 'whisper', body: 'check the logs' });
  assert.deepEqual(parse('/note called back'), { type: 'send', kind: 'note', body: 'called back' });
  assert.deepEqual(parse('/escalate social needs a human'), { type: 'action', action: 'escalate', route: 'social', note: 'needs a human' });
  assert.deepEqual(parse('/escalate'), { type: 'action', action: 'escalate', route: '', note: '' });
  assert.equal(parse('/hold').action, 'hold');
  assert.deepEqual(parse('/resolve fixed by reboot'), { type: 'action', action: 'resolve', summary: 'fixed by reboot' });
  assert.deepEqual(parse('/join #triage'), { type: 'join', room: '#triage' });
  assert.deepEqual(parse('/join triage'), { type: 'join', room: '#triage' });
  assert.equal(parse('/help').type, 'help');
  assert.equal(parse('/whisper').type, 'error');
  assert.equal(parse('/frobnicate').type, 'error');
});

test('canned responses by ;shortcut', () => {
  const canned = [{ shortcut: ';hello', text: 'Hello! How can I help?' }, { shortcut: 'hours', text: 'We are open 9-17.' }];
  assert.deepEqual(cannedMatches(';h', canned).map((c) => c.text), ['Hello! How can I help?', 'We are open 9-17.']);
  assert.deepEqual(cannedMatches(';ho', canned).map((c) => shortcutKey(c.shortcut)), ['hours']);
  assert.deepEqual(cannedMatches('; h', canned), []);
  assert.deepEqual(cannedMatches('hello', canned), []);
});

test('seq tracking: duplicates dropped, gaps held back from sync', () => {
  const t = new SeqTracker();
  t.start(7, 0);
  assert.equal(t.see(7, 1), true);
  assert.equal(t.see(7, 1), false);
  assert.equal(t.see(7, 3), true); // 2 is missing
  assert.deepEqual(t.since(), { 7: 1 });
  assert.equal(t.see(7, 2), true);
  assert.deepEqual(t.since(), { 7: 3 });
  assert.equal(t.see('7', 3), false); // room ids from JSON object keys are strings
});

import { periodWords, previousWords, changeWords } from '../../web/static/js/report_words.js';

test('report periods read in words, not ISO text', () => {
  assert.equal(periodWords({ label: '2026-11', from: '2026-11-01T00:00:00Z', to: '2026-12-01T00:00:00Z' }, 'en-US'), 'November 2026');
  assert.match(periodWords({ label: '2026-11-01..2026-11-15', from: '2026-11-01T00:00:00Z', to: '2026-11-16T00:00:00Z' }, 'en-GB'), /^1\s?–\s?15 Nov 2026$/);
  assert.equal(previousWords({ label: '2026-01', from: '2026-01-01T00:00:00Z' }, { from: '2025-12-01T00:00:00Z', to: '2026-01-01T00:00:00Z' }, 'en-US'), 'December 2025');
  assert.equal(periodWords({ label: '2026-11', from: '2026-11-01T00:00:00Z', to: '2026-12-01T00:00:00Z' }, 'de-DE'), 'November 2026');
});

test('a change in short words with its tone', () => {
  assert.deepEqual(changeWords(5, 3, { previousName: 'October 2026' }), { text: '2 more', tone: 'better', title: 'October 2026: 3' });
  assert.equal(changeWords(1, 3).text, '2 fewer');
  assert.equal(changeWords(1, 3, { lower: true }).tone, 'better');
  assert.equal(changeWords(3, 3).text, 'no change');
  assert.equal(changeWords(0, 0).text, '');
  assert.equal(changeWords(4, null).text, 'new');
  assert.deepEqual([changeWords(120, 300, { kind: 'seconds', lower: true }).text, changeWords(120, 300, { kind: 'seconds', lower: true }).tone], ['3 min faster', 'better']);
  assert.equal(changeWords(90, 80, { kind: 'pct' }).text, '10 points up');
  assert.equal(changeWords(7.5, 6, { kind: 'hours' }).text, '1.5 h more');
  assert.equal(changeWords(4, 2, { neutral: true }).tone, 'neutral');
});
