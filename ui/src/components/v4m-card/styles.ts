import { css } from 'lit';

export const styles = css`
  .card { background: var(--surface); border-left: 8px solid var(--primary); border-radius: 10px; padding: 10px 16px; }
  h2 { font-size: 22px; margin: 0 0 6px; }
  ol { margin: 0; padding-left: 28px; }
  li { margin: 0 0 4px; }
`;
