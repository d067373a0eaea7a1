import { css } from 'lit';

export const styles = css`
  .controls { display: grid; grid-template-columns: 1fr 1fr; gap: 10px; }
  button { padding: 6px 10px; min-height: 60px; }
  @media (max-height: 560px) { .controls { gap: 8px; } button { min-height: 52px; } }
  .toggle { border-color: var(--fg); background: var(--bg); color: var(--fg); }
  .toggle.on { background: var(--surface); }
  /* Off (muted, camera covered) must be impossible to miss: dark on yellow, thick border. */
  .toggle.off { background: var(--warn-bg); border: 3px solid var(--warn-border); }
  .volume { grid-column: 1 / -1; display: flex; align-items: center; gap: 10px; }
  .step { font-size: 32px; line-height: 1; min-width: 72px; padding: 4px 0; }
  .level { flex: 1; margin: 0; text-align: center; font-weight: 600; }
  output { font-variant-numeric: tabular-nums; font-size: 26px; }
  .loop { display: flex; align-items: center; justify-content: center; gap: 8px; grid-column: 1 / -1; }
  .loop-symbol { flex: none; }
`;
