import type { SimavrBoard } from '../adapters/ioboard-serial/simavr-board.js';

/**
 * The simulated bedside pod on the terminal (sim mode, firmware in simavr): `+`/`-` volume,
 * `l` the loop, `p` taps the pod's call button, `P` holds it 2.2 s (leave), `o`/`n` an open /
 * normal hearing loop (the loop current sense). Presses go into the simulator as button
 * presses, through the firmware and the serial link like a real pod's. Only when stdin is a TTY.
 */
export function attachPodKeys(sim: () => SimavrBoard | null, input: NodeJS.ReadStream = process.stdin): () => void {
  if (!input.isTTY) return () => undefined;
  const onData = (data: Buffer) => {
    const board = sim();
    if (!board) return;
    const key = data.toString();
    const act = key === '+' ? board.press('volume-up', 120)
      : key === '-' ? board.press('volume-down', 120)
        : key === 'l' ? board.press('loop-toggle', 120)
          : key === 'p' ? board.press('call', 150)
            : key === 'P' ? board.press('call', 2200)
              : key === 'o' ? board.loopCurrent(10)
                : key === 'n' ? board.loopCurrent(500)
                  : null;
    act?.catch((e: unknown) => process.stderr.write(`pod simulator: ${String(e)}\n`));
  };
  input.on('data', onData);
  return () => { input.off('data', onData); };
}
