import { css } from 'lit';

export const styles = css`
  .timer { display: flex; align-items: baseline; gap: 16px; flex-wrap: wrap; }
  .elapsed { font-size: clamp(48px, 9vw, 88px); font-weight: 700; font-variant-numeric: tabular-nums; line-height: 1; }
  .frame { height: 20px; border-radius: 10px; background: var(--surface); border: 2px solid var(--muted); overflow: hidden; }
  .fill { height: 100%; background: var(--primary); }
  .warn .fill, .over .fill { background: var(--warn-border); }
  .notice { background: var(--warn-bg); border: 2px solid var(--warn-border); border-radius: 12px; padding: 10px 16px; font-weight: 600; }
`;
