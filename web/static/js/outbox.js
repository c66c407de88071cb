// Sending messages so that nothing typed is lost: each message gets a client_id once; if the
// connection drops before the acknowledgement, it is sent again with the same client_id after the
// reconnect (the server returns the first message rather than storing a duplicate).

import { EV } from './socket.js';
import { el, newClientId, errorText } from './dom.js';

export class Outbox {
  /**
   * @param {import('./socket.js').Connection} conn
   * @param {(message: object) => void} onStored called with the stored message from the ack
   */
  constructor(conn, onStored) {
    this.conn = conn;
    this.onStored = onStored;
    this.pending = new Map();
    conn.onReconnect(() => this.retryAll());
  }

  /**
   * Send a message. `pendingList` (an <ol>) gets a greyed "sending…" line until the ack arrives.
   * Resolves the stored message; rejects on a refusal (forbidden, invalid...), which is not retried.
   */
  async send({ room_id, body, kind = 'chat', sensitive = false }, pendingList) {
    const client_id = newClientId();
    const payload = { room_id, body, client_id };
    if (kind && kind !== 'chat') payload.kind = kind;
    if (sensitive) payload.sensitive = true;
    const node = pendingList ? el('li', { class: ['msg', 'msg-pending', `pending-${kind}`] },
      el('div', { class: 'msg-head' }, el('span', { class: 'msg-sender', text: 'You' }), el('span', { class: 'muted', text: 'sending…' })),
      el('div', { class: 'msg-body', text: body })) : null;
    if (node) { pendingList.append(node); pendingList.scrollTop = pendingList.scrollHeight; }
    const entry = { payload, node };
    this.pending.set(client_id, entry);
    return this.attempt(entry);
  }

  /** A live message arrived: if it is one of ours still waiting for its ack, drop the placeholder. */
  seen(message) {
    const entry = message && message.client_id ? this.pending.get(message.client_id) : null;
    if (entry && entry.node) { entry.node.remove(); entry.node = null; }
  }

  async attempt(entry) {
    try {
      const ack = await this.conn.call(EV.MESSAGE_SEND, entry.payload);
      this.pending.delete(entry.payload.client_id);
      if (entry.node) entry.node.remove();
      // The server sends our own message back only in the ack (not as a `message` event to this socket):
      // record its seq so that live messages and sync line up, then show it.
      if (ack.message) { this.conn.ingest([ack.message]); this.onStored(ack.message); }
      return ack.message;
    } catch (e) {
      if (e.code === 'unavailable' && !this.conn.connected) {
        if (entry.node) {
          const tag = entry.node.querySelector('.muted');
          if (tag) tag.textContent = 'waiting for the connection…';
        }
        return new Promise((resolve, reject) => { entry.resolve = resolve; entry.reject = reject; });
      }
      this.pending.delete(entry.payload.client_id);
      if (entry.node) {
        entry.node.classList.add('msg-failed');
        const tag = entry.node.querySelector('.muted');
        if (tag) tag.textContent = `not sent: ${errorText(e)}`;
      }
      throw e;
    }
  }

  async retryAll() {
    for (const entry of Array.from(this.pending.values())) {
      const { resolve, reject } = entry;
      entry.resolve = entry.reject = null;
      this.attempt(entry).then((m) => resolve && resolve(m), (e) => reject && reject(e));
    }
  }
}
