// Live updates over /v1/stream (docs/api.md): one WebSocket per tab, shared by every view.
// Views subscribe to topics ("case:C-7", "team:after_sales", "approvals:supervisor") with a
// handler; the connection holds the union of their topics.
//
// No event is lost across a dropped connection: the stream remembers the last journal sequence
// it delivered and reconnects with after_seq set to it, so the server replays what happened
// meanwhile before going live again. Each (re)subscription also tells the handlers "resync",
// on which a view reloads what it shows — that closes the gap between a view's first load and
// its subscription. Reconnection backs off 1 s, 2 s, 4 s … 15 s; the status (connecting, live,
// offline with the next attempt's time) is shown in the page.
const kMaxBackoffMs = 15000;
const kPingMs = 25000;

class LiveStream {
  constructor() {
    this.token = null;
    this.socket = null;
    this.handlers = new Map(); // topic -> Set(handler)
    this.lastSeq = null;
    this.status = { state: 'offline', retryAt: null };
    this.statusListeners = new Set();
    this.backoffMs = 1000;
    this.retryTimer = null;
    this.pingTimer = null;
    this.nextId = 0;
    this.pendingSubscribes = new Map();
  }

  start(token) {
    if (this.token === token && this.socket) return;
    this.stop();
    this.token = token;
    this.connect();
  }

  stop() {
    this.token = null;
    clearTimeout(this.retryTimer);
    clearInterval(this.pingTimer);
    if (this.socket) {
      this.socket.onclose = null;
      this.socket.close(1000, 'signed out');
      this.socket = null;
    }
    this.lastSeq = null;
    this.setStatus('offline', null);
  }

  onStatus(listener) {
    this.statusListeners.add(listener);
    listener(this.status);
    return () => this.statusListeners.delete(listener);
  }

  setStatus(state, retryAt) {
    this.status = { state, retryAt };
    for (const listener of this.statusListeners) listener(this.status);
  }

  // handler(message): message is {type: "event", entry}, {type: "resync"}, or {type: "notice",
  // notice}: a server notice about a case that is not a journal entry (a carrier event), sent
  // live only — it has no seq and moves no resume point.
  subscribe(topics, handler) {
    const added = [];
    for (const topic of topics) {
      if (!this.handlers.has(topic)) {
        this.handlers.set(topic, new Set());
        added.push(topic);
      }
      this.handlers.get(topic).add(handler);
    }
    if (added.length && this.isOpen()) this.sendSubscribe(added, added);
    return () => {
      const removed = [];
      for (const topic of topics) {
        const set = this.handlers.get(topic);
        if (!set) continue;
        set.delete(handler);
        if (set.size === 0) {
          this.handlers.delete(topic);
          removed.push(topic);
        }
      }
      if (removed.length && this.isOpen()) this.send({ type: 'unsubscribe', topics: removed });
    };
  }

  isOpen() {
    return this.socket && this.socket.readyState === WebSocket.OPEN;
  }

  send(message) {
    this.socket.send(JSON.stringify(message));
  }

  // `notify`: the topics whose handlers resync when the server confirms (null: every handler).
  sendSubscribe(topics, notify, afterSeq) {
    const id = `s${++this.nextId}`;
    this.pendingSubscribes.set(id, notify);
    const message = { type: 'subscribe', id, topics };
    if (afterSeq != null) message.after_seq = afterSeq;
    this.send(message);
  }

  connect() {
    if (!this.token) return;
    this.setStatus('connecting', null);
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    // Browsers cannot set headers on a WebSocket: the token rides as a subprotocol.
    const socket = new WebSocket(`${scheme}//${location.host}/v1/stream`, ['bearer', `bearer.${this.token}`]);
    this.socket = socket;
    socket.onopen = () => {
      this.backoffMs = 1000;
      this.pendingSubscribes.clear();
      this.sendSubscribe([...this.handlers.keys()], null, this.lastSeq);
      clearInterval(this.pingTimer);
      this.pingTimer = setInterval(() => this.isOpen() && this.send({ type: 'ping' }), kPingMs);
    };
    socket.onmessage = (message) => this.receive(message.data);
    socket.onclose = () => {
      clearInterval(this.pingTimer);
      if (this.socket !== socket || !this.token) return;
      this.socket = null;
      const wait = this.backoffMs;
      this.backoffMs = Math.min(kMaxBackoffMs, this.backoffMs * 2);
      this.setStatus('offline', Date.now() + wait);
      this.retryTimer = setTimeout(() => this.connect(), wait);
    };
  }

  receive(text) {
    let message;
    try {
      message = JSON.parse(text);
    } catch {
      return;
    }
    if (message.type === 'subscribed') {
      if (this.lastSeq == null) this.lastSeq = message.head;
      this.setStatus('live', null);
      const notify = this.pendingSubscribes.get(message.id);
      this.pendingSubscribes.delete(message.id);
      const notified = new Set();
      for (const [topic, set] of this.handlers) {
        if (notify && !notify.includes(topic)) continue;
        for (const handler of set) {
          if (notified.has(handler)) continue;
          notified.add(handler);
          handler({ type: 'resync' });
        }
      }
    } else if (message.type === 'carrier_event') {
      const notified = new Set();
      for (const topic of message.topics || []) {
        for (const handler of this.handlers.get(topic) || []) {
          if (notified.has(handler)) continue;
          notified.add(handler);
          handler({ type: 'notice', notice: message });
        }
      }
    } else if (message.type === 'events') {
      for (const entry of message.events) {
        if (this.lastSeq != null && entry.seq <= this.lastSeq) continue;
        this.lastSeq = entry.seq;
        const notified = new Set();
        for (const topic of entry.topics || []) {
          for (const handler of this.handlers.get(topic) || []) {
            if (notified.has(handler)) continue;
            notified.add(handler);
            handler({ type: 'event', entry });
          }
        }
      }
    }
  }
}

export const live = new LiveStream();
