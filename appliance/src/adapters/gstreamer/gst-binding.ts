/**
 * The small part of gstreamer-superficial (1.7.4) this adapter uses, typed.
 *
 * Facts about the binding that shape the runner (read from its C++ source, then measured):
 * - `pollBus(cb)` pops one bus message per libuv threadpool job and re-queues itself only while
 *   the pipeline is not in NULL. A pop on an empty bus blocks its threadpool thread until a
 *   message arrives: each running pipeline holds one pool thread (see threadpool.ts).
 * - Fields that are not plain string/int/double/bool (uint64 timestamps, level's rms arrays) are
 *   converted through a GValue that is never unset: about 1 KB per bus message is lost. Boxed
 *   property reads (`stats`) lose their GstStructure the same way. Post and read sparingly.
 * - Pipelines are never freed (empty destructor, permanent ref from pollBus); a stopped
 *   pipeline keeps its memory (0.1-0.3 MB), not its sockets, devices or threads.
 * - No signals: srtpdec's request-key, webrtcbin and appsink's new-sample are out of reach.
 */
import { createRequire } from 'node:module';

export type GstPropertyValue = string | number | boolean | null | undefined;

/** An element found with `findChild`: its GObject properties are plain JS properties. */
export interface GstElementHandle {
  [property: string]: unknown;
}

/** A bus message: `type` plus the fields of the message structure. */
export interface GstBusMessage {
  type: string;
  /** Name of the element that posted the message. */
  _src_element_name?: string;
  /** For errors: the element path; for element messages: the structure name (e.g. 'level'). */
  name?: string;
  /** For errors: the GError message. */
  message?: string;
  debug?: string;
  [field: string]: unknown;
}

export interface GstPipelineHandle {
  play(): void;
  pause(): void;
  stop(): void;
  sendEOS(): void;
  findChild(name: string): GstElementHandle | undefined;
  pollBus(callback: (message: GstBusMessage) => void): void;
  'auto-flush-bus': boolean;
}

export interface GstBinding {
  Pipeline: new (launch: string) => GstPipelineHandle;
}

let cached: GstBinding | undefined;

/** Loads the native binding once (ESM import of it fails, so it goes through require). */
export function loadGstBinding(): GstBinding {
  cached ??= createRequire(import.meta.url)('gstreamer-superficial') as GstBinding;
  return cached;
}
