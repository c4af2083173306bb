import { createHash } from "node:crypto";

// MD5-crypt as in Apache's htpasswd ($apr1$) and glibc crypt ($1$): the two
// differ only in the magic string. Node has no crypt(3), so it is rebuilt on
// node:crypto's MD5 following the published algorithm (1000 rounds).

const ITOA64 = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

export type Md5Magic = "$apr1$" | "$1$";

/** The full hash string (`$apr1$salt$...`) of `password` with `salt` (at most 8 characters used). */
export function md5Crypt(password: string | Uint8Array, salt: string, magic: Md5Magic = "$apr1$"): string {
  const pw = typeof password === "string" ? Buffer.from(password, "utf8") : Buffer.from(password);
  const s = salt.split("$")[0].slice(0, 8);
  const saltBytes = Buffer.from(s, "utf8");

  const alt = createHash("md5").update(pw).update(saltBytes).update(pw).digest();
  const ctx = createHash("md5").update(pw).update(magic).update(saltBytes);
  for (let n = pw.length; n > 0; n -= 16) ctx.update(alt.subarray(0, Math.min(16, n)));
  // One byte per bit of the length: a NUL for a set bit, else the password's first byte.
  for (let n = pw.length; n > 0; n >>= 1) ctx.update(n & 1 ? Buffer.of(0) : pw.subarray(0, 1));
  let final = ctx.digest();

  for (let i = 0; i < 1000; i++) {
    const round = createHash("md5");
    round.update(i & 1 ? pw : final);
    if (i % 3) round.update(saltBytes);
    if (i % 7) round.update(pw);
    round.update(i & 1 ? final : pw);
    final = round.digest();
  }

  let out = "";
  const put = (value: number, chars: number) => {
    for (let v = value, k = 0; k < chars; k++, v >>= 6) out += ITOA64[v & 0x3f];
  };
  put((final[0] << 16) | (final[6] << 8) | final[12], 4);
  put((final[1] << 16) | (final[7] << 8) | final[13], 4);
  put((final[2] << 16) | (final[8] << 8) | final[14], 4);
  put((final[3] << 16) | (final[9] << 8) | final[15], 4);
  put((final[4] << 16) | (final[10] << 8) | final[5], 4);
  put(final[11], 2);
  return `${magic}${s}$${out}`;
}
