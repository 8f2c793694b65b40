import { describe, expect, it } from "vitest";
import type { AuditEntry } from "./bindings/AuditEntry";
import { actionLabel, auditChange, auditTime, auditWhat, shortId } from "./auditlog";

const base: AuditEntry = {
  id: "1", at: "2026-12-01T09:31:05.120Z", user: "Chen", role: "coordinator", device_id: "0193a1b2c3d4e5f6",
  action: "edit", before: null, after: null,
};

describe("audit lines", () => {
  it("names the action and the laptop", () => {
    expect(actionLabel("user_add", "zh")).toBe("添加用户");
    expect(actionLabel("merge", "en")).toBe("Merge");
    expect(actionLabel("something_new", "en")).toBe("something_new");
    // UUIDv7 starts with the time: the tail tells laptops apart.
    expect(shortId("019ad3f1-2c4b-7e10-9a8b-3c2d1e0f9a7b")).toBe("1e0f9a7b");
    expect(auditTime("2026-12-01T09:31:05.120Z")).toMatch(/^2026-12-01 \d\d:31:05$/);
  });

  it("shows before → after of the fields an edit changed", () => {
    const edit = { ...base, entity: "trainee", entity_id: "0193ffff-0000-7000-8000-00000000abcd", before: { organization: null, phone: "138" }, after: { organization: "农民合作社", phone: "139" } };
    expect(auditChange(edit)).toBe("organization: ∅ → 农民合作社; phone: 138 → 139");
    expect(auditWhat(edit, "zh")).toBe("学员 0000abcd");
    const role = { ...base, action: "user_role", entity: "user", before: { role: "keyer" }, after: { name: "Kim", role: "coordinator", disabled_at: null } };
    expect(auditChange(role)).toBe("role: keyer → coordinator");
    expect(auditWhat(role, "en")).toBe("user Kim");
    const signIn = { ...base, action: "sign_in", entity: "user", entity_id: "u-kim" };
    expect(auditWhat(signIn, "en", (id) => (id === "u-kim" ? "Kim" : undefined))).toBe("user Kim");
  });

  it("lists the fields of a new row, and the detail of other lines", () => {
    const add = { ...base, action: "user_add", entity: "user", after: { name: "Kim", role: "keyer", disabled_at: null } };
    expect(auditChange(add)).toBe("name=Kim; role=keyer");
    const exp = { ...base, action: "export", after: { kind: "audit_csv", file: "/tmp/a.csv", encrypted: false } };
    expect(auditWhat(exp, "en")).toBe("audit log CSV");
    expect(auditChange(exp)).toBe("kind=audit_csv; file=/tmp/a.csv; encrypted=false");
    expect(auditWhat(exp, "zh")).toBe("操作日志 CSV");
    const badges = { ...base, action: "print", after: { kind: "badges", file: "/tmp/b.pdf", items: 26, pages: 3 } };
    expect(auditWhat(badges, "zh")).toBe("胸牌条");
    expect(auditChange(badges)).toBe("kind=badges; file=/tmp/b.pdf; items=26; pages=3");
    // A line from before the core wrote its facts: the detail as written.
    const old = { ...base, action: "backup", detail: "/media/usb/b.db (4096 bytes)" };
    expect(auditWhat(old, "en")).toBe("/media/usb/b.db (4096 bytes)");
    expect(auditChange(old)).toBe("");
    const many = { ...base, action: "create", after: Object.fromEntries("abcdefgh".split("").map((k) => [k, 1])) };
    expect(auditChange(many, 3)).toBe("a=1; b=1; c=1; …");
  });

  it("words the core's facts in the app's language, not the CLI's English detail", () => {
    const wrong = { ...base, action: "sign_in_failed", entity: "user", entity_id: "u-kim", detail: "wrong PIN 2 of 5", after: { failed: 2, of: 5 } };
    expect(auditWhat(wrong, "zh", () => "Kim")).toBe("用户 Kim PIN 码错误（第 2 次，共 5 次机会）");
    expect(auditWhat(wrong, "en", () => "Kim")).toBe("user Kim wrong PIN 2 of 5");
    expect(auditChange(wrong)).toBe("");
    const idle = { ...base, action: "settings", detail: "idle lock after 30 min", after: { idle_lock_minutes: 30 } };
    expect(auditWhat(idle, "zh")).toBe("空闲 30 分钟后锁定");
    expect(auditWhat({ ...idle, after: { idle_lock_minutes: 0 } }, "en")).toBe("no idle lock");
    const backup = { ...base, action: "backup", detail: "/media/usb/b.db (4096 bytes)", after: { file: "/media/usb/b.db", bytes: 4096 } };
    expect(auditWhat(backup, "zh")).toBe("/media/usb/b.db（4.0 KB）");
    expect(auditChange(backup)).toBe("");
    const restore = { ...base, action: "restore", detail: "from /media/usb/b.db", after: { from: "/media/usb/b.db" } };
    expect(auditWhat(restore, "zh")).toBe("从 /media/usb/b.db 恢复");
  });
});
