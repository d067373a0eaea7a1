import { css } from 'lit';

export const styles = css`
  .screen { gap: 10px; }
  .top { display: flex; align-items: baseline; justify-content: space-between; gap: 16px; flex-wrap: wrap; }
  h1 { margin: 0; }
  .timer { display: flex; align-items: baseline; gap: 12px; }
  .elapsed { font-size: clamp(40px, 6vw, 72px); font-weight: 700; font-variant-numeric: tabular-nums; line-height: 1; }
  .frame { height: 16px; flex: none; border-radius: 8px; background: var(--surface); border: 2px solid var(--muted); overflow: hidden; }
  .fill { height: 100%; background: var(--primary); }
  .warn .fill, .over .fill { background: var(--warn-border); }
  .notice, .state-note { background: var(--warn-bg); border: 2px solid var(--warn-border); border-radius: 12px; padding: 6px 14px; font-weight: 600; margin: 0; }
  .body { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1.25fr); gap: 16px; flex: 1; min-height: 0; }
  .side { display: flex; flex-direction: column; gap: 8px; min-height: 0; }
  .main { display: flex; flex-direction: column; gap: 10px; }
  .label { font-size: 18px; font-weight: 600; color: var(--muted); margin: 0; }
  .people { margin: 0; padding-left: 24px; font-weight: 600; }
  .v4m { margin-top: auto; min-height: 56px; padding: 6px 14px; }
  .big.leave { min-height: 64px; max-width: none; font-size: 24px; }
`;

/* 800x480 panels: everything, Leave included, without scrolling. */
export const compact = css`
  @media (max-height: 560px) {
    .screen { gap: 8px; }
    h1 { font-size: 28px; }
    .elapsed { font-size: 40px; }
    .frame { height: 12px; }
    .main { gap: 8px; }
    .big.leave { min-height: 56px; }
    .side { overflow: auto; }
  }
`;
