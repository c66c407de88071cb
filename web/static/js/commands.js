// IRC-style commands typed in the console input. Pure: parse(text) -> an instruction object; the
// console carries it out. No DOM here, so it can be tested in Node (tests/web/test_commands.mjs).

export const COMMANDS = [
  ['/me ACTION', 'say an action: "/me checks the logs" shows "* Alice checks the logs"'],
  ['/whisper TEXT', 'whisper to staff in this case (the requester never sees it)'],
  ['/note TEXT', 'add an internal note to this case (staff only)'],
  ['/escalate [ROUTE] [NOTE]', 'open the escalate dialog (route and note prefilled)'],
  ['/hold', 'put this case on hold'],
  ['/resume', 'resume a case on hold'],
  ['/resolve [SUMMARY]', 'resolve this case'],
  ['/claim', 'claim this case'],
  ['/supervise', 'supervise this case (monitors)'],
  ['/vouch [NOTE]', 'vouch for the trainee on this case'],
  ['/flag NOTE', 'raise a personal escalation to the monitors'],
  ['/join #room', 'join (or create) a team room and open it'],
  ['/leave', 'leave this team room'],
  ['/help', 'list these commands'],
  ['//text', 'send a message that starts with "/"'],
];

/**
 * @param {string} text the raw input
 * @returns {{type: string, [k: string]: any}}
 *   {type:'send', kind, body} | {type:'action', action, arg} | {type:'join', room} |
 *   {type:'help'} | {type:'error', message} | {type:'empty'}
 */
export function parse(text) {
  const raw = (text || '').replace(/\s+$/, '');
  if (!raw.trim()) return { type: 'empty' };
  if (raw.startsWith('//')) return { type: 'send', kind: 'chat', body: raw.slice(1) };
  if (!raw.startsWith('/')) return { type: 'send', kind: 'chat', body: raw };
  const m = /^\/(\S+)\s*([\s\S]*)$/.exec(raw);
  const cmd = m[1].toLowerCase();
  const arg = m[2].trim();
  switch (cmd) {
    case 'me':
      if (!arg) return { type: 'error', message: 'Usage: /me ACTION' };
      return { type: 'send', kind: 'chat', body: `/me ${arg}` };
    case 'whisper':
    case 'w':
      if (!arg) return { type: 'error', message: 'Usage: /whisper TEXT' };
      return { type: 'send', kind: 'whisper', body: arg };
    case 'note':
    case 'n':
      if (!arg) return { type: 'error', message: 'Usage: /note TEXT' };
      return { type: 'send', kind: 'note', body: arg };
    case 'escalate': {
      const [route, ...rest] = arg ? arg.split(/\s+/) : [];
      return { type: 'action', action: 'escalate', route: route || '', note: rest.join(' ') };
    }
    case 'hold':
    case 'resume':
    case 'claim':
    case 'supervise':
    case 'shadow':
    case 'leave':
    case 'part':
      return { type: 'action', action: cmd === 'part' ? 'leave' : cmd, arg };
    case 'resolve':
      return { type: 'action', action: 'resolve', summary: arg };
    case 'vouch':
      return { type: 'action', action: 'vouch', note: arg };
    case 'flag':
      if (!arg) return { type: 'error', message: 'Usage: /flag NOTE (say why a monitor is needed)' };
      return { type: 'action', action: 'flag', note: arg };
    case 'join':
    case 'j': {
      const name = arg.split(/\s+/)[0] || '';
      if (!name) return { type: 'error', message: 'Usage: /join #room' };
      return { type: 'join', room: name.startsWith('#') ? name : `#${name}` };
    }
    case 'help':
    case '?':
      return { type: 'help' };
    default:
      return { type: 'error', message: `Unknown command /${cmd}. Type /help for the list.` };
  }
}

/** Normalise a canned response shortcut: ";greet", "/greet", "greet" -> "greet". */
export function shortcutKey(shortcut) {
  return String(shortcut || '').replace(/^[;:/#!]+/, '').toLowerCase();
}

/**
 * Canned responses are typed as ";shortcut". Returns the matches for the word being typed, if the
 * input is exactly ";partial" (no spaces yet).
 */
export function cannedMatches(text, canned) {
  const m = /^;(\S*)$/.exec(text || '');
  if (!m) return [];
  const q = m[1].toLowerCase();
  return (canned || []).filter((c) => shortcutKey(c.shortcut).startsWith(q));
}
