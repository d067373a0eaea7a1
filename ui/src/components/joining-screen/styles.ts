import { css } from 'lit';

export const styles = css`
  .progress { height: 16px; border-radius: 8px; background: var(--surface); overflow: hidden; border: 2px solid var(--muted); }
  .bar { height: 100%; width: 35%; background: var(--primary); border-radius: 6px; animation: slide 1.6s ease-in-out infinite; }
  @keyframes slide { 0% { transform: translateX(-100%); } 100% { transform: translateX(290%); } }
  @media (prefers-reduced-motion: reduce) { .bar { animation: none; width: 100%; opacity: 0.6; } }
  .room { font-weight: 600; overflow-wrap: anywhere; }
`;
