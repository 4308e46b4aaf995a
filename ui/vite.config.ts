// Builds ui/dist, which the Tauri shell embeds at compile time (tauri.conf.json: frontendDist).
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  plugins: [react()],
  // The port a dev config's devUrl points at (BUILD-NOTES: hot reload); fail rather than drift.
  server: { port: 1420, strictPort: true },
  clearScreen: false,
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // WebKitGTK is the only browser this bundle meets.
    target: 'safari15',
    // Served from the app binary, not a network: one big chunk costs nothing, so don't warn.
    chunkSizeWarningLimit: 4096,
  },
  test: {
    environment: 'node',
    // *.test.ts run in node; *.test.tsx render screens and say `@vitest-environment jsdom` themselves.
    include: ['src/**/*.test.ts', 'src/**/*.test.tsx'],
  },
});
