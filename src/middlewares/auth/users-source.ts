import { readFileSync } from "node:fs";
import type { OptionReader } from "../options.ts";

// The `users` / `usersFile` pair shared by basicAuth and digestAuth. The file
// is read once, when the middleware is built (as Traefik does); blank lines and
// `#` comments are skipped. File lines come first and inline users after, so
// when both name the same user the inline entry wins, as in Traefik.

export interface UserLine {
  text: string;
  /** Option path for problems: `users[2]` or `usersFile`. */
  path: string;
  /** Human description of where the line is, for messages. */
  where: string;
}

/** Reads `users` and `usersFile` from `o`; a file that cannot be read is an error on `usersFile`. */
export function readUserLines(o: OptionReader): UserLine[] {
  const lines: UserLine[] = [];
  const file = o.string("usersFile");
  if (file !== undefined && file !== "") {
    let content: string | undefined;
    try {
      content = readFileSync(file, "utf8");
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      o.error("usersFile", `cannot read users file ${JSON.stringify(file)}${code ? ` (${code})` : ""}`);
    }
    content?.split("\n").forEach((raw, i) => {
      const text = raw.trim();
      if (text !== "" && !text.startsWith("#")) lines.push({ text, path: "usersFile", where: `${file} line ${i + 1}` });
    });
  }
  o.stringList("users").forEach((raw, i) => {
    const text = raw.trim();
    if (text !== "") lines.push({ text, path: `users[${i}]`, where: `users[${i}]` });
  });
  return lines;
}
