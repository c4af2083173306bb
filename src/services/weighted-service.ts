// `weighted`: smooth weighted round robin over child services (canary
// releases), with an optional sticky cookie naming the child. With
// `healthCheck: {}` a child that reports itself down is skipped, as in
// Traefik v2.6+; without it, the child is picked anyway and answers itself.
import type { StickyCookieConfig } from "../config/dynamic/types.ts";
import { noHealthyServer } from "../server/answers.ts";
import type { Handler, RawRouteHandler } from "../server/handler.ts";
import { rawAnswer } from "../server/raw/answers-raw.ts";
import type { Weighted } from "./balancer/balancer.ts";
import { WeightedRoundRobin } from "./balancer/wrr.ts";
import type { Service } from "./service.ts";
import { StickyCookie, withSetCookie } from "./sticky-cookie.ts";

export interface WeightedChild {
  service: Service;
  weight: number;
}

export interface WeightedOptions {
  sticky?: StickyCookieConfig;
  /** `healthCheck: {}` was given: follow the children's health and report ours. */
  followHealth: boolean;
}

/** One child as the balancer sees it. */
class ChildSlot implements Weighted {
  readonly weight: number;
  constructor(readonly service: Service, weight: number, private readonly followHealth: boolean) {
    this.weight = Number.isFinite(weight) && weight > 0 ? weight : 0;
  }
  get eligible(): boolean {
    return this.weight > 0 && (!this.followHealth || this.service.isUp());
  }
}

export class WeightedService implements Service {
  readonly handler: Handler;
  readonly raw?: RawRouteHandler;
  readonly reportsHealth: boolean;
  private readonly slots: ChildSlot[];

  constructor(readonly name: string, children: WeightedChild[], opts: WeightedOptions) {
    this.reportsHealth = opts.followHealth;
    const slots = children.map((c) => new ChildSlot(c.service, c.weight, opts.followHealth));
    this.slots = slots;
    const wrr = new WeightedRoundRobin(slots);
    const sticky = opts.sticky ? new StickyCookie<ChildSlot>(opts.sticky, name, slots.filter((s) => s.weight > 0).map((s) => [s.service.name, s])) : null;

    // Without a cookie to write, the raw front can go straight to the chosen child's fast path.
    if (!sticky && slots.every((s) => s.service.raw !== undefined)) {
      this.raw = (ex, ctx, conn, done) => {
        const slot = wrr.pick();
        if (!slot) {
          rawAnswer(ex, ctx, 503, "Service Unavailable", "no healthy service available");
          return done();
        }
        slot.service.raw!(ex, ctx, conn, done);
      };
    }
    this.handler = async (req, ctx, conn) => {
      let slot: ChildSlot | undefined;
      let pin = false;
      if (sticky) {
        const hit = sticky.lookup(req.headers.get("cookie"));
        if (hit && hit.target.eligible) {
          slot = hit.target;
          pin = !hit.current;
        } else pin = true;
      }
      slot ??= wrr.pick();
      if (!slot) return noHealthyServer(ctx);
      const res = await slot.service.handler(req, ctx, conn);
      return pin && sticky && res.status !== 101 ? withSetCookie(res, sticky.setCookie(slot)) : res;
    };
  }

  isUp(): boolean {
    for (const s of this.slots) if (s.weight > 0 && s.service.isUp()) return true;
    return false;
  }

  dispose(): void {}
}
