import { PROTOCOL_VERSION, parseServerMessage, type ActionMessage, type PanelAction } from '../protocol.js';
import { reconnectDelayMs } from './backoff.js';
import { initialViewState, reduceView, type ViewEvent, type ViewState } from './view-state.js';

export type ViewListener = (s: ViewState) => void;

/** The panel's one connection to the daemon: /ws, reconnecting with backoff for as long as the page lives. */
export class UnitStore {
  private state: ViewState = initialViewState;
  private readonly listeners = new Set<ViewListener>();
  private socket: WebSocket | null = null;
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private stopped = true;
  private nextId = 1;

  constructor(private readonly url: string) {}

  /** ws(s)://<this page's host>/ws, passing on a remote-access token from the page's address. */
  static urlFor(loc: Location): string {
    const token = new URLSearchParams(loc.search).get('token');
    return `${loc.protocol === 'https:' ? 'wss' : 'ws'}://${loc.host}/ws${token ? `?token=${encodeURIComponent(token)}` : ''}`;
  }

  get view(): ViewState {
    return this.state;
  }

  subscribe(fn: ViewListener): () => void {
    this.listeners.add(fn);
    fn(this.state);
    return () => this.listeners.delete(fn);
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.socket?.close();
    this.socket = null;
  }

  /** Sends an action; false when there is no connection to send it on. */
  act(action: PanelAction): boolean {
    const socket = this.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN) return false;
    const id = `a${this.nextId++}`;
    const msg: ActionMessage = { v: PROTOCOL_VERSION, type: 'action', id, ...action };
    this.dispatch({ type: 'action-sent', action, id });
    socket.send(JSON.stringify(msg));
    return true;
  }

  private connect(): void {
    const socket = new WebSocket(this.url);
    this.socket = socket;
    socket.onopen = () => {
      this.attempt = 0;
      this.dispatch({ type: 'socket-open' });
    };
    socket.onmessage = (ev: MessageEvent) => {
      const msg = typeof ev.data === 'string' ? parseServerMessage(ev.data) : null;
      if (msg) this.dispatch({ type: 'server-message', msg, receivedAt: Date.now() });
    };
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.dispatch({ type: 'socket-closed' });
      if (!this.stopped) this.timer = setTimeout(() => this.connect(), reconnectDelayMs(this.attempt++));
    };
  }

  private dispatch(e: ViewEvent): void {
    this.state = reduceView(this.state, e);
    for (const fn of this.listeners) fn(this.state);
  }
}
