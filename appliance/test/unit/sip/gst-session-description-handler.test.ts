/**
 * The handler against a fake engine that runs its calls in order, as the GStreamer engine
 * does. A call that ends while the engine is still allocating must not start media after
 * the release (the microphone would go on sending after the call).
 */
import { describe, expect, it } from 'vitest';
import { GstSessionDescriptionHandler } from '../../../src/adapters/sip/gst-session-description-handler.js';
import type { LocalMediaCapabilities, NegotiatedSession } from '../../../src/core/media-types.js';
import type { MediaEngine } from '../../../src/ports/media-engine.js';
import { fixture, unitCaps } from '../sdp/helpers.js';

class OrderedFakeEngine {
  readonly calls: string[] = [];
  running = false;
  private queue: Promise<unknown> = Promise.resolve();
  /** While set, allocate() waits for it to open. */
  private gate: { opened: Promise<void>; open: () => void } | null = null;

  constructor(private readonly caps: LocalMediaCapabilities) {}

  /** The next allocate() waits until finishAllocate(). */
  holdAllocate(): void {
    let open!: () => void;
    const opened = new Promise<void>((r) => { open = r; });
    this.gate = { opened, open };
  }

  finishAllocate(): void {
    this.gate?.open();
  }

  allocate(): Promise<LocalMediaCapabilities> {
    return this.serial(async () => {
      this.calls.push('allocate');
      await this.gate?.opened;
      return this.caps;
    });
  }

  apply(_session: NegotiatedSession): Promise<void> {
    return this.serial(async () => { this.calls.push('apply'); this.running = true; });
  }

  release(): Promise<void> {
    return this.serial(async () => { this.calls.push('release'); this.running = false; });
  }

  private serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

function handlerWith(engine: OrderedFakeEngine, errors: string[] = []): GstSessionDescriptionHandler {
  return new GstSessionDescriptionHandler({
    engine: engine as unknown as MediaEngine,
    allowPlainRtp: false,
    onError: (e) => errors.push(e.code),
  });
}

const settle = () => new Promise((r) => setTimeout(r, 10));

describe('GstSessionDescriptionHandler', () => {
  it('answers an inbound offer and starts media', async () => {
    const engine = new OrderedFakeEngine(unitCaps());
    const h = handlerWith(engine);
    await h.setDescription(fixture('baresip-offer.sdp'));
    const answer = await h.getDescription();
    expect(answer.contentType).toBe('application/sdp');
    expect(engine.calls).toEqual(['allocate', 'apply']);
    expect(engine.running).toBe(true);
    expect(h.negotiated()).not.toBeNull();
  });

  it('a call closed while the engine allocates does not start media after the release', async () => {
    const engine = new OrderedFakeEngine(unitCaps());
    const errors: string[] = [];
    const h = handlerWith(engine, errors);
    await h.setDescription(fixture('baresip-offer.sdp'));
    engine.holdAllocate();
    const answering = h.getDescription();
    await settle();
    h.close(); // the caller cancels while the ports are being reserved
    engine.finishAllocate();
    await expect(answering).rejects.toMatchObject({ code: 'E_MEDIA_PIPELINE' });
    await settle();
    expect(engine.calls).toEqual(['allocate', 'release']);
    expect(engine.running).toBe(false);
    expect(h.negotiated()).toBeNull();
    expect(errors).toEqual(['E_MEDIA_PIPELINE']);
  });

  it('close() is idempotent: one release', async () => {
    const engine = new OrderedFakeEngine(unitCaps());
    const h = handlerWith(engine);
    h.close();
    h.close();
    await settle();
    expect(engine.calls).toEqual(['release']);
  });
});
