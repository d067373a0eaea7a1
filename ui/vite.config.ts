import { defineConfig } from 'vite';

// Static files the daemon serves from ui/dist; nothing is fetched from the internet at run time.
export default defineConfig({
  base: './',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    // The kiosk is Chromium: no polyfill, and no inline script (the server's CSP forbids it).
    modulePreload: { polyfill: false },
    reportCompressedSize: true,
  },
});
