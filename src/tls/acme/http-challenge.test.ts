import { expect, test } from "bun:test";
import { httpChallengeResponse } from "./http-challenge.ts";

const tokens = new Map([["tok123", "tok123.thumb"]]);
const src = { httpChallenge: (t: string) => tokens.get(t) };

const cases: Array<[string, number | undefined, string?]> = [
  ["/.well-known/acme-challenge/tok123", 200, "tok123.thumb"],
  ["/.well-known/acme-challenge/other", 404],
  ["/.well-known/acme-challenge/", 404],
  ["/.well-known/acme-challenge/tok123/x", 404],
  ["/.well-known/other/tok123", undefined],
  ["/", undefined],
];
for (const [path, status, body] of cases) {
  test(`${path} → ${status ?? "not ACME"}`, async () => {
    const r = httpChallengeResponse(src, path);
    expect(r?.status).toBe(status);
    if (body !== undefined) expect(await r!.text()).toBe(body);
  });
}
