import { startFleetServer, type ServeOptions } from '../server/serve.js';

/**
 * The fleet server in its own process for the benchmark, so the load generator does not
 * share its event loop. Configuration arrives over IPC (it holds the IT token); the URL
 * goes back the same way. Stops on "stop" or when the parent goes away.
 */
process.once('message', (msg: { options: ServeOptions }) => {
  void (async () => {
    const server = await startFleetServer({ ...msg.options, log: false });
    const stop = async () => {
      await server.close();
      process.exit(0);
    };
    process.on('message', (m) => {
      if (m === 'stop') void stop();
      // CPU time used so far (user + system, ms): the figure that does not depend on how busy the machine is.
      if (m === 'cpu') { const c = process.cpuUsage(); process.send?.({ cpuMs: (c.user + c.system) / 1000 }); }
    });
    process.on('disconnect', () => void stop());
    process.send?.({ url: server.url });
  })().catch((e: unknown) => {
    process.send?.({ error: (e as Error).message });
    process.exit(1);
  });
});
