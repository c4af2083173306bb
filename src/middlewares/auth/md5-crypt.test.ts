import { describe, expect, test } from "bun:test";
import { md5Crypt } from "./md5-crypt.ts";

// Vectors produced with `openssl passwd -apr1 -salt SALT PASSWORD` (and -1 for $1$).
describe("md5Crypt", () => {
  test.each([
    ["p@ssw0rd", "saltsalt", "$apr1$", "$apr1$saltsalt$E5Rr3dOVSFY9DZAksLuwO/"],
    ["p@ssw0rd", "ab", "$apr1$", "$apr1$ab$iOHJvZTr41vFz4Xe82BY40"],
    ["p@ssw0rd", "12345678", "$apr1$", "$apr1$12345678$FF2RIsVy5WnDPk.TAHORb/"],
    ["", "xyz", "$apr1$", "$apr1$xyz$Pix4eE3fQHxJjb6LqtyMK1"],
    ["pässwörd-long-enough-to-exceed-sixteen-bytes", "Zq9./aB", "$apr1$", "$apr1$Zq9./aB$2oiyXRJV8.Yvx8RFRXTuw1"],
    ["p@ssw0rd", "saltsalt", "$1$", "$1$saltsalt$yW0NtrMhKUDKaLArpQSpk."],
  ] as const)("%p with salt %p (%s)", (password, salt, magic, want) => {
    expect(md5Crypt(password, salt, magic)).toBe(want);
  });

  test("a longer salt is cut at 8 characters, as crypt does", () => {
    expect(md5Crypt("p@ssw0rd", "saltsaltEXTRA")).toBe("$apr1$saltsalt$E5Rr3dOVSFY9DZAksLuwO/");
  });

  test("a different password gives a different hash", () => {
    expect(md5Crypt("p@ssw0rD", "saltsalt")).not.toBe("$apr1$saltsalt$E5Rr3dOVSFY9DZAksLuwO/");
  });
});
