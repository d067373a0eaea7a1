import { EventEmitter } from 'node:events';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type EventMap<T> = { [K in keyof T]: (...args: any[]) => void };

/** node:events with the listener and argument types of one event map (a port's `...Events`). */
export class TypedEmitter<Events extends EventMap<Events>> extends EventEmitter {
  override on<E extends keyof Events & string>(event: E, listener: Events[E]): this {
    return super.on(event, listener);
  }

  override off<E extends keyof Events & string>(event: E, listener: Events[E]): this {
    return super.off(event, listener);
  }

  override emit<E extends keyof Events & string>(event: E, ...args: Parameters<Events[E]>): boolean {
    return super.emit(event, ...args);
  }
}
