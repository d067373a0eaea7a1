import { css } from 'lit';

/**
 * Shared look: colours checked for WCAG AA on white (text >= 4.5:1, the smallest text is
 * 18 px), touch targets at least 48 px (the main buttons far larger), system fonts only.
 */
export const theme = css`
  :host {
    --fg: #1b1b1b;
    --muted: #45494d;
    --bg: #ffffff;
    --surface: #eef2f5;
    --primary: #0a6b2d;
    --primary-pressed: #07501f;
    --danger: #a4161a;
    --danger-pressed: #7d1013;
    --warn-bg: #fff1c2;
    --warn-border: #8a6d00;
    --focus: #1a4fd6;
    display: block;
    color: var(--fg);
    font-size: 20px;
    line-height: 1.4;
  }
  h1 { font-size: clamp(28px, 4.5vw, 40px); line-height: 1.2; margin: 0 0 12px; }
  p { margin: 0 0 12px; }
  button {
    font: inherit;
    font-weight: 600;
    min-height: 64px;
    min-width: 64px;
    padding: 12px 28px;
    border-radius: 14px;
    border: 2px solid transparent;
    cursor: pointer;
    touch-action: manipulation;
  }
  button:focus-visible { outline: 4px solid var(--focus); outline-offset: 3px; }
  button:disabled { cursor: default; }
  .big { font-size: clamp(26px, 3.6vw, 36px); min-height: 96px; width: 100%; max-width: 640px; }
  .primary { background: var(--primary); color: #ffffff; }
  .primary:active:not(:disabled) { background: var(--primary-pressed); }
  .danger { background: var(--danger); color: #ffffff; }
  .danger:active:not(:disabled) { background: var(--danger-pressed); }
  .secondary { background: var(--bg); color: var(--fg); border-color: var(--fg); }
  .muted { color: var(--muted); }
  .screen { display: flex; flex-direction: column; gap: 12px; height: 100%; box-sizing: border-box; }
  .actions { margin-top: auto; display: flex; justify-content: center; }
`;
