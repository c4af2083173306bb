import type { DetailedPeerCertificate } from "node:tls";
import type { ConnInfo, Handler, Middleware, RawMiddleware } from "../../server/handler.ts";
import type { HeaderList } from "../../server/raw/http1-head.ts";
import { OptionReader } from "../options.ts";
import { registerMiddleware } from "../registry.ts";
import { deleteHeader } from "../raw-view.ts";
import { certHeaderValues, type CertHeaderValues, type InfoOptions, type NameOptions } from "./cert-headers.ts";

// passTLSClientCert: tells the backend about the client certificate of a
// mutual-TLS connection, in X-Forwarded-Tls-Client-Cert (`pem`) and
// X-Forwarded-Tls-Client-Cert-Info (`info`), formats in cert-headers.ts.
// Whatever the client sent in those two headers is removed first, on every
// request, so a backend can trust them (Traefik drops them from untrusted
// peers at the entrypoint; here they are never trusted). Without a client
// certificate nothing is added.
// The certificate comes from conn.tls, which only the raw front fills in: on
// SLUICE_FRONT=serve (Bun.serve, which does not expose the peer certificate)
// the middleware only strips the two headers.

const CERT = "X-Forwarded-Tls-Client-Cert";
const INFO = "X-Forwarded-Tls-Client-Cert-Info";

const NAME_KEYS = ["country", "province", "locality", "organization", "commonName", "serialNumber", "domainComponent"] as const;

function readName(o: OptionReader, key: string, withOu: boolean): NameOptions | null {
  const v = o.value(key);
  if (v === undefined || v === null) return null;
  const s = o.section(key);
  const opts: NameOptions = { country: false, province: false, locality: false, organization: false, organizationalUnit: false, commonName: false, serialNumber: false, domainComponent: false };
  for (const k of NAME_KEYS) opts[k] = s.bool(k);
  if (withOu) opts.organizationalUnit = s.bool("organizationalUnit");
  s.finish();
  return opts;
}

function readInfo(o: OptionReader): InfoOptions | null {
  const v = o.value("info");
  if (v === undefined || v === null) return null;
  const s = o.section("info");
  const info: InfoOptions = {
    notAfter: s.bool("notAfter"),
    notBefore: s.bool("notBefore"),
    sans: s.bool("sans"),
    serialNumber: s.bool("serialNumber"),
    subject: readName(s, "subject", true),
    issuer: readName(s, "issuer", false),
  };
  s.finish();
  return info;
}

/** Header edits over either form's headers (Headers, or the raw front's HeaderList). */
interface HeaderOps<H> {
  delete(h: H, name: string): void;
  set(h: H, name: string, value: string): void;
}

const HEADERS_OPS: HeaderOps<Headers> = {
  delete: (h, name) => h.delete(name),
  set: (h, name, value) => h.set(name, value),
};

const LIST_OPS: HeaderOps<HeaderList> = {
  delete: deleteHeader,
  // Both names were just deleted: a push is a set.
  set: (h, name, value) => void h.push([name, value]),
};

registerMiddleware("passTLSClientCert", (options) => {
  const o = new OptionReader(options);
  const pem = o.bool("pem");
  const info = readInfo(o);
  o.finish();
  if (o.hasErrors()) return { errors: o.problems };
  if (!pem && !info) o.warn("", "neither pem nor info is set: the middleware only removes incoming X-Forwarded-Tls-Client-Cert(-Info) headers");

  // One computation per connection: node:tls hands back the same chain
  // object for every request of a connection. Per middleware instance, as
  // the values depend on its options.
  const byChain = new WeakMap<DetailedPeerCertificate, CertHeaderValues>();
  const valuesOf = (conn: ConnInfo): CertHeaderValues | null => {
    if (!pem && !info) return null;
    const leaf = conn.tls?.peerCertificate();
    if (!leaf) return null;
    let v = byChain.get(leaf);
    if (!v) {
      v = certHeaderValues(leaf, pem, info);
      byChain.set(leaf, v);
    }
    return v;
  };

  function apply<H>(h: H, ops: HeaderOps<H>, conn: ConnInfo): void {
    ops.delete(h, CERT);
    ops.delete(h, INFO);
    const v = valuesOf(conn);
    if (v?.pem != null) ops.set(h, CERT, v.pem);
    if (v?.info != null) ops.set(h, INFO, v.info);
  }

  const middleware: Middleware = (next: Handler): Handler => (req, ctx, conn) => {
    apply(req.headers, HEADERS_OPS, conn);
    return next(req, ctx, conn);
  };
  const raw: RawMiddleware = (next) => (ex, ctx, conn, done) => {
    apply(ex.head.headers, LIST_OPS, conn);
    next(ex, ctx, conn, done);
  };
  return { warnings: o.problems, middleware, raw };
});
