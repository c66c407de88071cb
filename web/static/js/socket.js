// The one Socket.IO wrapper: event names, a promise-based call(), and message bookkeeping so that
// after a reconnect `sync` fetches exactly what was missed (and nothing is shown twice).
//
// The socket.io client is loaded as a classic script from /vendor/socket.io.min.js and defines
// window.io; this module only wraps it.

export const EV = Object.freeze({
  // client -> server
  HELP_REQUEST: 'help.request',
  QUEUE_LIST: 'queue.list',
  CASE_GET: 'case.get',
  CASE_ABANDON: 'case.abandon',
  CANNED_RENDER: 'canned.render',
  CASE_CLAIM: 'case.claim',
  CASE_SHADOW: 'case.shadow',
  CASE_SUPERVISE: 'case.supervise',
  CASE_HOLD: 'case.hold',
  CASE_RESUME: 'case.resume',
  CASE_ESCALATE: 'case.escalate',
  CASE_CONFIRM_HANDOFF: 'case.confirm_handoff',
  CASE_ESCALATIONS: 'case.escalations',
  CASE_UNSHADOW: 'case.unshadow',
  CASE_TAKEOVER: 'case.takeover',
  CASE_HANDBACK: 'case.handback',
  MESSAGE_MARK_SENSITIVE: 'message.mark_sensitive',
  CASE_RESOLVE: 'case.resolve',
  CASE_TRANSFER: 'case.transfer',
  CASE_INVOLVE_EXPERT: 'case.involve_expert',
  CASE_FLAG: 'case.flag',
  CASE_VOUCH: 'case.vouch',
  ESCALATION_ROUTES: 'escalation.routes',
  DUTY_SET: 'duty.set',
  MESSAGE_SEND: 'message.send',
  ROOM_CREATE: 'room.create',
  ROOM_LIST: 'room.list',
  ROOM_JOIN: 'room.join',
  ROOM_LEAVE: 'room.leave',
  ROOM_HISTORY: 'room.history',
  SYNC: 'sync',
  CANNED_LIST: 'canned.list',
  MONITOR_OVERVIEW: 'monitor.overview',
  ALERT_LIST: 'alert.list',
  ALERT_ACK: 'alert.ack',
  CASE_CONTACT: 'case.contact',
  TYPING_SET: 'typing.set',
  // server -> client
  MESSAGE: 'message',
  TYPING: 'typing',
  CASE_UPDATED: 'case.updated',
  QUEUE_ALERT: 'queue.alert',
  QUEUE_POSITION: 'queue.position',
  ALERT: 'alert',
  MONITOR_CASE: 'monitor.case',
  MESSAGE_UPDATED: 'message.updated',
  NOTICE: 'notice',
  ACCOUNT_UPDATED: 'account.updated',
});

export class SocketError extends Error {
  constructor(code, message) {
    super(message || code);
    this.code = code;
  }
}

/** Per-room sequence bookkeeping: the highest seq below which nothing is missing, plus what was seen. */
export class SeqTracker {
  constructor() { this.rooms = new Map(); }

  /** Returns true if the message is new (not seen before). */
  see(roomId, seq) {
    if (roomId === undefined || roomId === null || typeof seq !== 'number') return true;
    const key = String(roomId);
    let r = this.rooms.get(key);
    if (!r) {
      r = { contig: seq - 1, seen: new Set() };
      this.rooms.set(key, r);
    }
    if (seq <= r.contig || r.seen.has(seq)) return false;
    r.seen.add(seq);
    while (r.seen.has(r.contig + 1)) {
      r.contig += 1;
      r.seen.delete(r.contig);
    }
    return true;
  }

  /** Start tracking a room whose history begins after `seq` (e.g. an empty room: 0). */
  start(roomId, seq = 0) {
    const key = String(roomId);
    if (!this.rooms.has(key)) this.rooms.set(key, { contig: seq, seen: new Set() });
  }

  forget(roomId) { this.rooms.delete(String(roomId)); }

  since() {
    const out = {};
    for (const [room, r] of this.rooms) out[room] = r.contig;
    return out;
  }
}

export class Connection {
  /**
   * @param {string} token bearer token from /api/session or /api/guest
   * @param {{onStatus?: (state: string, detail?: string) => void}} opts
   */
  constructor(token, opts = {}) {
    this.token = token;
    this.onStatus = opts.onStatus || (() => {});
    this.handlers = new Map();
    this.reconnectHooks = [];
    this.seqs = new SeqTracker();
    this.connectedOnce = false;
    this.socket = null;
  }

