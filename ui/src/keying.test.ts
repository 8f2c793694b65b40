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
