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
