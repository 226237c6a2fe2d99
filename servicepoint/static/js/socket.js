/* One live connection to a Socket.IO namespace, for every page that shows live state.
 *
 * Promises of `live(namespace, options)`:
 * - It connects at once (WebSocket first; where a LAN blocks WebSockets it falls back to
 *   HTTP long-polling, `tryAllTransports`) and reconnects for ever with Socket.IO's backoff,
 *   also after the server closed the namespace ("io server disconnect") and after the server
 *   refused the connection (which Socket.IO itself never retries), unless `onRefused` says
 *   "stop". `auth` (an object, or a function returning one) is read again at every attempt.
 * - The server sends a full snapshot on every (re)connect (the realtime contract); besides,
 *   `live` asks for one by emitting `resync` when the page becomes visible again, every
 *   `resyncEveryMs` while connected, and whenever the page calls `resync()`.
 * - While there is no live connection (not yet, lost, or the Socket.IO client script did not
 *   load) and `poll` is given, it calls `poll()` every `pollEveryMs` (at once first) and hands
 *   the result to `onPoll`; polling stops as soon as the connection is live. A poll that
 *   fails goes to `onPollError` (if given) and is retried at the next interval.
 * - `onState(state, detail)` is told every change: "connecting" (never connected yet),
 *   "live", "reconnecting" (was live, or a refused attempt), "unavailable" (no Socket.IO
 *   client), "closed"; `detail` is `{polling, reason?, error?}`.
 * - `onRefused(error)` is asked when the server refuses the connection (`error.message` is
 *   the server's reason, e.g. "not_signed_in"): return "stop" to give up (closes, no polling),
 *   "now" to retry at once (e.g. after changing what `auth` returns), anything else to retry
 *   after `retryRefusedMs`.
 * - `close()` ends it all: the socket, timers, polling, listeners; no handler runs after it.
 *
 * The Socket.IO client is the vendored classic script (window.io), loaded before the modules.
 */

const DEFAULTS = {
  pollEveryMs: 15000,
  retryRefusedMs: 5000,
  serverDisconnectRetryMs: 2000,
};

export function live(namespace, {
  auth,
  events = {},
  resync: resyncEvent = null,
  resyncEveryMs = 0,
  poll = null,
  onPoll = null,
  onPollError = null,
  pollEveryMs = DEFAULTS.pollEveryMs,
  onState = null,
  onRefused = null,
  retryRefusedMs = DEFAULTS.retryRefusedMs,
  serverDisconnectRetryMs = DEFAULTS.serverDisconnectRetryMs,
  options = {},
} = {}) {
  let closed = false;
  let connected = false;
  let everConnected = false;
  let pollTimer = null;
  let polling = false;      // a poll request is in flight
  let resyncTimer = null;
  const timers = new Set();
  let socket = null;

  const later = (fn, ms) => {
    const id = setTimeout(() => { timers.delete(id); if (!closed) fn(); }, ms);
    timers.add(id);
  };
  const tell = (state, extra = {}) => {
    if (onState) onState(state, { polling: pollTimer !== null, ...extra });
  };

  // --- fallback polling -----------------------------------------------------------------

  let again = false;        // asked for while a poll was in flight: poll once more after it

  async function pollOnce() {
    if (!poll || closed || connected) return;
    if (polling) {
      again = true;
      return;
    }
    polling = true;
    try {
      const payload = await poll();
      if (!closed && !connected && onPoll) onPoll(payload);
    } catch (error) {
      if (!closed && onPollError) onPollError(error);
    } finally {
      polling = false;
    }
    if (again) {
      again = false;
      pollOnce();
    }
  }

  function startPolling() {
    if (!poll || closed || connected || pollTimer !== null) return;
    pollTimer = setInterval(pollOnce, pollEveryMs);
    pollOnce();
  }

  function stopPolling() {
    if (pollTimer !== null) clearInterval(pollTimer);
    pollTimer = null;
  }

  // --- the socket -----------------------------------------------------------------------

  function resync() {
    if (closed) return;
    if (connected && resyncEvent) socket.emit(resyncEvent);
    else if (!connected) pollOnce();
  }

  function onVisible() {
    if (closed || document.visibilityState !== "visible") return;
    if (connected) {
      if (resyncEvent) socket.emit(resyncEvent);
      return;
    }
    pollOnce();
    if (socket && !socket.active) socket.connect();
  }

  function onOnline() {
    if (closed || connected) return;
    pollOnce();
    if (socket && !socket.active) socket.connect();
  }

  function close() {
    if (closed) return;
    closed = true;
    connected = false;
    stopPolling();
    if (resyncTimer !== null) clearInterval(resyncTimer);
    for (const id of timers) clearTimeout(id);
    timers.clear();
    document.removeEventListener("visibilitychange", onVisible);
    window.removeEventListener("online", onOnline);
    if (socket) {
      socket.off();
      socket.io.off();
      socket.disconnect();
    }
    tell("closed");
  }

  document.addEventListener("visibilitychange", onVisible);
  window.addEventListener("online", onOnline);

  if (typeof window.io !== "function") {
    startPolling();
    tell("unavailable");
    return { socket: null, resync, close, get connected() { return false; } };
  }

  const authOption = typeof auth === "function" ? (cb) => cb(auth() || {}) : auth;
  socket = window.io(namespace, {
    forceNew: true,              // this connection is ours alone: close() really closes it
    transports: ["websocket", "polling"],
    tryAllTransports: true,      // WebSocket blocked on this network: fall back to polling
    reconnection: true,
    reconnectionAttempts: Infinity,
    reconnectionDelay: 1000,
    reconnectionDelayMax: 5000,
    timeout: 10000,
    ...options,
    ...(authOption === undefined ? {} : { auth: authOption }),
  });

  socket.on("connect", () => {
    connected = true;
    everConnected = true;
    stopPolling();
    tell("live");
  });

  socket.on("disconnect", (reason) => {
    connected = false;
    if (closed) return;
    startPolling();
    tell("reconnecting", { reason });
    // The server closed this namespace on purpose: Socket.IO would not retry by itself.
    if (reason === "io server disconnect") later(() => socket.connect(), serverDisconnectRetryMs);
  });

  socket.on("connect_error", (error) => {
    connected = false;
    if (closed) return;
    if (socket.active) {           // a network failure: Socket.IO retries by itself
      startPolling();
      tell(everConnected ? "reconnecting" : "connecting", { error });
      return;
    }
    // Refused by the server (its connect handler said no): no automatic retry.
    const decision = onRefused ? onRefused(error) : "retry";
    if (closed) return;
    if (decision === "stop") {
      close();
      return;
    }
    if (decision === "now") {
      socket.connect();
      return;
    }
    startPolling();
    tell("reconnecting", { error });
    later(() => { if (!socket.active) socket.connect(); }, retryRefusedMs);
  });

  for (const [name, handler] of Object.entries(events)) {
    socket.on(name, (...args) => { if (!closed) handler(...args); });
  }

  if (resyncEvent && resyncEveryMs > 0) {
    resyncTimer = setInterval(() => { if (connected) socket.emit(resyncEvent); }, resyncEveryMs);
  }

  tell("connecting");
  return { socket, resync, close, get connected() { return connected; } };
}
