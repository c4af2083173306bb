import { OptionReader } from "../options.ts";
import { registerMiddleware } from "../registry.ts";

// contentType: in Traefik it switches the MIME sniffing of Go's net/http,
// which sets a Content-Type derived from the body when the backend sent none.
//   v2: routers sniff by default; `contentType: {autoDetect: false}` (or `{}`)
//       stops it, `autoDetect: true` keeps it.
//   v3: routers no longer sniff; `contentType: {}` turns sniffing back on and
//       `autoDetect` is deprecated (false makes the middleware a no-op).
// Sluice never sniffs: a response without Content-Type is passed on without
// one. So the middleware changes nothing and costs nothing per request: it is
// exact for v2's "stop sniffing" use, and `autoDetect: true` gets a warning
// because that detection will not happen.
registerMiddleware("contentType", (options) => {
  const o = new OptionReader(options);
  const autoDetect = o.has("autoDetect") ? o.bool("autoDetect") : undefined;
  if (autoDetect === true) {
    o.warn("autoDetect", "Sluice never sniffs response bodies: a response without Content-Type stays without one");
  }
  o.finish();
  if (o.hasErrors()) return { errors: o.problems };
  return { warnings: o.problems, middleware: (next) => next };
});
