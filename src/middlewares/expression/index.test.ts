import { describe, expect, test } from "bun:test";
import { compilePredicate, ExpressionError, tryCompilePredicate, type FunctionTable } from "./index.ts";

interface Env {
  ratio: number;
  attempts: number;
  net: boolean;
  calls: string[];
}

const fns: FunctionTable<Env> = {
  Ratio: { arity: 0, returns: "number", bind: () => (e) => (e.calls.push("Ratio"), e.ratio) },
  Attempts: { arity: 0, returns: "number", bind: () => (e) => (e.calls.push("Attempts"), e.attempts) },
  IsNet: { arity: 0, returns: "boolean", bind: () => (e) => (e.calls.push("IsNet"), e.net) },
  Scale: {
    arity: 2,
    returns: "number",
    check: ([a]) => (a! < 0 ? "first argument must be >= 0" : undefined),
    bind: ([a, b]) => (e) => e.ratio * a! + b!,
  },
};

const env = (over: Partial<Env> = {}): Env => ({ ratio: 0.5, attempts: 1, net: true, calls: [], ...over });

describe("expression evaluation", () => {
  test.each([
    ["Ratio() > 0.4", {}, true],
    ["Ratio() > 0.5", {}, false],
    ["Ratio() >= 0.5", {}, true],
    ["Ratio() < 0.5", {}, false],
    ["Ratio() <= 0.5", {}, true],
    ["Ratio() == 0.5", {}, true],
    ["Ratio() != 0.5", {}, false],
    ["0.4 < Ratio()", {}, true],
    ["IsNet()", { net: false }, false],
    ["IsNet() == IsNet()", {}, true],
    ["IsNet() && Attempts() < 2", { attempts: 1 }, true],
    ["IsNet() && Attempts() < 2", { attempts: 2 }, false],
    ["Ratio() > 0.9 || Attempts() == 1", {}, true],
    ["Ratio() > 0.9 || Attempts() == 3", {}, false],
    // && binds tighter than ||
    ["Attempts() == 1 || IsNet() && Ratio() > 0.9", { net: true }, true],
    ["(Attempts() == 1 || IsNet()) && Ratio() > 0.9", { net: true }, false],
    ["((Ratio())) > 0.1", {}, true],
    ["Scale(2, 0.25) == 1.25", {}, true],
    ["Scale(1e1, -1) == 4", {}, true],
    ["Ratio()>.4&&Attempts()<=1", {}, true],
  ] as [string, Partial<Env>, boolean][])("%p with %p is %p", (src, over, want) => {
    expect(compilePredicate(src, fns)(env(over))).toBe(want);
  });

  test("&& and || short-circuit", () => {
    const e = env({ net: false });
    compilePredicate("IsNet() && Attempts() > 0", fns)(e);
    expect(e.calls).toEqual(["IsNet"]);
    const f = env({ net: true });
    compilePredicate("IsNet() || Attempts() > 0", fns)(f);
    expect(f.calls).toEqual(["IsNet"]);
  });
});

describe("expression errors carry a position", () => {
  test.each([
    ["", "empty expression", 1],
    ["Ratio() > ", "expected a function call, a number", 11],
    ["Ratio( > 1", "expected a number argument to Ratio()", 8],
    ["Scale(1 > 1", "expected \",\" or \")\"", 9],
    ["Nope() > 1", 'unknown function "Nope"', 1],
    ["Ratio() > 1 &", '"&" is not an operator', 13],
    ["Ratio() = 1", '"=" is not an operator', 9],
    ["Ratio() > 1)", 'unexpected ")"', 12],
    ["(Ratio() > 1", 'expected ")"', 13],
    ["Ratio()", "gives a number, not a condition", 1],
    ["Ratio() && IsNet()", '"&&" combines conditions, got a number', 9],
    ["IsNet() > 1", '">" compares a boolean with a number', 9],
    ["IsNet() > IsNet()", '">" needs numbers', 9],
    ["Scale(1) > 0", "Scale() takes 2 arguments, got 1", 1],
    ["Scale(-1, 0) > 0", "Scale(): first argument must be >= 0", 1],
    ["Ratio(x) > 0", "a number argument to Ratio()", 7],
    ["Ratio() > 1 # x", 'unexpected character "#"', 13],
    ["Ratio() > 1 Ratio()", 'unexpected "Ratio"', 13],
  ])("%p: %p at position %p", (src, message, position) => {
    let err: unknown;
    try {
      compilePredicate(src, fns);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ExpressionError);
    expect((err as ExpressionError).message).toContain(message);
    expect((err as ExpressionError).position).toBe(position);
    expect((err as ExpressionError).message).toEndWith(`at position ${position}`);
  });

  test("tryCompilePredicate returns the message instead of throwing", () => {
    expect(tryCompilePredicate("Nope()", fns)).toContain("known: Ratio(), Attempts(), IsNet(), Scale()");
    expect(typeof tryCompilePredicate("IsNet()", fns)).toBe("function");
  });
});
