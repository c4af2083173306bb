import { describe, expect, test } from "bun:test";
import { GoReplacer, unknownRefsWarning } from "./go-replace.ts";

describe("GoReplacer (Go's ReplaceAllString)", () => {
  test.each([
    // [regex, flags, input, template, Go's result]
    ["^/foo/(.*)", "", "/foo/bar", "/x/$1", "/x/bar"],
    ["^/foo/(.*)", "", "/foo/bar", "/x/${1}", "/x/bar"],
    ["^/(\\w+)", "", "/abc", "/$1x", "/"], // $1x is the group named "1x": empty
    ["^/(\\w+)", "", "/abc", "/${1}x", "/abcx"],
    ["^/(?<id>\\d+)", "", "/42", "/item/$id", "/item/42"],
    ["^/(?<id>\\d+)", "", "/42", "/item/${id}.json", "/item/42.json"],
    ["^/(a)", "", "/a", "/$$1", "/$1"], // $$ is a literal $
    ["^/(a)", "", "/a", "/$", "/$"], // a lone $ stays
    ["^/(a)", "", "/a", "/${1", "/${1"], // unclosed brace: literal
    ["^/(a)", "", "/a", "/$01", "/"], // leading zero: a name, not a number
    ["^/(a)", "", "/a", "/$2", "/"], // a missing group expands to ""
    ["o", "", "/foo/boo", "0", "/f00/b00"], // every match
    ["b*", "", "abc", "-", "-a-c-"], // JavaScript would give "-a--c-"
    ["x*", "", "abc", "-", "-a-b-c-"],
    ["(a)|b", "", "ab", "[$1]", "[a][]"], // a group that did not take part is ""
    ["é", "u", "aéb", "e", "aeb"],
  ])("%s on %p with %p gives %p", (source, flags, input, template, want) => {
    expect(new GoReplacer(new RegExp(source, flags), template).replace(input)).toBe(want);
  });

  test.each([
    ["^/(\\w+)", "/$1x", ['$1x']],
    ["^/(\\w+)", "/${1}x/$2", ["$2"]],
    ["^/(?<id>\\d+)", "/$id/$name", ["$name"]],
    ["^/(\\w+)", "/${1}$$2", []],
  ])("%s with %p reports references to missing groups %p", (source, template, want) => {
    const r = new GoReplacer(new RegExp(source), template);
    expect(r.unknownRefs).toEqual(want);
    expect(unknownRefsWarning(r) === null).toBe(want.length === 0);
  });
});
