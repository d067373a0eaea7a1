import { css } from 'lit';

export const styles = css`
  .faults { padding: 6px 20px; background: var(--warn-bg); border-bottom: 2px solid var(--warn-border); }
  p { margin: 0; font-weight: 600; }
`;
