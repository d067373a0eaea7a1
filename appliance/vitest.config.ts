import { defineConfig } from 'vitest/config';

// Test workers inherit this: each running GStreamer pipeline holds one libuv threadpool thread.
process.env.UV_THREADPOOL_SIZE ??= '16';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration suites start real peers (kamailio, baresip, GStreamer); one file at a time
    // keeps a 2-core machine from starving their real-time media.
    fileParallelism: false,
    pool: 'forks',
  },
});
