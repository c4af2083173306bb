// Choosing a response encoding from Accept-Encoding, as Traefik v3 does:
// - header absent: `defaultEncoding` (none when unset); present but empty: none;
// - the highest q-value among the configured encodings wins; equal q-values
//   are broken by the configured order, not by the client's order;
// - `*` stands for the default encoding (or the first configured one);
// - identity wins only with a strictly higher q-value than the best encoding;
// - unknown codings (compress, rar) are ignored.
// Sluice differs on purpose in one case: when nothing configured is acceptable,
// Traefik answers 406; Sluice sends the body unencoded (identity is always
// acceptable, RFC 9110 12.5.3) unless identity was refused with `identity;q=0`
// or `*;q=0`, and only then answers 406.

export type Encoding = "gzip" | "br" | "zstd";
export const ENCODINGS: readonly Encoding[] = ["gzip", "br", "zstd"];

/** The chosen encoding, "identity" for none, or "not-acceptable" (406). */
export type Choice = Encoding | "identity" | "not-acceptable";

export interface EncodingPolicy {
  /** Configured encodings, in priority order. */
  encodings: readonly Encoding[];
  defaultEncoding?: Encoding;
}

export function chooseEncoding(header: string | null, policy: EncodingPolicy): Choice {
  if (header === null) return policy.defaultEncoding ?? "identity";
  const weights = new Map<string, number>();
  for (const item of header.split(",")) {
    const [rawName, ...params] = item.split(";");
    const name = rawName!.trim().toLowerCase();
    if (name === "") continue;
    let q = 1;
    for (const p of params) {
      const [k, v] = p.split("=").map((s) => s.trim());
      if (k?.toLowerCase() === "q") q = parseQ(v);
    }
    // A coding listed twice keeps its best weight.
    weights.set(name, Math.max(q, weights.get(name) ?? -1));
  }
  if (weights.size === 0) return "identity";

  const wildcard = weights.get("*");
  const wildcardTarget = policy.defaultEncoding ?? policy.encodings[0];
  let best: Encoding | undefined;
  let bestQ = 0;
  for (const enc of policy.encodings) {
    const q = weights.get(enc) ?? (enc === wildcardTarget ? wildcard : undefined) ?? 0;
    if (q > bestQ) {
      best = enc;
      bestQ = q;
    }
  }
  const identity = weights.get("identity") ?? (wildcard === 0 ? 0 : 1);
  if (best !== undefined && !(weights.has("identity") && identity > bestQ)) return best;
  return identity > 0 ? "identity" : "not-acceptable";
}

function parseQ(v: string | undefined): number {
  const q = Number(v);
  return Number.isFinite(q) && q >= 0 && q <= 1 ? q : 0;
}
