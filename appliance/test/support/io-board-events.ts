import type { IoBoard, IoBoardEvents } from '../../src/ports/io-board.js';

/** Resolves with the first `event` matching `match` emitted after the call; rejects after `timeoutMs`. */
export function nextEvent<E extends keyof IoBoardEvents>(
  board: Pick<IoBoard, 'on' | 'off'>,
  event: E,
  match: (...args: Parameters<IoBoardEvents[E]>) => boolean,
  timeoutMs: number,
): Promise<Parameters<IoBoardEvents[E]>[0]> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      board.off(event, listener);
      reject(new Error(`no matching ${event} event within ${timeoutMs} ms`));
    }, timeoutMs);
    const listener = ((...args: Parameters<IoBoardEvents[E]>) => {
      if (!match(...args)) return;
      clearTimeout(t);
      board.off(event, listener);
      resolve(args[0]);
    }) as IoBoardEvents[E];
    board.on(event, listener);
  });
}
