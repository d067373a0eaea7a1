import { css } from 'lit';

export const styles = css`
  h1 { color: var(--danger); margin: 0; }
  h2 { font-size: 20px; margin: 4px 0; }
  /* The explanation scrolls on a small panel; the buttons stay in view. */
  .body { flex: 1; min-height: 0; overflow: auto; }
  .body:focus-visible { outline: 4px solid var(--focus); }
  .what { font-size: 24px; font-weight: 600; }
  .advice { background: var(--surface); border-left: 8px solid var(--danger); border-radius: 8px; padding: 10px 16px; }
  ul { margin: 0 0 8px; padding-left: 24px; }
  .actions { gap: 16px; align-items: stretch; flex-wrap: wrap; }
  .actions .big { flex: 1; min-height: 80px; }
  .actions .secondary { flex: none; }
`;
