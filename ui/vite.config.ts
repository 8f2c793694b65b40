import { defineConfig } from "vitest/config";

// Tauri loads the dev server at a fixed port (src-tauri/tauri.conf.json
// build.devUrl) and the built files from ui/dist.
export default defineConfig({
  clearScreen: false,
  base: "./",
  server: { port: 1420, strictPort: true, host: "127.0.0.1" },
  build: {
    // WebKitGTK 2.40+ on Linux, WebView2 on Windows, WKWebView on macOS.
    target: ["es2021", "safari15"],
    outDir: "dist",
    emptyOutDir: true,
    sourcemap: false,
  },
  test: {
    include: ["src/**/*.test.ts"],
    environment: "node",
  },
});
