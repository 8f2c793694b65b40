import { describe, expect, it } from "vitest";
import { keyFor } from "./views/keying";
describe("keying keys", () => {
  const k = (key: string, mods: Partial<KeyboardEvent> = {}) =>
    keyFor({ key, ctrlKey: false, metaKey: false, altKey: false, isComposing: false, ...mods } as KeyboardEvent);
  it("sends characters, Enter, Backspace and ↑ as Back; leaves the rest", () => {
    expect(k("3")).toBe("3");
    expect(k("é")).toBe("é");
    expect(k("Enter")).toBe("Enter");
    expect(k("Backspace")).toBe("Backspace");
    expect(k("ArrowUp")).toBe("Back");
    expect(k("Tab")).toBeNull();
    expect(k("c", { ctrlKey: true })).toBeNull();
  });
});

import { composedKeys, composing } from "./views/keying";
import { barWidth, pct } from "./views/portrait";
describe("text answers through an input method", () => {
  it("sends each finished character, never a line break", () => {
    expect(composedKeys("农民工")).toEqual(["农", "民", "工"]);
    expect(composedKeys("𠮷a")).toEqual(["𠮷", "a"]);
    expect(composedKeys(null)).toEqual([]);
    expect(composedKeys("a\n")).toEqual(["a"]);
  });
  it("leaves keys to the input method while it composes", () => {
    expect(composing({ isComposing: true, key: "n", keyCode: 78 })).toBe(true);
    expect(composing({ isComposing: false, key: "Process", keyCode: 229 })).toBe(true);
    expect(composing({ isComposing: false, key: "1", keyCode: 49 })).toBe(false);
  });
});
describe("portrait charts", () => {
  it("prints one decimal and scales bars to the largest count", () => {
    expect(pct(33.3)).toBe("33.3%");
    expect(pct(100)).toBe("100.0%");
    expect(barWidth(1, 3)).toBe(33.3);
    expect(barWidth(3, 3)).toBe(100);
    expect(barWidth(0, 0)).toBe(0);
  });
});

import { reviewRows } from "./views/keying";
import type { Form } from "./bindings/Form";
describe("the review lists a repeat's repetitions", () => {
  const q = (name: string, groups: string[] = []) => ({ name, kind: "text", type: "text", row: 1, labels: { "": name }, required: false, or_other: false, groups }) as unknown as Form["questions"][number];
  const form = {
    form_id: "hh", title: "hh", languages: [""], skipped: [], warnings: [], warnings_worded: [],
    groups: [{ name: "child", labels: { "": "Child" }, repeat: true, row: 3 }, { name: "g", labels: {}, repeat: false, row: 9 }],
    questions: [q("head"), q("child_name", ["child"]), q("child_age", ["child", "g"]), q("comments")],
  } as unknown as Form;
  it("heads each repetition and keys its answers name[i], in form order", () => {
    const rows = reviewRows(form, { head: "Wang", "child_age[2]": "3", "child_name[1]": "Li", "child_age[1]": "8", comments: "ok", "child_name[12]": "x", "other[1]": "no" });
    const shown = rows.map((r) => ("group" in r ? `# ${r.group.name} ${r.rep}` : r.key));
    expect(shown).toEqual(["head", "# child 1", "child_name[1]", "child_age[1]", "# child 2", "child_age[2]", "# child 12", "child_name[12]", "comments"]);
  });
  it("shows no heading for a repeat with no answer", () => {
    expect(reviewRows(form, { head: "Wang" }).map((r) => ("key" in r ? r.key : "#"))).toEqual(["head"]);
  });
});
