/**
 * Timing probes run inside the panel page (a script added to the page: plain JavaScript, no imports).
 * "On screen" is the first frame whose rendering includes the change: the change is seen in a
 * requestAnimationFrame callback (before that frame paints) and the time is taken in a
 * setTimeout queued from it, which runs once the frame is rendered.
 */

export const PAGE_PROBES = `
/** The first element matching \`selector\` in the document or any shadow root below it. */
function findDeep(root, selector) {
  const hit = root.querySelector(selector);
  if (hit) return hit;
  for (const el of Array.from(root.querySelectorAll('*'))) {
    const inner = el.shadowRoot ? findDeep(el.shadowRoot, selector) : null;
    if (inner) return inner;
  }
  return null;
}

/** Arms a tap probe: resolves with pointerdown -> first frame showing a change of the element \`testId\` (ms). */
function armTapProbe(testId) {
  const el = findDeep(document, \`[data-test="\${testId}"]\`);
  if (!el) throw new Error(\`no element \${testId}\`);
  const look = () => \`\${el.textContent}|\${el.getAttribute('aria-busy')}|\${el.className}|\${el.disabled}\`;
  const before = look();
  const w = window;
  w.__probe = new Promise((resolve) => {
    let t0 = null;
    window.addEventListener('pointerdown', (e) => { t0 = e.timeStamp; }, { once: true, capture: true });
    const check = () => {
      if (t0 !== null && look() !== before) {
        const start = t0;
        setTimeout(() => resolve(performance.now() - start), 0);
      } else {
        requestAnimationFrame(check);
      }
    };
    requestAnimationFrame(check);
  });
}

/** The frame floor: pointerdown on something that does not change -> the next rendered frame (ms). */
function armFrameFloorProbe() {
  const w = window;
  w.__probe = new Promise((resolve) => {
    window.addEventListener('pointerdown', (e) => {
      const t0 = e.timeStamp;
      requestAnimationFrame(() => setTimeout(() => resolve(performance.now() - t0), 0));
    }, { once: true, capture: true });
  });
}

/**
 * Arms a state probe: a bare WebSocket to /ws (the baseline: the message arrives, nothing is
 * drawn) and a watch on the volume shown. Resolves with both arrival times, absolute ms
 * (performance.timeOrigin + now, the same wall clock the daemon reads).
 */
async function armStateProbe(wsUrl) {
  const el = findDeep(document, '[data-test="volume"]');
  if (!el) throw new Error('no volume on screen');
  const before = el.textContent;
  const socket = new WebSocket(wsUrl);
  await new Promise((resolve) => { socket.onmessage = () => resolve(); }); // the snapshot on connect
  const abs = () => performance.timeOrigin + performance.now();
  const w = window;
  w.__probe = new Promise((resolve) => {
    let wsMs = 0;
    socket.onmessage = () => { if (!wsMs) wsMs = abs(); };
    const check = () => {
      if (el.textContent !== before) {
        setTimeout(() => { socket.close(); resolve({ wsMs, screenMs: abs() }); }, 0);
      } else {
        requestAnimationFrame(check);
      }
    };
    requestAnimationFrame(check);
  });
}

function probeResult() {
  const w = window;
  if (!w.__probe) throw new Error('no probe armed');
  return w.__probe;
}

window.__probes = { armTapProbe, armFrameFloorProbe, armStateProbe, probeResult };
`;
