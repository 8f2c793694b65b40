import { describe, expect, it } from "vitest";
import { failureMessage, firstTile, localClock, messageText, moveTile, pinComplete, pinInput, type PinChoice } from "./pin";

const kim: PinChoice = { id: "k", name: "Kim", role: "keyer", tries_left: 3, locked_until: null };
const ana: PinChoice = { id: "a", name: "Ana", role: "admin", tries_left: 5, locked_until: null };

describe("PIN screen", () => {
  it("takes digits only, full-width ones too, at most 8", () => {
    expect(pinInput("12a3 4")).toBe("1234");
    expect(pinInput("７３５１")).toBe("7351");
    expect(pinInput("1234567890")).toBe("12345678");
    expect(pinComplete("123")).toBe(false);
    expect(pinComplete("1234")).toBe(true);
    expect(pinComplete("12345678")).toBe(true);
  });

  it("moves between tiles with the arrow keys, on a grid", () => {
    // 5 tiles, 3 a row:  0 1 2 / 3 4
    expect(moveTile(0, "ArrowRight", 5, 3)).toBe(1);
    expect(moveTile(4, "ArrowRight", 5, 3)).toBe(4);
    expect(moveTile(0, "ArrowLeft", 5, 3)).toBe(0);
    expect(moveTile(1, "ArrowDown", 5, 3)).toBe(4);
    expect(moveTile(2, "ArrowDown", 5, 3)).toBe(2);
    expect(moveTile(4, "ArrowUp", 5, 3)).toBe(1);
    expect(moveTile(3, "Home", 5, 3)).toBe(0);
    expect(moveTile(0, "End", 5, 3)).toBe(4);
    expect(moveTile(2, "a", 5, 3)).toBe(2);
    expect(moveTile(0, "ArrowRight", 0, 3)).toBe(0);
  });

  it("starts on the last user who signed in here", () => {
    expect(firstTile([ana, kim], "k")).toBe(1);
    expect(firstTile([ana, kim], "gone")).toBe(0);
    expect(firstTile([ana, kim], null)).toBe(0);
  });

  it("says how many tries are left after a wrong PIN, and until when a user is locked out", () => {
    const wrong = failureMessage("invalid_input", "wrong_pin", "wrong PIN for Kim (3 tries left)", kim);
    expect(wrong).toEqual({ kind: "wrong", tries: 3 });
    expect(messageText(wrong, "en")).toBe("Wrong PIN. 3 tries left.");
    expect(messageText(wrong, "zh")).toBe("PIN 码不正确，还可以再试 3 次。");
    expect(messageText({ kind: "wrong", tries: 1 }, "en")).toMatch(/One more wrong PIN/);
    const until = new Date(2026, 11, 1, 9, 31, 5).toISOString();
    const locked = failureMessage("locked", null, "too many wrong PINs", { ...kim, tries_left: 5, locked_until: until });
    expect(locked).toEqual({ kind: "locked", until });
    expect(messageText(locked, "en")).toBe("Too many wrong PINs. Try again after 09:31:05.");
    expect(localClock(null)).toBe("");
    expect(failureMessage("storage", null, "disk full", kim)).toEqual({ kind: "error", text: "disk full" });
  });
});
