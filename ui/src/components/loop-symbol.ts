import { svg } from 'lit';

/** The hearing loop sign (ear, slash, T), drawn inline: no image files, no fonts. Decorative: the button says it in words. */
export const loopSymbol = svg`
  <svg class="loop-symbol" viewBox="0 0 48 48" width="36" height="36" aria-hidden="true" focusable="false">
    <path d="M13 21c0-7 5-13 12-13s12 6 12 13c0 6-4 8-6 11-1 2-1 4-2 6-1 3-3 4-6 4s-5-2-5-4"
      fill="none" stroke="currentColor" stroke-width="3.5" stroke-linecap="round"/>
    <path d="M20 21c0-3 2-6 5-6s5 3 5 6c0 2-2 3-3 4" fill="none" stroke="currentColor" stroke-width="3" stroke-linecap="round"/>
    <line x1="6" y1="44" x2="42" y2="4" stroke="currentColor" stroke-width="3.5" stroke-linecap="round"/>
    <path d="M31 33h14M38 33v13" fill="none" stroke="currentColor" stroke-width="3.5" stroke-linecap="round"/>
  </svg>`;
