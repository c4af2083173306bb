import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LogLevel } from "../config/static/types.ts";
import { configureLogger, createLogger, log, parseLogLevel } from "./logger.ts";

const T0 = Date.UTC(2026, 10, 25, 9, 0, 0, 456);
const dir = mkdtempSync(join(tmpdir(), "sluice-logger-"));
afterAll(() => {
  configureLogger({ level: "INFO", format: "common" });
  rmSync(dir, { recursive: true, force: true });
});

function capture(level: LogLevel, format: "common" | "json" = "common") {
  const lines: string[] = [];
  const logger = createLogger({ level, format, sink: (l) => lines.push(l), now: () => T0 });
  return { logger, lines };
}

describe("logger", () => {
  test.each([
    ["TRACE", ["TRC", "DBG", "INF", "WRN", "ERR", "FTL"]],
    ["DEBUG", ["DBG", "INF", "WRN", "ERR", "FTL"]],
    ["INFO", ["INF", "WRN", "ERR", "FTL"]],
    ["WARN", ["WRN", "ERR", "FTL"]],
    ["ERROR", ["ERR", "FTL"]],
    ["FATAL", ["FTL"]],
    ["PANIC", []],
  ] as const)("level %s writes %p", (level, want) => {
    const { logger, lines } = capture(level);
    logger.trace("t");
    logger.debug("d");
    logger.info("i");
    logger.warn("w");
    logger.error("e");
    logger.fatal("f");
    expect(lines.map((l) => l.split(" ")[1])).toEqual([...want]);
  });

  test("text format: time, short level, message, key=value with quoting", () => {
    const { logger, lines } = capture("INFO");
    logger.warn("router skipped", { router: "api@file", reason: "bad rule", n: 3, err: new Error("boom x") });
    expect(lines).toEqual([`2026-11-25T09:00:00Z WRN router skipped router=api@file reason="bad rule" n=3 err="boom x"\n`]);
  });

  test("json format: level/time/message then fields", () => {
    const { logger, lines } = capture("DEBUG", "json");
    logger.debug("loaded", { providers: 2, error: new Error("x") });
    expect(lines.length).toBe(1);
    expect(lines[0]!.endsWith("\n")).toBe(true);
    expect(JSON.parse(lines[0]!)).toEqual({ level: "debug", time: "2026-11-25T09:00:00Z", message: "loaded", providers: 2, error: "x" });
  });

  test("child adds its fields to every line; call fields come after", () => {
    const { logger, lines } = capture("INFO");
    logger.child({ provider: "file" }).child({ file: "a.yml" }).info("reloaded", { routers: 4 });
    expect(lines[0]).toBe("2026-11-25T09:00:00Z INF reloaded provider=file file=a.yml routers=4\n");
  });

  test("enabled reports the threshold", () => {
    const { logger } = capture("WARN");
    expect(logger.enabled("INFO")).toBe(false);
    expect(logger.enabled("ERROR")).toBe(true);
  });

  test("configureLogger reconfigures the default log and children taken before", () => {
    const lines: string[] = [];
    const child = log.child({ component: "test" });
    configureLogger({ level: "ERROR", format: "json", sink: (l) => lines.push(l), now: () => T0 });
    log.info("hidden");
    child.error("shown");
    expect(lines.length).toBe(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: "error", message: "shown", component: "test" });
  });

  test("file output appends lines", () => {
    const file = join(dir, "sub", "sluice.log");
    configureLogger({ level: "info", format: "common", filePath: file });
    log.info("first");
    log.info("second");
    configureLogger({ level: "INFO", format: "common", sink: () => {} });
    const text = readFileSync(file, "utf8");
    expect(text.split("\n").filter(Boolean).map((l) => l.split(" ").slice(1).join(" "))).toEqual(["INF first", "INF second"]);
  });

  test.each([
    ["debug", "DEBUG"],
    ["Warning", "WARN"],
    ["panic", "PANIC"],
  ])("parseLogLevel(%p)", (input, want) => {
    expect(parseLogLevel(input)).toBe(want as LogLevel);
  });

  test("parseLogLevel rejects unknown levels", () => {
    expect(() => parseLogLevel("verbose")).toThrow();
  });
});
