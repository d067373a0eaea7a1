import { css } from 'lit';

export const styles = css`
  dl { display: grid; grid-template-columns: max-content 1fr; gap: 6px 20px; margin: 0; }
  dt { color: var(--muted); }
  dd { margin: 0; font-weight: 600; overflow-wrap: anywhere; }
  .registration { display: flex; align-items: center; gap: 10px; }
  .dot { width: 16px; height: 16px; border-radius: 50%; background: var(--muted); flex: none; }
  .dot.ok { background: var(--primary); }
  .dot.bad { background: var(--danger); }
`;
