import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// Tauri serves `dist/` from its own protocol; relative paths are not needed because the
// app origin is the root. No dev server is used: the app always embeds the built files.
export default defineConfig({
  plugins: [svelte()],
  clearScreen: false,
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // WebKitGTK 2.50 (Debian 12) and current WebView2/WKWebView all support ES2022.
    target: 'es2022',
    sourcemap: false,
  },
});
