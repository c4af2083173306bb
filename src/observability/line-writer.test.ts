import { afterEach, expect, test } from "bun:test";
import { LineWriter } from "./line-writer.ts";
import { configureLogger } from "./logger.ts";

afterEach(() => configureLogger({ level: "INFO", format: "common" }));

test("lost lines are counted and reported in the log, at most once per 10 s", async () => {
  const logged: string[] = [];
  configureLogger({ level: "INFO", format: "common", sink: (l) => logged.push(l) });
  const w = new LineWriter({
    bufferingSize: 1,
    sink: () => {
      throw new Error("disk full");
    },
  });
  for (let i = 0; i < 5; i++) w.write(`line ${i}\n`);
  expect(w.dropped).toBe(5);
  const reports = logged.filter((l) => l.includes("access log: lines dropped"));
  expect(reports.length).toBe(1);
  expect(reports[0]).toContain("dropped=1");
});
