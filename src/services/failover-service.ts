// `failover` (Traefik v2.7+): everything goes to the main service while it
// reports a healthy server; when its health checks take the last one out,
// requests go to the fallback, and back to main as soon as it recovers. The
// decision is read per request from live health state, so there is no switch
// to get stuck. The fallback is assumed up unless `healthCheck: {}` asks to
// follow its health too.
import { noHealthyServer } from "../server/answers.ts";
import type { Handler, RawRouteHandler } from "../server/handler.ts";
import { rawAnswer } from "../server/raw/answers-raw.ts";
import type { Service } from "./service.ts";

export class FailoverService implements Service {
  readonly handler: Handler;
  readonly raw?: RawRouteHandler;
  readonly reportsHealth: boolean;

  constructor(
    readonly name: string,
    private readonly main: Service,
    private readonly fallback: Service,
    /** `healthCheck: {}` was given: follow the fallback's health and report ours. */
    private readonly followHealth: boolean,
  ) {
    this.reportsHealth = followHealth;
    this.handler = (req, ctx, conn) => {
      const target = this.current();
      return target ? target.handler(req, ctx, conn) : noHealthyServer(ctx);
    };
    if (main.raw && fallback.raw) {
      this.raw = (ex, ctx, conn, done) => {
        const target = this.current();
        if (target) return target.raw!(ex, ctx, conn, done);
        rawAnswer(ex, ctx, 503, "Service Unavailable", "no healthy server available");
        done();
      };
    }
  }

  /** The service that takes the next request, or undefined when neither can. */
  current(): Service | undefined {
    if (this.main.isUp()) return this.main;
    if (!this.followHealth || this.fallback.isUp()) return this.fallback;
    return undefined;
  }

  isUp(): boolean {
    return this.current() !== undefined;
  }

  dispose(): void {}
}
