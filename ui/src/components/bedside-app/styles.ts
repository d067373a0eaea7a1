import { css } from 'lit';

export const styles = css`
  :host { height: 100%; background: var(--bg); }
  .layout { display: flex; flex-direction: column; height: 100%; position: relative; }
  header { display: flex; align-items: center; gap: 16px; padding: 8px 20px; background: var(--surface); border-bottom: 2px solid #c5cdd3; }
  .who { flex: 1; min-width: 0; }
  .name { font-size: 22px; font-weight: 700; margin: 0; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
  .where { margin: 0; font-size: 18px; }
  .lang { min-height: 48px; padding: 6px 18px; font-size: 18px; }
  fault-list { flex: none; }
  .banner { position: absolute; top: 0; left: 0; right: 0; min-height: 74px; box-sizing: border-box; display: flex; align-items: center; margin: 0; padding: 8px 20px; background: var(--warn-bg); border-bottom: 2px solid var(--warn-border); font-weight: 600; z-index: 1; }
  main { flex: 1; min-height: 0; padding: 16px 24px 20px; overflow: auto; }
  @media (max-height: 560px) { main { padding: 10px 20px 12px; } }
  main > * { height: 100%; }
  /* Not dimmed: faded text would fail contrast. The banner says it; the screen just stops taking taps. */
  .stale { pointer-events: none; }
  .refused { margin: 0; padding: 8px 24px; font-weight: 600; }
`;