  /** Connects; resolves on the first successful connect, rejects on a refused token. */
  connect() {
    if (typeof window.io !== 'function') {
      return Promise.reject(new SocketError('unavailable', 'The chat client library did not load (/vendor/socket.io.min.js).'));
    }
    return new Promise((resolve, reject) => {
      const socket = window.io({ auth: { token: this.token }, transports: ['websocket', 'polling'] });
      this.socket = socket;
      let settled = false;
      socket.on('connect', async () => {
        this.onStatus('online');
        if (!settled) {
          settled = true;
          this.connectedOnce = true;
          resolve(this);
          return;
        }
        await this.resync();
        for (const hook of this.reconnectHooks) {
          try { await hook(); } catch (e) { console.warn('reconnect hook failed', e); }
        }
      });
      socket.on('connect_error', (err) => {
        const msg = (err && err.message) || 'connection failed';
        // A refused token means the session is gone for good; anything else is the network.
        const refused = /unauth|forbidden|token|refused|invalid/i.test(msg) || (err && err.data && err.data.code);
        if (!settled && refused) {
          settled = true;
          socket.disconnect();
          reject(new SocketError('unauthenticated', 'Your session has expired. Please sign in again.'));
          return;
        }
        if (!settled && !socket.active) {
          settled = true;
          reject(new SocketError('unauthenticated', 'The server refused the connection. Please sign in again.'));
          return;
        }
        this.onStatus('offline', 'Reconnecting…');
      });
      socket.on('disconnect', (reason) => {
        this.onStatus('offline', reason === 'io client disconnect' ? 'Signed out' : 'Connection lost, reconnecting…');
      });
      socket.on(EV.MESSAGE, (message) => {
        if (!message || !this.seqs.see(message.room_id, message.seq)) return;
        this.dispatch(EV.MESSAGE, message);
      });
      for (const ev of [EV.CASE_UPDATED, EV.QUEUE_ALERT, EV.QUEUE_POSITION, EV.ALERT]) {
        socket.on(ev, (data) => this.dispatch(ev, data));
      }
      socket.onAny((event, data) => {
        if (![EV.MESSAGE, EV.CASE_UPDATED, EV.QUEUE_ALERT, EV.QUEUE_POSITION, EV.ALERT].includes(event)) {
          this.dispatch(event, data);
        }
      });
    });
  }

  disconnect() {
    if (this.socket) this.socket.disconnect();
  }

  get connected() { return !!(this.socket && this.socket.connected); }

  on(event, fn) {
    if (!this.handlers.has(event)) this.handlers.set(event, new Set());
    this.handlers.get(event).add(fn);
    return () => this.handlers.get(event).delete(fn);
  }

  onReconnect(fn) { this.reconnectHooks.push(fn); }

  dispatch(event, data) {
    const set = this.handlers.get(event);
    if (!set) return;
    for (const fn of set) {
      try { fn(data); } catch (e) { console.error(`handler for ${event} failed`, e); }
    }
  }

  /**
   * Emit with an acknowledgement. Resolves the ack `{ok: true, ...}`; rejects with SocketError(code, message).
   */
  call(event, payload = {}, { timeout = 15000 } = {}) {
    return new Promise((resolve, reject) => {
      if (!this.socket) {
        reject(new SocketError('unavailable', 'Not connected.'));
        return;
      }
      this.socket.timeout(timeout).emit(event, payload, (err, ack) => {
        if (err) {
          reject(new SocketError('unavailable', this.socket.connected
            ? 'The server did not answer in time. Try again.'
            : 'You are offline; this will work again once the connection is back.'));
          return;
        }
        if (ack && ack.ok) resolve(ack);
        else {
          const e = (ack && ack.error) || {};
          reject(new SocketError(e.code || 'unavailable', e.message || 'The server refused this.'));
        }
      });
    });
  }

  /**
   * Record messages obtained from history/shadow/sync so that later live messages and syncs line up.
   * Returns them sorted by seq; views de-duplicate what they render by (room, seq) themselves,
   * because a live message can overtake the history request that also contains it.
   */
  ingest(messages, roomId) {
    const list = (messages || []).slice().sort((a, b) => a.seq - b.seq);
    if (roomId !== undefined && list.length === 0) this.seqs.start(roomId, 0);
    for (const m of list) this.seqs.see(m.room_id, m.seq);
    return list;
  }

  /**
   * A room's whole history (paged with `after`, since the server caps one page), recorded for sync.
   * Stops after `maxPages` pages; the newest messages then arrive live or through sync.
   */
  async history(roomId, { pageSize = 100, maxPages = 20 } = {}) {
    const all = [];
    let after = 0;
    for (let page = 0; page < maxPages; page += 1) {
      const ack = await this.call(EV.ROOM_HISTORY, { room_id: roomId, after, limit: pageSize });
      const msgs = ack.messages || [];
      all.push(...msgs);
      if (msgs.length < pageSize) break;
      after = Math.max(...msgs.map((m) => m.seq));
    }
    return this.ingest(all, roomId);
  }

  /** Start tracking a room (e.g. after joining it) so a later sync covers it. */
  track(roomId, afterSeq = 0) { this.seqs.start(roomId, afterSeq); }

  untrack(roomId) { this.seqs.forget(roomId); }

  /** Fetch what was missed while disconnected and dispatch it as ordinary `message` events. */
  async resync() {
    let since = this.seqs.since();
    if (Object.keys(since).length === 0) return;
    try {
      // The server answers a bounded amount and names in `more` the rooms with more left: ask again
      // from the last seq seen there (a bounded number of rounds; the rest arrives with the next sync).
      const asked = new Set(Object.keys(since));
      const byRoom = {};
      for (let round = 0; round < 50; round += 1) {
        const ack = await this.call(EV.SYNC, { since });
        for (const [roomId, list] of Object.entries(ack.messages || {})) {
          const sorted = (list || []).slice().sort((a, b) => a.seq - b.seq);
          byRoom[roomId] = (byRoom[roomId] || []).concat(sorted);
          // The server also answers for rooms we did not ask about (from seq 0): record those
          // without replaying their whole history as if it were new.
          for (const m of sorted) {
            if (this.seqs.see(m.room_id ?? roomId, m.seq) && asked.has(roomId)) this.dispatch(EV.MESSAGE, m);
          }
        }
        const more = Object.keys(ack.more || {});
        if (more.length === 0) break;
        since = this.seqs.since();
        for (const roomId of more) if (!(roomId in since)) since[roomId] = 0;
      }
      this.dispatch('synced', byRoom);
    } catch (e) {
      console.warn('sync failed', e);
    }
  }
}
