import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The worker is an ES module (it imports the HoloMind packages); `browser` export conditions pick
// each package's browser entry, which leaves Node-only modules out.
export default defineConfig({
  worker: { format: 'es' },
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 4096,
    // The playground, and a page that runs the fused WGSL kernels for the browser test.
    rollupOptions: {
      input: {
        main: fileURLToPath(new URL('./index.html', import.meta.url)),
        kernels: fileURLToPath(new URL('./kernels.html', import.meta.url)),
      },
    },
  },
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1' },
});
