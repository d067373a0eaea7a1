/** The GStreamer media adapter, as the composition root uses it. */
export { GstreamerMediaEngine, type GstreamerMediaEngineOptions } from './gstreamer-media-engine.js';
export type { MediaDeviceSettings } from './media-settings.js';
export { DEFAULT_RTP_PORT_RANGE, type PortRange } from './udp-port-pairs.js';
export { RECOMMENDED_THREADPOOL_SIZE, libuvThreadpoolSize } from './threadpool.js';
