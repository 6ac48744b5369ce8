// A receive-only client of the Vert.x event-bus bridge over its raw WebSocket transport
// (<bridge>/websocket). Each WebSocket frame is one JSON bridge message; the server sends binary
// frames (vertx-web 5.0 writes a Buffer), so the client decodes UTF-8 itself:
//   client -> server: {"type":"register","address":...} and {"type":"ping"}
//   server -> client: {"type":"rec","address":...,"body":...} and {"type":"err","body":...}
// The gateway's bridge closes a socket that sends no ping for 10 s (SockJSBridgeOptions'
// default ping timeout), so this client pings every PING_INTERVAL_MS.

const PING_INTERVAL_MS = 5000;
const RECONNECT_MIN_MS = 500;
const RECONNECT_MAX_MS = 10000;

export class BusFeed {
  /**
   * @param {string} address the event-bus address to register
   * @param {{onMessage: function(object): void, onState: function(string, string): void}} handlers
   *   onMessage gets each message body; onState gets 'connecting', 'open' or 'closed' with a detail
   */
  constructor(address, handlers) {
    this.address = address;
    this.handlers = handlers;
    this.socket = null;
    this.pingTimer = null;
    this.reconnectDelay = RECONNECT_MIN_MS;
    this.stopped = false;
    this.decoder = new TextDecoder();
  }

  start() {
    this.stopped = false;
    this.connect();
  }

  stop() {
    this.stopped = true;
    clearInterval(this.pingTimer);
    if (this.socket) {
      this.socket.close();
    }
  }

  connect() {
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const url = `${scheme}//${location.host}/eventbus/websocket`;
    this.handlers.onState('connecting', url);
    const socket = new WebSocket(url);
    socket.binaryType = 'arraybuffer';
    this.socket = socket;

    socket.addEventListener('open', () => {
      this.reconnectDelay = RECONNECT_MIN_MS;
      socket.send(JSON.stringify({ type: 'register', address: this.address }));
      this.pingTimer = setInterval(() => socket.send(JSON.stringify({ type: 'ping' })), PING_INTERVAL_MS);
      this.handlers.onState('open', this.address);
    });

    socket.addEventListener('message', (frame) => this.onFrame(frame.data));

    socket.addEventListener('close', (closed) => {
      clearInterval(this.pingTimer);
      if (this.socket !== socket) {
        return;
      }
      this.socket = null;
      if (this.stopped) {
        this.handlers.onState('closed', 'stopped');
        return;
      }
      const delay = this.reconnectDelay;
      this.reconnectDelay = Math.min(this.reconnectDelay * 2, RECONNECT_MAX_MS);
      this.handlers.onState('closed', `closed (code ${closed.code}); reconnecting in ${delay} ms`);
      setTimeout(() => this.connect(), delay);
    });
  }

  onFrame(data) {
    const text = typeof data === 'string' ? data : this.decoder.decode(data);
    let message;
    try {
      message = JSON.parse(text);
    } catch (error) {
      this.handlers.onState('open', `ignored a frame that is not JSON: ${error.message}`);
      return;
    }
    if (message.type === 'rec' && message.address === this.address) {
      this.handlers.onMessage(message.body);
    } else if (message.type === 'err') {
      this.handlers.onState('open', `bridge error: ${message.body}`);
    }
  }
}
