import { css } from 'lit';

export const styles = css`
  h1, p { margin: 0; }
  .checks { list-style: none; margin: 0; padding: 0; flex: 1; min-height: 0; overflow: auto; display: grid; grid-template-columns: 1fr 1fr; gap: 6px 16px; align-content: start; }
  .checks:focus-visible { outline: 4px solid var(--focus); }
  .row { display: grid; grid-template-columns: 1fr auto; gap: 0 12px; padding: 4px 10px; border-radius: 8px; background: var(--surface); border-left: 8px solid var(--muted); }
  .row.pass { border-left-color: var(--primary); }
  .row.fail { border-left-color: var(--danger); background: #fdeaea; }
  .name { font-weight: 600; }
  .outcome { font-weight: 600; }
  .fail .outcome { color: var(--danger); }
  .pass .outcome { color: var(--primary); }
  .fix { grid-column: 1 / -1; font-size: 18px; }
  .actions { gap: 12px; align-items: stretch; }
  .actions .big { flex: 1; min-height: 72px; }
  .top { display: flex; align-items: baseline; gap: 20px; flex-wrap: wrap; }
  @media (max-height: 560px) {
    .screen { gap: 8px; }
    h1 { font-size: 28px; }
    .checks { gap: 6px 10px; }
    .row { padding: 2px 8px; line-height: 1.25; }
    .actions .big { min-height: 60px; }
    .actions button { min-height: 60px; }
  }
`;
