import { UserAgent, type URI } from 'sip.js';
import type { Logger } from '../../log/logger.js';

/**
 * OPTIONS to the proxy at a fixed interval: keeps NAT/firewall state open and tells us early
 * when the proxy stops answering (two misses in a row call onDead).
 */
export class OptionsKeepalive {
  private timer: NodeJS.Timeout | null = null;
  private misses = 0;
  private readonly requestUri: URI | undefined;

  constructor(private readonly ua: UserAgent, private readonly opts: { target: string; intervalMs: number; logger: Logger; onDead: () => void }) {
    this.requestUri = UserAgent.makeURI(opts.target);
  }

  start(): void {
    if (this.timer || this.opts.intervalMs <= 0) return;
    this.timer = setInterval(() => this.ping(), this.opts.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private ping(): void {
    if (!this.requestUri) return;
    const core = this.ua.userAgentCore;
    const self = this.ua.configuration.uri;
    const message = core.makeOutgoingRequestMessage('OPTIONS', this.requestUri, self, self, {});
    core.request(message, {
      onAccept: () => { this.misses = 0; },
      onReject: (response) => {
        // Any answer, even 404/405, proves the proxy is alive; only 408/503 (no answer) count as misses.
        const status = response.message.statusCode ?? 0;
        if (status === 408 || status === 503) this.miss();
        else this.misses = 0;
      },
    });
  }

  private miss(): void {
    this.misses += 1;
    this.opts.logger.warn({ misses: this.misses }, 'OPTIONS keepalive unanswered');
    if (this.misses >= 2) {
      this.misses = 0;
      this.opts.onDead();
    }
  }
}

