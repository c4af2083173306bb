import { describe, expect, test } from "bun:test";
import { loadStaticConfig } from "./load.ts";
import { unsupportedNotices } from "./notices.ts";

describe("unsupportedNotices", () => {
  const cases: { name: string; args: string[]; want: RegExp[] }[] = [
    { name: "plain entry point", args: ["--entrypoints.web.address=:80", "--providers.file.directory=/d"], want: [] },
    { name: "kubernetesCRD", args: ["--providers.kubernetescrd"], want: [/^providers\.kubernetesCRD: /] },
    { name: "kubernetesIngress", args: ["--providers.kubernetesingress"], want: [/^providers\.kubernetesIngress: /] },
    // ACME problems (tlsChallenge, storage permissions) are the ACME manager's to report at start.
    { name: "ACME", args: ["--certificatesresolvers.le.acme.tlschallenge=true"], want: [] },
    { name: "api", args: ["--api"], want: [/^api: /] },
    { name: "entry point TLS (served)", args: ["--entrypoints.websecure.address=:443", "--entrypoints.websecure.http.tls=true"], want: [] },
    { name: "timeouts on a TLS entry point (enforced)", args: ["--entrypoints.websecure.address=:443", "--entrypoints.websecure.http.tls=true", "--entrypoints.websecure.transport.respondingtimeouts.readtimeout=5s"], want: [] },
    { name: "http.maxHeaderBytes (served)", args: ["--entrypoints.web.address=:80", "--entrypoints.web.http.maxheaderbytes=65536"], want: [] },
    { name: "keepAliveMaxRequests/MaxTime (served)", args: ["--entrypoints.web.address=:80", "--entrypoints.web.transport.keepalivemaxrequests=100", "--entrypoints.web.transport.keepalivemaxtime=30s"], want: [] },
    { name: "http2 options (served)", args: ["--entrypoints.websecure.address=:443", "--entrypoints.websecure.http2.maxconcurrentstreams=50"], want: [] },
    { name: "PROXY protocol", args: ["--entrypoints.web.address=:80", "--entrypoints.web.proxyprotocol.trustedips=10.0.0.0/8"], want: [/^entryPoints\.web\.proxyProtocol: /] },
  ];
  test.each(cases)("$name", ({ args, want }) => {
    const { config, diagnostics } = loadStaticConfig(args, {});
    expect(diagnostics).toEqual([]);
    const notices = unsupportedNotices(config);
    expect(notices).toHaveLength(want.length);
    want.forEach((re, i) => expect(notices[i]).toMatch(re));
  });
});

describe("unsupportedNotices on SLUICE_FRONT=serve", () => {
  test("timeouts and http2 options are said not to apply there", () => {
    const saved = process.env.SLUICE_FRONT;
    process.env.SLUICE_FRONT = "serve";
    try {
      const { config } = loadStaticConfig(["--entrypoints.websecure.address=:443", "--entrypoints.websecure.http2.maxconcurrentstreams=50", "--entrypoints.websecure.transport.respondingtimeouts.readtimeout=5s"], {});
      const notices = unsupportedNotices(config);
      expect(notices).toHaveLength(2);
      expect(notices[0]).toMatch(/^entryPoints\.websecure\.transport\.respondingTimeouts\.readTimeout is not enforced with SLUICE_FRONT=serve/);
      expect(notices[1]).toMatch(/^entryPoints\.websecure\.http2 is not applied with SLUICE_FRONT=serve/);
    } finally {
      if (saved === undefined) delete process.env.SLUICE_FRONT;
      else process.env.SLUICE_FRONT = saved;
    }
  });
});
