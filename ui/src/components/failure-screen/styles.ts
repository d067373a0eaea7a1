import { css } from 'lit';

export const styles = css`
  h1 { color: var(--danger); }
  .what { font-size: 24px; font-weight: 600; }
  .advice { background: var(--surface); border-left: 8px solid var(--danger); border-radius: 8px; padding: 12px 16px; }
`;
