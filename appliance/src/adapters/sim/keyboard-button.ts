import type { SimButton } from './sim-button.js';

/**
 * The simulated start button on the terminal: space or Enter taps it, `h` holds it for
 * 2.2 s (leave a meeting, cancel a join), `q` or Ctrl-C quits. Only when stdin is a TTY.
 */
export function attachKeyboard(button: SimButton, onQuit: () => void, input: NodeJS.ReadStream = process.stdin): () => void {
  if (!input.isTTY) return () => undefined;
  input.setRawMode(true);
  input.resume();
  const onData = (data: Buffer) => {
    const key = data.toString();
    if (key === ' ' || key === '\r' || key === '\n' || key === 'b') void button.tap(150);
    else if (key === 'h') void button.tap(2200);
    else if (key === 'q' || key === '\u0003') onQuit();
  };
  input.on('data', onData);
  return () => {
    input.off('data', onData);
    input.setRawMode(false);
    input.pause();
  };
}
